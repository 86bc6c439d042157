/**
 * Runs many checks on one clock. Every check is an entry in one min-heap keyed by the time its current wait ends —
 * the start of its next attempt while idle, its deadline while an attempt runs — and one clock timer is armed for
 * the earliest entry, so the per-check cost is a couple of heap operations. Each check keeps one AbortController
 * for its attempts, replaced only once it has been aborted (attempts of one check never overlap: an abandoned
 * attempt's signal is aborted, and the next attempt gets a fresh one).
 *
 * Per check: the first attempt starts after a random delay in [0, warmup) (so thousands of checks do not fire in
 * step); each attempt gets the deadline `start + connectTimeout` and an AbortSignal that aborts at the deadline, when
 * the attempt is abandoned as failed ("timed out"). What follows an attempt — the retry, the next round, the
 * verdict — is decided by the pure state machine (state.ts); the scheduler only keeps time and reports the
 * transitions it returns. A checker that rejects counts as a failed attempt with the error's message.
 *
 * Reload (`update`): a check is identified by `id` and described by `fingerprint`.
 * - same id and fingerprint: untouched — its state, counters, pending timer and any running attempt carry on;
 * - same id, new fingerprint: its running attempt is aborted and ignored, its verdict, has-run flag and dynamic
 *   weight are kept (so nothing flaps), its rise/fall streak and retry count start over, and its next attempt starts
 *   after a new warmup delay, as a new check's would;
 * - new id: starts from its initial state (`initialUp`, else up unless alpha) after a warmup delay;
 * - gone: stopped (its running attempt is aborted), without a transition.
 *
 * A deadline that falls due is acted on one clock turn later (a zero-delay clock timer): on a busy event loop the
 * deadline and the attempt's result can be due together, and the result, which arrived in time, is let in first
 * (the checkers time themselves out the same way); without it a loaded director would turn late-processed
 * successes into timeouts and retries, and load itself further.
 *
 * `onAttempt` reports each attempt's scheduled and actual start, so lateness can be measured: the actual start is
 * read from the clock for each attempt as it starts, not once for a batch of attempts due together.
 *
 * Timer slack (`timerSlackMs`, as the kernel's timer slack): the clock timer is armed for the earliest entry
 * rounded up to a multiple of the slack, so checks due within one slack interval start in one wakeup of the
 * event loop, and their results tend to arrive together too. With hundreds of checks spread over a delay_loop,
 * each would otherwise cost a loop turn of its own for its start and another for its result; the fixed cost of
 * those turns was about half of a check's CPU. The price is lateness: an attempt starts up to the slack after
 * its time (it never starts early). The slack used is the time in which about SLACK_BATCH checks fall due (from
 * the checks' delay loops), at most `timerSlackMs`: 10 ms for 500 checks a second, 1 ms for 5,000, where the
 * loop is busy enough to batch them anyway and a longer slack would only add lateness.
 *
 * A checker with a callback form (`runner`, checker.ts) is driven through it: no promise and no AbortSignal per
 * attempt; abandoning an attempt aborts its probe, whose result then comes at once and is ignored.
 */
import type { Checker, CheckResult, CheckTarget, ProbeDone } from '../../checks/checker.js';
import { type Clock, type Random, systemClock, systemRandom, type TimerHandle } from '../clock.js';
import { type HeapItem, TimerHeap } from '../timer-heap.js';
import { type Logger, silentLogger } from '../logger.js';
import type { CheckParams } from './params.js';
import { type CheckState, type CheckTransition, initialCheckState, step, warmupDelay } from './state.js';

/** One check to run. */
export interface ScheduledCheck {
  /** Stable identity across reloads. */
  readonly id: string;
  /** Equal fingerprints mean the check is unchanged (parameters, target, checker settings). */
  readonly fingerprint: string;
  readonly params: CheckParams;
  readonly target: CheckTarget;
  readonly checker: Checker;
  /** Verdict assumed before the first round (default: up, or down with alpha). */
  readonly initialUp?: boolean;
}

/** A check's transition, with the state it led to. */
export type CheckEvent = CheckTransition & {
  readonly id: string;
  /** When the result that caused it arrived (ms). */
  readonly at: number;
  readonly state: CheckState;
};

/** An attempt's start: `startedAt - scheduledAt` is its lateness. */
export interface AttemptStart {
  readonly id: string;
  readonly scheduledAt: number;
  readonly startedAt: number;
}

