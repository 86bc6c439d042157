/** The per-check state machine: every row of the transition table, with exact next-attempt delays. */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../checks/checker.js';
import type { CheckParams } from '../../../src/health/params.js';
import {
  type CheckState,
  type CheckTransition,
  initialCheckState,
  recoveryInterval,
  step,
  warmupDelay,
} from '../../../src/health/state.js';
import { FAIL, PASS, params, weighted } from './helpers.js';

interface Trace {
  state: CheckState;
  /** Per result: the transitions' kinds (joined) and the delay to the next attempt. */
  steps: { emitted: string; delay: number }[];
  transitions: CheckTransition[];
}

/** Feeds `results` one after the other, each arriving when the previous step said the next attempt starts. */
function run(p: CheckParams, results: CheckResult[], state = initialCheckState(p)): Trace {
  let at = 1000;
  const steps: Trace['steps'] = [];
  const transitions: CheckTransition[] = [];
  for (const result of results) {
    const out = step(p, state, { at, result });
    state = out.state;
    steps.push({ emitted: out.transitions.map((t) => t.kind).join(','), delay: out.next - at });
    transitions.push(...out.transitions);
    at = out.next;
  }
  return { state, steps, transitions };
}

describe('initial state', () => {
  it('assumes up without alpha and down with alpha', () => {
    expect(initialCheckState(params())).toMatchObject({ up: true, hasRun: false, streak: 0, attempt: 0, weight: undefined });
    expect(initialCheckState(params({ alpha: true }))).toMatchObject({ up: false, hasRun: false });
    expect(initialCheckState(params({ alpha: true }), true).up).toBe(true);
  });

  it('warmup jitter is uniform in [0, warmup) and 0 without warmup', () => {
    expect(warmupDelay(params({ warmup: 0 }), () => 0.99)).toBe(0);
    expect(warmupDelay(params({ warmup: 10_000 }), () => 0)).toBe(0);
    expect(warmupDelay(params({ warmup: 10_000 }), () => 0.25)).toBe(2500);
    expect(warmupDelay(params({ warmup: 10_000 }), () => 0.99999)).toBe(9999);
  });
});

describe('first round decides', () => {
  it('without alpha: a pass keeps it up silently, the next round after delay_loop', () => {
    const t = run(params(), [PASS]);
    expect(t.steps).toEqual([{ emitted: '', delay: 6000 }]);
    expect(t.state).toMatchObject({ up: true, hasRun: true });
  });

  it('without alpha: a failed first round (after its retries) goes down at once, whatever fall says', () => {
    const t = run(params({ retry: 2, fall: 5 }), [FAIL, FAIL, FAIL]);
    expect(t.steps).toEqual([
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: 'down', delay: 6000 },
    ]);
    expect(t.transitions).toEqual([{ kind: 'down', reason: 'refused' }]);
    expect(t.state).toMatchObject({ up: false, hasRun: true, streak: 0, attempt: 0 });
  });

  it('without alpha: a retry that passes saves the round', () => {
    const t = run(params({ retry: 2 }), [FAIL, FAIL, PASS]);
    expect(t.steps.map((s) => s.emitted)).toEqual(['', '', '']);
    expect(t.state).toMatchObject({ up: true, attempt: 0, hasRun: true });
  });

  it('with alpha: one pass brings it up, whatever rise says', () => {
    const t = run(params({ alpha: true, rise: 3 }), [PASS]);
    expect(t.steps).toEqual([{ emitted: 'up', delay: 6000 }]);
    expect(t.transitions).toEqual([{ kind: 'up', reason: 'ok', weight: undefined }]);
  });

  it('with alpha: a failure keeps it down without retries or transition', () => {
    const t = run(params({ alpha: true, retry: 3 }), [FAIL, FAIL]);
    expect(t.steps).toEqual([
      { emitted: '', delay: 6000 },
      { emitted: '', delay: 6000 },
    ]);
    expect(t.state).toMatchObject({ up: false, hasRun: true, reason: 'refused' });
  });
});

describe('retry and delay_before_retry', () => {
  it('retries a failed attempt `retry` times, delay_before_retry apart, then the round fails', () => {
    const p = params({ retry: 3, delayBeforeRetry: 2500, fall: 2 });
    const t = run(p, [PASS, FAIL, FAIL, FAIL, FAIL]);
    expect(t.steps).toEqual([
      { emitted: '', delay: 6000 },
      { emitted: '', delay: 2500 },
      { emitted: '', delay: 2500 },
      { emitted: '', delay: 2500 },
      { emitted: '', delay: 6000 },
    ]);
    expect(t.state).toMatchObject({ up: true, streak: 1, attempt: 0 });
  });

  it('retry 0: every failed attempt is a failed round', () => {
    const t = run(params({ retry: 0 }), [PASS, FAIL]);
    expect(t.steps[1]).toEqual({ emitted: 'down', delay: 6000 });
  });

  it('delay_before_retry 0 retries at once', () => {
    const t = run(params({ retry: 2, delayBeforeRetry: 0 }), [PASS, FAIL, FAIL]);
    expect(t.steps.slice(1).map((s) => s.delay)).toEqual([0, 0]);
  });

  it('no retries while down: each attempt is a round', () => {
    const t = run(params({ retry: 3 }), [PASS, FAIL, FAIL, FAIL, FAIL, FAIL, FAIL]);
    expect(t.steps.map((s) => s.delay)).toEqual([6000, 1000, 1000, 1000, 6000, 6000, 6000]);
  });
});

