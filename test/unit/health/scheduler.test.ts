/** The scheduler on a fake clock: exact attempt times for every knob, deadlines, reload, suspension, lateness. */
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../checks/checker.js';
import { type Clock, FakeClock, seededRandom } from '../../../src/clock.js';
import type { CheckParams } from '../../../src/health/params.js';
import { type AttemptStart, type CheckEvent, CheckScheduler, type ScheduledCheck } from '../../../src/health/scheduler.js';
import { FAIL, type Outcome, PASS, params, ScriptedChecker, ScriptedRunnerChecker, weighted } from './helpers.js';

const T0 = 1_700_000_000_000;

function setup(opts: { random?: () => number; timerSlackMs?: number } = {}) {
  const clock = new FakeClock(T0);
  const starts: AttemptStart[] = [];
  const scheduler = new CheckScheduler({
    clock,
    random: opts.random ?? (() => 0),
    onAttempt: (s) => starts.push(s),
    timerSlackMs: opts.timerSlackMs,
  });
  const events: CheckEvent[] = [];
  scheduler.onTransition((e) => events.push(e));
  /** Events as `kind@ms` relative to T0. */
  const timeline = () => events.map((e) => `${e.id}:${e.kind}@${e.at - T0}`);
  return { clock, scheduler, events, timeline, starts };
}

function spec(id: string, checker: Checker, p: CheckParams, extra: Partial<ScheduledCheck> = {}): ScheduledCheck {
  return { id, fingerprint: JSON.stringify(p), params: p, target: { address: '192.0.2.1', port: 80 }, checker, ...extra };
}

const rel = (times: number[]) => times.map((t) => t - T0);

