/**
 * The VRRP instance state machine, pure: `machine.step(state, event, now)` returns the next state and the actions to
 * carry out, in order. No clock, no sockets: timers are `setTimer`/`cancelTimer` actions whose expiry comes back as
 * an event, and `now` (ms) is only used to remember deadlines.
 *
 * States: `initialize` (RFC 5798 section 6.4.1; also "stopped"), `backup` (6.4.2), `master` (6.4.3), keepalived's
 * `fault` (a tracked interface, script or file failed), and lvsd's `leaving`: a master that was asked to stop and has
 * announced priority 0, but keeps its virtual addresses, answering for them, until the new master is heard and a short
 * linger has passed (or a bounded time passes). The linger matters because the new master advertises before it adds
 * the addresses and announces them: clients keep sending to the old master until that gratuitous ARP / NA reaches
 * them, and an old master releasing on the advert itself drops what arrives meanwhile. That is make-before-break:
 * the addresses are never unowned during a planned handover, where RFC 5798 and keepalived release them at once and
 * leave a gap of up to Skew_Time plus the new master's start.
 *
 * Timers: `masterDown` (backup: Master_Down_Timer), `advert` (master, leaving: Adver_Timer), `preemptDelay`,
 * `handover` (leaving: the wait for a successor, then the linger), `garpDelay` / `garpRefresh` / `garpLowerPrio`
 * (keepalived's gratuitous ARP / NA repeats).
 * A `setTimer` replaces the timer of that name. Below, MDI is Master_Down_Interval = down_timer_adverts ×
 * Master_Adver_Interval + Skew_Time (timers.ts), "p" the advert's priority, "ours" the effective priority, and
 * "src > local" the RFC's unsigned comparison of the sender's address with ours.
 *
 * Transition table (one row per state and event; `row` in every step result names the row taken):
 *
 * | row | state      | event                  | guard                                        | actions                                                        | next       | source |
 * |-----|------------|------------------------|----------------------------------------------|----------------------------------------------------------------|------------|--------|
 * | I1  | initialize | startup                | fault                                        | notify                                                         | fault      | keepalived vrrp_init_state |
 * | I2  | initialize | startup                | ours = 255, not in a sync group              | become master (below)                                          | master     | RFC 5798 6.4.1 |
 * | I3  | initialize | startup                | otherwise                                    | Master_Adver_Interval := configured; setTimer masterDown = MDI; notify | backup | RFC 5798 6.4.1 |
 * | I4  | initialize | any other              |                                              | remember fault / priority                                      | initialize | — |
 * | B1  | backup     | advert                 | p = 0                                        | setTimer masterDown = Skew_Time                                | backup     | RFC 5798 6.4.2 |
 * | B2  | backup     | advert                 | no preempt, or p ≥ ours                      | learn interval (v3); setTimer masterDown = MDI; stop preempt delay if p ≥ ours | backup | RFC 5798 6.4.2 |
 * | B3  | backup     | advert                 | p < ours, preempt_delay not yet expired      | start preempt delay if idle; learn interval (v3); setTimer masterDown = MDI | backup | keepalived vrrp_state_backup |
 * | B4  | backup     | advert                 | p < ours, preempt (delay expired or none)    | discard: the masterDown timer runs on                          | backup     | RFC 5798 6.4.2 |
 * | B5  | backup     | masterDownTimerFired   | not in a sync group                          | become master                                                  | master     | RFC 5798 6.4.2 |
 * | B6  | backup     | masterDownTimerFired   | in a sync group                              | want master; syncWantMaster; setTimer masterDown = MDI         | backup     | keepalived vrrp_sync_can_goto_master |
 * | B7  | backup     | syncGotoMaster         |                                              | become master                                                  | master     | keepalived vrrp_sync_master |
 * | B8  | backup     | preemptDelayExpired    |                                              | preempt delay expired: lower adverts are now discarded (B4)    | backup     | keepalived preempt_delay |
 * | B9  | backup     | priorityChanged        | ours < 255                                   | ours := p; masterDown deadline moves by the change in MDI      | backup     | keepalived vrrp_set_effective_priority |
 * | B10 | backup     | faultRaised            |                                              | cancel timers; notify                                          | fault      | keepalived down_instance |
 * | B11 | backup     | shutdown               |                                              | cancel timers; notify                                          | initialize | RFC 5798 6.4.2 (Shutdown) |
 * | B12 | backup     | any other              |                                              | remember fault / priority                                      | backup     | — |
 * | M1  | master     | advertTimerFired       |                                              | sendAdvert(ours); setTimer advert = Advertisement_Interval     | master     | RFC 5798 6.4.3 |
 * | M2  | master     | advert                 | p = 0                                        | sendAdvert(ours); setTimer advert                              | master     | RFC 5798 6.4.3 |
 * | M3  | master     | advert                 | p = ours = 255, src ≠ local                  | anomaly owner-conflict; ours := 254 (for good); then M4        | backup     | keepalived vrrp_state_master_rx |
 * | M4  | master     | advert                 | p > ours, or p = ours and src > local        | [sendAdvert(ours) if higher_prio_send_advert]; leave master; learn interval (v3); setTimer masterDown = MDI; notify | backup | RFC 5798 6.4.3 |
 * | M5  | master     | advert                 | p < ours, or p = ours and src < local        | anomaly lower-priority-advert; sendAdvert(ours) + setTimer advert unless lower_prio_no_advert; lower-prio GARP burst (+ delayed) | master | RFC 9568 6.4.3, keepalived garp_lower_prio_* |
 * | M6  | master     | advert                 | p = ours, src = local                        | anomaly own-address; ignore                                    | master     | keepalived (warning) |
 * | M7  | master     | garpTimerFired         |                                              | sendGratuitous (delayed burst, refresh burst + re-arm)         | master     | keepalived garp_master_delay / _refresh |
 * | M8  | master     | priorityChanged        | ours < 255                                   | ours := p (the next advert carries it)                         | master     | keepalived |
 * | M9  | master     | faultRaised            |                                              | sendAdvert(0); leave master; notify                            | fault      | keepalived vrrp_state_leave_master |
 * | M10 | master     | syncGotoBackup         |                                              | leave master; setTimer masterDown = MDI; notify                | backup     | keepalived vrrp_sync_backup |
 * | M11 | master     | shutdown               | planned (not immediate)                      | cancel advert/GARP timers; sendAdvert(0); setTimer advert; setTimer handover; notify (VIPs kept) | leaving | lvsd make-before-break |
 * | M12 | master     | shutdown               | immediate                                    | sendAdvert(0); leave master; notify                            | initialize | RFC 5798 6.4.3 (Shutdown) |
 * | M13 | master     | any other              |                                              | remember fault / priority                                      | master     | — |
 * | L1  | leaving    | advert                 | p > 0, src ≠ local, first heard (the new master speaks) | remember it; cancel advert; setTimer handover = linger (0: release at once, as L3) | leaving | lvsd make-before-break |
 * | L2  | leaving    | advertTimerFired       |                                              | sendAdvert(0); setTimer advert (a lost priority-0 advert is repeated) | leaving | lvsd |
 * | L3  | leaving    | handoverTimeout        | (linger over, or nobody took over in time)   | cancel timers; removeVips; notify                              | initialize | lvsd (bounded wait) |
 * | L4  | leaving    | faultRaised, shutdown  |                                              | cancel timers; removeVips; notify (stop waiting)               | initialize | lvsd |
 * | L5  | leaving    | any other              |                                              | remember fault / priority                                      | leaving    | — |
 * | F1  | fault      | faultCleared           | ours = 255, not in a sync group              | become master                                                  | master     | keepalived try_up_instance |
 * | F2  | fault      | faultCleared           | otherwise                                    | Master_Adver_Interval := configured; setTimer masterDown = MDI; notify | backup | keepalived vrrp_state_leave_fault |
 * | F3  | fault      | shutdown               |                                              | notify                                                         | initialize | RFC 5798 6.4.2 |
 * | F4  | fault      | any other              |                                              | remember fault / priority (adverts are ignored in fault)       | fault      | keepalived vrrp_dispatcher_read |
 *
 * "Become master" (RFC 5798 6.4.1 / 6.4.2, in keepalived's order: advert first, so the old master lets go before the
 * gratuitous ARPs): sendAdvert(ours); addVips (accept = Accept_Mode or owner, RFC 5798 6.4.3); sendGratuitous
 * (garp_master_repeat); setTimer advert = Advertisement_Interval; setTimer garpDelay when garp_master_delay > 0 and
 * garpRefresh when garp_master_refresh > 0; cancel masterDown and preemptDelay; notify.
 * "Leave master": cancel the advert and GARP timers; removeVips.
 */
