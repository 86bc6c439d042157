/**
 * The pure state machine, one test (at least) per row of the transition table in state-machine.ts; the last test
 * checks that every row was taken.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  HANDOVER_LINGER_MS,
  type MachineAction,
  type MachineEvent,
  type MachineParams,
  type MachineState,
  type StepResult,
  TABLE_ROWS,
  type TableRow,
  VrrpInstanceMachine,
  timerEvent,
} from '../../../src/vrrp/state-machine.js';
import { params } from './helpers.js';

const seen = new Set<TableRow>();

/** Steps through `events` from the initial state (all at `now`), recording rows; returns the last result. */
function run(p: Partial<MachineParams>, events: readonly MachineEvent[], now = 0): { m: VrrpInstanceMachine; last: StepResult } {
  const m = new VrrpInstanceMachine(params(p));
  let state = m.initialState();
  let last: StepResult | undefined;
  for (const e of events) {
    last = m.step(state, e, now);
    seen.add(last.row);
    state = last.state;
  }
  if (last === undefined) throw new Error('no events');
  return { m, last };
}

/** One more step from a state. */
function step(m: VrrpInstanceMachine, s: MachineState, e: MachineEvent, now = 0): StepResult {
  const r = m.step(s, e, now);
  seen.add(r.row);
  return r;
}

const types = (actions: readonly MachineAction[]) => actions.map((a) => a.type);
const advert = (priority: number, srcAddr = '192.0.2.2', maxAdverIntMs = 1000): MachineEvent => ({
  type: 'advertReceived',
  priority,
  srcAddr,
  maxAdverIntMs,
});
const startup: MachineEvent = { type: 'startup' };
const toMaster: MachineEvent[] = [startup, { type: 'masterDownTimerFired' }];
const toLeaving: MachineEvent[] = [...toMaster, { type: 'shutdown' }];

