/**
 * The one small interface every health checker implements (one module per checker in checks/).
 * A checker probes one target once; scheduling, retries and rise/fall hysteresis live in the
 * director's check scheduler, never in a checker.
 */

/** Where a check points: the real server, possibly redirected (connect_ip/connect_port). */
export interface CheckTarget {
  readonly address: string;
  readonly port: number;
}

/** The outcome of one probe. `weight` is set only by checkers that compute one (exec in dynamic mode). */
export type CheckResult =
  | { readonly up: true; readonly reason: string; readonly weight?: number }
  | { readonly up: false; readonly reason: string };

/** A configured checker: probe `target` and settle before `deadline` (ms since epoch) or when `signal` aborts. */
export interface Checker {
  readonly type: string;
  check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult>;
}
