/**
 * A check's scheduling parameters in the units the scheduler works in (milliseconds), taken from the resolved
 * config model, where they are seconds and already inherited down to every check.
 */
import type { ResolvedCheck } from '../config/model.js';

/** How one check is scheduled and judged. Durations are milliseconds. */
export interface CheckParams {
  /** Time from the end of one round to the start of the next, while all is well. */
  readonly delayLoop: number;
  /** Budget of one attempt: the checker gets a deadline this far after the attempt starts. */
  readonly connectTimeout: number;
  /** Attempts repeated after a failed one before the round counts as failed (only while the verdict is up). */
  readonly retry: number;
  /** Time from a failed attempt to its retry; also the fast-recovery interval. */
  readonly delayBeforeRetry: number;
  /** Upper bound of the random delay before a check's first attempt. */
  readonly warmup: number;
  /** Consecutive passed rounds that turn a down verdict up. */
  readonly rise: number;
  /** Consecutive failed rounds that turn an up verdict down. */
  readonly fall: number;
  /** Start with the verdict down (until the first round passes) instead of up. */
  readonly alpha: boolean;
  /** After a failed round, and while the verdict is down, run the next round after delayBeforeRetry. */
  readonly fastRecovery: boolean;
}

/** Knobs that come from the virtual server rather than the check. */
export interface CheckParamOptions {
  readonly alpha: boolean;
  /** Default true (the config model has no knob for it yet). */
  readonly fastRecovery?: boolean;
}

const ms = (seconds: number) => Math.round(seconds * 1000);

/** Converts a resolved check's timing (seconds) to `CheckParams`; an exec check's `timeout` is its budget. */
export function checkParams(check: ResolvedCheck, opts: CheckParamOptions): CheckParams {
  return {
    delayLoop: ms(check.delay_loop),
    connectTimeout: ms(check.type === 'exec' ? check.timeout : check.connect_timeout),
    retry: check.retry,
    delayBeforeRetry: ms(check.delay_before_retry),
    warmup: ms(check.warmup),
    rise: check.rise,
    fall: check.fall,
    alpha: opts.alpha,
    fastRecovery: opts.fastRecovery ?? true,
  };
}
