import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { runCheck } from '../../../src/cli/check.js';

const ROOT = join(import.meta.dirname, '../../..');
const conf = (f: string) => join(ROOT, 'conf', f);
const invalid = (f: string) => join(import.meta.dirname, 'fixtures', 'invalid', f);

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('lvsd check', () => {
  it('prints the resolved model for the node as YAML and exits 0', async () => {
    expect(await runCheck(['-c', conf('dr-pair.yaml'), '--node', 'lvs1'])).toBe(0);
    expect(err).toBe('');
    expect(out.split('\n')[0]).toBe(`# ${conf('dr-pair.yaml')} resolved for node lvs1`);
    const model = parse(out) as { node: string; vrrp_instances: { VI_WEB: { priority: number } } };
    expect(model.node).toBe('lvs1');
    expect(model.vrrp_instances.VI_WEB.priority).toBe(150);
  });

  it('prints JSON with --json', async () => {
    expect(await runCheck(['--config', conf('dr-pair.yaml'), '-n', 'lvs2', '--json'])).toBe(0);
    const model = JSON.parse(out) as { node: string; global: { router_id: string } };
    expect([model.node, model.global.router_id]).toEqual(['lvs2', 'lvs2']);
  });

  it('prints each error and a count on stderr and exits 1', async () => {
    const file = invalid('multiple-errors.yaml');
    expect(await runCheck(['-c', file, '--node', 'x'])).toBe(1);
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines.length).toBe(9);
    expect(lines[0]).toBe(`${file}:2:3: global.router_idd: unknown key 'router_idd'; did you mean 'router_id'?`);
    expect(lines[8]).toBe(`8 errors in ${file}`);
  });

  it('says "1 error" for one', async () => {
    expect(await runCheck(['-c', invalid('unknown-node.yaml'), '--node', 'lvs3'])).toBe(1);
    expect(err.trimEnd().split('\n').at(-1)).toBe(`1 error in ${invalid('unknown-node.yaml')}`);
  });

  it('exits 1 when the file cannot be read', async () => {
    expect(await runCheck(['-c', '/nonexistent/lvsd.yaml'])).toBe(1);
    expect(err).toMatch(/^lvsd check: cannot read \/nonexistent\/lvsd\.yaml: /);
  });

  it.each([
    [[], 'missing -c FILE'],
    [['-c'], "Option '-c, --config <value>' argument missing"],
    [['-c', 'x.yaml', 'extra'], "unexpected argument 'extra'"],
    [['-c', 'x.yaml', '--bogus'], "Unknown option '--bogus'"],
    [['-c', 'x.yaml', '--node', ''], '--node needs a name'],
  ])('exits 2 on usage errors: %j', async (argv, message) => {
    expect(await runCheck(argv)).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage: lvsd check -c FILE');
  });

  it('prints help with -h and exits 0', async () => {
    expect(await runCheck(['-h'])).toBe(0);
    expect(out).toContain('Usage: lvsd check -c FILE');
  });
});
