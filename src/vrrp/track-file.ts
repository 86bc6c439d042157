/**
 * Follows one vrrp_track_file (keepalived track_file.c): the file holds an integer (read as strtol with base 0 reads
 * it, `parseTrackFileValue`), and its value goes to the tracking of the instances that track it.
 *
 * keepalived reads the file at start and on inotify events for it (close after write, moved in; deleted or moved
 * away counts as 0); a file that is missing or cannot be opened reads as 0, and an out-of-range number is ignored
 * (the previous value stays). Here the directory is watched with fs.watch (an event schedules a read shortly after,
 * so a write in progress is not read half done) and the file is also re-read every `pollMs`, which covers
 * filesystems where watching does not work and events that were missed. `onChange` hears every change of value.
 */
import { watch as fsWatch } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Clock, TimerHandle } from '../clock.js';
import { parseTrackFileValue } from './tracking.js';

/** The file system as the watcher uses it (injectable for tests). */
export interface TrackFileFs {
  /** The start of the file's text (keepalived reads 127 bytes), or undefined when it cannot be read; errors other than "missing" in `error`. */
  read(path: string): Promise<{ readonly text: string | undefined; readonly error?: string }>;
  /** Watches a directory; `onEvent` hears the name of the entry that changed (null when unknown). */
  watch(dir: string, onEvent: (filename: string | null) => void, onError: (err: unknown) => void): { close(): void };
}

/** The real file system. */
export const nodeTrackFileFs: TrackFileFs = {
  async read(path) {
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(path, 'r');
      const buf = Buffer.alloc(127);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return { text: buf.subarray(0, bytesRead).toString('latin1') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? { text: undefined } : { text: undefined, error: String(err) };
    } finally {
      await fh?.close().catch(() => {});
    }
  },
  watch(dir, onEvent, onError) {
    const w = fsWatch(dir, { persistent: false }, (_event, filename) => onEvent(filename === null ? null : String(filename)));
    w.on('error', onError);
    return w;
  },
};

export interface TrackFileWatcherOptions {
  readonly name: string;
  /** Absolute path of the file. */
  readonly path: string;
  readonly clock: Clock;
  readonly fs?: TrackFileFs;
  /** Re-read period, default 1000 ms. */
  readonly pollMs?: number;
  /** Delay between a watch event and the read, default 20 ms. */
  readonly settleMs?: number;
  readonly onChange: (value: number, name: string) => void;
  /** Something worth a log line: an unreadable file, an invalid number, watching impossible. */
  readonly onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

/** One tracked file's current value. */
export class TrackFileWatcher {
  #value = 0;
  #poll: TimerHandle | undefined;
  #settle: TimerHandle | undefined;
  #watcher: { close(): void } | undefined;
  #reading = false;
  #again = false;
  #stopped = true;
  #lastWarning: string | undefined;
  /** Reads done, for tests and status. */
  reads = 0;

  constructor(readonly opts: TrackFileWatcherOptions) {}

  /** The value as last read (0 before the first read). */
  get value(): number {
    return this.#value;
  }

  get #fs(): TrackFileFs {
    return this.opts.fs ?? nodeTrackFileFs;
  }

  /** Reads the file once (its value is then `value`, not reported to onChange) and starts following it. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const first = await this.#fs.read(this.opts.path);
    this.reads++;
    const v = this.#interpret(first);
    if (v !== undefined) this.#value = v;
    if (this.#stopped) return;
    try {
      const file = basename(this.opts.path);
      this.#watcher = this.#fs.watch(
        dirname(this.opts.path),
        (filename) => {
          if (filename === null || filename === file) this.#scheduleRead();
        },
        (err) => this.#warn('watching the track file directory failed; re-reading periodically only', { err: String(err) }),
      );
    } catch (err) {
      this.#warn('cannot watch the track file directory; re-reading periodically only', { err: String(err) });
    }
    this.#armPoll();
  }

  /** Stops following the file. */
  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    for (const t of [this.#poll, this.#settle]) if (t !== undefined) this.opts.clock.clearTimer(t);
    this.#poll = undefined;
    this.#settle = undefined;
  }

  #armPoll(): void {
    this.#poll = this.opts.clock.setTimer(() => {
      this.#poll = undefined;
      if (this.#stopped) return;
      this.#armPoll();
      void this.#read();
    }, this.opts.pollMs ?? 1000);
  }

  #scheduleRead(): void {
    if (this.#stopped || this.#settle !== undefined) return;
    this.#settle = this.opts.clock.setTimer(() => {
      this.#settle = undefined;
      void this.#read();
    }, this.opts.settleMs ?? 20);
  }

  async #read(): Promise<void> {
    if (this.#stopped) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    try {
      do {
        this.#again = false;
        const r = await this.#fs.read(this.opts.path);
        this.reads++;
        if (this.#stopped) return;
        const v = this.#interpret(r);
        if (v !== undefined && v !== this.#value) {
          this.#value = v;
          this.opts.onChange(v, this.opts.name);
        }
      } while (this.#again && !this.#stopped);
    } finally {
      this.#reading = false;
    }
  }

  /** The value a read gives, or undefined to keep the previous one (an out-of-range number). */
  #interpret(r: { readonly text: string | undefined; readonly error?: string }): number | undefined {
    if (r.error !== undefined) this.#warn('track file unreadable; counts as 0', { err: r.error });
    const v = parseTrackFileValue(r.text);
    if (v === undefined) this.#warn('track file holds an out-of-range number; ignored', { text: r.text?.trim() });
    else if (r.error === undefined) this.#lastWarning = undefined;
    return v;
  }

  /** Warns once per kind of problem until the file reads fine again. */
  #warn(message: string, detail: Record<string, unknown>): void {
    if (this.#lastWarning === message) return;
    this.#lastWarning = message;
    this.opts.onWarning?.(message, { trackFile: this.opts.name, path: this.opts.path, ...detail });
  }
}
