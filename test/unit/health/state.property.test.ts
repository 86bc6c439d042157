/**
 * Property: for random parameters and random result sequences, the state machine's transitions alternate
 * correctly (down/up in turn, weight changes only while up, no repeats) and equal those of a reference model
 * written the other way round — results are first cut into rounds, then rounds are counted against rise/fall.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../checks/checker.js';
import type { CheckParams } from '../../../src/health/params.js';
import { type CheckTransition, initialCheckState, recoveryInterval, step } from '../../../src/health/state.js';
import { params } from './helpers.js';

const SCALE = Math.max(1, Number(process.env.LVSD_FUZZ_SCALE ?? 1) || 1);

const resultArb: fc.Arbitrary<CheckResult> = fc.oneof(
  fc.constant<CheckResult>({ up: false, reason: 'fail' }),
  fc.constant<CheckResult>({ up: true, reason: 'pass' }),
  fc.integer({ min: 0, max: 3 }).map((w): CheckResult => ({ up: true, reason: `w${w}`, weight: w })),
);

const paramsArb: fc.Arbitrary<CheckParams> = fc
  .record({
    retry: fc.integer({ min: 0, max: 3 }),
    rise: fc.integer({ min: 1, max: 4 }),
    fall: fc.integer({ min: 1, max: 4 }),
    alpha: fc.boolean(),
    fastRecovery: fc.boolean(),
    delayBeforeRetry: fc.constantFrom(0, 500, 1000),
  })
  .map((o) => params(o));

type Event = { kind: 'up' | 'down' | 'weight'; weight?: number | undefined };

/** The reference: cut the results into rounds (retries only while up), then count rounds. */
function reference(p: CheckParams, results: readonly CheckResult[]): Event[] {
  const events: Event[] = [];
  let up = !p.alpha;
  let observed = false;
  let weight: number | undefined;
  let passes = 0;
  let failures = 0;
  let i = 0;
  while (i < results.length) {
    // One round: while up, up to retry+1 attempts, stopping at the first pass; while down, one attempt.
    const attempts = up ? p.retry + 1 : 1;
    let passed: CheckResult | undefined;
    let complete = false;
    for (let a = 0; a < attempts && i < results.length; a++) {
      const r = results[i++] as CheckResult;
      if (r.up) {
        passed = r;
        complete = true;
        break;
      }
      if (a === attempts - 1) complete = true;
    }
    if (!complete) break; // the sequence ended inside a round
    if (passed) {
      const w = passed.up ? passed.weight : undefined;
      failures = 0;
      if (up) {
        if (w !== weight) events.push({ kind: 'weight', weight: w });
      } else if (!observed || ++passes >= p.rise) {
        up = true;
        passes = 0;
        events.push({ kind: 'up', weight: w });
      }
      weight = w;
    } else {
      passes = 0;
      if (up && (!observed || ++failures >= p.fall)) {
        up = false;
        failures = 0;
        events.push({ kind: 'down' });
      }
    }
    observed = true;
  }
  return events;
}

function simulate(p: CheckParams, results: readonly CheckResult[]): { events: Event[]; delays: number[] } {
  let state = initialCheckState(p);
  let at = 0;
  const events: Event[] = [];
  const delays: number[] = [];
  for (const result of results) {
    const out = step(p, state, { at, result });
    expect(out.transitions.length).toBeLessThanOrEqual(1);
    for (const t of out.transitions as CheckTransition[])
      events.push(t.kind === 'down' ? { kind: 'down' } : { kind: t.kind, weight: t.weight });
    delays.push(out.next - at);
    state = out.state;
    at = out.next;
  }
  return { events, delays };
}

describe('check state machine (property)', () => {
  it('matches the reference model', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(resultArb, { maxLength: 60 }), (p, results) => {
        expect(simulate(p, results).events).toEqual(reference(p, results));
      }),
      { numRuns: 500 * SCALE },
    );
  });

  it('alternates verdicts, reports weights only while up, never repeats', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(resultArb, { maxLength: 60 }), (p, results) => {
        const { events } = simulate(p, results);
        let up = !p.alpha;
        let weight: number | undefined;
        for (const e of events) {
          if (e.kind === 'weight') {
            expect(up).toBe(true);
            expect(e.weight).not.toBe(weight);
            weight = e.weight;
          } else {
            expect(e.kind).toBe(up ? 'down' : 'up');
            up = e.kind === 'up';
            if (e.kind === 'up') weight = e.weight;
          }
        }
      }),
      { numRuns: 500 * SCALE },
    );
  });

  it('only ever waits delay_loop, delay_before_retry or the recovery interval', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(resultArb, { maxLength: 40 }), (p, results) => {
        const allowed = new Set([p.delayLoop, p.delayBeforeRetry, recoveryInterval(p)]);
        for (const d of simulate(p, results).delays) expect(allowed.has(d)).toBe(true);
      }),
      { numRuns: 300 * SCALE },
    );
  });
});