import { compareAddr } from './addr.js';
import { PRIORITY_MAX_BACKUP, PRIORITY_OWNER, PRIORITY_STOP } from './constants.js';
import { masterDownMs, skewMs } from './timers.js';

/**
 * Default linger of a leaving master after its successor's first advert (MachineParams.handoverLingerMs): the
 * successor adds its addresses and sends its gratuitous ARPs right after that advert, within milliseconds even on a
 * loaded host; this leaves a wide margin while keeping the time both hold the addresses short.
 */
export const HANDOVER_LINGER_MS = 200;

/** The states. `initialize` is both "not started" and "stopped". */
export type VrrpStateName = 'initialize' | 'backup' | 'master' | 'fault' | 'leaving';

/** The timers the machine arms (see the module documentation). */
export type TimerName = 'masterDown' | 'advert' | 'preemptDelay' | 'handover' | 'garpDelay' | 'garpRefresh' | 'garpLowerPrio';
/** The gratuitous ARP / NA timers. */
export type GarpTimerName = 'garpDelay' | 'garpRefresh' | 'garpLowerPrio';

/** Why gratuitous ARPs / unsolicited NAs are sent. */
export type GarpReason = 'master' | 'master-delayed' | 'refresh' | 'lower-prio' | 'lower-prio-delayed';

