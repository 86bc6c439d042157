/** Combining a real server's checks: all must pass; dynamic weight; transitions only. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CheckVerdict, combineChecks, type RealServerEvent, RealServerHealth } from '../../../src/health/realserver.js';

const up = (weight?: number): CheckVerdict => ({ up: true, weight });
const down: CheckVerdict = { up: false, weight: undefined };

describe('combineChecks', () => {
  it('is up only when every check is up; a server without checks is up', () => {
    expect(combineChecks(3, [up(), up()])).toEqual({ up: true, weight: 3 });
    expect(combineChecks(3, [up(), down])).toEqual({ up: false, weight: 3 });
    expect(combineChecks(3, [])).toEqual({ up: true, weight: 3 });
  });

  it('takes the dynamic weight when a check reports one, the smallest of several, clamped to 0..65535', () => {
    expect(combineChecks(3, [up(), up(7)])).toEqual({ up: true, weight: 7 });
    expect(combineChecks(3, [up(9), up(7)])).toEqual({ up: true, weight: 7 });
    expect(combineChecks(3, [up(0)])).toEqual({ up: true, weight: 0 });
    expect(combineChecks(3, [up(70000)]).weight).toBe(65535);
    expect(combineChecks(3, [up(-4)]).weight).toBe(0);
  });
});

describe('RealServerHealth', () => {
  const make = () =>
    new RealServerHealth('tcp:192.0.2.10:80', 'web', '10.0.0.1:80', 5, [
      ['tcp#0', up()],
      ['http#0', up()],
    ]);

  it('goes down when any check fails and up when all pass again, once each', () => {
    const rs = make();
    expect(rs.setCheck('http#0', down, '503')).toEqual([
      { kind: 'down', key: 'tcp:192.0.2.10:80', vs: 'web', rs: '10.0.0.1:80', reason: '503', weight: 0, check: 'http#0' },
    ]);
    expect(rs.setCheck('tcp#0', down, 'refused')).toEqual([]);
    expect(rs.setCheck('http#0', up(), 'ok')).toEqual([]);
    expect(rs.setCheck('tcp#0', up(), 'connected')).toEqual([
      { kind: 'up', key: 'tcp:192.0.2.10:80', vs: 'web', rs: '10.0.0.1:80', reason: 'connected', weight: 5, check: 'tcp#0' },
    ]);
  });

  it('reports a dynamic weight change while up, and not while down', () => {
    const rs = make();
    expect(rs.setCheck('http#0', up(2), 'w2').map((e) => [e.kind, e.weight])).toEqual([['weight', 2]]);
    expect(rs.setCheck('http#0', up(2), 'w2')).toEqual([]);
    rs.setCheck('tcp#0', down, 'x');
    expect(rs.setCheck('http#0', up(8), 'w8')).toEqual([]);
    expect(rs.setCheck('tcp#0', up(), 'ok').map((e) => [e.kind, e.weight])).toEqual([['up', 8]]);
    expect(rs.setCheck('http#0', up(), 'static').map((e) => [e.kind, e.weight])).toEqual([['weight', 5]]);
  });

  it('ignores checks it does not own', () => {
    expect(make().setCheck('other', down, 'x')).toEqual([]);
  });

  it('reload: a new weight or a removed failing check is a transition; the same set is none', () => {
    const rs = make();
    rs.setCheck('http#0', down, '503');
    expect(
      rs.reconfigure(
        5,
        [
          ['tcp#0', up()],
          ['http#0', down],
        ],
        'reload',
      ),
    ).toEqual([]);
    expect(rs.reconfigure(5, [['tcp#0', up()]], 'reload').map((e) => e.kind)).toEqual(['up']);
    expect(rs.reconfigure(9, [['tcp#0', up()]], 'reload').map((e) => [e.kind, e.weight])).toEqual([['weight', 9]]);
    expect(rs.configuredWeight).toBe(9);
  });

  it('property: events alternate and match "all checks up" after every change', () => {
    const change = fc.record({
      check: fc.integer({ min: 0, max: 2 }),
      up: fc.boolean(),
      weight: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 80 }), (changes) => {
        const ids = ['a', 'b', 'c'];
        const verdicts = new Map(ids.map((id) => [id, up()]));
        const rs = new RealServerHealth('k', 'v', 'r', 4, verdicts);
        let isUp = true;
        let weight = 4;
        for (const c of changes) {
          const id = ids[c.check] as string;
          const v: CheckVerdict = { up: c.up, weight: c.up ? c.weight : undefined };
          verdicts.set(id, v);
          const events: RealServerEvent[] = rs.setCheck(id, v, 'r');
          const expected = combineChecks(4, verdicts.values());
          expect(rs.view).toEqual(expected);
          expect(events.length).toBeLessThanOrEqual(1);
          const e = events[0];
          if (expected.up !== isUp) expect(e?.kind).toBe(expected.up ? 'up' : 'down');
          else if (expected.up && expected.weight !== weight) expect(e?.kind).toBe('weight');
          else expect(e).toBeUndefined();
          isUp = expected.up;
          weight = expected.weight;
        }
      }),
      { numRuns: 300 },
    );
  });
});
