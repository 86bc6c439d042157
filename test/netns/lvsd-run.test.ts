/**
 * `lvsd run` as a daemon in the netns lab (VRRP side; this host's kernel has no IPVS, the kernel suite covers
 * IPVS): SIGHUP reloads an unchanged file without a re-election or a VIP blip, refuses a broken file with its
 * positioned errors and keeps running, applies a priority change in place; a config with virtual servers on a
 * kernel without IPVS fails at start with one line naming the cause.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns-lab.js';
import {
  type Daemon,
  LVSD,
  hasVip,
  requireVrrpPrerequisites,
  sleep,
  startLvsd,
  stateOf,
  stopAll,
  waitFor,
  writeLvsdConfig,
} from '../support/vrrp-lab.js';

/** Sends SIGHUP and waits for the daemon's answer to it (a `reloaded` or `reload refused` line). */
async function hup(d: Daemon): Promise<Record<string, unknown>> {
  const from = d.lines.length;
  d.child.kill('SIGHUP');
  const line = await waitFor(
    'the reload to finish',
    () => d.lines.slice(from).find((l) => l.includes('"msg":"reloaded"') || l.includes('"msg":"reload refused')),
    10_000,
  );
  return JSON.parse(line) as Record<string, unknown>;
}

describe('lvsd run: reload and start', () => {
  let lab: NetnsLab;
  let dir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    requireVrrpPrerequisites();
    dir = mkdtempSync(join(tmpdir(), 'lvsd-run-'));
    lab = await NetnsLab.up({ realServers: 1 });
  });
  afterEach(async () => {
    await stopAll(lab, daemons);
  });
  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGHUP: an unchanged file changes nothing; a broken one is refused with its position; a priority change moves the master', async () => {
    const file = writeLvsdConfig(join(dir, 'pair.yaml'));
    const d1 = await startLvsd(lab, 'd1', file, daemons);
    const d2 = await startLvsd(lab, 'd2', file, daemons);
    await waitFor('d1 master', () => stateOf(d1) === 'master' && stateOf(d2) === 'backup');
    await waitFor('the VIP on d1', () => hasVip(lab, 'd1'));

    // Unchanged: no transition on either node, the VIP stays where it is throughout.
    const changes = [d1.changes.length, d2.changes.length];
    let blip = false;
    const watch = (async () => {
      for (let i = 0; i < 30; i++) {
        if (!(await hasVip(lab, 'd1'))) blip = true;
        await sleep(100);
      }
    })();
    expect((await hup(d1)).msg).toBe('reloaded');
    expect((await hup(d2)).msg).toBe('reloaded');
    await watch;
    expect(blip).toBe(false);
    expect([d1.changes.length, d2.changes.length]).toEqual(changes);

    // Broken: refused with file:line:column, the daemon carries on as master.
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('virtual_router_id: 51', 'virtual_router_id: 999'));
    const refused = await hup(d1);
    expect(refused.msg).toMatch(/^reload refused/);
    expect(d1.lines.some((l) => /pair\.yaml:\d+:\d+: vrrp_instances\.VI_1\.virtual_router_id: /.test(l))).toBe(true);
    expect(d1.child.exitCode).toBeNull();
    expect(stateOf(d1)).toBe('master');
    await sleep(1500);
    expect(stateOf(d2)).toBe('backup');

    // A priority change is applied in place: d2, now higher, preempts.
    writeFileSync(
      file,
      good.replace('d2: { vrrp_instances: { VI_1: { priority: 100 } } }', 'd2: { vrrp_instances: { VI_1: { priority: 200 } } }'),
    );
    expect((await hup(d2)).msg).toBe('reloaded');
    await waitFor('d2 master after its priority rose', () => stateOf(d2) === 'master' && stateOf(d1) === 'backup', 10_000);
    await waitFor('the VIP on d2', () => hasVip(lab, 'd2'));
  });

  it('virtual servers on a kernel without IPVS: one line naming the cause, exit status 1', async () => {
    expect(existsSync('/proc/net/ip_vs'), 'this test needs a kernel without IPVS (the host, not the kernel lab)').toBe(false);
    const file = join(dir, 'vs.yaml');
    writeFileSync(file, 'virtual_servers:\n  - address: 192.0.2.10\n    port: 80\n    real_servers: [{ address: 198.51.100.1 }]\n');
    const child = spawn('ip', ['netns', 'exec', lab.ns('d1'), 'node', LVSD, 'run', '-c', file, '--node', 'd1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^lvsd run: IPVS is not available in this kernel \(`modprobe ip_vs` (failed|succeeded but IPVS is still not there)\)/,
    );
  });
});