describe('timing', () => {
  it('first attempt after the warmup jitter, one per check', async () => {
    const rnd = [0.1, 0.7, 0.5];
    const { clock, scheduler } = setup({ random: () => rnd.shift() ?? 0 });
    const p = params({ warmup: 10_000 });
    const checkers = [0, 1, 2].map(() => new ScriptedChecker(clock));
    scheduler.update(checkers.map((c, i) => spec(`c${i}`, c, p)));
    await clock.advanceAsync(10_000);
    expect(checkers.map((c) => rel(c.callTimes)[0])).toEqual([1000, 7000, 5000]);
  });

  it('hold: no attempt until release, and the warmup spread starts then', async () => {
    const rnd = [0.1, 0.7];
    const { clock, scheduler } = setup({ random: () => rnd.shift() ?? 0 });
    const p = params({ warmup: 10_000 });
    const checkers = [0, 1].map(() => new ScriptedChecker(clock));
    scheduler.hold();
    scheduler.update(checkers.map((c, i) => spec(`c${i}`, c, p)));
    await clock.advanceAsync(30_000);
    expect(checkers.map((c) => c.callTimes)).toEqual([[], []]);
    scheduler.release();
    await clock.advanceAsync(10_000);
    expect(checkers.map((c) => rel(c.callTimes)[0])).toEqual([31_000, 37_000]);
  });

  it('warmup 0 starts at once', async () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock);
    scheduler.update([spec('a', c, params())]);
    await clock.advanceAsync(0);
    expect(rel(c.callTimes)).toEqual([0]);
  });

  it('rounds are delay_loop apart, measured from the end of the previous attempt', async () => {
    const { clock, scheduler } = setup();
    const fast = new ScriptedChecker(clock, [PASS]);
    const slow = new ScriptedChecker(clock, [{ after: 300, result: PASS }]);
    scheduler.update([spec('fast', fast, params()), spec('slow', slow, params())]);
    await clock.advanceAsync(20_000);
    expect(rel(fast.callTimes)).toEqual([0, 6000, 12000, 18000]);
    expect(rel(slow.callTimes)).toEqual([0, 6300, 12600, 18900]);
  });

  it('retry: a failed attempt is retried after delay_before_retry, `retry` times, then the round fails', async () => {
    const { clock, scheduler, timeline } = setup();
    const c = new ScriptedChecker(clock, [PASS, FAIL, FAIL, FAIL, PASS]);
    scheduler.update([spec('a', c, params({ retry: 2, delayBeforeRetry: 1500 }))]);
    await clock.advanceAsync(30_000);
    // 0 pass; 6000 fail, 7500 fail, 9000 fail → down; next round 15000 passes → up; 21000, 27000.
    expect(rel(c.callTimes)).toEqual([0, 6000, 7500, 9000, 15000, 21000, 27000]);
    expect(timeline()).toEqual(['a:down@9000', 'a:up@15000']);
  });

  it('connect_timeout: the checker gets deadline = start + connect_timeout, and the signal aborts there', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedChecker(clock, ['hang', PASS]);
    scheduler.update([spec('a', c, params({ connectTimeout: 2500, retry: 0 }))]);
    await clock.advanceAsync(2499);
    expect(c.calls[0]?.deadline).toBe(T0 + 2500);
    expect(c.calls[0]?.signal.aborted).toBe(false);
    await clock.advanceAsync(1);
    expect(c.calls[0]?.signal.aborted).toBe(true);
    expect((c.calls[0]?.signal.reason as DOMException | undefined)?.name).toBe('TimeoutError');
    expect(events.map((e) => [e.kind, e.reason, e.at - T0])).toEqual([['down', 'timed out after 2.5s', 2500]]);
    await clock.advanceAsync(6000);
    expect(rel(c.callTimes)).toEqual([0, 8500]);
    expect(scheduler.stats()).toMatchObject({ timeouts: 1, stragglers: 1, attempts: 2 });
  });

  it('a checker that settles after its deadline is ignored; one honouring the abort is no straggler', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedChecker(clock, [{ after: 9000, result: PASS }, PASS]);
    scheduler.update([spec('a', c, params({ connectTimeout: 1000, retry: 0 }))]);
    await clock.advanceAsync(1000);
    expect(events.map((e) => e.kind)).toEqual(['down']);
    expect(scheduler.stats().stragglers).toBe(0);
    await clock.advanceAsync(6000);
    expect(events.map((e) => e.kind)).toEqual(['down', 'up']);
  });

  it('a rejection or a synchronous throw is a failed attempt with the error message', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedChecker(clock, [{ error: 'boom' }]);
    const thrower: Checker = {
      type: 'throws',
      check: () => {
        throw new Error('sync boom');
      },
    };
    scheduler.update([spec('a', c, params({ retry: 0 })), spec('b', thrower, params({ retry: 0 }))]);
    await clock.advanceAsync(0);
    expect(events.map((e) => [e.id, e.kind, e.reason])).toEqual([
      ['a', 'down', 'boom'],
      ['b', 'down', 'sync boom'],
    ]);
  });

  it('passes the target', async () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock);
    scheduler.update([spec('a', c, params(), { target: { address: '2001:db8::1', port: 8080 } })]);
    await clock.advanceAsync(0);
    expect(c.calls[0]?.target).toEqual({ address: '2001:db8::1', port: 8080 });
  });
});

