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

/**
 * Machine-readable cause of a verdict. Socket errors keep their errno name; the rest name what failed:
 * - `OK`: the probe passed.
 * - `ETIMEDOUT`: the deadline passed (connecting, or waiting for a reply, headers, body, or an exec check).
 * - `ABORTED`: the caller's signal aborted the probe (shutdown, reload).
 * - `ECONNREFUSED`, `ECONNRESET`, `EHOSTUNREACH`, `ENETUNREACH`, `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, `EPERM`,
 *   `EINVAL`, `EPIPE`: the socket error of that name. `ESOCKET`: any other socket error (its errno is in the reason).
 * - `CLOSED`: the peer closed the connection before the exchange was complete.
 * - `PROTOCOL`: a reply that is not valid for the protocol (malformed HTTP, DNS, SMTP).
 * - `TLS`: handshake or certificate verification failed.
 * - `STATUS`: an HTTP status outside the accepted list. `DIGEST`: the body's MD5 differs (or the body was cut at
 *   max_body_bytes). `REGEX`: the body did not match (or, with regex_no_match, did match).
 * - `EXIT`: an exec check exited with a failing status. `SIGNAL`: it died from a signal it was not sent by us.
 *   `SPAWN`: it could not be started. `USER`: its user does not exist or cannot be switched to.
 * - `NXDOMAIN`, `SERVFAIL`, `RCODE` (any other DNS error code), `NOANSWER` (no answer of the asked type).
 * - `SMTP`: an SMTP reply with an unexpected status. `REPLY`: a UDP reply that does not match expected_reply.
 * - `CONFIG`: the check cannot run as configured (e.g. an unreadable ca_file).
 */
export type CheckCode =
  | 'OK'
  | 'ETIMEDOUT'
  | 'ABORTED'
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EACCES'
  | 'EPERM'
  | 'EINVAL'
  | 'EPIPE'
  | 'ESOCKET'
  | 'CLOSED'
  | 'PROTOCOL'
  | 'TLS'
  | 'STATUS'
  | 'DIGEST'
  | 'REGEX'
  | 'EXIT'
  | 'SIGNAL'
  | 'SPAWN'
  | 'USER'
  | 'NXDOMAIN'
  | 'SERVFAIL'
  | 'RCODE'
  | 'NOANSWER'
  | 'SMTP'
  | 'REPLY'
  | 'CONFIG';

/**
 * The outcome of one probe. `reason` is a short human string; `code` (always set by the checkers in checks/)
 * is its machine form; `detail` carries longer diagnostics for logs (an exec check's bounded output).
 * `weight` is set only by checkers that compute one (exec in dynamic mode).
 */
export type CheckResult =
  | { readonly up: true; readonly reason: string; readonly code?: 'OK'; readonly weight?: number; readonly detail?: string }
  | { readonly up: false; readonly reason: string; readonly code?: Exclude<CheckCode, 'OK'>; readonly detail?: string };

/** A configured checker: probe `target` and settle before `deadline` (ms since epoch) or when `signal` aborts. */
export interface Checker {
  readonly type: string;
  check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult>;
  /**
   * The same probe in callback form, offered by the hottest checkers (tcp, status-only http) so that a scheduler
   * running thousands of them a second allocates no promise and watches no signal per attempt. `check` is built
   * on it (runnerCheck), so both give the same results.
   */
  readonly runner?: ProbeRunner;
}

/** Called once with a probe's result. */
export type ProbeDone = (result: CheckResult) => void;

/** The callback form of a check. */
export interface ProbeRunner {
  /**
   * Starts a probe of `target` that settles before `deadline` (ms since epoch) by calling `done` once, possibly
   * before returning. Returns the probe's handle for `abort` (> 0), or 0 when `done` has been called already.
   */
  start(target: CheckTarget, deadline: number, done: ProbeDone): number;
  /** Ends probe `handle` at once: its `done` gets an ABORTED result now. Ignored when it has settled. */
  abort(handle: number): void;
}