/** Things worth counting or logging that are not state changes. */
export type AnomalyKind = 'owner-conflict' | 'own-address' | 'lower-priority-advert';

/** keepalived's gratuitous ARP / NA settings, in ms. */
export interface GarpParams {
  /** Delay of the second burst after becoming master; 0: none (garp_master_delay). */
  readonly masterDelayMs: number;
  /** Messages per burst (garp_master_repeat). */
  readonly masterRepeat: number;
  /** Period of refresh bursts while master; 0: none (garp_master_refresh). */
  readonly masterRefreshMs: number;
  /** Messages per refresh burst (garp_master_refresh_repeat). */
  readonly masterRefreshRepeat: number;
  /** Delay of the second burst after a lower-priority advert; 0: none (garp_lower_prio_delay). */
  readonly lowerPrioDelayMs: number;
  /** Messages per burst after a lower-priority advert; 0: none (garp_lower_prio_repeat). */
  readonly lowerPrioRepeat: number;
}

/** What the machine runs with; fixed for the life of an instance. */
export interface MachineParams {
  readonly version: 2 | 3;
  /** Configured priority, 1..255 (255: the address owner). */
  readonly priority: number;
  /** Advertisement_Interval in ms (VRRPv2: whole seconds; VRRPv3: whole centiseconds). */
  readonly advertIntMs: number;
  /** Our primary address (the advert source), for the equal-priority tie-break. */
  readonly localAddress: string;
  /** Preempt_Mode (keepalived: not `nopreempt`). */
  readonly preempt: boolean;
  /** keepalived preempt_delay in ms; 0: none. */
  readonly preemptDelayMs: number;
  /** Accept_Mode (RFC 5798 section 6.1): the VIPs accept local delivery when master even if not the owner. */
  readonly acceptMode: boolean;
  /** Missed adverts before a backup takes over (keepalived down_timer_adverts; RFC: 3). */
  readonly downTimerAdverts: number;
  readonly garp: GarpParams;
  /** Longest a leaving master keeps its addresses waiting for the new master's advert, in ms. */
  readonly handoverTimeoutMs: number;
  /**
   * How long a leaving master still keeps its addresses once the new master is heard, in ms, so that the new master's
   * addresses and gratuitous ARPs / NAs are out before ours go; default HANDOVER_LINGER_MS, 0: release on the advert.
   */
  readonly handoverLingerMs?: number;
  /** Member of a sync group: becoming master is decided with the other members (sync-group.ts). */
  readonly syncGroup: boolean;
  /** keepalived lower_prio_no_advert: a master does not answer a lower-priority advert with one of its own. */
  readonly lowerPrioNoAdvert: boolean;
  /** keepalived higher_prio_send_advert: a master sends one more advert before yielding to a higher priority. */
  readonly higherPrioSendAdvert: boolean;
}

