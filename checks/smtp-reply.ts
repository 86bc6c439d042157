/**
 * SMTP reply parsing (RFC 5321 4.2): a reply is one or more lines "CODE-text" ending with "CODE text" (or a
 * bare "CODE"), all with the same three-digit code. Lines end with CRLF (a bare LF is tolerated).
 */

/** One complete reply. */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** Longest reply accepted, all lines together. */
export const MAX_REPLY_BYTES = 65536;

/** Accumulates received text and yields complete replies; `error` is set once the stream is malformed. */
export class SmtpReplyReader {
  private buffer = '';
  private pending: string[] = [];
  private pendingCode: number | undefined;
  private size = 0;
  error: string | undefined;

  /** Feeds received bytes; returns the replies completed by them. */
  feed(chunk: Buffer | string): SmtpReply[] {
    if (this.error) return [];
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: SmtpReply[] = [];
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0) break;
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.size += nl + 1;
      const m = /^([2-5]\d\d)([ -]|$)(.*)$/.exec(line);
      if (!m) {
        this.error = `bad reply line ${JSON.stringify(line.slice(0, 80))}`;
        return out;
      }
      const code = Number(m[1]);
      if (this.pendingCode !== undefined && code !== this.pendingCode) {
        this.error = `reply code changed from ${this.pendingCode} to ${code} within a multi-line reply`;
        return out;
      }
      this.pendingCode = code;
      this.pending.push(m[3] ?? '');
      if (m[2] !== '-') {
        out.push({ code, lines: this.pending });
        this.pending = [];
        this.pendingCode = undefined;
        this.size = 0;
      }
    }
    if (this.size + this.buffer.length > MAX_REPLY_BYTES) this.error = `reply longer than ${MAX_REPLY_BYTES} bytes`;
    return out;
  }
}

/** A reply as one short line for a reason: "554 no service here". */
export function formatReply(r: SmtpReply): string {
  const text = (r.lines[0] ?? '').trim();
  const line = text ? `${r.code} ${text}` : String(r.code);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
