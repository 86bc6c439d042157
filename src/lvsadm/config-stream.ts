/**
 * How `ipvsadm -R` cuts its input into command lines (config_stream_read): tokens are runs of
 * characters other than space, tab, CR and LF; a line ends at LF; every token spelled
 * "ipvsadm" is dropped; lines without tokens are skipped. There is no comment syntax (a "#"
 * is an ordinary token; the ipvsadm-restore script filters comment lines before ipvsadm sees
 * them). A last line with no LF is kept unless two or more blanks follow its last token, in
 * which case ipvsadm drops it and stops reading.
 */

/** Tokens longer than this are cut, like fscanf's field width. */
const MAX_TOKEN = 4096;

/** One command line of restore input. */
export interface StreamLine {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly tokens: readonly string[];
}

/** Space, tab or CR. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** The tokens of one line (without its LF). */
export function tokensOf(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isBlank(text.charCodeAt(i))) i++;
    for (let p = start; p < i; p += MAX_TOKEN) {
      const piece = text.slice(p, Math.min(i, p + MAX_TOKEN));
      if (piece !== 'ipvsadm') out.push(piece);
    }
  }
  return out;
}

/** The command lines of a restore input, in order, with their line numbers. */
export function readConfigStream(input: string): StreamLine[] {
  const out: StreamLine[] = [];
  const parts = input.split('\n');
  for (const [i, text] of parts.entries()) {
    const last = i === parts.length - 1;
    // Without a terminating newline, a second blank after the last token runs into EOF: line dropped.
    if (last && /[ \t\r]{2}$/.test(text)) break;
    const tokens = tokensOf(text);
    if (tokens.length > 0) out.push({ line: i + 1, tokens });
  }
  return out;
}
