/** Test helpers for the health modules: parameters with defaults, and a checker that plays a script. */
import type { Checker, CheckResult, CheckTarget } from '../../../checks/checker.js';
import { type Clock, sleep } from '../../../src/clock.js';
import type { CheckParams } from '../../../src/health/params.js';

/** Parameters in ms; keepalived-like defaults (6 s loop, 5 s timeout, 1 retry 1 s apart), fast recovery off. */
export function params(over: Partial<CheckParams> = {}): CheckParams {
  return {
    delayLoop: 6000,
    connectTimeout: 5000,
    retry: 1,
    delayBeforeRetry: 1000,
    warmup: 0,
    rise: 1,
    fall: 1,
    alpha: false,
    fastRecovery: false,
    ...over,
  };
}

export const PASS: CheckResult = { up: true, reason: 'ok' };
export const FAIL: CheckResult = { up: false, reason: 'refused' };
export const weighted = (weight: number): CheckResult => ({ up: true, reason: `weight ${weight}`, weight });

/** What one attempt of a scripted checker does. */
export type Outcome =
  | CheckResult
  /** Settles `ms` after the attempt starts (rejects if aborted first). */
  | { readonly after: number; readonly result: CheckResult }
  /** Never settles, even when aborted. */
  | 'hang'
  /** Rejects with this error. */
  | { readonly error: string };

/** One recorded attempt. */
export interface Call {
  readonly at: number;
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly target: CheckTarget;
}

/** A checker that plays `script` in order, then repeats its last outcome. */
export class ScriptedChecker implements Checker {
  readonly type = 'scripted';
  readonly calls: Call[] = [];
  readonly #clock: Clock;
  readonly #script: Outcome[];

  constructor(clock: Clock, script: Outcome[] = [PASS]) {
    this.#clock = clock;
    this.#script = [...script];
  }

  /** Replaces what is left of the script. */
  play(...script: Outcome[]): void {
    this.#script.splice(0, this.#script.length, ...script);
  }

  get callTimes(): number[] {
    return this.calls.map((c) => c.at);
  }

  check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
    this.calls.push({ at: this.#clock.now(), deadline, signal, target });
    const outcome = (this.#script.length > 1 ? this.#script.shift() : this.#script[0]) ?? PASS;
    if (outcome === 'hang') return new Promise(() => {});
    if ('error' in outcome) return Promise.reject(new Error(outcome.error));
    if ('after' in outcome) return sleep(this.#clock, outcome.after, signal).then(() => outcome.result);
    return Promise.resolve(outcome);
  }
}