describe('verdicts', () => {
  it('rise and fall count rounds', async () => {
    const { clock, scheduler, timeline } = setup();
    const c = new ScriptedChecker(clock, [PASS, FAIL, FAIL, PASS, FAIL, FAIL, PASS, PASS, PASS]);
    scheduler.update([spec('a', c, params({ retry: 0, rise: 3, fall: 2, delayLoop: 1000 }))]);
    await clock.advanceAsync(10_000);
    // attempts at 0..8000: P F F(down@2000) P F F P P P(up@8000)
    expect(timeline()).toEqual(['a:down@2000', 'a:up@8000']);
  });

  it('alpha: starts down, one pass brings it up', async () => {
    const { clock, scheduler, timeline } = setup();
    const c = new ScriptedChecker(clock, [PASS]);
    scheduler.update([spec('a', c, params({ alpha: true, rise: 5 }))]);
    expect(scheduler.state('a')?.up).toBe(false);
    await clock.advanceAsync(0);
    expect(timeline()).toEqual(['a:up@0']);
  });

  it('alpha off: starts up, the first pass says nothing', async () => {
    const { clock, scheduler, events } = setup();
    scheduler.update([spec('a', new ScriptedChecker(clock, [PASS]), params())]);
    expect(scheduler.state('a')?.up).toBe(true);
    await clock.advanceAsync(60_000);
    expect(events).toEqual([]);
  });

  it('fast recovery: after a failure the next round comes delay_before_retry later', async () => {
    const { clock, scheduler, timeline } = setup();
    const c = new ScriptedChecker(clock, [PASS, FAIL, FAIL, FAIL, PASS, PASS]);
    scheduler.update([spec('a', c, params({ retry: 1, delayBeforeRetry: 1000, rise: 2, fastRecovery: true }))]);
    await clock.advanceAsync(20_000);
    // 0 P; 6000 F, 7000 F → down; 8000 F; 9000 P; 10000 P → up; then delay_loop: 16000.
    expect(rel(c.callTimes)).toEqual([0, 6000, 7000, 8000, 9000, 10000, 16000]);
    expect(timeline()).toEqual(['a:down@7000', 'a:up@10000']);
  });

  it('without fast recovery a down check waits delay_loop', async () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock, [PASS, FAIL, FAIL, FAIL, PASS]);
    scheduler.update([spec('a', c, params({ retry: 1, delayBeforeRetry: 1000 }))]);
    await clock.advanceAsync(20_000);
    expect(rel(c.callTimes)).toEqual([0, 6000, 7000, 13000, 19000]);
  });

  it('dynamic weight changes are reported while up', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedChecker(clock, [weighted(10), weighted(10), weighted(4), PASS]);
    scheduler.update([spec('a', c, params({ delayLoop: 1000 }))]);
    await clock.advanceAsync(5000);
    expect(events.map((e) => [e.kind, e.kind === 'down' ? undefined : e.weight, e.at - T0])).toEqual([
      ['weight', 10, 0],
      ['weight', 4, 2000],
      ['weight', undefined, 3000],
    ]);
  });

  it('reports transitions only: a long run of failures or passes says it once', async () => {
    const { clock, scheduler, events } = setup();
    const script: Outcome[] = [...Array(50).fill(FAIL), ...Array(50).fill(PASS)];
    const c = new ScriptedChecker(clock, script);
    scheduler.update([spec('a', c, params({ delayLoop: 100, delayBeforeRetry: 10 }))]);
    await clock.advanceAsync(20_000);
    expect(events.map((e) => e.kind)).toEqual(['down', 'up']);
  });
});

