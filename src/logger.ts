/**
 * The logger every module takes: structured fields first, then the message, the way pino's methods are called, so
 * a pino logger is passed as is. `child` binds fields to every line it logs (a virtual server's {vs, rs}, a VRRP
 * instance's {vrid}). Code without a logger to hand, tests included, uses `silentLogger`.
 */

/** One log method: structured fields first, then the message. */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** A pino-compatible logger, as far as lvsd uses one. */
export interface Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  /** A logger that adds `bindings` to the fields of every line. */
  child(bindings: Record<string, unknown>): Logger;
}

const nothing: LogFn = () => {};

/** A logger that drops everything; its children too. */
export const silentLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  child: () => silentLogger,
};
