/** Test helper: runs one probe with a deadline and measures how long it took. */
import type { Checker, CheckResult, CheckTarget } from '../../../checks/checker.js';

export interface Timed {
  readonly result: CheckResult;
  readonly ms: number;
}

/** Probes `target` once with a deadline `budgetMs` from now (and an optional abort signal). */
export async function probe(
  checker: Checker,
  target: CheckTarget,
  budgetMs: number,
  signal = new AbortController().signal,
): Promise<Timed> {
  const t0 = performance.now();
  const result = await checker.check(target, signal, Date.now() + budgetMs);
  return { result, ms: performance.now() - t0 };
}

/** Upper slack allowed on top of a configured timeout: the machine is shared and has 2 cores. */
export const SLACK_MS = 350;
