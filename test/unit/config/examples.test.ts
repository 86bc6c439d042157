import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/model.js';

const CONF = join(import.meta.dirname, '../../../conf');
const examples = readdirSync(CONF)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function load(file: string, node: string): ResolvedConfig {
  const r = loadConfig(readFileSync(join(CONF, file), 'utf8'), { file: `conf/${file}`, node });
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

function nodesOf(file: string): string[] {
  const doc = parse(readFileSync(join(CONF, file), 'utf8')) as { nodes?: Record<string, unknown> };
  return Object.keys(doc.nodes ?? {});
}

describe('conf/ examples', () => {
  it('has the examples the issue asks for', () => {
    for (const f of ['single-director.yaml', 'dr-pair.yaml', 'nat-pair.yaml', 'fwmark.yaml', 'ipv6.yaml']) {
      expect(examples).toContain(f);
    }
  });

  describe.each(examples)('%s', (file) => {
    it('points editors at the JSON Schema', () => {
      const first = readFileSync(join(CONF, file), 'utf8').split('\n')[0];
      expect(first).toBe('# yaml-language-server: $schema=./lvsd.schema.json');
    });

    it('loads for each of its nodes, into a frozen model', () => {
      const nodes = nodesOf(file);
      for (const node of nodes.length > 0 ? nodes : ['any-host']) {
        const model = load(file, node);
        expect(model.node).toBe(node);
        expect(model.nodes).toEqual(nodes);
        expect(Object.isFrozen(model)).toBe(true);
        expect(Object.isFrozen(model.virtual_servers)).toBe(true);
        for (const inst of Object.values(model.vrrp_instances)) expect(inst.interface).not.toBe('');
      }
    });
  });
});

describe('resolved models', () => {
  it('dr-pair: per-node priority and state, inherited check timing, persistence defaults', () => {
    const lvs1 = load('dr-pair.yaml', 'lvs1');
    const lvs2 = load('dr-pair.yaml', 'lvs2');
    const vi1 = lvs1.vrrp_instances.VI_WEB;
    const vi2 = lvs2.vrrp_instances.VI_WEB;
    expect([vi1?.state, vi1?.priority, lvs1.global.router_id]).toEqual(['MASTER', 150, 'lvs1']);
    expect([vi2?.state, vi2?.priority, lvs2.global.router_id]).toEqual(['BACKUP', 100, 'lvs2']);
    expect(vi1?.version).toBe(2);
    expect(vi1?.virtual_ipaddress).toEqual([
      { address: '192.0.2.10', prefix: 24, family: 'ipv4', dev: 'eth0', label: 'eth0:web', scope: 'global' },
    ]);
    expect(vi1?.track_script).toEqual([{ name: 'chk_uplink', weight: -30 }]);
    expect(vi1?.track_interface).toEqual([{ name: 'eth1', weight: 0 }]);

    const web = lvs1.virtual_servers[0];
    expect(web?.name).toBe('web');
    expect(web?.persistence).toEqual({ timeout: 300, granularity: 32 });
    const rs = web?.real_servers[0];
    expect(rs?.port).toBe(80);
    expect(rs?.forwarding_method).toBe('dr');
    const check = rs?.checks[0];
    expect(check).toMatchObject({
      type: 'http',
      path: '/healthz',
      status_codes: [{ min: 200, max: 200 }],
      delay_loop: 5, // from the virtual server
      connect_timeout: 5,
      retry: 1,
      connect_ip: '198.51.100.11',
      connect_port: 80,
    });
    expect(lvs1.virtual_servers[1]?.name).toBe('web-tls');
    expect(lvs1.lvs_sync_daemon).toMatchObject({ state: 'auto', follow: 'VI_WEB', mcast_interface: 'eth1', syncid: 10 });
  });

  it('nat-pair: port mapping, sync group, per-node unicast peers', () => {
    const lvs2 = load('nat-pair.yaml', 'lvs2');
    expect(lvs2.virtual_servers[0]?.real_servers[0]).toMatchObject({ port: 8080, forwarding_method: 'nat' });
    expect(lvs2.vrrp_instances.VI_PUBLIC).toMatchObject({
      unicast_src_ip: '203.0.113.3',
      unicast_peer: ['203.0.113.2'],
      sync_group: 'VG_NAT',
      state: 'BACKUP',
    });
    expect(lvs2.vrrp_instances.VI_GATEWAY?.virtual_ipaddress[0]).toMatchObject({ dev: 'eth1', label: 'eth1:gw' });
  });

  it('fwmark: no address, port or protocol; checks carry the port', () => {
    const m = load('fwmark.yaml', 'lvs1');
    const vs = m.virtual_servers[0];
    expect(vs).toMatchObject({ name: 'shop', fwmark: 1, family: 'ipv4', persistence: { timeout: 600, granularity: 24 } });
    expect(vs).not.toHaveProperty('protocol');
    expect(vs).not.toHaveProperty('port');
    expect(vs?.real_servers[0]).not.toHaveProperty('port');
    expect(vs?.real_servers[0]?.checks.map((c) => 'connect_port' in c && c.connect_port)).toEqual([80, 443]);
  });

  it('ipv6: version 3, mixed family through a tunnel, canonical addresses', () => {
    const m = load('ipv6.yaml', 'lvs6a');
    expect(m.vrrp_instances.VI_V6).toMatchObject({ version: 3, family: 'ipv6', advert_int: 0.5 });
    const web6 = m.virtual_servers[0];
    expect(web6).toMatchObject({ name: 'web6', family: 'ipv6', address: '2001:db8::10' });
    expect(web6?.real_servers[2]).toMatchObject({
      address: '198.51.100.51',
      family: 'ipv4',
      forwarding_method: 'tun',
      tunnel: { type: 'ipip', checksum: 'nocsum' },
    });
    const udp = m.virtual_servers[1]?.real_servers[0]?.checks[0];
    expect(udp).toMatchObject({
      type: 'udp',
      payload: '0001010000010000000000000000060001',
      expected_reply: '0001????',
      require_reply: true,
    });
  });

  it('single-director: no nodes, so any host name resolves', () => {
    const m = load('single-director.yaml', 'whatever');
    expect(m.node).toBe('whatever');
    expect(m.global.router_id).toBe('lvs-single');
    expect(m.control.metrics_listen).toEqual({ host: '127.0.0.1', port: 9712 });
    expect(m.virtual_servers[0]?.sorry_server).toEqual({
      address: '198.51.100.99',
      family: 'ipv4',
      port: 80,
      forwarding_method: 'dr',
      inhibit: false,
    });
  });

  it('full-reference: every override applies', () => {
    const lvs1 = load('full-reference.yaml', 'lvs1');
    const lvs2 = load('full-reference.yaml', 'lvs2');
    expect(lvs1.control.metrics_listen).toEqual({ host: '192.0.2.2', port: 9712 });
    expect(lvs2.control.metrics_listen).toEqual({ host: '192.0.2.3', port: 9712 });
    expect(lvs1.vrrp_instances.VI_2?.mcast_src_ip).toBe('198.51.100.2');
    expect(lvs2.vrrp_instances.VI_2).not.toHaveProperty('mcast_src_ip');
    expect(lvs1.vrrp_instances.VI_2?.transport).toEqual({ type: 'udp', port: 5798, group: '224.0.0.118' });
    const exec = lvs1.virtual_servers[0]?.real_servers[0]?.checks.find((c) => c.type === 'exec');
    expect(exec).toMatchObject({ user: 'nobody', timeout: 10, delay_loop: 3 });
    expect(exec).not.toHaveProperty('connect_timeout');
    const smtp = lvs2.virtual_servers[0]?.real_servers[0]?.checks.find((c) => c.type === 'smtp');
    expect(smtp).toMatchObject({ helo_name: 'lvs.example.com' });
  });
});
