/**
 * Abort listeners for the hottest checkers (tcp, status-only http), cheaper than an EventTarget listener added and
 * removed per attempt: one 'abort' listener per signal, added the first time the signal is seen, runs the callbacks
 * in a Set that each attempt joins and leaves. The scheduler reuses one signal per check until it aborts, so in the
 * steady state an attempt costs a WeakMap lookup and a Set add and delete.
 */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `onAbort` when `signal` aborts, unless unwatchAbort comes first. The signal must not be aborted yet. */
export function watchAbort(signal: AbortSignal, onAbort: () => void): void {
  let set = watchers.get(signal);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    watchers.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        for (const callback of callbacks) callback();
        callbacks.clear();
      },
      { once: true },
    );
  }
  set.add(onAbort);
}

/** Forgets `onAbort` (the attempt ended). */
export function unwatchAbort(signal: AbortSignal, onAbort: () => void): void {
  watchers.get(signal)?.delete(onAbort);
}
