/** The timer heap: order by time then insertion, removal anywhere. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HeapItem, TimerHeap } from '../../src/timer-heap.js';

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
