/** The fake clock, sleep and the seeded random source. */
import { describe, expect, it } from 'vitest';
import { FakeClock, seededRandom, sleep, systemClock } from '../../src/clock.js';

describe('FakeClock', () => {
  it('runs due timers in time order, ties in creation order, with now() at each due time', () => {
    const c = new FakeClock(1000);
    const log: string[] = [];
    c.setTimer(() => log.push(`b@${c.now()}`), 20);
    c.setTimer(() => log.push(`a@${c.now()}`), 10);
    c.setTimer(() => log.push(`c@${c.now()}`), 20);
    c.setTimer(() => log.push(`late@${c.now()}`), 31);
    c.advance(30);
    expect(log).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(c.now()).toBe(1030);
    expect(c.pending).toBe(1);
    expect(c.nextAt()).toBe(1031);
  });

  it('runs timers created while advancing when they fall due within the advance', () => {
    const c = new FakeClock();
    const log: number[] = [];
    c.setTimer(() => {
      log.push(c.now());
      c.setTimer(() => log.push(c.now()), 5);
      c.setTimer(() => log.push(c.now()), 50);
    }, 10);
    c.advance(20);
    expect(log).toEqual([10, 15]);
    c.advance(100);
    expect(log).toEqual([10, 15, 60]);
  });

  it('clearTimer cancels; negative delays run at once', () => {
    const c = new FakeClock();
    let ran = 0;
    const t = c.setTimer(() => ran++, 5);
    c.setTimer(() => ran++, -5);
    c.clearTimer(t);
    c.clearTimer(t);
    c.advance(10);
    expect(ran).toBe(1);
  });

  it('advanceAsync lets promise chains run between timers', async () => {
    const c = new FakeClock();
    const log: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(c, 100);
        await Promise.resolve();
        log.push(c.now());
      }
    };
    const done = loop();
    await c.advanceAsync(1000);
    await done;
    expect(log).toEqual([100, 200, 300]);
  });
});

describe('sleep', () => {
  it('rejects with the reason when aborted, and at once when already aborted', async () => {
    const c = new FakeClock();
    const ac = new AbortController();
    const p = sleep(c, 100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(c.pending).toBe(0);
    await expect(sleep(c, 1, ac.signal)).rejects.toThrow('stop');
  });

  it('works on the system clock', async () => {
    const t0 = systemClock.now();
    await sleep(systemClock, 5);
    expect(systemClock.now() - t0).toBeGreaterThanOrEqual(4);
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1000);
  });
});

describe('seededRandom', () => {
  it('is deterministic and in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
  });
});
