/**
 * The driver on a FakeClock: exact takeover times (Master_Down_Interval with skew for several priorities, VRRPv2
 * and v3, the learned interval, down_timer_adverts), preempt / nopreempt / preempt_delay, the owner, priority 0
 * on stop, make-before-break handover, fault in and out, GARP timers.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { advertOf } from '../../../src/vrrp/instance.js';
import { HANDOVER_LINGER_MS } from '../../../src/vrrp/state-machine.js';
import { encode } from '../../../src/vrrp/packet.js';
import { masterDownMs, skewMs } from '../../../src/vrrp/timers.js';
import { FakeLink, makeInstance, spec } from './helpers.js';

describe('Skew_Time and Master_Down_Interval', () => {
  it('VRRPv2: (256 − p)/256 s whatever the interval', () => {
    expect(skewMs(2, 100, 1000)).toBe(609.375);
    expect(skewMs(2, 100, 5000)).toBe(609.375);
    expect(skewMs(2, 1, 1000)).toBe(996.093); // 996093.75 µs, rounded down like keepalived
    expect(skewMs(2, 254, 1000)).toBe(7.812);
    expect(masterDownMs(2, 100, 1000, 3)).toBe(3609.375);
    expect(masterDownMs(2, 100, 2000, 3)).toBe(6609.375);
  });

  it('VRRPv3: (256 − p) × Master_Adver_Interval / 256', () => {
    expect(skewMs(3, 100, 1000)).toBe(609.375);
    expect(skewMs(3, 100, 500)).toBe(304.687);
    expect(skewMs(3, 200, 2000)).toBe(437.5);
    expect(skewMs(3, 255, 10)).toBe(0.039);
    expect(masterDownMs(3, 100, 500, 3)).toBe(1804.687);
    expect(masterDownMs(3, 100, 1000, 5)).toBe(5609.375);
  });
});

describe('a lone backup takes over after exactly Master_Down_Interval', () => {
  const cases: [2 | 3, number, number, number][] = [];
  for (const version of [2, 3] as const) {
    for (const prio of [1, 50, 100, 200, 254])
      for (const adv of version === 2 ? [1000, 3000] : [1000, 350, 40950]) cases.push([version, prio, adv, 3]);
  }
  cases.push([2, 100, 1000, 1], [3, 100, 1000, 5], [3, 150, 200, 10]);
  for (const [version, priority, advertIntMs, downTimerAdverts] of cases) {
    it(`v${version} priority ${priority} interval ${advertIntMs} ms × ${downTimerAdverts}`, () => {
      const { inst, io, clock } = makeInstance(spec('a', { version, priority, advertIntMs, downTimerAdverts }));
      inst.start();
      const mdi = masterDownMs(version, priority, advertIntMs, downTimerAdverts);
      clock.advance(mdi - 0.001);
      expect(inst.state.name).toBe('backup');
      clock.advance(0.001);
      expect(inst.state.name).toBe('master');
      expect(io.transitionAt('master')).toBeCloseTo(mdi, 9);
      // Then adverts every interval.
      clock.advance(advertIntMs * 3);
      expect(io.adverts().map((a) => a.at - mdi)).toEqual(
        [0, advertIntMs, 2 * advertIntMs, 3 * advertIntMs].map((x) => expect.closeTo(x, 6)),
      );
    });
  }
});

describe('two routers', () => {
  it('the higher priority wins at startup; the other stays backup with its timer reset by each advert', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock, 1);
    const a = link.add(spec('a', { priority: 200, localAddress: '192.0.2.1' }));
    const b = link.add(spec('b', { priority: 100, localAddress: '192.0.2.2' }));
    a.inst.start();
    b.inst.start();
    clock.advance(60_000);
    expect(a.inst.state.name).toBe('master');
    expect(b.inst.state.name).toBe('backup');
    expect(a.io.transitionAt('master')).toBe(masterDownMs(2, 200, 1000, 3));
    expect(b.io.transitionAt('master')).toBeUndefined();
    expect(b.inst.counters.receive.accepted).toBeGreaterThan(50);
  });

  it('VRRPv3: a backup learns the master interval and times out on it', () => {
    const clock = new FakeClock();
    const master = makeInstance(spec('m', { version: 3, priority: 200, advertIntMs: 2000, localAddress: '192.0.2.1' }), clock);
    const backup = makeInstance(spec('b', { version: 3, priority: 100, advertIntMs: 1000, localAddress: '192.0.2.2' }), clock);
    master.io.onAdvert = (p, dst) => backup.inst.receive(p, { srcAddr: '192.0.2.1', dstAddr: dst, ttl: 255 });
    master.inst.start();
    clock.advance(10_000);
    backup.inst.start();
    clock.advance(20_000);
    expect(backup.inst.state.name).toBe('backup');
    expect(backup.inst.state.masterAdverIntMs).toBe(2000);
    const last = master.io.adverts().at(-1)?.at as number;
    master.io.onAdvert = undefined; // the master dies silently
    clock.advance(10_000);
    expect(backup.io.transitionAt('master')).toBeCloseTo(last + 6000 + 1218.75, 9);
    // As master it advertises its own interval again.
    expect(backup.inst.state.masterAdverIntMs).toBe(1000);
  });

  it('preempt: a higher priority backup takes over from a running master after its Master_Down_Interval', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock);
    const low = link.add(spec('low', { priority: 100, localAddress: '192.0.2.1' }));
    low.inst.start();
    clock.advance(10_000);
    expect(low.inst.state.name).toBe('master');
    const high = link.add(spec('high', { priority: 200, localAddress: '192.0.2.2' }));
    high.inst.start();
    clock.advance(10_000);
    expect(high.io.transitionAt('master')).toBe(10_000 + 3218.75);
    expect(low.io.transitionAt('backup', 1)).toBe(10_000 + 3218.75);
    expect(low.io.of('removeVips').map((c) => c.at)).toEqual([10_000 + 3218.75]);
  });

  it('nopreempt: a higher priority backup leaves the master alone, until it stops (then Skew_Time)', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock);
    const low = link.add(spec('low', { priority: 100, localAddress: '192.0.2.1' }));
    low.inst.start();
    clock.advance(10_000);
    const high = link.add(spec('high', { priority: 200, preempt: false, localAddress: '192.0.2.2' }));
    high.inst.start();
    clock.advance(60_000);
    expect(high.inst.state.name).toBe('backup');
    expect(low.inst.state.name).toBe('master');
    low.inst.stop();
    clock.advance(5_000);
    expect(high.io.transitionAt('master')).toBe(70_000 + skewMs(2, 200, 1000));
    expect(low.inst.state.name).toBe('initialize');
  });

  it('preempt_delay: lower adverts are accepted for the delay, then discarded', () => {
    const clock = new FakeClock(100_000);
    const high = makeInstance(spec('h', { priority: 200, preemptDelayMs: 5100, localAddress: '192.0.2.2' }), clock);
    // A scripted lower-priority master advertising at t0 + 0.25 s + k s.
    const lower = spec('m', { priority: 100, localAddress: '192.0.2.1' });
    const payload = encode(advertOf(lower, 100), { family: 'ipv4', srcAddr: '192.0.2.1', dstAddr: '224.0.0.18' });
    const t0 = clock.now();
    high.inst.start();
    for (let k = 0; k < 12; k++) {
      clock.setTimer(() => high.inst.receive(payload, { srcAddr: '192.0.2.1', dstAddr: '224.0.0.18', ttl: 255 }), 250 + k * 1000);
    }
    clock.advance(20_000);
    // The delay starts at the first lower advert (0.25 s) and ends at 5.35 s; the last advert accepted is the one
    // at 5.25 s, so the backup takes over one Master_Down_Interval later.
    expect(high.io.transitionAt('master')).toBeCloseTo(t0 + 5250 + 3218.75, 9);
    expect(high.inst.counters.receive.accepted).toBe(12);
  });

  it('equal priorities: the higher address wins', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock, 2);
    const a = link.add(spec('a', { priority: 100, localAddress: '192.0.2.10' }));
    const b = link.add(spec('b', { priority: 100, localAddress: '192.0.2.9' }));
    a.inst.start();
    b.inst.start();
    clock.advance(30_000);
    expect(a.inst.state.name).toBe('master');
    expect(b.inst.state.name).toBe('backup');
  });
});

describe('the owner', () => {
  it('becomes master at startup, and takes over from a running master at once', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock);
    const other = link.add(spec('o', { priority: 254, localAddress: '192.0.2.2' }));
    other.inst.start();
    clock.advance(10_000);
    const owner = link.add(spec('w', { priority: 255, localAddress: '192.0.2.1', acceptMode: false }));
    owner.inst.start();
    expect(owner.inst.state.name).toBe('master');
    expect(owner.io.of('addVips')).toEqual([{ at: 10_000, op: 'addVips', accept: true }]);
    expect(other.inst.state.name).toBe('backup');
    expect(other.io.transitionAt('backup', 1)).toBe(10_000);
  });

  it('two owners: both lower to 254 and the higher address wins', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock, 1);
    const a = link.add(spec('a', { priority: 255, localAddress: '192.0.2.1' }));
    const b = link.add(spec('b', { priority: 255, localAddress: '192.0.2.2' }));
    a.inst.start();
    b.inst.start();
    clock.advance(30_000);
    expect([a.inst.state.name, b.inst.state.name]).toEqual(['backup', 'master']);
    expect(a.inst.counters.anomalies['owner-conflict'] + b.inst.counters.anomalies['owner-conflict']).toBeGreaterThan(0);
  });
});

describe('stopping', () => {
  it('priority 0 on stop: the backup takes over after Skew_Time; make-before-break: the old master lets go when it hears it', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock, 1);
    const a = link.add(spec('a', { priority: 200, localAddress: '192.0.2.1' }));
    const b = link.add(spec('b', { priority: 100, localAddress: '192.0.2.2' }));
    a.inst.start();
    b.inst.start();
    clock.advance(10_000.5);
    expect(a.inst.state.name).toBe('master');
    const t = clock.now();
    a.inst.stop();
    expect(a.inst.state.name).toBe('leaving');
    expect(a.io.adverts().at(-1)).toEqual({ at: t, priority: 0 });
    clock.advance(5_000);
    // b hears priority 0 one ms later and waits its Skew_Time (609.375 ms), then advertises first, then adds.
    const takeover = t + 1 + 609.375;
    expect(b.io.transitionAt('master')).toBeCloseTo(takeover, 9);
    expect(b.io.of('addVips')[0]?.at).toBeCloseTo(takeover, 9);
    // a kept the addresses until b's first advert arrived (1 ms link), and the linger after it, then released them.
    expect(a.io.of('removeVips').map((c) => c.at)).toEqual([expect.closeTo(takeover + 1 + HANDOVER_LINGER_MS, 9)]);
    // No priority-0 repeat once b was heard.
    expect(a.io.adverts().filter((x) => x.at > t)).toEqual([]);
    expect(a.inst.state.name).toBe('initialize');
    expect(a.io.of('notify').map((c) => c.to)).toEqual(['backup', 'master', 'leaving', 'initialize']);
    // No GARP from the leaving master.
    expect(a.io.of('sendGratuitous').every((c) => c.at < t)).toBe(true);
  });

  it('make-before-break with nobody to take over: release after the handover timeout, priority 0 repeated meanwhile', () => {
    const { inst, io, clock } = makeInstance(spec('a', { priority: 150 }));
    inst.start();
    clock.advance(10_000);
    const t = clock.now();
    inst.stop();
    clock.advance(2_999);
    expect(io.of('removeVips')).toEqual([]);
    clock.advance(1);
    expect(io.of('removeVips').map((c) => c.at)).toEqual([t + 3000]);
    expect(io.adverts().filter((x) => x.at >= t)).toEqual([
      { at: t, priority: 0 },
      { at: t + 1000, priority: 0 },
      { at: t + 2000, priority: 0 },
    ]);
    expect(inst.armedTimers).toEqual([]);
  });

  it('a lost priority-0 advert is repeated, so the backup still takes over within one interval plus skew', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock);
    const a = link.add(spec('a', { priority: 200, localAddress: '192.0.2.1' }));
    const b = link.add(spec('b', { priority: 100, localAddress: '192.0.2.2' }));
    a.inst.start();
    b.inst.start();
    clock.advance(10_000);
    link.down.add('b'); // b misses the first priority-0 advert
    const t = clock.now();
    a.inst.stop();
    link.down.delete('b');
    clock.advance(5_000);
    expect(b.io.transitionAt('master')).toBeCloseTo(t + 1000 + 609.375, 9);
    expect(a.io.of('removeVips')[0]?.at).toBeCloseTo(t + 1000 + 609.375 + HANDOVER_LINGER_MS, 9);
  });

  it('immediate stop: priority 0 and release at once (keepalived, RFC)', () => {
    const { inst, io, clock } = makeInstance(spec('a'));
    inst.start();
    clock.advance(5_000);
    inst.stop({ immediate: true });
    expect(io.of('removeVips').map((c) => c.at)).toEqual([5_000]);
    expect(io.adverts().at(-1)).toEqual({ at: 5_000, priority: 0 });
    expect(inst.armedTimers).toEqual([]);
  });
});

describe('fault', () => {
  it('a faulted master hands over (priority 0), and comes back as backup', () => {
    const clock = new FakeClock();
    const link = new FakeLink(clock);
    const a = link.add(spec('a', { priority: 200, localAddress: '192.0.2.1' }));
    const b = link.add(spec('b', { priority: 100, localAddress: '192.0.2.2' }));
    a.inst.start();
    b.inst.start();
    clock.advance(10_000);
    a.inst.setFault(true);
    expect(a.inst.state.name).toBe('fault');
    expect(a.io.of('removeVips').map((c) => c.at)).toEqual([10_000]);
    clock.advance(1_000);
    expect(b.io.transitionAt('master')).toBe(10_000 + 609.375);
    a.inst.setFault(false);
    expect(a.inst.state.name).toBe('backup');
    // Back as backup, it preempts b after its Master_Down_Interval (b's adverts are lower).
    clock.advance(10_000);
    expect(a.io.transitionAt('master', 11_000)).toBe(11_000 + 3218.75);
  });

  it('setFault passes on changes only', () => {
    const { inst, clock } = makeInstance(spec('a'));
    inst.start();
    const steps: string[] = [];
    inst.on((e) => e.type === 'step' && steps.push(e.row));
    inst.setFault(false);
    inst.setFault(true);
    inst.setFault(true);
    clock.advance(10_000);
    expect(steps).toEqual(['B10']);
  });
});

describe('gratuitous ARP timers', () => {
  it('first burst at once, second after garp_master_delay, refresh every garp_master_refresh', () => {
    const garp = {
      masterDelayMs: 5000,
      masterRepeat: 5,
      masterRefreshMs: 60_000,
      masterRefreshRepeat: 2,
      lowerPrioDelayMs: 0,
      lowerPrioRepeat: 0,
    };
    const { inst, io, clock } = makeInstance(spec('a', { priority: 255, garp }));
    inst.start();
    clock.advance(130_000);
    expect(io.of('sendGratuitous').map((c) => [c.at, c.reason, c.repeat])).toEqual([
      [0, 'master', 5],
      [5000, 'master-delayed', 5],
      [60_000, 'refresh', 2],
      [120_000, 'refresh', 2],
    ]);
  });
});

describe('driver plumbing', () => {
  it('unicast: one advert per peer, each with its own checksum', () => {
    const s = spec('u', { version: 3 }, { unicast: true, destinations: ['192.0.2.7', '192.0.2.8'] });
    const { inst, io, clock } = makeInstance(s);
    inst.start();
    clock.advance(4000);
    const sent = io.of('sendAdvert');
    expect(sent.map((c) => c.dst)).toEqual(['192.0.2.7', '192.0.2.8']);
    expect(Buffer.from(sent[0]?.payload ?? []).equals(Buffer.from(sent[1]?.payload ?? []))).toBe(false);
  });

  it('an I/O error is reported and the other actions still run', () => {
    const { inst, io, clock } = makeInstance(spec('a', { priority: 255 }));
    io.addVips = () => {
      throw new Error('EPERM');
    };
    const errors: string[] = [];
    inst.on((e) => e.type === 'ioError' && errors.push(e.action));
    inst.start();
    expect(errors).toEqual(['addVips']);
    expect(inst.state.name).toBe('master');
    expect(io.of('sendGratuitous')).toHaveLength(1);
    clock.advance(1000);
    expect(io.adverts()).toHaveLength(2);
  });
});
