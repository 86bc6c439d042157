import { describe, expect, it, vi } from 'vitest';
import { createExecChecker, type ExecCheckOptions, exitVerdict } from '../../../checks/exec.js';
import { childPids, groupMembers } from '../../support/misbehaving/resources.js';
import { probe, SLACK_MS } from './probe.js';

const target = { address: '192.0.2.11', port: 8080 };
const sh = (script: string, o: Partial<ExecCheckOptions> = {}) =>
  createExecChecker({ script: ['/bin/sh', '-c', script], timeout: 0.5, ...o });

describe('exitVerdict (keepalived misc_dynamic mapping)', () => {
  it('maps 0 to up, 1 to down, 2..255 to a weight of status - 2 only when dynamic', () => {
    expect(exitVerdict(0, false)).toEqual({ up: true });
    expect(exitVerdict(0, true)).toEqual({ up: true });
    expect(exitVerdict(1, true)).toEqual({ up: false });
    expect(exitVerdict(2, true)).toEqual({ up: true, weight: 0 });
    expect(exitVerdict(102, true)).toEqual({ up: true, weight: 100 });
    expect(exitVerdict(255, true)).toEqual({ up: true, weight: 253 });
    expect(exitVerdict(2, false)).toEqual({ up: false });
    expect(exitVerdict(255, false)).toEqual({ up: false });
  });
});

describe('exec check: exit status', () => {
  it('is up on exit 0, with the output in the reason and detail', async () => {
    const { result, ms } = await probe(sh('echo all fine; echo second line'), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: '/bin/sh exited with status 0: all fine', detail: 'all fine\nsecond line\n' });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with EXIT on exit 1, and on 2..255 without dynamic_weight', async () => {
    expect((await probe(sh('echo broken >&2; exit 1'), target, 5000)).result).toEqual({
      up: false,
      code: 'EXIT',
      reason: '/bin/sh exited with status 1: broken',
      detail: 'broken\n',
    });
    expect((await probe(sh('exit 7'), target, 5000)).result).toEqual({ up: false, code: 'EXIT', reason: '/bin/sh exited with status 7' });
  });

  it('sets the weight to status - 2 with dynamic_weight', async () => {
    const dyn = (s: string) => sh(s, { dynamic_weight: true });
    expect((await probe(dyn('exit 7'), target, 5000)).result).toEqual({
      up: true,
      code: 'OK',
      reason: '/bin/sh exited with status 7, weight 5',
      weight: 5,
    });
    expect((await probe(dyn('exit 255'), target, 5000)).result).toMatchObject({ up: true, weight: 253 });
    expect((await probe(dyn('exit 2'), target, 5000)).result).toMatchObject({ up: true, weight: 0 });
    const zero = (await probe(dyn('exit 0'), target, 5000)).result;
    expect(zero).toMatchObject({ up: true });
    expect(zero).not.toHaveProperty('weight');
    expect((await probe(dyn('exit 1'), target, 5000)).result).toMatchObject({ up: false, code: 'EXIT' });
  });

  it('is down with SIGNAL when the command dies from a signal', async () => {
    expect((await probe(sh('kill -USR1 $$'), target, 5000)).result).toEqual({
      up: false,
      code: 'SIGNAL',
      reason: '/bin/sh killed by SIGUSR1',
    });
  });

  it('is down with SPAWN when the program cannot run', async () => {
    const missing = createExecChecker({ script: ['/nonexistent/check'], timeout: 1 });
    expect((await probe(missing, target, 5000)).result).toEqual({
      up: false,
      code: 'SPAWN',
      reason: 'cannot run /nonexistent/check: ENOENT',
    });
  });
});