/** Where an instance stands. Plain data: compare with toEqual, log as JSON. */
export interface MachineState {
  readonly name: VrrpStateName;
  /** Configured priority; an owner lowers it to 254 on an owner conflict (as keepalived). */
  readonly basePriority: number;
  /** Priority from tracking (priorityChanged); undefined: the base priority. */
  readonly trackedPriority: number | undefined;
  /** The priority used and advertised. */
  readonly effectivePriority: number;
  /** Master_Adver_Interval in ms: configured, or learned from the master's adverts (VRRPv3 backup). */
  readonly masterAdverIntMs: number;
  /** Tracking says the instance cannot serve. */
  readonly fault: boolean;
  /** preempt_delay progress in backup. */
  readonly preemptDelay: 'idle' | 'running' | 'expired';
  /** When the masterDown timer fires (backup), in ms. */
  readonly masterDownAt: number | undefined;
  /** Sync group member whose masterDown timer fired while the group was not ready. */
  readonly wantMaster: boolean;
  /** The virtual addresses are installed (master, leaving). */
  readonly vipsHeld: boolean;
  /** The current master as last heard (backup; leaving: the successor, once heard), for status. */
  readonly master: { readonly address: string; readonly priority: number } | undefined;
}

/** What the machine reacts to. */
export type MachineEvent =
  | { readonly type: 'startup' }
  /** Stop. Planned by default (make-before-break from master); `immediate` releases the addresses at once. */
  | { readonly type: 'shutdown'; readonly immediate?: boolean }
  /** A valid advert for this instance (validate.ts passed it). */
  | { readonly type: 'advertReceived'; readonly priority: number; readonly maxAdverIntMs: number; readonly srcAddr: string }
  | { readonly type: 'masterDownTimerFired' }
  | { readonly type: 'advertTimerFired' }
  | { readonly type: 'preemptDelayExpired' }
  | { readonly type: 'handoverTimeout' }
  | { readonly type: 'garpTimerFired'; readonly timer: GarpTimerName }
  | { readonly type: 'faultRaised' }
  | { readonly type: 'faultCleared' }
  /** The effective priority tracking computed (tracking.ts). Ignored for the owner. */
  | { readonly type: 'priorityChanged'; readonly priority: number }
  | { readonly type: 'syncGotoMaster' }
  | { readonly type: 'syncGotoBackup' };

