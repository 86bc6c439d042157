import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LvsdError } from '../../../src/errors.js';
import { ConfigError, ConfigFileLoader, formatConfigError, loadConfig, loadConfigFile } from '../../../src/config/index.js';

const PAIR = `
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [192.0.2.10/24]
nodes:
  lvs1:
    router_id: first
    vrrp_instances:
      VI_1: { state: MASTER, priority: 200, interface: eth1 }
  lvs2: {}
`;

function errorsOf(text: string, opts: { node?: string; hostname?: string } = {}): string[] {
  const r = loadConfig(text, { file: 't.yaml', hostname: 'test-host', ...opts });
  return r.ok ? [] : r.errors.map(formatConfigError);
}

describe('loadConfig', () => {
  it('applies the overrides of the node given', () => {
    const r = loadConfig(PAIR, { file: 't.yaml', node: 'lvs1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.global.router_id).toBe('first');
    expect(r.config.vrrp_instances.VI_1).toMatchObject({ state: 'MASTER', priority: 200, interface: 'eth1' });
    expect(r.config.vrrp_instances.VI_1?.virtual_ipaddress[0]?.dev).toBe('eth1');
  });

  it('picks the node by host name, full or short', () => {
    for (const hostname of ['lvs2', 'lvs2.example.net']) {
      const r = loadConfig(PAIR, { file: 't.yaml', hostname });
      expect(r.ok && r.config.node).toBe('lvs2');
      expect(r.ok && r.config.global.router_id).toBe('lvs2'); // default: the node name
      expect(r.ok && r.config.vrrp_instances.VI_1?.priority).toBe(100);
    }
  });

  it('without nodes, any name goes and overrides nothing', () => {
    const r = loadConfig('virtual_servers: []\n', { file: 't.yaml', hostname: 'box' });
    expect(r.ok && r.config.node).toBe('box');
    expect(r.ok && r.config.nodes).toEqual([]);
  });

  it('returns a deeply frozen model', () => {
    const r = loadConfig(PAIR, { file: 't.yaml', node: 'lvs1' });
    if (!r.ok) throw new Error('expected ok');
    expect(() => {
      (r.config.vrrp_instances.VI_1 as { priority: number }).priority = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(r.config.vrrp_instances.VI_1?.virtual_ipaddress[0])).toBe(true);
  });

  it('reports errors as ConfigError (an LvsdError with code ECONFIG), sorted by position', () => {
    const r = loadConfig('logging:\n  level: loud\nglobal:\n  foo: 1\n', { file: 'x.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [2, 10],
      [4, 3],
    ]);
    const e = r.errors[1] as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).toBeInstanceOf(LvsdError);
    expect(e.code).toBe('ECONFIG');
    expect([e.file, e.path, e.message]).toEqual([
      'x.yaml',
      'global.foo',
      "unknown key 'foo'; expected one of: router_id, script_user, vrrp_mcast_group4, vrrp_mcast_group6, ipvs_resync_interval",
    ]);
    expect(String(e)).toBe(formatConfigError(e));
  });

  it('follows anchors, aliases and merge keys, and points into them', () => {
    const text = `
x-check: &check
  type: tcp
  connect_timeout: 2
virtual_servers:
  - address: 192.0.2.10
    port: 80
    real_servers:
      - address: 198.51.100.1
        checks: [*check, { <<: *check, connect_port: 0 }]
`;
    expect(errorsOf(text)).toEqual([
      "t.yaml:2:1: x-check: unknown key 'x-check'; expected one of: global, logging, control, lvs_sync_daemon, vrrp_scripts, vrrp_track_files, vrrp_sync_groups, vrrp_instances, virtual_servers, nodes",
      't.yaml:10:54: virtual_servers[0].real_servers[0].checks[1].connect_port: expected an integer 1..65535, got 0',
    ]);
  });

  it('treats non-scalar keys, tags and alias bombs as positioned errors', () => {
    expect(errorsOf('? [a, b]\n: 1\n')).toEqual([
      `t.yaml:1:1: ["[ a, b ]"]: unknown key '[ a, b ]'; expected one of: global, logging, control, lvs_sync_daemon, vrrp_scripts, vrrp_track_files, vrrp_sync_groups, vrrp_instances, virtual_servers, nodes`,
      't.yaml:1:3: (root): expected a plain scalar key, got a list or mapping',
    ]);
    expect(errorsOf('global: !custom {}\n')).toEqual(['t.yaml:1:9: global: invalid YAML: Unresolved tag: !custom']);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const errs = errorsOf(bomb.join('\n'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^t\.yaml:1:1: \(root\): invalid YAML: Excessive alias count/);
  });

  it('reports a key named like an Object.prototype member as unknown', () => {
    expect(
      errorsOf(
        'constructor: 1\nvrrp_scripts:\n  toString: { script: [/bin/true] }\nvrrp_instances:\n  VI_1:\n    interface: eth0\n    virtual_router_id: 1\n    track_script: [hasOwnProperty]\n',
      ),
    ).toEqual([
      "t.yaml:1:1: constructor: unknown key 'constructor'; expected one of: global, logging, control, lvs_sync_daemon, vrrp_scripts, vrrp_track_files, vrrp_sync_groups, vrrp_instances, virtual_servers, nodes",
      "t.yaml:8:20: vrrp_instances.VI_1.track_script[0]: unknown vrrp_script 'hasOwnProperty' (vrrp_scripts defines 'toString')",
    ]);
    expect(errorsOf('nodes:\n  __proto__: {}\n')).toEqual(["t.yaml:2:3: nodes.__proto__: key '__proto__' is not allowed"]);
  });

  it('strips a byte order mark and counts columns from the first character', () => {
    expect(errorsOf('\uFEFFglobal:\n  bad: 1\n')).toEqual([
      "t.yaml:2:3: global.bad: unknown key 'bad'; expected one of: router_id, script_user, vrrp_mcast_group4, vrrp_mcast_group6, ipvs_resync_interval",
    ]);
  });
});

describe('loadConfigFile', () => {
  it('reads a file and names it in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-config-'));
    const file = join(dir, 'lvsd.yaml');
    writeFileSync(file, 'global:\n  router_id: [x]\n');
    const r = await loadConfigFile(file);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(formatConfigError(r.errors[0] as ConfigError)).toBe(`${file}:2:14: global.router_id: expected a router id, got a list`);
  });

  it('rejects with ECONFIGREAD when the file cannot be read', async () => {
    await expect(loadConfigFile('/nonexistent/lvsd.yaml')).rejects.toMatchObject({ code: 'ECONFIGREAD' });
  });
});

