import { LvsdError } from '../errors.js';

/** One problem found in a config file, with its position (1-based line and column) and its path in the document. */
export class ConfigError extends LvsdError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** Where in the document, e.g. `virtual_servers[2].real_servers[0].port`; `(root)` for the document itself. */
    readonly path: string,
    message: string,
  ) {
    super('ECONFIG', message);
  }

  override toString(): string {
    return formatConfigError(this);
  }
}

/** `file:line:column: path: message`, the form `lvsd check` prints and editors can jump to. */
export function formatConfigError(e: Pick<ConfigError, 'file' | 'line' | 'column' | 'path' | 'message'>): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path}: ${e.message}`;
}

/** Orders errors by position, then path and message, and drops exact duplicates. */
export function sortConfigErrors(errors: readonly ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  const out: ConfigError[] = [];
  for (const e of errors) {
    const key = formatConfigError(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