describe('exec check: environment and user', () => {
  it('runs argv without a shell, in /, with a small fixed environment', async () => {
    const env = createExecChecker({ script: ['/usr/bin/env'], timeout: 2 });
    const { result } = await probe(env, target, 5000);
    const lines = (result.detail ?? '').trim().split('\n').sort();
    expect(lines).toEqual([
      'LVSD_CHECK_ADDRESS=192.0.2.11',
      'LVSD_CHECK_PORT=8080',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    const args = createExecChecker({ script: ['/bin/echo', '$HOME', 'a b', '*'], timeout: 2 });
    expect((await probe(args, target, 5000)).result.detail).toBe('$HOME a b *\n');
    expect((await probe(sh('pwd'), target, 5000)).result.detail).toBe('/\n');
  });

  it.runIf(process.getuid?.() === 0)('runs as the configured user (uid and primary gid) when lvsd is root', async () => {
    const id = createExecChecker({ script: ['/usr/bin/id'], user: 'nobody', timeout: 2 });
    const { result } = await probe(id, target, 5000);
    expect(result.up).toBe(true);
    expect(result.detail).toMatch(/^uid=65534\(nobody\) gid=65534\(nogroup\) groups=65534\(nogroup\)\n$/);
    const env = createExecChecker({ script: ['/usr/bin/env'], user: 'nobody', timeout: 2 });
    expect((await probe(env, target, 5000)).result.detail).toMatch(/^USER=nobody$/m);
  });

  it('is down with USER for an unknown user', async () => {
    const bad = createExecChecker({ script: ['/bin/true'], user: 'no-such-user-lvsd', timeout: 1 });
    expect((await probe(bad, target, 5000)).result).toEqual({ up: false, code: 'USER', reason: 'no such user no-such-user-lvsd' });
  });
});

describe('exec check: timeouts kill the whole process group (timeout 0.5 s)', () => {
  it('is down with ETIMEDOUT for a hanging command, and none of its processes survive', async () => {
    const before = childPids().length;
    const { result, ms } = await probe(sh('sleep 60 & sleep 60 & echo "pgid $$"; wait'), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
    expect(result.reason).toMatch(/^timed out after 500 ms running \/bin\/sh: pgid \d+$/);
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
    const pgid = Number(/pgid (\d+)/.exec(result.reason)?.[1]);
    await vi.waitFor(() => expect(groupMembers(pgid)).toEqual([]), { timeout: 2000 });
    expect(childPids().length).toBe(before);
  });

  it('follows SIGTERM with SIGKILL after the grace period for a command that ignores SIGTERM', async () => {
    const { result, ms } = await probe(sh('trap "" TERM; sleep 60 & echo "pgid $$"; wait; wait'), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
    expect(ms).toBeGreaterThanOrEqual(695);
    expect(ms).toBeLessThan(700 + SLACK_MS);
    const pgid = Number(/pgid (\d+)/.exec(result.reason)?.[1]);
    await vi.waitFor(() => expect(groupMembers(pgid)).toEqual([]), { timeout: 2000 });
  });

  it('kills what is left of the group when the command exits', async () => {
    const { result } = await probe(sh('sleep 60 & echo "pgid $$"; exit 0'), target, 5000);
    expect(result.up).toBe(true);
    const pgid = Number(/pgid (\d+)/.exec(result.reason)?.[1]);
    await vi.waitFor(() => expect(groupMembers(pgid)).toEqual([]), { timeout: 2000 });
  });

  it('is down with ABORTED when the caller aborts, and kills the group', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { result, ms } = await probe(sh('echo "pgid $$"; sleep 60', { timeout: 10 }), target, 20_000, ac.signal);
    expect(result).toMatchObject({ up: false, code: 'ABORTED' });
    expect(ms).toBeLessThan(100 + SLACK_MS);
    const pgid = Number(/pgid (\d+)/.exec(result.reason)?.[1]);
    await vi.waitFor(() => expect(groupMembers(pgid)).toEqual([]), { timeout: 2000 });
  });
});

describe('exec check: output is bounded', () => {
  it('keeps 4 KiB of a flood and drains the rest', async () => {
    const { result, ms } = await probe(sh('yes flood | head -c 5000000', { timeout: 5 }), target, 10_000);
    expect(result).toMatchObject({ up: true, reason: '/bin/sh exited with status 0: flood' });
    expect(result.detail).toBe(`${'flood\n'.repeat(683).slice(0, 4096)}\n[... ${5000000 - 4096} more bytes discarded]`);
    expect(ms).toBeLessThan(3000);
  });

  it('times out an endless flood within the timeout', async () => {
    const { result, ms } = await probe(sh('exec yes flood'), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT', reason: 'timed out after 500 ms running /bin/sh: flood' });
    expect(result.detail?.length).toBeLessThan(4200);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });
});
