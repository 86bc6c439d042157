/**
 * Runs one vrrp_script on a Clock, as keepalived schedules it (vrrp_scheduler.c): the first run at start, then one
 * every `interval` counted from the previous launch; a run still going when the next is due makes that one be
 * skipped; a run that outlasts `timeout` is aborted and counts as a failure. Results go through the rise/fall
 * counting of tracking.ts, and `onChange` hears the verdict when it changes (the first result always is one).
 * How a script is run (process, user, kill) is the caller's `run`, e.g. the exec checker.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { type ScriptCounting, type ScriptTrackState, type TrackStatus, initialScriptState, scriptResult } from './tracking.js';

/** A script, its timing and counting, how to run it and whom to tell. */
export interface ScriptRunnerOptions extends ScriptCounting {
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Runs the script once: true when it exited 0. Must give up when `signal` aborts (the result is then ignored). */
  readonly run: (signal: AbortSignal) => Promise<boolean>;
  readonly onChange: (status: TrackStatus, name: string) => void;
}

/** The schedule and verdict of one vrrp_script. */
export class ScriptRunner {
  #state: ScriptTrackState;
  #tick: TimerHandle | undefined;
  #timeout: TimerHandle | undefined;
  #running: AbortController | undefined;
  #stopped = true;
  /** Runs launched, and runs skipped because the previous one was still going. */
  readonly stats = { runs: 0, skipped: 0, timeouts: 0 };

  constructor(readonly opts: ScriptRunnerOptions) {
    this.#state = initialScriptState(opts);
  }

  get status(): TrackStatus {
    return this.#state.status;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#launch();
  }

  /** Stops scheduling and aborts a run in progress. */
  stop(): void {
    this.#stopped = true;
    if (this.#tick !== undefined) this.opts.clock.clearTimer(this.#tick);
    this.#tick = undefined;
    this.#finish();
  }

  #launch(): void {
    if (this.#stopped) return;
    const { clock } = this.opts;
    this.#tick = clock.setTimer(() => this.#launch(), this.opts.intervalMs);
    if (this.#running !== undefined) {
      this.stats.skipped++;
      return;
    }
    const ac = new AbortController();
    this.#running = ac;
    this.stats.runs++;
    this.#timeout = clock.setTimer(() => {
      if (this.#running !== ac) return;
      this.stats.timeouts++;
      this.#finish();
      this.#record(false);
    }, this.opts.timeoutMs);
    let p: Promise<boolean>;
    try {
      p = this.opts.run(ac.signal);
    } catch {
      p = Promise.resolve(false);
    }
    p.then(
      (ok) => this.#settle(ac, ok === true),
      () => this.#settle(ac, false),
    );
  }

  #settle(ac: AbortController, ok: boolean): void {
    if (this.#running !== ac) return; // timed out or stopped meanwhile
    this.#finish();
    if (!this.#stopped) this.#record(ok);
  }

  #finish(): void {
    if (this.#timeout !== undefined) this.opts.clock.clearTimer(this.#timeout);
    this.#timeout = undefined;
    const r = this.#running;
    this.#running = undefined;
    r?.abort();
  }

  #record(ok: boolean): void {
    const before = this.#state.status;
    this.#state = scriptResult(this.opts, this.#state, ok);
    if (this.#state.status !== before) this.opts.onChange(this.#state.status, this.opts.name);
  }
}
