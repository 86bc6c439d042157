/** Shared builders for the VRRP tests: parameters, specs, a recording VrrpIo, and a lossless fake link. */
import { FakeClock } from '../../../src/clock.js';
import { type VrrpInstanceSpec, type VrrpIo, VrrpInstance } from '../../../src/vrrp/instance.js';
import type { MachineParams, VrrpStateName } from '../../../src/vrrp/state-machine.js';
import { SyncGroupLink } from '../../../src/vrrp/sync-link.js';

export const GARP_OFF = {
  masterDelayMs: 0,
  masterRepeat: 1,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 0,
  lowerPrioRepeat: 0,
} as const;

/** Machine parameters: VRRPv2, priority 100, 1 s, preempt, no delays, GARP repeats 1 and no timers. */
export function params(over: Partial<MachineParams> = {}): MachineParams {
  const advertIntMs = over.advertIntMs ?? 1000;
  return {
    version: 2,
    priority: 100,
    advertIntMs,
    localAddress: '192.0.2.1',
    preempt: true,
    preemptDelayMs: 0,
    acceptMode: true,
    downTimerAdverts: 3,
    garp: GARP_OFF,
    handoverTimeoutMs: 3 * advertIntMs,
    syncGroup: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    ...over,
  };
}

/** A spec around `params`: VRID 51, one VIP, multicast (IPv4 224.0.0.18 / IPv6 ff02::12). */
export function spec(name: string, over: Partial<MachineParams> = {}, wire: Partial<VrrpInstanceSpec['wire']> = {}): VrrpInstanceSpec {
  const machine = params(over);
  const family = wire.family ?? (machine.localAddress.includes(':') ? 'ipv6' : 'ipv4');
  return {
    name,
    machine,
    wire: {
      vrid: 51,
      family,
      vips: family === 'ipv4' ? ['192.0.2.100'] : ['fe80::100', '2001:db8::100'],
      auth: { type: 'none' },
      destinations: [family === 'ipv4' ? '224.0.0.18' : 'ff02::12'],
      unicast: false,
      checkAddrList: true,
      checkUnicastSrc: false,
      ...wire,
    },
  };
}

/** One recorded I/O call, with the time it happened. */
export type IoCall =
  | { readonly at: number; readonly op: 'sendAdvert'; readonly payload: Uint8Array; readonly dst: string; readonly priority: number }
  | { readonly at: number; readonly op: 'addVips'; readonly accept: boolean }
  | { readonly at: number; readonly op: 'removeVips' }
  | { readonly at: number; readonly op: 'sendGratuitous'; readonly reason: string; readonly repeat: number }
  | { readonly at: number; readonly op: 'notify'; readonly from: VrrpStateName; readonly to: VrrpStateName; readonly priority: number };

/** A VrrpIo that records every call, and forwards adverts to `onAdvert` (the fake link). */
export class RecordingIo implements VrrpIo {
  readonly calls: IoCall[] = [];
  onAdvert: ((payload: Uint8Array, dst: string) => void) | undefined;

  constructor(readonly clock: FakeClock) {}

  sendAdvert(payload: Uint8Array, dst: string, priority: number): void {
    this.calls.push({ at: this.clock.now(), op: 'sendAdvert', payload, dst, priority });
    this.onAdvert?.(payload, dst);
  }
  addVips(accept: boolean): void {
    this.calls.push({ at: this.clock.now(), op: 'addVips', accept });
  }
  removeVips(): void {
    this.calls.push({ at: this.clock.now(), op: 'removeVips' });
  }
  sendGratuitous(reason: string, repeat: number): void {
    this.calls.push({ at: this.clock.now(), op: 'sendGratuitous', reason, repeat });
  }
  notify(change: { from: VrrpStateName; to: VrrpStateName; priority: number }): void {
    this.calls.push({ at: this.clock.now(), op: 'notify', ...change });
  }

  /** The calls of one kind. */
  of<K extends IoCall['op']>(op: K): Extract<IoCall, { op: K }>[] {
    return this.calls.filter((c): c is Extract<IoCall, { op: K }> => c.op === op);
  }

  /** Priorities of the adverts sent, with their times. */
  adverts(): { at: number; priority: number }[] {
    return this.of('sendAdvert').map((c) => ({ at: c.at, priority: c.priority }));
  }

  /** When the state became `to` (the first time after `after`). */
  transitionAt(to: VrrpStateName, after = Number.NEGATIVE_INFINITY): number | undefined {
    return this.of('notify').find((c) => c.to === to && c.at >= after)?.at;
  }
}

/** An instance on a fake clock with a recording I/O. */
export function makeInstance(s: VrrpInstanceSpec, clock = new FakeClock()): { inst: VrrpInstance; io: RecordingIo; clock: FakeClock } {
  const io = new RecordingIo(clock);
  return { inst: new VrrpInstance(s, clock, io), io, clock };
}

/**
 * A lossless link between instances on one clock: every advert sent by one is delivered to all the others after
 * `delayMs`, with TTL 255, from the sender's local address. `down` members neither send nor receive.
 */
export class FakeLink {
  readonly members: { inst: VrrpInstance; io: RecordingIo }[] = [];
  readonly down = new Set<string>();

  constructor(
    readonly clock: FakeClock,
    readonly delayMs = 0,
  ) {}

  add(s: VrrpInstanceSpec): { inst: VrrpInstance; io: RecordingIo } {
    const io = new RecordingIo(this.clock);
    const inst = new VrrpInstance(s, this.clock, io);
    const m = { inst, io };
    this.members.push(m);
    io.onAdvert = (payload, dst) => {
      if (this.down.has(inst.name)) return;
      for (const other of this.members) {
        if (other === m) continue;
        const deliver = () => {
          if (!this.down.has(other.inst.name)) other.inst.receive(payload, { srcAddr: s.machine.localAddress, dstAddr: dst, ttl: 255 });
        };
        if (this.delayMs > 0) this.clock.setTimer(deliver, this.delayMs);
        else deliver();
      }
    };
    return m;
  }
}

/**
 * Node A (priority 200) and node B (100), each with a sync group of VRID 1 and VRID 2, one fake link per VRID; the
 * groups are named `groupA` and `groupB`.
 */
export function syncGroupPair(groupA: string, groupB: string) {
  const clock = new FakeClock();
  const l1 = new FakeLink(clock, 1);
  const l2 = new FakeLink(clock, 1);
  const mk = (link: FakeLink, name: string, vrid: number, priority: number, addr: string) =>
    link.add(spec(name, { priority, localAddress: addr, syncGroup: true }, { vrid, vips: [`192.0.2.${100 + vrid}`] }));
  const a1 = mk(l1, 'a1', 1, 200, '192.0.2.1');
  const a2 = mk(l2, 'a2', 2, 200, '192.0.2.1');
  const b1 = mk(l1, 'b1', 1, 100, '192.0.2.2');
  const b2 = mk(l2, 'b2', 2, 100, '192.0.2.2');
  const ga = new SyncGroupLink(groupA, [a1.inst, a2.inst]);
  const gb = new SyncGroupLink(groupB, [b1.inst, b2.inst]);
  return { clock, l1, l2, a1, a2, b1, b2, ga, gb };
}