/** Counters for monitoring and benchmarks. */
export interface SchedulerStats {
  /** Checks scheduled. */
  readonly checks: number;
  readonly attempts: number;
  readonly timeouts: number;
  /** Attempts abandoned (timed out or cancelled) whose checker has not settled yet. */
  readonly stragglers: number;
  readonly maxLatenessMs: number;
  readonly totalLatenessMs: number;
}

/** What `update` did, by check id. */
export interface UpdateSummary {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly kept: readonly string[];
  readonly removed: readonly string[];
}

export interface SchedulerOptions {
  readonly clock?: Clock;
  /** Source of warmup jitter. */
  readonly random?: Random;
  readonly logger?: Logger;
  /** Called at every attempt's start (keep it cheap). */
  readonly onAttempt?: (start: AttemptStart) => void;
  /** Most timer slack, ms (default 0: every check on its own time; see above). */
  readonly timerSlackMs?: number;
}

interface Entry extends HeapItem {
  spec: ScheduledCheck;
  state: CheckState;
  /** The scheduled start of the next (or running) attempt. */
  scheduledAt: number;
  /** The number of the running attempt (0: none); a result of any other attempt is stale. */
  running: number;
  /** Attempts started so far. */
  attempts: number;
  /** The signal source of the running (or next) attempt; replaced once aborted. */
  controller: AbortController | undefined;
  /** The probe handle of the running attempt of a checker with a runner (0: none). */
  handle: number;
  /** Where that probe's result goes (made once per entry). */
  done: ProbeDone;
  suspended: boolean;
}

type Listener = (event: CheckEvent) => void;

/** The check scheduler. Start it with `update(checks)`; stop it with `stop()`. */
export class CheckScheduler {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #log: Logger;
  readonly #onAttempt: ((start: AttemptStart) => void) | undefined;
  readonly #maxSlack: number;
  /** The slack in use: see above; set by update(). */
  #slack = 0;
  readonly #entries = new Map<string, Entry>();
  readonly #heap = new TimerHeap<Entry>();
  readonly #listeners = new Set<Listener>();
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  /** True while #fire starts attempts (a result that comes at once does not re-arm the timer meanwhile). */
  #firing = false;
  /** Attempts whose deadline passed, with their numbers, to time out on the next clock turn unless settled. */
  #expiring: { entry: Entry; attempt: number }[] = [];
  #expiryTimer: TimerHandle | undefined;
  /** Since when the checks are held (see hold()); undefined while they run. */
  #heldSince: number | undefined;
  #attempts = 0;
  #timeouts = 0;
  #stragglers = 0;
  #maxLateness = 0;
  #totalLateness = 0;