describe('ConfigFileLoader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-loader-'));
  const file = join(dir, 'pair.yaml');

  it('returns the last result for the same text and node, and loads anew otherwise', async () => {
    writeFileSync(file, PAIR);
    const loader = new ConfigFileLoader();
    const first = await loader.load(file, { hostname: 'lvs1' });
    expect(first.ok).toBe(true);
    // The same node, asked for by host name or by the name it resolved to: the very same model.
    expect(await loader.load(file, { hostname: 'lvs1' })).toBe(first);
    expect(await loader.load(file, { node: 'lvs1', hostname: 'lvs1' })).toBe(first);
    const other = await loader.load(file, { node: 'lvs2', hostname: 'lvs1' });
    expect(other).not.toBe(first);
    expect(other.ok && other.config.node).toBe('lvs2');
    writeFileSync(file, `${PAIR}# a comment\n`);
    const changed = await loader.load(file, { node: 'lvs2', hostname: 'lvs1' });
    expect(changed).not.toBe(other);
    expect(changed).toEqual(other);
  });

  it('never keeps a failed load', async () => {
    writeFileSync(file, 'global: {router_id: 5}\n');
    const loader = new ConfigFileLoader();
    const a = await loader.load(file, { hostname: 'h' });
    expect(a.ok).toBe(false);
    expect(await loader.load(file, { hostname: 'h' })).not.toBe(a);
  });
});
