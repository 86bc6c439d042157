/**
 * The promise-and-signal `check` of a checker that has a ProbeRunner (checker.ts), built on the runner so both
 * forms give the same results: the signal is watched through abort-watch.ts and, when it aborts, the probe is
 * aborted (its result says in which phase).
 */
import { unwatchAbort, watchAbort } from './abort-watch.js';
import type { CheckResult, CheckTarget, ProbeRunner } from './checker.js';

/** Runs one probe through `runner`; `abortedBefore` is the result when `signal` has aborted before it starts. */
export function runnerCheck(
  runner: ProbeRunner,
  target: CheckTarget,
  signal: AbortSignal,
  deadline: number,
  abortedBefore: () => CheckResult,
): Promise<CheckResult> {
  if (signal.aborted) return Promise.resolve(abortedBefore());
  return new Promise((resolve) => {
    let handle = 0;
    const onAbort = () => runner.abort(handle);
    handle = runner.start(target, deadline, (result) => {
      // handle 0: settled before start returned, so the signal was never watched.
      if (handle !== 0) unwatchAbort(signal, onAbort);
      resolve(result);
    });
    if (handle !== 0) watchAbort(signal, onAbort);
  });
}
