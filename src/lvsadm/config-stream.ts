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

function tokensOf(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/[ \t\r]+/)) {
    if (word === '') continue;
    for (let i = 0; i < word.length; i += MAX_TOKEN) {
      const piece = word.slice(i, i + MAX_TOKEN);
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
