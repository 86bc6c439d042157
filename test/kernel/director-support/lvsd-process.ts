/**
 * `lvsd run` in a director namespace of the netns lab, for the director tests: starts it, keeps its JSON log
 * lines (pino, on stdout) and lets a test wait for one, signals it and waits for its exit. The lab's down() kills
 * it (with everything else in its namespaces) when a test fails half-way.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from '../../support/netns-lab.js';

export const LVSD = fileURLToPath(new URL('../../../dist/src/cli/lvsd.js', import.meta.url));

/** One parsed log line; `at` is when it arrived (host clock, ms). */
export interface LogEntry {
  readonly msg: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

/** A running (or exited) lvsd. */
export class LvsdProcess {
  readonly entries: LogEntry[] = [];
  /** Lines that are not JSON (stderr, a crash). */
  readonly other: string[] = [];
  #waiters: (() => void)[] = [];

  private constructor(
    readonly host: 'd1' | 'd2',
    readonly child: ChildProcess,
  ) {
    const lines = (push: (line: string) => void) => {
      let buf = '';
      return (chunk: Buffer) => {
        buf += chunk.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        this.#wake();
      };
    };
    child.stdout?.on(
      'data',
      lines((line) => {
        try {
          this.entries.push({ ...(JSON.parse(line) as { msg: string }), at: Date.now() });
        } catch {
          this.other.push(line);
        }
      }),
    );
    child.stderr?.on(
      'data',
      lines((line) => this.other.push(line)),
    );
    child.once('exit', () => this.#wake());
  }

  /** Starts lvsd on host and waits until it has programmed IPVS and runs (VRRP, health and IPVS). */
  static async start(lab: NetnsLab, host: 'd1' | 'd2', file: string, opts: { keepIpvs?: boolean } = {}): Promise<LvsdProcess> {
    if (!existsSync(LVSD)) throw new Error(`${LVSD} is missing: build lvsd first (npm run build)`);
    const argv = [LVSD, 'run', '-c', file, '--node', host, ...(opts.keepIpvs ? ['--keep-ipvs'] : [])];
    const p = new LvsdProcess(host, await lab.spawn(host, argv));
    // The daemon's 'running' (VRRP's own 'running' line comes first and has no virtual_servers).
    await p.waitFor('running', (e) => 'virtual_servers' in e, 0, 60_000);
    return p;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Entries with this message from index `from` on. */
  find(msg: string, from = 0): LogEntry[] {
    return this.entries.slice(from).filter((e) => e.msg === msg);
  }

  /** Waits for an entry with this message (from index `from`) that `pred` accepts; fails with the log so far. */
  async waitFor(msg: string, pred: (e: LogEntry) => boolean = () => true, from = 0, timeoutMs = 20_000): Promise<LogEntry> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.entries.slice(from).find((e) => e.msg === msg && pred(e));
      if (hit !== undefined) return hit;
      if (this.exited) throw new Error(`lvsd on ${this.host} exited (${this.#status()}) before logging '${msg}':\n${this.dump()}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`lvsd on ${this.host}: no '${msg}' log line after ${timeoutMs} ms:\n${this.dump()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a signal. */
  signal(sig: NodeJS.Signals): void {
    if (!this.child.kill(sig)) throw new Error(`lvsd on ${this.host}: could not send ${sig} (${this.#status()})`);
  }

  /** Waits for the process to end; resolves with its exit code (or the signal's name). */
  async exit(timeoutMs = 30_000): Promise<number | string> {
    if (!this.exited) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`lvsd on ${this.host} still running after ${timeoutMs} ms:\n${this.dump()}`)),
          timeoutMs,
        );
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.child.exitCode ?? this.child.signalCode ?? 'unknown';
  }

  /** The last log lines, for failure messages. */
  dump(last = 40): string {
    const lines = this.entries.slice(-last).map((e) => {
      const { at, time: _time, pid: _pid, hostname: _h, level: _l, node: _n, ...rest } = e;
      return `  ${new Date(at).toISOString().slice(11, 23)} ${JSON.stringify(rest)}`;
    });
    return [...lines, ...this.other.slice(-10).map((l) => `  (other) ${l}`)].join('\n');
  }

  #status(): string {
    return `exit code ${String(this.child.exitCode)}, signal ${String(this.child.signalCode)}`;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}
