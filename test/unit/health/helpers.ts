/** Test helpers for the health modules: parameters with defaults, and a checker that plays a script. */
import type { Checker, CheckResult, CheckTarget, ProbeDone, ProbeRunner } from '../../../checks/checker.js';
import { type Clock, sleep, type TimerHandle } from '../../../src/clock.js';
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

/** One recorded probe of a ScriptedRunnerChecker. */
export interface RunnerCall {
  readonly at: number;
  readonly deadline: number;
  readonly target: CheckTarget;
  readonly handle: number;
  /** When it was aborted (clock ms), if it was. */
  abortedAt?: number;
}

/**
 * A checker in callback form only (a ProbeRunner, as the native tcp and plain-http checks are) that plays `script`
 * like ScriptedChecker: an immediate outcome calls done before start returns; `after` calls it later; 'hang'
 * waits for an abort; an error throws from start. An aborted probe reports ABORTED at once, as the native ones do.
 */
export class ScriptedRunnerChecker implements Checker {
  readonly type = 'scripted-runner';
  readonly calls: RunnerCall[] = [];
  readonly runner: ProbeRunner;
  readonly #clock: Clock;
  readonly #script: Outcome[];
  readonly #live = new Map<number, { done: ProbeDone; timer: TimerHandle | undefined; call: RunnerCall }>();
  #next = 1;

  constructor(clock: Clock, script: Outcome[] = [PASS]) {
    this.#clock = clock;
    this.#script = [...script];
    this.runner = { start: (t, d, done) => this.#start(t, d, done), abort: (h) => this.#abort(h) };
  }

  get callTimes(): number[] {
    return this.calls.map((c) => c.at);
  }

  /** Probes started and not settled. */
  get live(): number {
    return this.#live.size;
  }

  check(): Promise<CheckResult> {
    throw new Error('a runner checker is driven through its runner');
  }

  #start(target: CheckTarget, deadline: number, done: ProbeDone): number {
    const handle = this.#next++;
    const call: RunnerCall = { at: this.#clock.now(), deadline, target, handle };
    this.calls.push(call);
    const outcome = (this.#script.length > 1 ? this.#script.shift() : this.#script[0]) ?? PASS;
    if (outcome !== 'hang' && 'error' in outcome) throw new Error(outcome.error);
    if (outcome !== 'hang' && !('after' in outcome)) {
      done(outcome);
      return 0;
    }
    const timer =
      outcome === 'hang'
        ? undefined
        : this.#clock.setTimer(() => {
            this.#live.delete(handle);
            done(outcome.result);
          }, outcome.after);
    this.#live.set(handle, { done, timer, call });
    return handle;
  }

  #abort(handle: number): void {
    const probe = this.#live.get(handle);
    if (probe === undefined) return;
    this.#live.delete(handle);
    if (probe.timer !== undefined) this.#clock.clearTimer(probe.timer);
    probe.call.abortedAt = this.#clock.now();
    probe.done({ up: false, code: 'ABORTED', reason: 'aborted' });
  }
}