describe('initialize', () => {
  it('I1: startup in fault goes to fault', () => {
    const { last } = run({}, [{ type: 'faultRaised' }, startup]);
    expect(last.row).toBe('I1');
    expect(last.state.name).toBe('fault');
    expect(last.actions).toEqual([{ type: 'notify', from: 'initialize', to: 'fault', priority: 100 }]);
  });

  it('I2: the owner becomes master at once (advert first, then addresses, then GARP)', () => {
    const { last } = run({ priority: 255, acceptMode: false }, [startup]);
    expect(last.row).toBe('I2');
    expect(last.state).toMatchObject({ name: 'master', vipsHeld: true, effectivePriority: 255 });
    expect(last.actions.filter((a) => a.type !== 'cancelTimer')).toEqual([
      { type: 'sendAdvert', priority: 255 },
      { type: 'addVips', accept: true },
      { type: 'sendGratuitous', reason: 'master', repeat: 1 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
      { type: 'notify', from: 'initialize', to: 'master', priority: 255 },
    ]);
  });

  it('I3: others become backup with Master_Down_Interval', () => {
    const { last } = run({}, [startup], 1000);
    expect(last.row).toBe('I3');
    expect(last.state).toMatchObject({ name: 'backup', masterDownAt: 1000 + 3609.375 });
    expect(last.actions).toContainEqual({ type: 'setTimer', name: 'masterDown', ms: 3609.375 });
    expect(last.actions).toContainEqual({ type: 'notify', from: 'initialize', to: 'backup', priority: 100 });
  });

  it('I4: other events are remembered, not acted on', () => {
    const { last } = run({}, [{ type: 'priorityChanged', priority: 120 }, advert(200)]);
    expect(last.row).toBe('I4');
    expect(last.actions).toEqual([]);
    expect(last.state).toMatchObject({ name: 'initialize', effectivePriority: 120, trackedPriority: 120 });
  });
});

describe('backup', () => {
  it('B1: priority 0 sets the timer to Skew_Time', () => {
    const { last } = run({}, [startup, advert(0)], 500);
    expect(last.row).toBe('B1');
    expect(last.actions).toEqual([{ type: 'setTimer', name: 'masterDown', ms: 609.375 }]);
    expect(last.state.masterDownAt).toBe(500 + 609.375);
  });

  it('B2: a higher or equal priority resets the timer; VRRPv3 learns the interval', () => {
    const { last } = run({ version: 3 }, [startup, advert(150, '192.0.2.2', 2000)]);
    expect(last.row).toBe('B2');
    expect(last.state).toMatchObject({ masterAdverIntMs: 2000, master: { address: '192.0.2.2', priority: 150 } });
    expect(last.actions).toEqual([{ type: 'setTimer', name: 'masterDown', ms: 6000 + 1218.75 }]);
    const eq = run({}, [startup, advert(100)]).last;
    expect(eq.row).toBe('B2');
  });

  it('B2: VRRPv2 does not learn (validation already required the same interval)', () => {
    const { last } = run({ version: 2 }, [startup, advert(150, '192.0.2.2', 2000)]);
    expect(last.state.masterAdverIntMs).toBe(1000);
  });

  it('B2: without preempt, a lower priority master is accepted too', () => {
    const { last } = run({ preempt: false }, [startup, advert(50)]);
    expect(last.row).toBe('B2');
    expect(types(last.actions)).toEqual(['setTimer']);
  });

  it('B3: with preempt_delay, the first lower advert starts the delay and is still accepted', () => {
    const { m, last } = run({ preemptDelayMs: 5000 }, [startup, advert(50)]);
    expect(last.row).toBe('B3');
    expect(last.state.preemptDelay).toBe('running');
    expect(last.actions).toEqual([
      { type: 'setTimer', name: 'preemptDelay', ms: 5000 },
      { type: 'setTimer', name: 'masterDown', ms: 3609.375 },
    ]);
    const again = step(m, last.state, advert(50), 1000);
    expect(again.row).toBe('B3');
    expect(again.actions).toEqual([{ type: 'setTimer', name: 'masterDown', ms: 3609.375 }]);
    // A higher priority stops the delay.
    const higher = step(m, again.state, advert(150), 2000);
    expect(higher.state.preemptDelay).toBe('idle');
    expect(higher.actions).toContainEqual({ type: 'cancelTimer', name: 'preemptDelay' });
  });

  it('B4: with preempt (and no delay left), a lower advert is discarded and the timer runs on', () => {
    const { last } = run({}, [startup, advert(50)]);
    expect(last.row).toBe('B4');
    expect(last.actions).toEqual([]);
    expect(last.state.masterDownAt).toBe(3609.375);
  });

  it('B5: masterDown fires: become master', () => {
    const { last } = run({ acceptMode: false }, toMaster);
    expect(last.row).toBe('B5');
    expect(last.state.name).toBe('master');
    expect(types(last.actions)).toEqual(['cancelTimer', 'cancelTimer', 'sendAdvert', 'addVips', 'sendGratuitous', 'setTimer', 'notify']);
    expect(last.actions).toContainEqual({ type: 'addVips', accept: false });
  });

  it('B6: a sync group member only says it wants master, and re-arms', () => {
    const { last } = run({ syncGroup: true }, toMaster, 3609.375);
    expect(last.row).toBe('B6');
    expect(last.state).toMatchObject({ name: 'backup', wantMaster: true });
    expect(last.actions).toEqual([{ type: 'syncWantMaster' }, { type: 'setTimer', name: 'masterDown', ms: 3609.375 }]);
  });

  it('B6 then B7: the group says go', () => {
    const { m, last } = run({ syncGroup: true }, toMaster);
    const r = step(m, last.state, { type: 'syncGotoMaster' });
    expect(r.row).toBe('B7');
    expect(r.state).toMatchObject({ name: 'master', wantMaster: false });
  });

  it('B8: preempt delay expiry: later lower adverts are discarded', () => {
    const { m, last } = run({ preemptDelayMs: 5000 }, [startup, advert(50), { type: 'preemptDelayExpired' }]);
    expect(last.row).toBe('B8');
    expect(last.state.preemptDelay).toBe('expired');
    expect(step(m, last.state, advert(50)).row).toBe('B4');
  });

  it('B9: a priority change moves the masterDown deadline by the change in skew', () => {
    const { m, last } = run({}, [startup], 0);
    const r = step(m, last.state, { type: 'priorityChanged', priority: 200 }, 1000);
    expect(r.row).toBe('B9');
    expect(r.state).toMatchObject({ effectivePriority: 200, masterDownAt: 3218.75 });
    expect(r.actions).toEqual([{ type: 'setTimer', name: 'masterDown', ms: 2218.75 }]);
    // Clamped to 1..254.
    expect(step(m, last.state, { type: 'priorityChanged', priority: 400 }).state.effectivePriority).toBe(254);
    expect(step(m, last.state, { type: 'priorityChanged', priority: -5 }).state.effectivePriority).toBe(1);
  });

  it('B10: fault', () => {
    const { last } = run({}, [startup, { type: 'faultRaised' }]);
    expect(last.row).toBe('B10');
    expect(last.state).toMatchObject({ name: 'fault', fault: true, masterDownAt: undefined });
    expect(last.actions).not.toContainEqual({ type: 'removeVips' });
    expect(last.actions.at(-1)).toEqual({ type: 'notify', from: 'backup', to: 'fault', priority: 100 });
  });

  it('B11: shutdown', () => {
    const { last } = run({}, [startup, { type: 'shutdown' }]);
    expect(last.row).toBe('B11');
    expect(last.state.name).toBe('initialize');
    expect(last.actions).toContainEqual({ type: 'cancelTimer', name: 'masterDown' });
  });

  it('B12: stale or irrelevant events change nothing', () => {
    for (const e of [{ type: 'advertTimerFired' }, { type: 'handoverTimeout' }, { type: 'syncGotoBackup' }] as MachineEvent[]) {
      const { last } = run({}, [startup, e]);
      expect(last.row).toBe('B12');
      expect(last.actions).toEqual([]);
    }
    const owner = run({ priority: 255, syncGroup: true }, [startup, { type: 'priorityChanged', priority: 10 }]).last;
    expect(owner.row).toBe('B12');
    expect(owner.state.effectivePriority).toBe(255);
  });
});

describe('master', () => {
  it('M1: the advert timer sends and re-arms', () => {
    const { last } = run({}, [...toMaster, { type: 'advertTimerFired' }]);
    expect(last.row).toBe('M1');
    expect(last.actions).toEqual([
      { type: 'sendAdvert', priority: 100 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
    ]);
  });

  it('M2: priority 0 is answered at once', () => {
    const { last } = run({}, [...toMaster, advert(0)]);
    expect(last.row).toBe('M2');
    expect(last.actions).toEqual([
      { type: 'sendAdvert', priority: 100 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
    ]);
  });

  it('M3: owner conflict: lower ourselves to 254 and yield', () => {
    const { m, last } = run({ priority: 255 }, [startup, advert(255, '192.0.2.9')]);
    expect(last.row).toBe('M3');
    expect(last.state).toMatchObject({ name: 'backup', basePriority: 254, effectivePriority: 254 });
    expect(last.actions[0]).toMatchObject({ type: 'anomaly', kind: 'owner-conflict' });
    expect(last.actions).toContainEqual({ type: 'removeVips' });
    // Now an ordinary backup at 254 that tracking can move.
    expect(step(m, last.state, { type: 'priorityChanged', priority: 250 }).state.effectivePriority).toBe(250);
  });

  it('M4: a higher priority (or equal from a higher address) takes over', () => {
    const hi = run({ version: 3, advertIntMs: 1000 }, [...toMaster, advert(150, '192.0.2.2', 500)], 10_000).last;
    expect(hi.row).toBe('M4');
    expect(hi.state).toMatchObject({ name: 'backup', vipsHeld: false, masterAdverIntMs: 500 });
    expect(types(hi.actions)).toEqual(['cancelTimer', 'cancelTimer', 'cancelTimer', 'cancelTimer', 'removeVips', 'setTimer', 'notify']);
    expect(hi.actions).toContainEqual({ type: 'setTimer', name: 'masterDown', ms: 1500 + 304.687 });
    expect(run({}, [...toMaster, advert(100, '192.0.2.2')]).last.row).toBe('M4');
    const loud = run({ higherPrioSendAdvert: true }, [...toMaster, advert(150)]).last;
    expect(loud.actions[0]).toEqual({ type: 'sendAdvert', priority: 100 });
  });

  it('M5: a lower priority (or equal from a lower address) is answered, with lower-prio GARP', () => {
    const garp = {
      masterDelayMs: 0,
      masterRepeat: 5,
      masterRefreshMs: 0,
      masterRefreshRepeat: 1,
      lowerPrioDelayMs: 5000,
      lowerPrioRepeat: 2,
    };
    const { last } = run({ garp }, [...toMaster, advert(50)]);
    expect(last.row).toBe('M5');
    expect(last.state.name).toBe('master');
    expect(last.actions.slice(1)).toEqual([
      { type: 'sendAdvert', priority: 100 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
      { type: 'sendGratuitous', reason: 'lower-prio', repeat: 2 },
      { type: 'setTimer', name: 'garpLowerPrio', ms: 5000 },
    ]);
    expect(last.actions[0]).toMatchObject({ type: 'anomaly', kind: 'lower-priority-advert' });
    expect(run({}, [...toMaster, advert(100, '192.0.2.0')]).last.row).toBe('M5');
    const quiet = run({ lowerPrioNoAdvert: true }, [...toMaster, advert(50)]).last;
    expect(types(quiet.actions)).toEqual(['anomaly']);
  });

  it('M6: our own advert (same priority, same address) is ignored', () => {
    const { last } = run({}, [...toMaster, advert(100, '192.0.2.1')]);
    expect(last.row).toBe('M6');
    expect(types(last.actions)).toEqual(['anomaly']);
  });

  it('M7: delayed and refresh GARP bursts', () => {
    const garp = {
      masterDelayMs: 5000,
      masterRepeat: 5,
      masterRefreshMs: 60_000,
      masterRefreshRepeat: 2,
      lowerPrioDelayMs: 0,
      lowerPrioRepeat: 1,
    };
    const { m, last } = run({ garp }, toMaster);
    expect(last.actions).toContainEqual({ type: 'setTimer', name: 'garpDelay', ms: 5000 });
    expect(last.actions).toContainEqual({ type: 'setTimer', name: 'garpRefresh', ms: 60_000 });
    const d = step(m, last.state, timerEvent('garpDelay'));
    expect(d.row).toBe('M7');
    expect(d.actions).toEqual([{ type: 'sendGratuitous', reason: 'master-delayed', repeat: 5 }]);
    const r = step(m, last.state, timerEvent('garpRefresh'));
    expect(r.actions).toEqual([
      { type: 'sendGratuitous', reason: 'refresh', repeat: 2 },
      { type: 'setTimer', name: 'garpRefresh', ms: 60_000 },
    ]);
    expect(step(m, last.state, timerEvent('garpLowerPrio')).actions).toEqual([
      { type: 'sendGratuitous', reason: 'lower-prio-delayed', repeat: 1 },
    ]);
  });

  it('M8: a priority change is carried by the next advert', () => {
    const { m, last } = run({}, [...toMaster, { type: 'priorityChanged', priority: 120 }]);
    expect(last.row).toBe('M8');
    expect(last.actions).toEqual([]);
    expect(step(m, last.state, { type: 'advertTimerFired' }).actions[0]).toEqual({ type: 'sendAdvert', priority: 120 });
  });

  it('M9: fault: priority 0, release, fault', () => {
    const { last } = run({}, [...toMaster, { type: 'faultRaised' }]);
    expect(last.row).toBe('M9');
    expect(last.state).toMatchObject({ name: 'fault', vipsHeld: false });
    expect(last.actions[0]).toEqual({ type: 'sendAdvert', priority: 0 });
    expect(last.actions).toContainEqual({ type: 'removeVips' });
  });

  it('M10: the sync group takes us to backup (no priority 0)', () => {
    const { last } = run({ syncGroup: true }, [startup, { type: 'syncGotoMaster' }, { type: 'syncGotoBackup' }]);
    expect(last.row).toBe('M10');
    expect(last.state.name).toBe('backup');
    expect(last.actions).not.toContainEqual({ type: 'sendAdvert', priority: 0 });
    expect(last.actions).toContainEqual({ type: 'removeVips' });
    expect(last.actions).toContainEqual({ type: 'setTimer', name: 'masterDown', ms: 3609.375 });
  });

  it('M11: planned shutdown: priority 0, keep the addresses, wait for the new master', () => {
    const { last } = run({}, toLeaving);
    expect(last.row).toBe('M11');
    expect(last.state).toMatchObject({ name: 'leaving', vipsHeld: true });
    expect(last.actions).not.toContainEqual({ type: 'removeVips' });
    expect(last.actions.filter((a) => a.type !== 'cancelTimer')).toEqual([
      { type: 'sendAdvert', priority: 0 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
      { type: 'setTimer', name: 'handover', ms: 3000 },
      { type: 'notify', from: 'master', to: 'leaving', priority: 100 },
    ]);
  });

  it('M12: immediate shutdown: priority 0 and release at once', () => {
    const { last } = run({}, [...toMaster, { type: 'shutdown', immediate: true }]);
    expect(last.row).toBe('M12');
    expect(last.state.name).toBe('initialize');
    expect(last.actions[0]).toEqual({ type: 'sendAdvert', priority: 0 });
    expect(last.actions).toContainEqual({ type: 'removeVips' });
  });

  it('M13: stale or irrelevant events change nothing', () => {
    for (const e of [{ type: 'masterDownTimerFired' }, { type: 'preemptDelayExpired' }, { type: 'syncGotoMaster' }] as MachineEvent[]) {
      const { last } = run({}, [...toMaster, e]);
      expect(last.row).toBe('M13');
      expect(last.actions).toEqual([]);
    }
  });
});

describe('leaving', () => {
  it('L1: the new master speaks: keep the addresses for the linger (its own go up and are announced), then release', () => {
    const { m, last } = run({}, [...toLeaving, advert(90, '192.0.2.7')]);
    expect(last.row).toBe('L1');
    expect(last.state).toMatchObject({ name: 'leaving', vipsHeld: true, master: { address: '192.0.2.7', priority: 90 } });
    expect(last.actions).toEqual([
      { type: 'cancelTimer', name: 'advert' },
      { type: 'setTimer', name: 'handover', ms: HANDOVER_LINGER_MS },
    ]);
    // Its next adverts change nothing; the linger's end releases (L3).
    const again = step(m, last.state, advert(90, '192.0.2.7'));
    expect(again.row).toBe('L5');
    expect(again.actions).toEqual([]);
    const end = step(m, again.state, { type: 'handoverTimeout' });
    expect(end.row).toBe('L3');
    expect(end.state).toMatchObject({ name: 'initialize', vipsHeld: false, master: undefined });
    expect(end.actions).toContainEqual({ type: 'removeVips' });
    expect(end.actions).toContainEqual({ type: 'notify', from: 'leaving', to: 'initialize', priority: 100 });
  });

  it('L1: with no linger, release on the advert', () => {
    const { last } = run({ handoverLingerMs: 0 }, [...toLeaving, advert(90, '192.0.2.7')]);
    expect(last.row).toBe('L1');
    expect(last.state).toMatchObject({ name: 'initialize', vipsHeld: false });
    expect(last.actions).toContainEqual({ type: 'removeVips' });
    expect(last.actions).toContainEqual({ type: 'cancelTimer', name: 'handover' });
  });

  it('L2: priority 0 is repeated every interval while waiting', () => {
    const { last } = run({}, [...toLeaving, { type: 'advertTimerFired' }]);
    expect(last.row).toBe('L2');
    expect(last.actions).toEqual([
      { type: 'sendAdvert', priority: 0 },
      { type: 'setTimer', name: 'advert', ms: 1000 },
    ]);
  });

  it('L3: nobody took over in time: release anyway', () => {
    const { last } = run({}, [...toLeaving, { type: 'handoverTimeout' }]);
    expect(last.row).toBe('L3');
    expect(last.state.name).toBe('initialize');
    expect(last.actions).toContainEqual({ type: 'removeVips' });
  });

  it('L4: a fault or a second stop releases at once', () => {
    for (const e of [{ type: 'faultRaised' }, { type: 'shutdown' }] as MachineEvent[]) {
      const { last } = run({}, [...toLeaving, e]);
      expect(last.row).toBe('L4');
      expect(last.state.name).toBe('initialize');
      expect(last.actions).toContainEqual({ type: 'removeVips' });
    }
  });

  it('L5: priority 0, our own adverts and the rest do not end the wait', () => {
    for (const e of [advert(0, '192.0.2.7'), advert(100, '192.0.2.1'), { type: 'masterDownTimerFired' }] as MachineEvent[]) {
      const { last } = run({}, [...toLeaving, e]);
      expect(last.row).toBe('L5');
      expect(last.actions).toEqual([]);
      expect(last.state.name).toBe('leaving');
    }
  });
});

describe('fault', () => {
  it('F1: the owner comes back as master', () => {
    const { last } = run({ priority: 255 }, [{ type: 'faultRaised' }, startup, { type: 'faultCleared' }]);
    expect(last.row).toBe('F1');
    expect(last.state).toMatchObject({ name: 'master', fault: false });
  });

  it('F2: others come back as backup, with the configured interval', () => {
    const { m, last } = run({ version: 3 }, [startup, advert(200, '192.0.2.2', 300), { type: 'faultRaised' }]);
    const r = step(m, last.state, { type: 'faultCleared' }, 100);
    expect(r.row).toBe('F2');
    expect(r.state).toMatchObject({ name: 'backup', masterAdverIntMs: 1000, masterDownAt: 100 + 3609.375 });
  });

  it('F3: shutdown', () => {
    const { last } = run({}, [startup, { type: 'faultRaised' }, { type: 'shutdown' }]);
    expect(last.row).toBe('F3');
    expect(last.state.name).toBe('initialize');
  });

  it('F4: adverts and timers are ignored in fault', () => {
    for (const e of [advert(0), advert(250), { type: 'masterDownTimerFired' }, { type: 'syncGotoMaster' }] as MachineEvent[]) {
      const { last } = run({}, [startup, { type: 'faultRaised' }, e]);
      expect(last.row).toBe('F4');
      expect(last.actions).toEqual([]);
    }
  });
});

describe('restart', () => {
  it('a stopped instance starts again', () => {
    const { m, last } = run({}, [...toLeaving, { type: 'handoverTimeout' }]);
    const r = step(m, last.state, startup, 50_000);
    expect(r.row).toBe('I3');
    expect(r.state).toMatchObject({ name: 'backup', vipsHeld: false });
  });
});

afterAll(() => {
  const missing = TABLE_ROWS.filter((r) => !seen.has(r));
  expect(missing, `rows never taken: ${missing.join(', ')}`).toEqual([]);
});