  constructor(opts: SchedulerOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? systemRandom;
    this.#log = opts.logger ?? silentLogger;
    this.#onAttempt = opts.onAttempt;
    this.#maxSlack = opts.timerSlackMs ?? 0;
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onTransition(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes `checks` the set of checks run (see the reload rules above). Ids must be unique. */
  update(checks: readonly ScheduledCheck[]): UpdateSummary {
    const now = this.#clock.now();
    const added: string[] = [];
    const changed: string[] = [];
    const kept: string[] = [];
    const removed: string[] = [];
    const wanted = new Set<string>();
    for (const spec of checks) {
      if (wanted.has(spec.id)) throw new Error(`duplicate check id ${spec.id}`);
      wanted.add(spec.id);
    }
    for (const [id, entry] of this.#entries) {
      if (wanted.has(id)) continue;
      this.#cancel(entry);
      this.#entries.delete(id);
      removed.push(id);
    }
    for (const spec of checks) {
      const old = this.#entries.get(spec.id);
      if (old === undefined) {
        const entry: Entry = {
          at: 0,
          seq: 0,
          heapIndex: -1,
          spec,
          state: initialCheckState(spec.params, spec.initialUp),
          scheduledAt: 0,
          running: 0,
          attempts: 0,
          controller: undefined,
          handle: 0,
          done: (result) => this.#settled(entry, entry.running, result),
          suspended: false,
        };
        this.#entries.set(spec.id, entry);
        this.#schedule(entry, now + warmupDelay(spec.params, this.#random));
        added.push(spec.id);
      } else if (old.spec.fingerprint === spec.fingerprint) {
        kept.push(spec.id);
      } else {
        this.#cancel(old);
        const s = old.state;
        old.spec = spec;
        old.state = s.hasRun
          ? { up: s.up, hasRun: true, streak: 0, attempt: 0, weight: s.weight, reason: s.reason }
          : initialCheckState(spec.params, spec.initialUp);
        this.#schedule(old, now + warmupDelay(spec.params, this.#random));
        changed.push(spec.id);
      }
    }
    this.#slack = this.#slackFor();
    this.#arm();
    return { added, changed, kept, removed };
  }

  /**
   * Suspends or resumes checks (ha_suspend). A suspended check keeps its verdict and skips its attempts (it wakes
   * every delayLoop to see whether it was resumed); an attempt already running completes normally.
   */
  setSuspended(ids: Iterable<string>, suspended: boolean): void {
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (entry) entry.suspended = suspended;
    }
  }

  /**
   * Holds every check: no attempt starts until release(), which moves each pending attempt later by the time held,
   * so the warmup spread starts then. The director holds the checks while it programs the table at start (as
   * keepalived programs its services before its checkers run), so a big table is not slowed by thousands of checks.
   */
  hold(): void {
    if (this.#heldSince !== undefined) return;
    this.#heldSince = this.#clock.now();
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** Ends hold(). */
  release(): void {
    if (this.#heldSince === undefined) return;
    const held = this.#clock.now() - this.#heldSince;
    this.#heldSince = undefined;
    if (held > 0) {
      for (const entry of this.#entries.values()) {
        if (entry.heapIndex < 0) continue;
        this.#schedule(entry, entry.at + held);
      }
    }
    this.#arm();
  }

  /** A check's current state. */
  state(id: string): CheckState | undefined {
    return this.#entries.get(id)?.state;
  }

  /** The scheduled start of a check's next (or running) attempt. */
  nextAttemptAt(id: string): number | undefined {
    return this.#entries.get(id)?.scheduledAt;
  }

  /** True while an attempt of the check runs. */
  isRunning(id: string): boolean {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.running !== 0;
  }

  stats(): SchedulerStats {
    return {
      checks: this.#entries.size,
      attempts: this.#attempts,
      timeouts: this.#timeouts,
      stragglers: this.#stragglers,
      maxLatenessMs: this.#maxLateness,
      totalLatenessMs: this.#totalLateness,
    };
  }

  /** Stops every check (running attempts are aborted) and the timer. `update` starts again from scratch. */
  stop(): void {
    for (const entry of this.#entries.values()) this.#cancel(entry);
    this.#entries.clear();
    if (this.#expiryTimer !== undefined) this.#clock.clearTimer(this.#expiryTimer);
    this.#expiryTimer = undefined;
    this.#expiring = [];
    this.#arm();
  }

  // ----- internals -----------------------------------------------------------------------------------------------

  /** The slack in which about SLACK_BATCH checks fall due (whole ms, at least 1), at most the configured one. */
  #slackFor(): number {
    if (this.#maxSlack <= 0) return 0;
    let perMs = 0;
    for (const entry of this.#entries.values()) perMs += 1 / Math.max(1, entry.spec.params.delayLoop);
    // Whole milliseconds (at least 1), so that the grid stays on the clock's millisecond ticks.
    return perMs > 0 ? Math.min(this.#maxSlack, Math.max(1, Math.round(SLACK_BATCH / perMs))) : this.#maxSlack;
  }

  /** Aborts a running attempt (its result will be ignored) and takes the entry off the heap. */
  #cancel(entry: Entry): void {
    this.#heap.remove(entry);
    if (entry.running !== 0) this.#abandon(entry, 'check cancelled', 'AbortError');
  }

  /** Ends the running attempt for good: its probe is aborted, and its result, whenever it comes, is stale. */
  #abandon(entry: Entry, message: string, name: string): void {
    entry.running = 0;
    const handle = entry.handle;
    if (handle !== 0) {
      // A runner's probe: aborting it reports its result now, to the entry's done, which ignores it.
      entry.handle = 0;
      entry.spec.checker.runner?.abort(handle);
      return;
    }
    this.#stragglers++;
    entry.controller?.abort(new DOMException(message, name));
  }

  #schedule(entry: Entry, at: number): void {
    this.#heap.remove(entry);
    entry.scheduledAt = at;
    entry.at = at;
    this.#heap.push(entry);
  }

  /** Keeps the one clock timer armed for the earliest entry (rounded up to the slack). */
  #arm(): void {
    if (this.#heldSince !== undefined) return;
    const top = this.#heap.peek();
    const slack = this.#slack;
    const at = top === undefined ? Number.POSITIVE_INFINITY : slack > 0 ? Math.ceil(top.at / slack) * slack : top.at;
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (top !== undefined) this.#timer = this.#clock.setTimer(() => this.#fire(), at - this.#clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    this.#firing = true;
    try {
      for (let top = this.#heap.peek(); top !== undefined && top.at <= now; top = this.#heap.peek()) {
        this.#heap.pop();
        if (top.running !== 0) this.#expire(top);
        // Each attempt's own start time: the attempts of a batch start one after the other.
        else this.#start(top, this.#clock.now());
      }
    } finally {
      this.#firing = false;
    }
    this.#arm();
  }

  #start(entry: Entry, now: number): void {
    if (entry.suspended) {
      this.#schedule(entry, now + entry.spec.params.delayLoop);
      return;
    }
    const lateness = now - entry.scheduledAt;
    this.#attempts++;
    this.#totalLateness += lateness;
    if (lateness > this.#maxLateness) this.#maxLateness = lateness;
    this.#onAttempt?.({ id: entry.spec.id, scheduledAt: entry.scheduledAt, startedAt: now });

    const { checker, target, params } = entry.spec;
    const runner = checker.runner;
    if (runner !== undefined) {
      const attempt = ++entry.attempts;
      entry.running = attempt;
      entry.at = now + params.connectTimeout;
      this.#heap.push(entry);
      let handle = 0;
      try {
        handle = runner.start(target, now + params.connectTimeout, entry.done);
      } catch (e) {
        this.#settled(entry, attempt, { up: false, reason: errorReason(e) });
      }
      // Still running (its result did not come at once): keep the handle to abort it by.
      if (entry.running === attempt) entry.handle = handle;
      return;
    }
    let controller = entry.controller;
    if (controller === undefined || controller.signal.aborted) {
      controller = new AbortController();
      entry.controller = controller;
    }
    const attempt = ++entry.attempts;
    entry.running = attempt;
    entry.at = now + params.connectTimeout;
    this.#heap.push(entry);

    let promise: Promise<CheckResult>;
    try {
      promise = checker.check(target, controller.signal, now + params.connectTimeout);
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise.then(
      (result) => this.#settled(entry, attempt, result),
      (error: unknown) => this.#settled(entry, attempt, { up: false, reason: errorReason(error) }),
    );
  }

  /** The deadline of the running attempt passed: time it out on the next clock turn, unless it settles first. */
  #expire(entry: Entry): void {
    this.#expiring.push({ entry, attempt: entry.running });
    this.#expiryTimer ??= this.#clock.setTimer(() => {
      this.#expiryTimer = undefined;
      const due = this.#expiring;
      this.#expiring = [];
      for (const { entry: e, attempt } of due) {
        // Settled, cancelled or restarted meanwhile: nothing to time out.
        if (e.running === attempt && e.heapIndex === -1) this.#timeout(e);
      }
      this.#arm();
    }, 0);
  }

  #timeout(entry: Entry): void {
    this.#timeouts++;
    const seconds = entry.spec.params.connectTimeout / 1000;
    const reason = `timed out after ${seconds}s`;
    this.#abandon(entry, reason, 'TimeoutError');
    this.#finish(entry, { up: false, reason });
  }

  #settled(entry: Entry, attempt: number, result: CheckResult): void {
    if (attempt === 0) return; // a runner's probe aborted by #abandon: nothing is waiting for it
    if (entry.running !== attempt) {
      // Timed out or cancelled earlier: the result is stale.
      this.#stragglers--;
      return;
    }
    entry.running = 0;
    entry.handle = 0;
    this.#heap.remove(entry);
    this.#finish(entry, result);
    if (!this.#firing) this.#arm();
  }

  #finish(entry: Entry, result: CheckResult): void {
    const at = this.#clock.now();
    const out = step(entry.spec.params, entry.state, { at, result });
    entry.state = out.state;
    this.#schedule(entry, out.next);
    if (!result.up) this.#log.debug({ check: entry.spec.id, reason: result.reason, attempt: out.state.attempt }, 'check attempt failed');
    for (const t of out.transitions) this.#emit({ ...t, id: entry.spec.id, at, state: out.state });
  }

  #emit(event: CheckEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (e) {
        this.#log.error({ check: event.id, err: e }, 'transition listener failed');
      }
    }
  }
}

/** How many checks falling due the timer slack waits for, at most (see above). */
const SLACK_BATCH = 5;

function errorReason(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
