import { describe, expect, it, vi } from 'vitest';
import { unwatchAbort, watchAbort } from '../../../checks/abort-watch.js';

describe('abort-watch', () => {
  it('runs the callbacks still watching when the signal aborts, once each', () => {
    const c = new AbortController();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    const gone = () => calls.push('gone');
    watchAbort(c.signal, a);
    watchAbort(c.signal, gone);
    watchAbort(c.signal, b);
    unwatchAbort(c.signal, gone);
    c.abort();
    c.abort();
    expect(calls).toEqual(['a', 'b']);
  });

  it('adds one listener per signal however many attempts watch it', () => {
    const c = new AbortController();
    const add = vi.spyOn(c.signal, 'addEventListener');
    for (let i = 0; i < 100; i++) {
      const f = () => {};
      watchAbort(c.signal, f);
      unwatchAbort(c.signal, f);
    }
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('keeps signals apart, and forgets an aborted one', () => {
    const one = new AbortController();
    const two = new AbortController();
    const seen: number[] = [];
    watchAbort(one.signal, () => seen.push(1));
    watchAbort(two.signal, () => seen.push(2));
    one.abort();
    expect(seen).toEqual([1]);
    two.abort();
    expect(seen).toEqual([1, 2]);
    unwatchAbort(one.signal, () => {});
  });
});
