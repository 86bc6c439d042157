/** The timer heap, the fake clock, sleep and the seeded random source. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, seededRandom, sleep, systemClock } from '../../../src/clock.js';
import { type HeapItem, TimerHeap } from '../../../src/health/heap.js';

interface Item extends HeapItem {
  readonly name: number;
}
const item = (at: number, name: number): Item => ({ at, seq: 0, heapIndex: -1, name });

describe('TimerHeap', () => {
  it('pops by time, then first pushed first', () => {
    const h = new TimerHeap<Item>();
    for (const [at, name] of [
      [5, 0],
      [1, 1],
      [5, 2],
      [3, 3],
      [1, 4],
    ] as const)
      h.push(item(at, name));
    const out: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.name);
    expect(out).toEqual([1, 4, 3, 0, 2]);
    expect(h.size).toBe(0);
  });

  it('removes any item and refuses an item twice', () => {
    const h = new TimerHeap<Item>();
    const items = [item(3, 0), item(1, 1), item(2, 2)];
    for (const i of items) h.push(i);
    expect(() => h.push(items[0] as Item)).toThrow();
    expect(h.remove(items[2] as Item)).toBe(true);
    expect(h.remove(items[2] as Item)).toBe(false);
    expect((items[2] as Item).heapIndex).toBe(-1);
    expect([h.pop()?.name, h.pop()?.name, h.pop()]).toEqual([1, 0, undefined]);
  });

  it('agrees with a sort under random pushes and removals (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (ops) => {
        const h = new TimerHeap<Item>();
        const live: Item[] = [];
        ops.forEach(([at, removeOne], name) => {
          const it = item(at, name);
          h.push(it);
          live.push(it);
          if (removeOne && live.length > 0) {
            const victim = live.splice(at % live.length, 1)[0] as Item;
            h.remove(victim);
          }
        });
        const expected = [...live].sort((a, b) => a.at - b.at || a.seq - b.seq).map((x) => x.name);
        const got: number[] = [];
        for (let x = h.pop(); x; x = h.pop()) got.push(x.name);
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

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
