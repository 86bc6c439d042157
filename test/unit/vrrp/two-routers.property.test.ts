/**
 * Property: two instances on a lossless fake link (random priorities, addresses, versions, intervals, start times
 * and link delay) are never both master for longer than one Master_Down_Interval once both have started, and
 * settle with exactly one master: the higher priority, or the higher address on a tie (with preempt); with
 * nopreempt, still exactly one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import type { VrrpInstance } from '../../../src/vrrp/instance.js';
import { masterDownMs } from '../../../src/vrrp/timers.js';
import { FakeLink, spec } from './helpers.js';

const SCALE = Math.max(1, Number(process.env.LVSD_FUZZ_SCALE ?? 1) || 1);

const scenario = fc.record({
  version: fc.constantFrom(2 as const, 3 as const),
  prioA: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constantFrom(100, 255)),
  prioB: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constantFrom(100, 255)),
  lastA: fc.integer({ min: 1, max: 254 }),
  lastB: fc.integer({ min: 1, max: 254 }),
  advA: fc.integer({ min: 1, max: 30 }), // v3: tenths of a second; v2: whole seconds (1..3, shared)
  advB: fc.integer({ min: 1, max: 30 }),
  startA: fc.integer({ min: 0, max: 8000 }),
  startB: fc.integer({ min: 0, max: 8000 }),
  delay: fc.integer({ min: 0, max: 20 }),
  preempt: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function simulate(s: Scenario) {
  const clock = new FakeClock();
  const link = new FakeLink(clock, s.delay);
  const adv2 = (1 + (s.advA % 3)) * 1000;
  const advA = s.version === 2 ? adv2 : s.advA * 100;
  const advB = s.version === 2 ? adv2 : s.advB * 100;
  const addrA = `192.0.2.${s.lastA}`;
  const addrB = `192.0.2.${s.lastB === s.lastA ? (s.lastA % 254) + 1 : s.lastB}`;
  const a = link.add(spec('a', { version: s.version, priority: s.prioA, advertIntMs: advA, localAddress: addrA, preempt: s.preempt }));
  const b = link.add(spec('b', { version: s.version, priority: s.prioB, advertIntMs: advB, localAddress: addrB, preempt: s.preempt }));
  const both = Math.max(s.startA, s.startB);
  const slowest = Math.max(advA, advB);
  const mdi = Math.max(masterDownMs(s.version, s.prioA, slowest, 3), masterDownMs(s.version, s.prioB, slowest, 3));

  let dualSince: number | undefined;
  let longestDual = 0;
  const watch = () => {
    const dual = a.inst.state.name === 'master' && b.inst.state.name === 'master';
    const now = clock.now();
    if (dual && dualSince === undefined) dualSince = Math.max(now, both);
    if (!dual && dualSince !== undefined) {
      longestDual = Math.max(longestDual, now - dualSince);
      dualSince = undefined;
    }
  };
  a.inst.on((e) => e.type === 'transition' && watch());
  b.inst.on((e) => e.type === 'transition' && watch());
  clock.setTimer(() => a.inst.start(), s.startA);
  clock.setTimer(() => b.inst.start(), s.startB);
  clock.advance(both + 20 * mdi);
  if (dualSince !== undefined) longestDual = Math.max(longestDual, clock.now() - dualSince);
  return { a: a.inst, b: b.inst, mdi, longestDual };
}

/**
 * Who must win with preempt: the higher priority. On equal priorities (two owners both lower themselves to 254)
 * either may: a backup does not preempt an equal master (RFC 5798 6.4.2), and the address only decides between
 * two masters (6.4.3).
 */
function expectedWinner(s: Scenario): 'a' | 'b' | undefined {
  if (s.prioA === s.prioB) return undefined;
  return s.prioA > s.prioB ? 'a' : 'b';
}

const masters = (xs: VrrpInstance[]) => xs.filter((x) => x.state.name === 'master').map((x) => x.name);

describe('two routers on a lossless link', () => {
  it('never both master longer than one Master_Down_Interval; converge on the right one', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { a, b, mdi, longestDual } = simulate(s);
        expect(longestDual).toBeLessThanOrEqual(mdi);
        const m = masters([a, b]);
        expect(m).toHaveLength(1);
        expect([a, b].filter((x) => x.state.name === 'backup')).toHaveLength(1);
        // Without preempt the first master keeps it, unless the other is the owner (which always preempts).
        const ownerAlone = (s.prioA === 255) !== (s.prioB === 255);
        const winner = expectedWinner(s);
        if (winner !== undefined && (s.preempt || ownerAlone)) expect(m[0]).toBe(winner);
      }),
      { numRuns: 400 * SCALE },
    );
  });
});
