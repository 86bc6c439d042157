/** The vrrp_script runner on a FakeClock: interval from launch, skip while running, timeout as failure, rise/fall. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { ScriptRunner } from '../../../src/vrrp/script-runner.js';
import type { TrackStatus } from '../../../src/vrrp/tracking.js';

/** A script whose runs take `durationMs` and return the next of `results` (last one repeated). */
function scripted(clock: FakeClock, results: boolean[], durationMs = 10) {
  const launches: number[] = [];
  const aborted: number[] = [];
  let i = 0;
  const run = (signal: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      const at = clock.now();
      launches.push(at);
      const ok = results[Math.min(i++, results.length - 1)] as boolean;
      const h = clock.setTimer(() => resolve(ok), durationMs);
      signal.addEventListener('abort', () => {
        clock.clearTimer(h);
        aborted.push(at);
      });
    });
  return { run, launches, aborted };
}

function runner(
  clock: FakeClock,
  run: (s: AbortSignal) => Promise<boolean>,
  over: Partial<{ rise: number; fall: number; timeoutMs: number }> = {},
) {
  const changes: [number, TrackStatus][] = [];
  const r = new ScriptRunner({
    name: 'chk',
    intervalMs: 1000,
    timeoutMs: over.timeoutMs ?? 1000,
    rise: over.rise ?? 2,
    fall: over.fall ?? 2,
    clock,
    run,
    onChange: (s) => changes.push([clock.now(), s]),
  });
  return { r, changes };
}

describe('ScriptRunner', () => {
  it('runs at start and every interval; the first result decides, then rise/fall', async () => {
    const clock = new FakeClock();
    const s = scripted(clock, [true, false, false, false, true, true]);
    const { r, changes } = runner(clock, s.run);
    r.start();
    await clock.advanceAsync(5_500);
    expect(s.launches).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(changes).toEqual([
      [10, 'ok'],
      [2010, 'fail'],
      [5010, 'ok'],
    ]);
    expect(r.status).toBe('ok');
    r.stop();
    await clock.advanceAsync(5_000);
    expect(s.launches).toHaveLength(6);
  });

  it('a run that outlasts the timeout is aborted and fails; a run still going when the next is due skips it', async () => {
    const clock = new FakeClock();
    const s = scripted(clock, [true], 1500);
    const { r, changes } = runner(clock, s.run, { timeoutMs: 1200, fall: 1 });
    r.start();
    await clock.advanceAsync(2_500);
    // 0: launched; 1000: skipped (still running); 1200: timed out -> fail; 2000: launched again.
    expect(s.launches).toEqual([0, 2000]);
    expect(s.aborted).toEqual([0]);
    expect(r.stats).toEqual({ runs: 2, skipped: 1, timeouts: 1 });
    expect(changes).toEqual([[1200, 'fail']]);
  });

  it('a throwing or rejecting script counts as a failure', async () => {
    const clock = new FakeClock();
    let n = 0;
    const { r, changes } = runner(clock, () => {
      n++;
      if (n === 1) throw new Error('spawn failed');
      return Promise.reject(new Error('boom'));
    });
    r.start();
    r.start(); // idempotent
    await clock.advanceAsync(1_500);
    expect(changes).toEqual([[0, 'fail']]);
    expect(r.stats.runs).toBe(2);
    r.stop();
  });
});
