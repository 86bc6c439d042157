/**
 * The clock-driven driver of one VRRP instance: it feeds the pure state machine with received packets (decoded and
 * validated, each drop counted), timer expiries from a `Clock`, tracking verdicts and sync-group commands, and carries
 * out the machine's actions through an abstract `VrrpIo` (no sockets here: the transports implement it).
 *
 * Events are processed one at a time: an event raised while another is being processed (by a `VrrpIo` call or a
 * listener, e.g. a sync group link) is queued and processed next. The state is committed before the actions run.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Family } from './addr.js';
import { type Advert, encode } from './packet.js';
import {
  type AnomalyKind,
  type GarpReason,
  type MachineAction,
  type MachineEvent,
  type MachineParams,
  type MachineState,
  type TableRow,
  type TimerName,
  type VrrpStateName,
  VrrpInstanceMachine,
  timerEvent,
} from './state-machine.js';
import { type ReceiveCounters, type ReceiveExpectations, type ReceiveResult, newReceiveCounters, receive } from './validate.js';

/** What goes on the wire besides the machine's parameters. */
export interface WireParams {
  readonly vrid: number;
  readonly family: Family;
  /** Addresses carried in adverts (virtual_ipaddress; the excluded ones are not sent). */
  readonly vips: readonly string[];
  /** VRRPv2 authentication (keepalived PASS); VRRPv3 has none. */
  readonly auth: ReceiveExpectations['auth'];
  /** Where adverts go: the multicast group, or the unicast peers. */
  readonly destinations: readonly string[];
  readonly unicast: boolean;
  /** Compare received address lists with ours (keepalived: unless skip_check_adv_addr). */
  readonly checkAddrList: boolean;
  /** Drop unicast adverts whose source is not a peer (keepalived check_unicast_src). */
  readonly checkUnicastSrc: boolean;
}

/** Everything one instance runs with. */
export interface VrrpInstanceSpec {
  readonly name: string;
  readonly machine: MachineParams;
  readonly wire: WireParams;
}

/** The side effects of an instance. Calls are synchronous; a throwing call is reported and the rest go on. */
export interface VrrpIo {
  /** Sends one encoded VRRP message (without IP header) to `dstAddr` from the instance's local address. */
  sendAdvert(payload: Uint8Array, dstAddr: string, priority: number): void;
  /** Installs the virtual addresses; `accept`: they accept local delivery (Accept_Mode or owner). */
  addVips(accept: boolean): void;
  removeVips(): void;
  /** Sends `repeat` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for every virtual address. */
  sendGratuitous(reason: GarpReason, repeat: number): void;
  /** A state change, for notify scripts, the sync daemon and logs. */
  notify(change: { readonly from: VrrpStateName; readonly to: VrrpStateName; readonly priority: number }): void;
}

/** What the driver reports to listeners, after each step's actions ran. */
export type InstanceEvent =
  | { readonly type: 'step'; readonly event: MachineEvent; readonly row: TableRow; readonly state: MachineState }
  | { readonly type: 'transition'; readonly from: VrrpStateName; readonly to: VrrpStateName; readonly priority: number }
  | { readonly type: 'wantMaster' }
  | { readonly type: 'anomaly'; readonly kind: AnomalyKind; readonly detail: string }
  | { readonly type: 'ioError'; readonly action: MachineAction['type']; readonly error: unknown };

/** Counters of one instance. */
export interface InstanceCounters {
  readonly receive: ReceiveCounters;
  readonly anomalies: Record<AnomalyKind, number>;
  advertsSent: number;
  priorityZeroSent: number;
  transitions: number;
}

/** The receive expectations of a spec. */
export function receiveExpectations(spec: VrrpInstanceSpec): ReceiveExpectations {
  const w = spec.wire;
  return {
    vrid: w.vrid,
    version: spec.machine.version,
    family: w.family,
    auth: w.auth,
    advertIntSec: Math.round(spec.machine.advertIntMs / 1000),
    vips: w.vips,
    checkAddrList: w.checkAddrList,
    unicast: w.unicast,
    peers: w.unicast ? w.destinations : [],
    checkUnicastSrc: w.checkUnicastSrc,
  };
}

/** The advert an instance sends with `priority`. */
export function advertOf(spec: VrrpInstanceSpec, priority: number): Advert {
  const { machine: m, wire: w } = spec;
  if (m.version === 2) {
    const pass = w.auth.type === 'pass';
    return {
      version: 2,
      vrid: w.vrid,
      priority,
      addresses: w.vips,
      authType: pass ? 1 : 0,
      authData: pass ? w.auth.data : new Uint8Array(8),
      advertIntSec: Math.round(m.advertIntMs / 1000),
    };
  }
  return { version: 3, vrid: w.vrid, priority, addresses: w.vips, maxAdverIntCs: Math.round(m.advertIntMs / 10) };
}

/** One running VRRP instance. */
export class VrrpInstance {
  readonly machine: VrrpInstanceMachine;
  readonly expectations: ReceiveExpectations;
  readonly counters: InstanceCounters;
  #state: MachineState;
  readonly #timers = new Map<TimerName, TimerHandle>();
  readonly #listeners = new Set<(e: InstanceEvent) => void>();
  readonly #queue: MachineEvent[] = [];
  #busy = false;

