/**
 * The logging the health modules need: a pino-compatible subset (`logger.info({ fields }, 'message')`), so a pino
 * logger can be passed as is, and tests can pass nothing.
 */

/** One log method: structured fields first, then the message. */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** A pino-like logger. */
export interface Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

const nothing: LogFn = () => {};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
