/** Collects a child's output up to a bound, counting (and dropping) the rest so the pipes keep draining. */

/** Bytes of output an exec check keeps. */
export const DEFAULT_OUTPUT_LIMIT = 4096;

/** The first `limit` bytes written to it, plus the count of bytes dropped after them. */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(readonly limit = DEFAULT_OUTPUT_LIMIT) {}

  /** Appends a chunk; whatever exceeds the limit is counted and discarded. */
  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const take = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(take));
      this.kept += take.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(0, room));
  }

  /** Bytes dropped so far. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** The kept text (UTF-8), with a note of how much was dropped. */
  text(): string {
    const kept = Buffer.concat(this.chunks, this.kept).toString('utf8');
    return this.dropped > 0 ? `${kept}\n[... ${this.dropped} more bytes discarded]` : kept;
  }

  /** The first non-empty line of the kept text, cut to `max` characters: a one-line summary for a reason. */
  firstLine(max = 200): string {
    const kept = Buffer.concat(this.chunks, this.kept).toString('utf8');
    const line =
      kept
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? '';
    return line.length > max ? `${line.slice(0, max - 3)}...` : line;
  }
}
