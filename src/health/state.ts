/**
 * The per-check state machine, pure: `step(params, state, {at, result})` takes one attempt's outcome and returns
 * the new state, the transitions to report (only changes), and when the next attempt starts.
 *
 * Vocabulary. An *attempt* is one call of the checker. A *round* is an attempt plus its retries: while the verdict
 * is up, a failed attempt is retried `retry` times, `delayBeforeRetry` apart; the round fails when all of them fail
 * and passes as soon as one passes. While the verdict is down there are no retries: every attempt is a round (a
 * failure there confirms what is known; retrying only delays the next real try). The *verdict* changes after `fall`
 * consecutive failed rounds (up → down) or `rise` consecutive passed rounds (down → up).
 *
 * First verdict. Before its first round ends a check has an assumed verdict: up, or down with `alpha`. The first
 * round's outcome replaces the assumption whatever rise and fall say (keepalived acts on a checker's first result
 * unconditionally: `has_run` false), so a dead server leaves the pool after one round and, with alpha, a live one
 * enters after one. rise and fall guard against changing a verdict that was actually observed. Unlike keepalived,
 * whose very first round at startup gets no retries ("one failure is enough initially"), the first round here is
 * retried like any other while the assumed verdict is up, so a transient failure at startup does not drop a
 * healthy server.
 *
 * Next attempt (all relative to the end of the attempt, as keepalived re-arms its timer when a check finishes):
 * - after a failed attempt that will be retried: `delayBeforeRetry`;
 * - after a round that passed while the verdict is (now) up: `delayLoop`;
 * - otherwise — the round failed, or the verdict is (still) down — the *recovery* interval: `delayBeforeRetry`
 *   when `fastRecovery` is on and it is > 0 (capped at `delayLoop`), else `delayLoop`. This is fast recovery: a
 *   failing or down server is re-checked sooner, so it comes back (or a false alarm clears) without waiting a
 *   full delay_loop per round. keepalived has no such mode: it always waits delay_loop after a round.
 *
 * Dynamic weight. A passing result may carry a weight (exec checks in dynamic mode); the state keeps the latest
 * one (undefined: the configured weight applies). A change is reported as `weight` while the verdict is up; an
 * `up` transition carries the weight in force.
 *
 * Transitions (U: verdict, R: has run, r: result, a: failed attempts in this round, s: streak):
 *
 * | U    | R   | r    | condition          | new state                    | emits                  | next      |
 * |------|-----|------|--------------------|------------------------------|------------------------|-----------|
 * | any  | no  | pass |                    | up, R                        | up if U was down, else weight if changed | delayLoop |
 * | up   | any | fail | a < retry          | a+1                          | —                      | delayBeforeRetry |
 * | up   | no  | fail | a = retry          | down, R                      | down                   | recovery  |
 * | down | no  | fail |                    | down, R                      | —                      | recovery  |
 * | up   | yes | pass |                    | a=0, s=0                     | weight if changed      | delayLoop |
 * | up   | yes | fail | a = retry, s+1 < fall | a=0, s+1                  | —                      | recovery  |
 * | up   | yes | fail | a = retry, s+1 = fall | down, a=0, s=0            | down                   | recovery  |
 * | down | yes | fail |                    | s=0                          | —                      | recovery  |
 * | down | yes | pass | s+1 < rise         | s+1                          | —                      | recovery  |
 * | down | yes | pass | s+1 = rise         | up, s=0                      | up                     | delayLoop |
 */
import type { CheckResult } from '../../checks/checker.js';
import type { Random } from '../clock.js';
import type { CheckParams } from './params.js';

/** Where one check stands. */
export interface CheckState {
  /** The verdict. */
  readonly up: boolean;
  /** A round has ended, so the verdict was observed rather than assumed. */
  readonly hasRun: boolean;
  /** Consecutive rounds that contradicted the verdict (passes while down, failures while up). */
  readonly streak: number;
  /** Failed attempts so far in the current round (0..retry). */
  readonly attempt: number;
  /** Dynamic weight of the latest passing result; undefined: the configured weight. */
  readonly weight: number | undefined;
  /** Why the verdict is what it is (the result that set it, or the assumption). */
  readonly reason: string;
}

