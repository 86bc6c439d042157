/** Base class of every error lvsd raises on purpose: it carries a stable code for callers and tests. */
export class LvsdError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A usage error on the command line (exit status 2 by convention). */
export class UsageError extends LvsdError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}