describe('reload', () => {
  it('keeps an unchanged check untouched: state, counters, schedule and running attempt', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedChecker(clock, [PASS, FAIL, { after: 500, result: FAIL }, PASS]);
    const p = params({ retry: 0, fall: 2, delayLoop: 1000 });
    scheduler.update([spec('a', c, p)]);
    await clock.advanceAsync(1000); // attempts at 0 (pass), 1000 (fail: streak 1)
    expect(scheduler.state('a')).toMatchObject({ up: true, streak: 1 });
    await clock.advanceAsync(1000); // the attempt at 2000 is running (settles at 2500)
    expect(scheduler.isRunning('a')).toBe(true);
    const summary = scheduler.update([spec('a', new ScriptedChecker(clock), p)]);
    expect(summary).toEqual({ added: [], changed: [], kept: ['a'], removed: [] });
    await clock.advanceAsync(500);
    expect(c.calls[2]?.signal.aborted).toBe(false);
    expect(events.map((e) => [e.kind, e.at - T0])).toEqual([['down', 2500]]);
    expect(rel(c.callTimes)).toEqual([0, 1000, 2000]);
  });

  it('a changed check keeps its verdict (no flap), restarts its counters after a new warmup, aborts its attempt', async () => {
    const rnd = [0.5];
    const { clock, scheduler, events } = setup({ random: () => rnd.shift() ?? 0 });
    const c1 = new ScriptedChecker(clock, [FAIL, PASS, 'hang']);
    const p1 = params({ retry: 0, rise: 3, delayLoop: 1000 });
    scheduler.update([spec('a', c1, p1)]);
    await clock.advanceAsync(2000); // 0 fail → down; 1000 pass (streak 1); 2000 running (hangs)
    expect(scheduler.state('a')).toMatchObject({ up: false, streak: 1 });
    expect(scheduler.isRunning('a')).toBe(true);

    const c2 = new ScriptedChecker(clock, [PASS]);
    const p2 = params({ retry: 0, rise: 2, delayLoop: 1000, warmup: 4000 });
    const summary = scheduler.update([spec('a', c2, p2)]);
    expect(summary.changed).toEqual(['a']);
    expect(c1.calls[2]?.signal.aborted).toBe(true);
    expect(scheduler.state('a')).toMatchObject({ up: false, hasRun: true, streak: 0, attempt: 0 });
    expect(scheduler.nextAttemptAt('a')).toBe(T0 + 2000 + 2000);

    await clock.advanceAsync(10_000);
    // New attempts at 4000 (pass, streak 1) and 5000 (pass → up, rise 2 counted afresh).
    expect(rel(c2.callTimes).slice(0, 2)).toEqual([4000, 5000]);
    expect(events.map((e) => [e.kind, e.at - T0])).toEqual([
      ['down', 0],
      ['up', 5000],
    ]);
  });

  it('a changed check that was up stays up: the first round under new parameters is not decisive', async () => {
    const { clock, scheduler, events } = setup();
    scheduler.update([spec('a', new ScriptedChecker(clock, [PASS]), params({ retry: 0, delayLoop: 1000 }))]);
    await clock.advanceAsync(500);
    scheduler.update([spec('a', new ScriptedChecker(clock, [FAIL, PASS]), params({ retry: 0, fall: 2, delayLoop: 2000 }))]);
    await clock.advanceAsync(10_000);
    expect(events).toEqual([]);
  });

  it('adds new checks (with initialUp when given) and stops removed ones', async () => {
    const { clock, scheduler } = setup();
    const a = new ScriptedChecker(clock, ['hang']);
    scheduler.update([spec('a', a, params())]);
    await clock.advanceAsync(100);
    const b = new ScriptedChecker(clock);
    const summary = scheduler.update([spec('b', b, params({ alpha: true }), { initialUp: true })]);
    expect(summary).toEqual({ added: ['b'], changed: [], kept: [], removed: ['a'] });
    expect(a.calls[0]?.signal.aborted).toBe(true);
    expect(scheduler.state('a')).toBeUndefined();
    expect(scheduler.state('b')?.up).toBe(true);
    await clock.advanceAsync(20_000);
    expect(a.calls).toHaveLength(1);
    expect(rel(b.callTimes)).toEqual([100, 6100, 12100, 18100]);
  });

  it('rejects duplicate ids', () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock);
    expect(() => scheduler.update([spec('a', c, params()), spec('a', c, params())])).toThrow(/duplicate/);
  });
});

describe('suspension, stop, scale', () => {
  it('a suspended check skips its attempts and keeps its verdict; resumed, it carries on', async () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock, [PASS]);
    scheduler.update([spec('a', c, params({ delayLoop: 1000 }))]);
    await clock.advanceAsync(0);
    scheduler.setSuspended(['a'], true);
    await clock.advanceAsync(5000);
    expect(rel(c.callTimes)).toEqual([0]);
    scheduler.setSuspended(['a'], false);
    await clock.advanceAsync(2000);
    expect(rel(c.callTimes)).toEqual([0, 6000, 7000]);
    expect(scheduler.state('a')?.up).toBe(true);
  });

  it('stop aborts running attempts and leaves no timer behind', async () => {
    const { clock, scheduler } = setup();
    const c = new ScriptedChecker(clock, ['hang']);
    scheduler.update([spec('a', c, params()), spec('b', new ScriptedChecker(clock), params())]);
    await clock.advanceAsync(0);
    scheduler.stop();
    expect(c.calls[0]?.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
    expect(scheduler.stats().checks).toBe(0);
  });

  it('5,000 checks every second: one timer, every attempt on time, spread by warmup', async () => {
    const { clock, scheduler, starts } = setup({ random: seededRandom(7) });
    const noop: Checker = { type: 'noop', check: () => Promise.resolve(PASS) };
    const p = params({ delayLoop: 1000, warmup: 1000 });
    scheduler.update(Array.from({ length: 5000 }, (_, i) => spec(`c${i}`, noop, p)));
    expect(clock.pending).toBe(1);
    await clock.advanceAsync(10_000);
    expect(clock.pending).toBe(1);
    const stats = scheduler.stats();
    expect(stats.attempts).toBeGreaterThanOrEqual(5000 * 9);
    expect(stats.maxLatenessMs).toBe(0);
    expect(starts.every((s) => s.startedAt === s.scheduledAt)).toBe(true);
    // The first second's starts are spread over the warmup window, not bunched.
    const perTenth = new Array<number>(10).fill(0);
    for (const s of starts) {
      const slot = Math.floor((s.startedAt - T0) / 100);
      if (slot < 10) perTenth[slot] = (perTenth[slot] ?? 0) + 1;
    }
    for (const n of perTenth) expect(n).toBeGreaterThan(350);
  });

  it('reports lateness when timers fire late', async () => {
    const fake = new FakeClock(T0);
    // A clock whose timers fire 30 ms late, as on a busy event loop.
    const late: Clock = { now: () => fake.now(), setTimer: (fn, ms) => fake.setTimer(fn, ms + 30), clearTimer: (h) => fake.clearTimer(h) };
    const starts: AttemptStart[] = [];
    const scheduler = new CheckScheduler({ clock: late, onAttempt: (s) => starts.push(s) });
    const c = new ScriptedChecker(fake);
    scheduler.update([spec('a', c, params({ delayLoop: 1000 }))]);
    await fake.advanceAsync(2100);
    expect(starts.map((s) => [s.scheduledAt - T0, s.startedAt - T0])).toEqual([
      [0, 30],
      [1030, 1060],
      [2060, 2090],
    ]);
    expect(scheduler.stats()).toMatchObject({ attempts: 3, maxLatenessMs: 30, totalLatenessMs: 90 });
  });
});