/** What the machine asks its driver to do, in order. */
export type MachineAction =
  | { readonly type: 'sendAdvert'; readonly priority: number }
  /** Install the virtual addresses; `accept`: let them accept local delivery (Accept_Mode or owner). */
  | { readonly type: 'addVips'; readonly accept: boolean }
  | { readonly type: 'removeVips' }
  | { readonly type: 'sendGratuitous'; readonly reason: GarpReason; readonly repeat: number }
  | { readonly type: 'setTimer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly name: TimerName }
  | { readonly type: 'notify'; readonly from: VrrpStateName; readonly to: VrrpStateName; readonly priority: number }
  /** Sync group member: ready to become master when the group is (sync-group.ts decides). */
  | { readonly type: 'syncWantMaster' }
  | { readonly type: 'anomaly'; readonly kind: AnomalyKind; readonly detail: string };

/** Row ids of the transition table, for tests and logs. */
// biome-ignore format: one line per state
export const TABLE_ROWS = [
  'I1', 'I2', 'I3', 'I4',
  'B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11', 'B12',
  'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10', 'M11', 'M12', 'M13',
  'L1', 'L2', 'L3', 'L4', 'L5',
  'F1', 'F2', 'F3', 'F4',
] as const;

/** A row id of the transition table. */
export type TableRow = (typeof TABLE_ROWS)[number];

/** What one step yields. */
export interface StepResult {
  readonly state: MachineState;
  readonly actions: readonly MachineAction[];
  /** The table row taken. */
  readonly row: TableRow;
}

/** The timer expiry event of a timer. */
export function timerEvent(name: TimerName): MachineEvent {
  switch (name) {
    case 'masterDown':
      return { type: 'masterDownTimerFired' };
    case 'advert':
      return { type: 'advertTimerFired' };
    case 'preemptDelay':
      return { type: 'preemptDelayExpired' };
    case 'handover':
      return { type: 'handoverTimeout' };
    default:
      return { type: 'garpTimerFired', timer: name };
  }
}

const MASTER_TIMERS: readonly TimerName[] = ['advert', 'garpDelay', 'garpRefresh', 'garpLowerPrio'];
const ALL_TIMERS: readonly TimerName[] = ['masterDown', 'advert', 'preemptDelay', 'handover', 'garpDelay', 'garpRefresh', 'garpLowerPrio'];

function clampPriority(base: number, tracked: number | undefined): number {
  if (base === PRIORITY_OWNER) return PRIORITY_OWNER;
  return Math.min(PRIORITY_MAX_BACKUP, Math.max(1, Math.round(tracked ?? base)));
}

/** Collects the next state and the actions of one step. */
class Step {
  state: MachineState;
  readonly actions: MachineAction[] = [];

  constructor(
    readonly m: VrrpInstanceMachine,
    state: MachineState,
    readonly now: number,
  ) {
    this.state = state;
  }

  set(patch: Partial<MachineState>): void {
    this.state = { ...this.state, ...patch };
  }

  do(a: MachineAction): void {
    this.actions.push(a);
  }

  setTimer(name: TimerName, ms: number): void {
    this.do({ type: 'setTimer', name, ms: Math.max(0, ms) });
  }

  cancel(names: readonly TimerName[]): void {
    for (const name of names) this.do({ type: 'cancelTimer', name });
  }

  moveTo(to: VrrpStateName): void {
    const from = this.state.name;
    this.set({ name: to });
    if (from !== to) this.do({ type: 'notify', from, to, priority: this.state.effectivePriority });
  }

  mdi(): number {
    const s = this.state;
    return masterDownMs(this.m.params.version, s.effectivePriority, s.masterAdverIntMs, this.m.params.downTimerAdverts);
  }

  armMasterDown(ms: number): void {
    this.set({ masterDownAt: this.now + ms });
    this.setTimer('masterDown', ms);
  }

  becomeMaster(): void {
    const p = this.m.params;
    const prio = this.state.effectivePriority;
    this.cancel(['masterDown', 'preemptDelay']);
    this.set({
      masterAdverIntMs: p.advertIntMs,
      masterDownAt: undefined,
      preemptDelay: 'idle',
      wantMaster: false,
      vipsHeld: true,
      master: undefined,
    });
    this.do({ type: 'sendAdvert', priority: prio });
    this.do({ type: 'addVips', accept: p.acceptMode || this.state.basePriority === PRIORITY_OWNER });
    this.do({ type: 'sendGratuitous', reason: 'master', repeat: p.garp.masterRepeat });
    this.setTimer('advert', p.advertIntMs);
    if (p.garp.masterDelayMs > 0) this.setTimer('garpDelay', p.garp.masterDelayMs);
    if (p.garp.masterRefreshMs > 0) this.setTimer('garpRefresh', p.garp.masterRefreshMs);
    this.moveTo('master');
  }

  leaveMaster(): void {
    this.cancel(MASTER_TIMERS);
    this.do({ type: 'removeVips' });
    this.set({ vipsHeld: false });
  }

  /** Enters backup with the configured interval and a full Master_Down_Interval. */
  becomeBackupFresh(): void {
    this.set({ masterAdverIntMs: this.m.params.advertIntMs, preemptDelay: 'idle', wantMaster: false, master: undefined });
    this.armMasterDown(this.mdi());
    this.moveTo('backup');
  }

  stopAll(to: VrrpStateName): void {
    this.cancel(ALL_TIMERS);
    if (this.state.vipsHeld) {
      this.do({ type: 'removeVips' });
    }
    this.set({ vipsHeld: false, masterDownAt: undefined, preemptDelay: 'idle', wantMaster: false, master: undefined });
    this.moveTo(to);
  }

  /** Applies fault / priority bookkeeping events that cause no transition in this state. */
  remember(ev: MachineEvent): void {
    if (ev.type === 'faultRaised') this.set({ fault: true });
    else if (ev.type === 'faultCleared') this.set({ fault: false });
    else if (ev.type === 'priorityChanged') this.setTracked(ev.priority);
  }

  setTracked(priority: number): void {
    const tracked = Number.isFinite(priority) ? priority : undefined;
    this.set({ trackedPriority: tracked, effectivePriority: clampPriority(this.state.basePriority, tracked) });
  }
}

/**
 * The machine of one VRRP instance. Holds only its parameters; every step is a pure function of (state, event,
 * now). See the module documentation for the transition table.
 */
export class VrrpInstanceMachine {
  constructor(readonly params: MachineParams) {}

  /** The state before startup. */
  initialState(): MachineState {
    const p = this.params;
    return {
      name: 'initialize',
      basePriority: p.priority,
      trackedPriority: undefined,
      effectivePriority: clampPriority(p.priority, undefined),
      masterAdverIntMs: p.advertIntMs,
      fault: false,
      preemptDelay: 'idle',
      masterDownAt: undefined,
      wantMaster: false,
      vipsHeld: false,
      master: undefined,
    };
  }

  /** Master_Down_Interval of `state`, in ms. */
  masterDownInterval(state: MachineState): number {
    return masterDownMs(this.params.version, state.effectivePriority, state.masterAdverIntMs, this.params.downTimerAdverts);
  }

  /** One event in, the next state and the actions out. */
  step(state: MachineState, event: MachineEvent, now: number): StepResult {
    const s = new Step(this, state, now);
    const row = this.#dispatch(s, event);
    return { state: s.state, actions: s.actions, row };
  }

  #owner(s: Step): boolean {
    return s.state.basePriority === PRIORITY_OWNER && !this.params.syncGroup;
  }

  #dispatch(s: Step, ev: MachineEvent): TableRow {
    switch (s.state.name) {
      case 'initialize':
        return this.#initialize(s, ev);
      case 'backup':
        return this.#backup(s, ev);
      case 'master':
        return this.#master(s, ev);
      case 'leaving':
        return this.#leaving(s, ev);
      case 'fault':
        return this.#fault(s, ev);
    }
  }

  #initialize(s: Step, ev: MachineEvent): TableRow {
    if (ev.type !== 'startup') {
      s.remember(ev);
      return 'I4';
    }
    if (s.state.fault) {
      s.moveTo('fault');
      return 'I1';
    }
    if (this.#owner(s)) {
      s.becomeMaster();
      return 'I2';
    }
    s.becomeBackupFresh();
    return 'I3';
  }

  #backup(s: Step, ev: MachineEvent): TableRow {
    const p = this.params;
    switch (ev.type) {
      case 'advertReceived': {
        const ours = s.state.effectivePriority;
        if (ev.priority === PRIORITY_STOP) {
          s.armMasterDown(skewMs(p.version, ours, s.state.masterAdverIntMs));
          return 'B1';
        }
        const accept = () => {
          if (p.version === 3 && ev.maxAdverIntMs > 0) s.set({ masterAdverIntMs: ev.maxAdverIntMs });
          s.set({ master: { address: ev.srcAddr, priority: ev.priority }, wantMaster: false });
          s.armMasterDown(s.mdi());
        };
        if (!p.preempt || ev.priority >= ours) {
          if (ev.priority >= ours && s.state.preemptDelay !== 'idle') {
            s.set({ preemptDelay: 'idle' });
            s.cancel(['preemptDelay']);
          }
          accept();
          return 'B2';
        }
        if (p.preemptDelayMs > 0 && s.state.preemptDelay !== 'expired') {
          if (s.state.preemptDelay === 'idle') {
            s.set({ preemptDelay: 'running' });
            s.setTimer('preemptDelay', p.preemptDelayMs);
          }
          accept();
          return 'B3';
        }
        return 'B4';
      }
      case 'masterDownTimerFired':
        if (!p.syncGroup) {
          s.becomeMaster();
          return 'B5';
        }
        s.set({ wantMaster: true });
        s.do({ type: 'syncWantMaster' });
        s.armMasterDown(s.mdi());
        return 'B6';
      case 'syncGotoMaster':
        s.becomeMaster();
        return 'B7';
      case 'preemptDelayExpired':
        if (s.state.preemptDelay === 'running') s.set({ preemptDelay: 'expired' });
        return 'B8';
      case 'priorityChanged': {
        if (s.state.basePriority === PRIORITY_OWNER) return 'B12';
        const before = s.mdi();
        s.setTracked(ev.priority);
        const delta = s.mdi() - before;
        if (delta !== 0 && s.state.masterDownAt !== undefined) {
          const at = s.state.masterDownAt + delta;
          s.set({ masterDownAt: at });
          s.setTimer('masterDown', at - s.now);
        }
        return 'B9';
      }
      case 'faultRaised':
        s.set({ fault: true });
        s.stopAll('fault');
        return 'B10';
      case 'shutdown':
        s.stopAll('initialize');
        return 'B11';
      default:
        s.remember(ev);
        return 'B12';
    }
  }

  #master(s: Step, ev: MachineEvent): TableRow {
    const p = this.params;
    switch (ev.type) {
      case 'advertTimerFired':
        s.do({ type: 'sendAdvert', priority: s.state.effectivePriority });
        s.setTimer('advert', p.advertIntMs);
        return 'M1';
      case 'advertReceived':
        return this.#masterAdvert(s, ev);
      case 'garpTimerFired': {
        const g = p.garp;
        if (ev.timer === 'garpDelay') s.do({ type: 'sendGratuitous', reason: 'master-delayed', repeat: g.masterRepeat });
        else if (ev.timer === 'garpLowerPrio') s.do({ type: 'sendGratuitous', reason: 'lower-prio-delayed', repeat: g.lowerPrioRepeat });
        else if (g.masterRefreshMs > 0) {
          s.do({ type: 'sendGratuitous', reason: 'refresh', repeat: g.masterRefreshRepeat });
          s.setTimer('garpRefresh', g.masterRefreshMs);
        }
        return 'M7';
      }
      case 'priorityChanged':
        if (s.state.basePriority === PRIORITY_OWNER) return 'M13';
        s.setTracked(ev.priority);
        return 'M8';
      case 'faultRaised':
        s.set({ fault: true });
        s.do({ type: 'sendAdvert', priority: PRIORITY_STOP });
        s.stopAll('fault');
        return 'M9';
      case 'syncGotoBackup':
        s.leaveMaster();
        s.set({ masterAdverIntMs: p.advertIntMs, preemptDelay: 'idle', wantMaster: false });
        s.armMasterDown(s.mdi());
        s.moveTo('backup');
        return 'M10';
      case 'shutdown':
        if (ev.immediate === true) {
          s.do({ type: 'sendAdvert', priority: PRIORITY_STOP });
          s.stopAll('initialize');
          return 'M12';
        }
        s.cancel(MASTER_TIMERS);
        s.do({ type: 'sendAdvert', priority: PRIORITY_STOP });
        s.setTimer('advert', p.advertIntMs);
        s.setTimer('handover', p.handoverTimeoutMs);
        s.moveTo('leaving');
        return 'M11';
      default:
        s.remember(ev);
        return 'M13';
    }
  }

  #masterAdvert(s: Step, ev: Extract<MachineEvent, { type: 'advertReceived' }>): TableRow {
    const p = this.params;
    const ours = s.state.effectivePriority;
    if (ev.priority === PRIORITY_STOP) {
      s.do({ type: 'sendAdvert', priority: ours });
      s.setTimer('advert', p.advertIntMs);
      return 'M2';
    }
    const cmp = compareAddr(ev.srcAddr, p.localAddress);
    let row: TableRow | undefined;
    if (ev.priority === PRIORITY_OWNER && ours === PRIORITY_OWNER && cmp !== 0) {
      s.do({ type: 'anomaly', kind: 'owner-conflict', detail: `${ev.srcAddr} also claims to own the addresses; lowering ours to 254` });
      s.set({ basePriority: PRIORITY_MAX_BACKUP });
      s.setTracked(s.state.trackedPriority ?? PRIORITY_MAX_BACKUP);
      row = 'M3';
    }
    const now = s.state.effectivePriority;
    if (ev.priority === now && cmp === 0) {
      s.do({ type: 'anomaly', kind: 'own-address', detail: `advert with our priority from our own address ${ev.srcAddr}` });
      return 'M6';
    }
    if (ev.priority > now || (ev.priority === now && cmp > 0)) {
      if (p.higherPrioSendAdvert) s.do({ type: 'sendAdvert', priority: now });
      s.leaveMaster();
      s.set({
        masterAdverIntMs: p.version === 3 && ev.maxAdverIntMs > 0 ? ev.maxAdverIntMs : p.advertIntMs,
        preemptDelay: 'idle',
        wantMaster: false,
        master: { address: ev.srcAddr, priority: ev.priority },
      });
      s.armMasterDown(s.mdi());
      s.moveTo('backup');
      return row ?? 'M4';
    }
    s.do({ type: 'anomaly', kind: 'lower-priority-advert', detail: `advert from ${ev.srcAddr} with priority ${ev.priority}, ours ${now}` });
    if (!p.lowerPrioNoAdvert) {
      s.do({ type: 'sendAdvert', priority: now });
      s.setTimer('advert', p.advertIntMs);
    }
    if (p.garp.lowerPrioRepeat > 0) {
      s.do({ type: 'sendGratuitous', reason: 'lower-prio', repeat: p.garp.lowerPrioRepeat });
      if (p.garp.lowerPrioDelayMs > 0) s.setTimer('garpLowerPrio', p.garp.lowerPrioDelayMs);
    }
    return 'M5';
  }

  #leaving(s: Step, ev: MachineEvent): TableRow {
    switch (ev.type) {
      case 'advertReceived': {
        if (ev.priority === PRIORITY_STOP || compareAddr(ev.srcAddr, this.params.localAddress) === 0) return 'L5';
        if (s.state.master !== undefined) return 'L5'; // already lingering
        const linger = this.params.handoverLingerMs ?? HANDOVER_LINGER_MS;
        if (linger <= 0) {
          s.stopAll('initialize');
          return 'L1';
        }
        s.set({ master: { address: ev.srcAddr, priority: ev.priority } });
        s.cancel(['advert']);
        s.setTimer('handover', linger);
        return 'L1';
      }
      case 'advertTimerFired':
        s.do({ type: 'sendAdvert', priority: PRIORITY_STOP });
        s.setTimer('advert', this.params.advertIntMs);
        return 'L2';
      case 'handoverTimeout':
        s.stopAll('initialize');
        return 'L3';
      case 'faultRaised':
      case 'shutdown':
        s.remember(ev);
        s.stopAll('initialize');
        return 'L4';
      default:
        s.remember(ev);
        return 'L5';
    }
  }

  #fault(s: Step, ev: MachineEvent): TableRow {
    switch (ev.type) {
      case 'faultCleared':
        s.set({ fault: false });
        if (this.#owner(s)) {
          s.becomeMaster();
          return 'F1';
        }
        s.becomeBackupFresh();
        return 'F2';
      case 'shutdown':
        s.stopAll('initialize');
        return 'F3';
      default:
        s.remember(ev);
        return 'F4';
    }
  }
}
