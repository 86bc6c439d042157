/**
 * Time and chance, injectable: everything that schedules takes a `Clock` (and, when it jitters, a `Random`), so
 * timing logic is unit-tested exactly with `FakeClock` and a seeded `Random` instead of waiting for real time.
 */
import { type HeapItem, TimerHeap } from './timer-heap.js';

/** An opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol };

/** The time source and one-shot timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch (fractions allowed). Never goes backwards. */
  now(): number;
  /** Calls `fn` once, `ms` from now (0 or less: as soon as possible). */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a timer that already ran or was cleared is ignored. */
  clearTimer(handle: TimerHandle): void;
}

/** A uniform random number in [0, 1). */
export type Random = () => number;

/**
 * The real clock: `now()` is monotonic (performance.now) anchored at the epoch time the process started, so it is
 * comparable with Date.now() but never jumps when the wall clock is set. Timers take whole milliseconds, rounded
 * up (Node's timers run on the loop's millisecond clock anyway): Node keeps one list per distinct duration, and
 * a timer re-armed from its own callback with the same duration reuses the list instead of creating one.
 */
const timeOrigin = performance.timeOrigin; // a getter: read once
export const systemClock: Clock = {
  now: () => timeOrigin + performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms > 0 ? Math.ceil(ms) : 0) as unknown as TimerHandle,
  clearTimer: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};

/** Math.random, the default source of jitter. */
export const systemRandom: Random = Math.random;

/** A deterministic `Random` (mulberry32) for tests and benchmarks. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason when `signal` aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimer(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer extends HeapItem {
  readonly fn: () => void;
}

/**
 * A clock that only moves when told. Timers run in order of due time, and in creation order when due at the same
 * time; a timer created while advancing runs in the same advance when it falls due within it.
 */
export class FakeClock implements Clock {
  #now: number;
  readonly #timers = new TimerHeap<FakeTimer>();

  /** `start`: the initial `now()`, in ms since the epoch. */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.#now + Math.max(0, ms), seq: 0, heapIndex: -1, fn };
    this.#timers.push(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.remove(handle as unknown as FakeTimer);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due, if any. */
  nextAt(): number | undefined {
    return this.#timers.peek()?.at;
  }

  /** Moves time forward by `ms`, running every timer that falls due, synchronously. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let t = this.#due(end); t !== undefined; t = this.#due(end)) t.fn();
    this.#now = Math.max(this.#now, end);
  }

  /**
   * Moves time forward by `ms` like `advance`, but after each timer (and at the end) lets pending promise callbacks
   * run, so code that awaits between timers (a checker's promise, then the next schedule) sees time move exactly as
   * it would in real life.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (let t = this.#due(end); t !== undefined; t = this.#due(end)) {
      t.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, end);
    await settle();
  }

  /** Removes and returns the next timer due by `end`, with the time set to its due time. */
  #due(end: number): FakeTimer | undefined {
    const next = this.#timers.peek();
    if (next === undefined || next.at > end) return undefined;
    this.#timers.pop();
    this.#now = Math.max(this.#now, next.at);
    return next;
  }
}

/** Waits until every promise callback queued so far (and those they queue) has run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