describe('rise and fall', () => {
  it('fall: goes down after `fall` consecutive failed rounds; a pass in between resets the count', () => {
    const p = params({ retry: 0, fall: 3 });
    const t = run(p, [PASS, FAIL, FAIL, PASS, FAIL, FAIL, FAIL]);
    expect(t.steps.map((s) => s.emitted)).toEqual(['', '', '', '', '', '', 'down']);
  });

  it('rise: comes up after `rise` consecutive passed rounds; a failure in between resets the count', () => {
    const p = params({ retry: 0, rise: 3 });
    const t = run(p, [FAIL, PASS, PASS, FAIL, PASS, PASS, PASS, PASS]);
    expect(t.steps.map((s) => s.emitted)).toEqual(['down', '', '', '', '', '', 'up', '']);
  });

  it('a failed attempt that is retried does not count as a failed round', () => {
    const p = params({ retry: 1, fall: 2 });
    // PASS; then FAIL, retry PASS (round passes); then FAIL, FAIL (round 1 failed); FAIL, FAIL (round 2): down.
    const t = run(p, [PASS, FAIL, PASS, FAIL, FAIL, FAIL, FAIL]);
    expect(t.steps.map((s) => s.emitted)).toEqual(['', '', '', '', '', '', 'down']);
  });

  it('the transition carries the reason of the result that caused it', () => {
    const p = params({ retry: 0, fall: 2, rise: 2 });
    const t = run(p, [PASS, { up: false, reason: 'a' }, { up: false, reason: 'b' }, { up: true, reason: 'c' }, { up: true, reason: 'd' }]);
    expect(t.transitions).toEqual([
      { kind: 'down', reason: 'b' },
      { kind: 'up', reason: 'd', weight: undefined },
    ]);
  });
});

describe('fast recovery', () => {
  const p = params({ retry: 1, delayBeforeRetry: 1000, rise: 2, fall: 2, fastRecovery: true });

  it('after a failed round the next round starts after delay_before_retry', () => {
    const t = run(p, [PASS, FAIL, FAIL, PASS]);
    expect(t.steps.map((s) => s.delay)).toEqual([6000, 1000, 1000, 6000]);
  });

  it('while down, rounds are delay_before_retry apart until it is up again', () => {
    const t = run(p, [PASS, FAIL, FAIL, FAIL, FAIL, FAIL, PASS, PASS, PASS]);
    expect(t.steps).toEqual([
      { emitted: '', delay: 6000 },
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: 'down', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: 'up', delay: 6000 },
      { emitted: '', delay: 6000 },
    ]);
  });

  it('is capped at delay_loop, and falls back to delay_loop when delay_before_retry is 0', () => {
    expect(recoveryInterval(params({ fastRecovery: true, delayBeforeRetry: 9000, delayLoop: 6000 }))).toBe(6000);
    expect(recoveryInterval(params({ fastRecovery: true, delayBeforeRetry: 0 }))).toBe(6000);
    expect(recoveryInterval(params({ fastRecovery: false, delayBeforeRetry: 1000 }))).toBe(6000);
    expect(recoveryInterval(params({ fastRecovery: true, delayBeforeRetry: 1000 }))).toBe(1000);
  });

  it('with alpha, a down check is probed every delay_before_retry from the start', () => {
    const t = run({ ...p, alpha: true }, [FAIL, FAIL, PASS]);
    expect(t.steps).toEqual([
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
      { emitted: '', delay: 1000 },
    ]);
  });
});

describe('dynamic weight', () => {
  it('reports a weight change while up, with the new weight; an unchanged weight is silent', () => {
    const t = run(params(), [weighted(5), weighted(5), weighted(7), PASS]);
    expect(t.transitions).toEqual([
      { kind: 'weight', reason: 'weight 5', weight: 5 },
      { kind: 'weight', reason: 'weight 7', weight: 7 },
      { kind: 'weight', reason: 'ok', weight: undefined },
    ]);
  });

  it('does not report weights while down; the up transition carries the latest weight', () => {
    const t = run(params({ retry: 0, rise: 2 }), [FAIL, weighted(3), weighted(4)]);
    expect(t.transitions).toEqual([
      { kind: 'down', reason: 'refused' },
      { kind: 'up', reason: 'weight 4', weight: 4 },
    ]);
  });

  it('a failed attempt keeps the weight', () => {
    const t = run(params({ retry: 1 }), [weighted(3), FAIL, weighted(3)]);
    expect(t.transitions).toEqual([{ kind: 'weight', reason: 'weight 3', weight: 3 }]);
  });
});

describe('transitions only', () => {
  it('never repeats a verdict', () => {
    const t = run(params({ retry: 0 }), [FAIL, FAIL, FAIL, PASS, PASS, PASS, FAIL, PASS]);
    expect(t.transitions.map((x) => x.kind)).toEqual(['down', 'up', 'down', 'up']);
  });

  it('does not modify the state it is given', () => {
    const p = params();
    const s = initialCheckState(p);
    const copy = { ...s };
    step(p, s, { at: 0, result: FAIL });
    expect(s).toEqual(copy);
  });
});