describe('checkers in callback form (runner)', () => {
  it('rounds, retries and verdicts come out as with the promise form, whether done comes at once or later', async () => {
    const script: Outcome[] = [PASS, FAIL, { after: 200, result: FAIL }, FAIL, { after: 300, result: PASS }];
    const a = setup();
    const promised = new ScriptedChecker(a.clock, script);
    a.scheduler.update([spec('a', promised, params({ retry: 2, delayBeforeRetry: 1500 }))]);
    await a.clock.advanceAsync(30_000);
    const b = setup();
    const runner = new ScriptedRunnerChecker(b.clock, script);
    b.scheduler.update([spec('a', runner, params({ retry: 2, delayBeforeRetry: 1500 }))]);
    await b.clock.advanceAsync(30_000);
    expect(rel(runner.callTimes)).toEqual(rel(promised.callTimes));
    expect(b.timeline()).toEqual(a.timeline());
    expect(b.timeline()).toEqual(['a:down@9200', 'a:up@15500']);
    expect(b.scheduler.stats()).toMatchObject({ attempts: 7, stragglers: 0, timeouts: 0 });
  });

  it('connect_timeout: the probe is aborted at its deadline and its ABORTED result ignored; no stragglers', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedRunnerChecker(clock, ['hang', PASS]);
    scheduler.update([spec('a', c, params({ connectTimeout: 2500, retry: 0 }))]);
    await clock.advanceAsync(2499);
    expect(c.calls[0]?.deadline).toBe(T0 + 2500);
    expect(c.calls[0]?.abortedAt).toBeUndefined();
    await clock.advanceAsync(1);
    expect(c.calls[0]?.abortedAt).toBe(T0 + 2500);
    expect(events.map((e) => [e.kind, e.reason, e.at - T0])).toEqual([['down', 'timed out after 2.5s', 2500]]);
    await clock.advanceAsync(6000);
    expect(rel(c.callTimes)).toEqual([0, 8500]);
    expect(scheduler.stats()).toMatchObject({ timeouts: 1, stragglers: 0, attempts: 2 });
    expect(c.live).toBe(0);
  });

  it('a result that arrives with the deadline is let in first, as with promises', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedRunnerChecker(clock, [{ after: 1000, result: PASS }]);
    scheduler.update([spec('a', c, params({ connectTimeout: 1000, retry: 0, delayLoop: 5000 }))]);
    await clock.advanceAsync(1000);
    expect(scheduler.stats().timeouts).toBe(0);
    expect(events).toEqual([]);
    expect(scheduler.nextAttemptAt('a')).toBe(T0 + 6000);
  });

  it('a start that throws is a failed attempt with its message', async () => {
    const { clock, scheduler, events } = setup();
    const c = new ScriptedRunnerChecker(clock, [{ error: 'no socket' }]);
    scheduler.update([spec('a', c, params({ retry: 0 }))]);
    await clock.advanceAsync(0);
    expect(events.map((e) => [e.kind, e.reason])).toEqual([['down', 'no socket']]);
    expect(scheduler.isRunning('a')).toBe(false);
  });

  it('reload of a changed check, and stop, abort the running probe; nothing is left behind', async () => {
    const { clock, scheduler } = setup();
    const c1 = new ScriptedRunnerChecker(clock, ['hang']);
    const c2 = new ScriptedRunnerChecker(clock, ['hang']);
    scheduler.update([spec('a', c1, params()), spec('b', c2, params())]);
    await clock.advanceAsync(10);
    scheduler.update([spec('a', new ScriptedRunnerChecker(clock, ['hang']), params({ retry: 3 })), spec('b', c2, params())]);
    expect(c1.calls[0]?.abortedAt).toBe(T0 + 10);
    expect(c1.live).toBe(0);
    expect(scheduler.isRunning('b')).toBe(true);
    scheduler.stop();
    expect(c2.calls[0]?.abortedAt).toBe(T0 + 10);
    expect(c2.live).toBe(0);
    expect(clock.pending).toBe(0);
    expect(scheduler.stats().stragglers).toBe(0);
  });
});