  constructor(
    readonly spec: VrrpInstanceSpec,
    readonly clock: Clock,
    readonly io: VrrpIo,
  ) {
    this.machine = new VrrpInstanceMachine(spec.machine);
    this.expectations = receiveExpectations(spec);
    this.#state = this.machine.initialState();
    this.counters = {
      receive: newReceiveCounters(),
      anomalies: { 'owner-conflict': 0, 'own-address': 0, 'lower-priority-advert': 0 },
      advertsSent: 0,
      priorityZeroSent: 0,
      transitions: 0,
    };
  }

  get name(): string {
    return this.spec.name;
  }

  /** The machine's current state. */
  get state(): MachineState {
    return this.#state;
  }

  /** Timers currently armed, for tests and status. */
  get armedTimers(): TimerName[] {
    return [...this.#timers.keys()].sort();
  }

  /** Listens to steps, transitions, sync requests, anomalies and I/O errors; returns the unsubscribe function. */
  on(listener: (e: InstanceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.dispatch({ type: 'startup' });
  }

  /** Stops: planned (make-before-break from master) unless `immediate`. */
  stop(opts: { immediate?: boolean } = {}): void {
    this.dispatch({ type: 'shutdown', immediate: opts.immediate === true });
  }

  /** Tracking's verdict: fault or not (only changes are passed on). */
  setFault(fault: boolean): void {
    if (fault !== this.#state.fault) this.dispatch({ type: fault ? 'faultRaised' : 'faultCleared' });
  }

  /** Tracking's effective priority. */
  setPriority(priority: number): void {
    this.dispatch({ type: 'priorityChanged', priority });
  }

  /**
   * One received VRRP message (the IP payload) with what the socket saw. Invalid packets are counted and change
   * nothing; a valid one is given to the machine.
   */
  receive(buf: Uint8Array, meta: { readonly srcAddr: string; readonly dstAddr: string; readonly ttl?: number }): ReceiveResult {
    const r = receive(buf, meta, this.expectations, this.counters.receive);
    if (r.ok) {
      const a = r.advert;
      const maxAdverIntMs = a.version === 2 ? a.advertIntSec * 1000 : a.maxAdverIntCs * 10;
      this.dispatch({ type: 'advertReceived', priority: a.priority, maxAdverIntMs, srcAddr: meta.srcAddr });
    }
    return r;
  }

  /** Gives the machine one event (queued if an event is being processed). */
  dispatch(event: MachineEvent): void {
    this.#queue.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) this.#process(e);
    } finally {
      this.#busy = false;
    }
  }

  #process(event: MachineEvent): void {
    const r = this.machine.step(this.#state, event, this.clock.now());
    this.#state = r.state;
    const out: InstanceEvent[] = [];
    for (const a of r.actions) {
      try {
        this.#run(a, out);
      } catch (error) {
        out.push({ type: 'ioError', action: a.type, error });
      }
    }
    out.unshift({ type: 'step', event, row: r.row, state: r.state });
    for (const e of out) for (const l of [...this.#listeners]) l(e);
  }

  #run(a: MachineAction, out: InstanceEvent[]): void {
    switch (a.type) {
      case 'sendAdvert': {
        this.counters.advertsSent++;
        if (a.priority === 0) this.counters.priorityZeroSent++;
        const advert = advertOf(this.spec, a.priority);
        for (const dst of this.spec.wire.destinations) {
          const payload = encode(advert, { family: this.spec.wire.family, srcAddr: this.spec.machine.localAddress, dstAddr: dst });
          this.io.sendAdvert(payload, dst, a.priority);
        }
        return;
      }
      case 'addVips':
        this.io.addVips(a.accept);
        return;
      case 'removeVips':
        this.io.removeVips();
        return;
      case 'sendGratuitous':
        this.io.sendGratuitous(a.reason, a.repeat);
        return;
      case 'setTimer': {
        this.#clear(a.name);
        const name = a.name;
        const handle = this.clock.setTimer(() => {
          this.#timers.delete(name);
          this.dispatch(timerEvent(name));
        }, a.ms);
        this.#timers.set(name, handle);
        return;
      }
      case 'cancelTimer':
        this.#clear(a.name);
        return;
      case 'notify':
        this.counters.transitions++;
        out.push({ type: 'transition', from: a.from, to: a.to, priority: a.priority });
        this.io.notify({ from: a.from, to: a.to, priority: a.priority });
        return;
      case 'syncWantMaster':
        out.push({ type: 'wantMaster' });
        return;
      case 'anomaly':
        this.counters.anomalies[a.kind]++;
        out.push({ type: 'anomaly', kind: a.kind, detail: a.detail });
        return;
    }
  }

  #clear(name: TimerName): void {
    const h = this.#timers.get(name);
    if (h !== undefined) {
      this.clock.clearTimer(h);
      this.#timers.delete(name);
    }
  }
}