/** A change to report. */
export type CheckTransition =
  | { readonly kind: 'up'; readonly reason: string; readonly weight: number | undefined }
  | { readonly kind: 'down'; readonly reason: string }
  | { readonly kind: 'weight'; readonly reason: string; readonly weight: number | undefined };

/** An attempt's outcome, and when it arrived (ms). */
export interface ResultEvent {
  readonly at: number;
  readonly result: CheckResult;
}

/** What `step` returns. */
export interface StepOutput {
  readonly state: CheckState;
  /** Zero or one transition. */
  readonly transitions: readonly CheckTransition[];
  /** When the next attempt starts (ms, same clock as `at`). */
  readonly next: number;
}

/** The state before any round: verdict up, or down with alpha (or as given by `assumeUp`). */
export function initialCheckState(params: CheckParams, assumeUp = !params.alpha): CheckState {
  return {
    up: assumeUp,
    hasRun: false,
    streak: 0,
    attempt: 0,
    weight: undefined,
    reason: assumeUp ? 'assumed up until checked' : 'assumed down until checked (alpha)',
  };
}

/** Delay before a check's first attempt: uniform in [0, warmup). */
export function warmupDelay(params: CheckParams, random: Random): number {
  return params.warmup > 0 ? Math.floor(random() * params.warmup) : 0;
}

/** The interval after a failed round or while the verdict is down (see fast recovery above). */
export function recoveryInterval(params: CheckParams): number {
  return params.fastRecovery && params.delayBeforeRetry > 0 ? Math.min(params.delayBeforeRetry, params.delayLoop) : params.delayLoop;
}

const NO_TRANSITIONS: readonly CheckTransition[] = Object.freeze([]);

/** Applies one attempt's outcome. Pure: `state` is not modified (it may be returned as is when nothing changes). */
export function step(params: CheckParams, state: CheckState, event: ResultEvent): StepOutput {
  const { at, result } = event;
  if (result.up) {
    const weight = result.weight;
    if (!state.hasRun || state.up) {
      // The steady state (up, observed, nothing pending, same weight): the same state object, nothing allocated
      // that outlives the attempt (thousands of checks a second would otherwise each leave one behind).
      if (state.hasRun && state.up && state.streak === 0 && state.attempt === 0 && weight === state.weight) {
        return { state, transitions: NO_TRANSITIONS, next: at + params.delayLoop };
      }
      const transitions: CheckTransition[] = [];
      if (!state.up) transitions.push({ kind: 'up', reason: result.reason, weight });
      else if (weight !== state.weight) transitions.push({ kind: 'weight', reason: result.reason, weight });
      const reason = state.up && state.hasRun ? state.reason : result.reason;
      return { state: { up: true, hasRun: true, streak: 0, attempt: 0, weight, reason }, transitions, next: at + params.delayLoop };
    }
    // Down, observed: count towards rise.
    const streak = state.streak + 1;
    if (streak >= params.rise) {
      return {
        state: { up: true, hasRun: true, streak: 0, attempt: 0, weight, reason: result.reason },
        transitions: [{ kind: 'up', reason: result.reason, weight }],
        next: at + params.delayLoop,
      };
    }
    return { state: { ...state, streak, weight }, transitions: [], next: at + recoveryInterval(params) };
  }

  if (!state.up) {
    // Down (assumed or observed): a failure confirms it and resets any rise streak.
    return {
      state: { ...state, hasRun: true, streak: 0, attempt: 0, reason: state.hasRun ? state.reason : result.reason },
      transitions: [],
      next: at + recoveryInterval(params),
    };
  }
  if (state.attempt < params.retry) {
    return { state: { ...state, attempt: state.attempt + 1 }, transitions: [], next: at + params.delayBeforeRetry };
  }
  // The round failed.
  const streak = state.hasRun ? state.streak + 1 : params.fall;
  if (streak >= params.fall) {
    return {
      state: { up: false, hasRun: true, streak: 0, attempt: 0, weight: state.weight, reason: result.reason },
      transitions: [{ kind: 'down', reason: result.reason }],
      next: at + recoveryInterval(params),
    };
  }
  return { state: { ...state, streak, attempt: 0 }, transitions: [], next: at + recoveryInterval(params) };
}