describe('timer slack', () => {
  it('starts checks on the slack grid: never early, at most the slack late, one timer per grid step', async () => {
    const { clock, scheduler, starts } = setup({ random: seededRandom(3), timerSlackMs: 10 });
    let timers = 0;
    const setTimer = clock.setTimer.bind(clock);
    clock.setTimer = (fn, ms) => {
      timers++;
      return setTimer(fn, ms);
    };
    const noop = new ScriptedRunnerChecker(clock, [PASS]);
    const p = params({ delayLoop: 1000, warmup: 1000 });
    scheduler.update(Array.from({ length: 500 }, (_, i) => spec(`c${i}`, noop, p)));
    await clock.advanceAsync(5000);
    expect(starts.length).toBeGreaterThanOrEqual(500 * 4);
    for (const s of starts) {
      expect((s.startedAt - T0) % 10).toBe(0);
      expect(s.startedAt - s.scheduledAt).toBeGreaterThanOrEqual(0);
      expect(s.startedAt - s.scheduledAt).toBeLessThan(10);
    }
    // 500 checks a second, started 100 wakeups a second instead of one each.
    expect(timers).toBeLessThanOrEqual(5 * 100 + 1);
  });

  it('shrinks the slack to the time in which about 5 checks fall due: 1 ms at 5,000 checks a second', async () => {
    const { clock, scheduler, starts } = setup({ random: seededRandom(5), timerSlackMs: 10 });
    const noop = new ScriptedRunnerChecker(clock, [PASS]);
    const p = params({ delayLoop: 1000, warmup: 1000 });
    scheduler.update(Array.from({ length: 5000 }, (_, i) => spec(`c${i}`, noop, p)));
    await clock.advanceAsync(3000);
    expect(starts.length).toBeGreaterThanOrEqual(5000 * 2);
    // On a 10 ms grid they would be up to 9 ms late.
    for (const s of starts) expect(s.startedAt - s.scheduledAt).toBeLessThan(1);
    // Ten checks with a 6 s loop: the slack stays at the most, 10 ms.
    const few = setup({ random: seededRandom(5), timerSlackMs: 10 });
    few.scheduler.update(
      Array.from({ length: 10 }, (_, i) => spec(`c${i}`, new ScriptedRunnerChecker(few.clock, [PASS]), params({ warmup: 6000 }))),
    );
    await few.clock.advanceAsync(20_000);
    expect(few.starts.every((s) => (s.startedAt - T0) % 10 === 0)).toBe(true);
    expect(few.starts.some((s) => s.startedAt - s.scheduledAt > 1)).toBe(true);
  });

  it('no slack: every check on its own time', async () => {
    const { clock, scheduler, starts } = setup({ random: seededRandom(3) });
    const noop = new ScriptedRunnerChecker(clock, [PASS]);
    scheduler.update(Array.from({ length: 50 }, (_, i) => spec(`c${i}`, noop, params({ delayLoop: 1000, warmup: 1000 }))));
    await clock.advanceAsync(3000);
    expect(starts.every((s) => s.startedAt === s.scheduledAt)).toBe(true);
    expect(starts.some((s) => (s.startedAt - T0) % 10 !== 0)).toBe(true);
  });
});
