/** Tracking: keepalived's script rise/fall counting, weights, files, the owner and sync-group rules. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ScriptTrackState,
  type TrackingConfig,
  type TrackStatus,
  evaluateTracking,
  fileStatus,
  initialScriptState,
  normalizeTracking,
  parseTrackFileValue,
  scriptResult,
} from '../../../src/vrrp/tracking.js';

const none: TrackingConfig = { basePriority: 100, interfaces: [], scripts: [], files: [] };
const inputs = (o: { i?: [string, boolean][]; s?: [string, TrackStatus][]; f?: [string, number][] } = {}) => ({
  interfaces: new Map(o.i ?? []),
  scripts: new Map(o.s ?? []),
  files: new Map(o.f ?? []),
});

function runScript(rise: number, fall: number, results: boolean[]): TrackStatus[] {
  const c = { rise, fall };
  let s: ScriptTrackState = initialScriptState(c);
  return results.map((ok) => {
    s = scriptResult(c, s, ok);
    return s.status;
  });
}

describe('vrrp_script rise / fall', () => {
  it('the first result decides at once', () => {
    expect(runScript(3, 3, [true])).toEqual(['ok']);
    expect(runScript(3, 3, [false])).toEqual(['fail']);
  });

  it('fall consecutive failures to fail, rise consecutive successes to recover', () => {
    expect(runScript(2, 3, [true, false, false, false, true, true])).toEqual(['ok', 'ok', 'ok', 'fail', 'fail', 'ok']);
    // An interrupted streak starts again.
    expect(runScript(2, 3, [true, false, false, true, false, false, false])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'fail']);
    expect(runScript(3, 1, [false, true, true, false, true, true, true])).toEqual(['fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'ok']);
  });

  it('agrees with a streak-counting reference (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (rise, fall, rs) => {
          let status: TrackStatus = 'init';
          let streak = 0;
          const want: TrackStatus[] = [];
          for (const ok of rs) {
            if (status === 'init') {
              status = ok ? 'ok' : 'fail';
              streak = 0;
            } else if ((status === 'ok') === ok) streak = 0;
            else if (++streak >= (ok ? rise : fall)) {
              status = ok ? 'ok' : 'fail';
              streak = 0;
            }
            want.push(status);
          }
          expect(runScript(rise, fall, rs)).toEqual(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('effective priority and fault', () => {
  it('interfaces: weight 0 means fault when down; weights add while up (> 0) or down (< 0)', () => {
    const cfg: TrackingConfig = {
      ...none,
      interfaces: [
        { name: 'eth0', weight: 0 },
        { name: 'eth1', weight: 10 },
        { name: 'eth2', weight: -20 },
      ],
    };
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['eth0', true],
            ['eth1', true],
            ['eth2', true],
          ],
        }),
      ),
    ).toEqual({ priority: 110, fault: false, reasons: [] });
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['eth0', true],
            ['eth1', false],
            ['eth2', false],
          ],
        }),
      ),
    ).toMatchObject({ priority: 80, fault: false });
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['eth1', true],
            ['eth2', true],
          ],
        }),
      ),
    ).toEqual({
      priority: 110,
      fault: true,
      reasons: [{ kind: 'interface', name: 'eth0' }],
    });
  });

  it('reverse inverts what failing means', () => {
    const cfg: TrackingConfig = {
      ...none,
      interfaces: [
        { name: 'a', weight: 0, reverse: true },
        { name: 'b', weight: 10, reverse: true },
      ],
    };
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['a', false],
            ['b', false],
          ],
        }),
      ),
    ).toMatchObject({ priority: 100, fault: false });
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['a', true],
            ['b', true],
          ],
        }),
      ),
    ).toMatchObject({ priority: 90, fault: true });
  });

  it('scripts: not yet run adds nothing, and faults a weight-0 script', () => {
    const cfg: TrackingConfig = {
      ...none,
      scripts: [
        { name: 'up', weight: 20, rise: 1, fall: 1 },
        { name: 'down', weight: -30, rise: 1, fall: 1 },
        { name: 'must', weight: 0, rise: 1, fall: 1 },
      ],
    };
    expect(evaluateTracking(cfg, inputs())).toEqual({
      priority: 100,
      fault: true,
      reasons: [{ kind: 'script', name: 'must', status: 'init' }],
    });
    const s = (a: TrackStatus, b: TrackStatus, c: TrackStatus) =>
      evaluateTracking(
        cfg,
        inputs({
          s: [
            ['up', a],
            ['down', b],
            ['must', c],
          ],
        }),
      );
    expect(s('ok', 'ok', 'ok')).toEqual({ priority: 120, fault: false, reasons: [] });
    expect(s('fail', 'fail', 'ok')).toMatchObject({ priority: 70, fault: false });
    expect(s('ok', 'ok', 'fail')).toMatchObject({ fault: true, reasons: [{ kind: 'script', name: 'must', status: 'fail' }] });
  });

  it('files: value × weight, limited to −254..253; −254 is fault; weight 0 faults on non-zero', () => {
    expect(fileStatus({ name: 'f', weight: 1 }, 5)).toBe(5);
    expect(fileStatus({ name: 'f', weight: 10 }, 100)).toBe(253);
    expect(fileStatus({ name: 'f', weight: -10 }, 100)).toBe(-254);
    expect(fileStatus({ name: 'f', weight: 2, reverse: true }, 3)).toBe(-6);
    expect(fileStatus({ name: 'f', weight: 0 }, 0)).toBe(0);
    expect(fileStatus({ name: 'f', weight: 0 }, 7)).toBe(-254);
    expect(fileStatus({ name: 'f', weight: 0, reverse: true }, 0)).toBe(-254);
    const cfg: TrackingConfig = {
      ...none,
      files: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: -1 },
      ],
    };
    expect(
      evaluateTracking(
        cfg,
        inputs({
          f: [
            ['a', 30],
            ['b', 10],
          ],
        }),
      ),
    ).toMatchObject({ priority: 120, fault: false });
    expect(
      evaluateTracking(
        cfg,
        inputs({
          f: [
            ['a', 30],
            ['b', 300],
          ],
        }),
      ),
    ).toMatchObject({
      priority: 130,
      fault: true,
      reasons: [{ kind: 'file', name: 'b', value: 300 }],
    });
  });

  it('limits the priority to 1..254, and never changes the owner', () => {
    const cfg: TrackingConfig = {
      ...none,
      interfaces: [
        { name: 'x', weight: 200 },
        { name: 'y', weight: -200 },
      ],
    };
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['x', true],
            ['y', true],
          ],
        }),
      ).priority,
    ).toBe(254);
    expect(
      evaluateTracking(
        cfg,
        inputs({
          i: [
            ['x', false],
            ['y', false],
          ],
        }),
      ).priority,
    ).toBe(1);
    expect(
      evaluateTracking(
        { ...cfg, basePriority: 255 },
        inputs({
          i: [
            ['x', false],
            ['y', false],
          ],
        }),
      ).priority,
    ).toBe(255);
  });
});

describe('normalizeTracking (keepalived vrrp_complete_instance)', () => {
  const cfg: TrackingConfig = {
    basePriority: 100,
    interfaces: [
      { name: 'eth0', weight: 0 },
      { name: 'eth1', weight: 10 },
    ],
    scripts: [
      { name: 'chk', weight: 0, rise: 1, fall: 1 },
      { name: 'w', weight: 5, rise: 1, fall: 1 },
    ],
    files: [
      { name: 'f0', weight: 0 },
      { name: 'f1', weight: 1 },
      { name: 'f2', weight: 3 },
    ],
  };

  it('leaves an ordinary instance alone', () => {
    expect(normalizeTracking(cfg, { syncGroup: false })).toEqual({ config: cfg, notes: [] });
    expect(normalizeTracking(cfg, { syncGroup: true, syncGroupTrackingWeight: true })).toEqual({ config: cfg, notes: [] });
  });

  it('the owner drops weighted interfaces and scripts, zeroes default-weight files, drops other weighted files', () => {
    const { config, notes } = normalizeTracking({ ...cfg, basePriority: 255 }, { syncGroup: false });
    expect(config.interfaces).toEqual([{ name: 'eth0', weight: 0 }]);
    expect(config.scripts.map((s) => s.name)).toEqual(['chk']);
    expect(config.files).toEqual([
      { name: 'f0', weight: 0 },
      { name: 'f1', weight: 0 },
    ]);
    expect(notes.map((n) => `${n.kind}:${n.name}:${n.change}:${n.because}`)).toEqual([
      'interface:eth1:dropped:owner',
      'script:w:dropped:owner',
      'file:f1:weight-zeroed:owner',
      'file:f2:dropped:owner',
    ]);
  });

  it('a sync group member tracks weighted interfaces with weight 0 instead', () => {
    const { config, notes } = normalizeTracking(cfg, { syncGroup: true });
    expect(config.interfaces).toEqual([
      { name: 'eth0', weight: 0 },
      { name: 'eth1', weight: 0 },
    ]);
    expect(config.scripts.map((s) => s.name)).toEqual(['chk']);
    expect(notes[0]).toEqual({ kind: 'interface', name: 'eth1', change: 'weight-zeroed', because: 'sync-group' });
  });
});

describe('parseTrackFileValue (strtol base 0)', () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, 0],
    ['', 0],
    ['42', 42],
    ['  -17\n', -17],
    ['+5', 5],
    ['0x1f', 31],
    ['0X1F', 31],
    ['010', 8],
    ['09', 0],
    ['0x', 0],
    ['12abc', 12],
    ['abc', 0],
    ['2147483648', 2147483648],
    ['2147483649', undefined],
    ['-2147483648', -2147483648],
    ['-2147483649', undefined],
    ['99999999999999999999', undefined],
  ];
  for (const [text, want] of cases) it(`${JSON.stringify(text)} → ${want}`, () => expect(parseTrackFileValue(text)).toBe(want));
});
