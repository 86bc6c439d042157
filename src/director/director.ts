/**
 * The director: keeps the kernel's IPVS table equal to what the configuration and the real servers' health say,
 * runs the sync daemons in the roles VRRP decides, and suspends ha_suspend checks while this node does not hold
 * the address. Inputs (VRRP transitions, health transitions, reloads, timers) go through one queue, VRRP first;
 * each marks what it touched dirty and the reconciler (the only holder of the IPVS handle) applies the result in
 * the same event-loop turn.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { ResolvedConfig, ResolvedVirtualServer } from '../config/model.js';
import type { HealthEvent, HealthMonitor, VirtualServerSnapshot } from '../health/index.js';
import { realServerKey, virtualServerKey } from '../health/keys.js';
import type { Logger } from '../logger.js';
import type { IpvsApi } from '../ipvs/api.js';
import type { ServiceKey, SyncState } from '../ipvs/types.js';
import { canonicalAddress } from '../ipvs/addr.js';
import { type DesiredTable, desiredTable, destKey, serviceKeyId, serviceKeyOf } from './desired.js';
import type { Draining } from './diff.js';
import { type DesiredState, Reconciler, type RunReport } from './reconciler.js';
import { desiredDaemons } from './sync-roles.js';

/** A VRRP state as the director sees it. */
export type VrrpStateName = 'MASTER' | 'BACKUP' | 'FAULT' | 'INIT';

/** What the director needs of the VRRP side (src/vrrp's runtime, adapted in the cli). */
export interface VrrpComponent {
  /** The state of an instance or sync group, by name. */
  stateOf(name: string): VrrpStateName | undefined;
  /** Called on every instance or group transition. */
  onChange(listener: () => void): () => void;
  reload(config: ResolvedConfig): Promise<unknown>;
  stop(options: { readonly immediate: boolean }): Promise<void>;
}

/** Runs a notify program (argv, as the configured user). */
export type NotifyRunner = (argv: readonly string[]) => void;

export interface DirectorOptions {
  readonly config: ResolvedConfig;
  readonly health: HealthMonitor;
  readonly vrrp?: VrrpComponent;
  readonly openIpvs: () => Promise<IpvsApi>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly notify?: NotifyRunner;
  /** Full resync interval override, ms (default: the config's global.ipvs_resync_interval). */
  readonly resyncIntervalMs?: number;
  /** How often draining real servers are looked at, ms (default 1 s). */
  readonly drainPollMs?: number;
}

/** What a reload changed, for its log line. */
export interface ReloadSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly ops: number;
}

const DRAIN_POLL_MS = 1000;

/** The director. */
export class Director {
  readonly #o: DirectorOptions;
  readonly #log: Logger;
  readonly #reconciler: Reconciler;
  #config: ResolvedConfig;
  /** Service id -> the virtual server, and health key -> service id, for the current config. */
  #byId = new Map<string, ResolvedVirtualServer>();
  #idByHealthKey = new Map<string, string>();
  /** Services lvsd owned that the configuration dropped; deleted by the next run. */
  readonly #retired = new Map<string, ServiceKey>();
  readonly #draining = new Map<string, Map<string, Draining>>();
  #drainTimer: TimerHandle | undefined;
  /** Sync roles lvsd started or that its config names (it may stop them). */
  #ownedDaemons = new Set<SyncState>();
  /**
   * At start, a master sync daemon left running (lvsd was killed on the master) is not stopped until VRRP has had
   * time to decide (a master-down interval): the instance starts as backup, and stopping the daemon at once would
   * stop replicating the connections that the restart is meant not to disturb.
   */
  #masterHeld = false;
  #masterHoldTimer: TimerHandle | undefined;
  /** Suspension state last given to each ha_suspend service (by id). */
  readonly #suspended = new Map<string, boolean>();
  readonly #vrrpQueue: (() => void)[] = [];
  readonly #healthQueue: HealthEvent[] = [];
  #queueScheduled = false;
  #offs: (() => void)[] = [];

  constructor(options: DirectorOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#config = options.config;
    this.#index(options.config);
    this.#ownedDaemons = this.#daemonRoles(options.config);
    this.#reconciler = new Reconciler({
      open: options.openIpvs,
      desired: (ids) => this.desiredState(ids),
      clock: options.clock,
      log: options.log,
      resyncIntervalMs: options.resyncIntervalMs ?? options.config.global.ipvs_resync_interval * 1000,
      onRun: (r) => this.#onRun(r),
    });
  }

  /** The current configuration. */
  get config(): ResolvedConfig {
    return this.#config;
  }

  /** Operation totals (runs, ops, failures) since start. */
  get totals(): Reconciler['totals'] {
    return this.#reconciler.totals;
  }

  /**
   * Starts: loads the health monitor, programs (or adopts) the kernel's table in one full run, then follows
   * health and VRRP. Rejects when IPVS cannot be opened or read.
   */
  async start(): Promise<RunReport> {
    this.#offs.push(this.#o.health.onEvent((e) => this.#enqueueHealth(e)));
    if (this.#o.vrrp !== undefined) this.#offs.push(this.#o.vrrp.onChange(() => this.#enqueueVrrp(() => this.#onVrrpChange())));
    // The checks wait while the table is programmed: thousands of them starting at once would slow it down.
    this.#o.health.scheduler.hold();
    this.#o.health.load(this.#config.virtual_servers);
    this.#applySuspension();
    this.#holdMasterDaemon();
    let report: RunReport;
    try {
      report = await this.#reconciler.start();
    } finally {
      this.#o.health.scheduler.release();
    }
    this.#log.info(
      {
        ops: report.ops,
        ms: Math.round(report.ms),
        services: this.#byId.size,
        adopted: this.#byId.size - report.diff.differences.filter((d) => d.dest === undefined && d.what === 'missing').length,
      },
      'IPVS table programmed',
    );
    return report;
  }

  /**
   * The desired state now (level-triggered: built from the config and health as they are); with `ids`, the table
   * holds only those services (a partial run's), so a single verdict does not rebuild a thousand services.
   */
  desiredState(ids?: ReadonlySet<string>): DesiredState {
    const wanted = ids === undefined ? this.#config.virtual_servers : [...ids].flatMap((id) => this.#byId.get(id) ?? []);
    const healthKeys = ids === undefined ? undefined : new Set(wanted.map((vs) => virtualServerKey(vs)));
    const snapshots = new Map<string, VirtualServerSnapshot>();
    for (const s of this.#o.health.snapshot(healthKeys)) snapshots.set(s.key, s);
    const table: DesiredTable = desiredTable(wanted, (vs) => snapshots.get(virtualServerKey(vs))?.pool);
    return {
      table,
      configured: this.#byId,
      retired: this.#retired,
      draining: this.#draining,
      daemons: desiredDaemons(this.#config.lvs_sync_daemon, this.#followedMaster()),
      ownedDaemons: this.#masterHeld ? new Set([...this.#ownedDaemons].filter((r) => r !== 'master')) : this.#ownedDaemons,
    };
  }

  /** Waits until the input queue is empty and no reconciliation is in flight or pending. */
  async idle(): Promise<void> {
    do {
      await new Promise<void>((r) => queueMicrotask(r));
      await this.#reconciler.idle();
    } while (this.#queueScheduled);
  }

  /** Reconcile everything now (the periodic resync does this by itself). */
  resync(): void {
    this.#reconciler.requestFull();
  }

  /**
   * Reload to a new, already validated configuration: health keeps its state for what did not change, VRRP keeps
   * unchanged instances, and the kernel is diffed (not the old config), so an unchanged reload sends no op.
   */
  async reload(config: ResolvedConfig): Promise<ReloadSummary> {
    const oldIds = new Set(this.#byId.keys());
    const oldVs = this.#byId;
    this.#config = config;
    this.#index(config);
    const now = this.#o.clock.now();
    let changed = 0;
    for (const [id, vs] of this.#byId) {
      const before = oldVs.get(id);
      // The very same object: a reload of an unchanged file (ConfigFileLoader).
      if (before === undefined || before === vs) continue;
      if (JSON.stringify(before) !== JSON.stringify(vs)) changed++;
      this.#startDrains(id, before, vs, now);
    }
    for (const id of oldIds) {
      if (this.#byId.has(id)) continue;
      this.#retired.set(id, serviceKeyOf(oldVs.get(id) as ResolvedVirtualServer));
      this.#draining.delete(id);
    }
    for (const id of this.#byId.keys()) this.#retired.delete(id);
    const added = [...this.#byId.keys()].filter((id) => !oldIds.has(id)).length;
    const removed = [...oldIds].filter((id) => !this.#byId.has(id)).length;
    for (const r of this.#daemonRoles(config)) this.#ownedDaemons.add(r);
    // The reload's ops are those of every run until its full run is done: health.load's events (a removed server)
    // may be applied by a partial run while VRRP reloads, before the full run finds nothing left to do.
    const opsBefore = this.#reconciler.totals.ops;
    this.#o.health.load(config.virtual_servers);
    await this.#o.vrrp?.reload(config);
    this.#applySuspension();
    this.#reconciler.requestFull();
    await this.idle();
    const summary = { added, removed, changed, ops: this.#reconciler.totals.ops - opsBefore };
    this.#log.info({ ...summary, summary: `+${added} -${removed} ~${changed}` }, 'reload');
    return summary;
  }

  /**
   * Stops. Unless `keepIpvs`, the services lvsd manages are deleted and the sync daemons it runs stopped (as
   * keepalived does on a planned stop); with it, the kernel is left as it is for a restart or an upgrade.
   */
  async stop(options: { readonly immediate?: boolean; readonly keepIpvs?: boolean } = {}): Promise<void> {
    for (const off of this.#offs) off();
    this.#offs = [];
    if (this.#drainTimer !== undefined) this.#o.clock.clearTimer(this.#drainTimer);
    if (this.#masterHoldTimer !== undefined) this.#o.clock.clearTimer(this.#masterHoldTimer);
    // No new check from here on: thousands of them would slow the run in flight and the cleanup down.
    this.#o.health.scheduler.hold();
    // No run from here on: with health stopped the desired pools are empty, so a periodic resync during the VRRP
    // handover would delete every destination (even with keepIpvs) or re-create what the cleanup below deletes.
    await this.#reconciler.halt();
    const omega = this.#o.health.stop();
    for (const e of omega) this.#notifyFor(e);
    await this.#o.vrrp?.stop({ immediate: options.immediate ?? false });
    if (!options.keepIpvs) {
      await this.#reconciler
        .withIpvs(async (ipvs) => {
          const ops = [
            ...[...this.#byId.values()].map((vs) => ({ op: 'deleteService' as const, key: serviceKeyOf(vs) })),
            ...[...this.#ownedDaemons].map((state) => ({ op: 'stopDaemon' as const, state })),
          ];
          const results = await ipvs.batch(ops);
          const failed = results.filter((r) => !r.ok && !['ESRCH', 'ENOENT'].includes(r.error.code)).length;
          this.#log.info({ ops: ops.length, failed }, 'IPVS services removed');
        })
        .catch((err: unknown) => this.#log.error({ err: String(err) }, 'removing the IPVS services failed'));
    } else {
      this.#log.info({ services: this.#byId.size }, 'IPVS table left in place (--keep-ipvs)');
    }
    await this.#reconciler.stop();
  }

  // ----- internals -------------------------------------------------------------------------------------------

  #index(config: ResolvedConfig): void {
    this.#byId = new Map();
    this.#idByHealthKey = new Map();
    for (const vs of config.virtual_servers) {
      const id = serviceKeyId(serviceKeyOf(vs));
      this.#byId.set(id, vs);
      this.#idByHealthKey.set(virtualServerKey(vs), id);
    }
  }

  /** See #masterHeld: for `auto` with VRRP, hold for the followed instances' longest master-down interval. */
  #holdMasterDaemon(): void {
    const cfg = this.#config.lvs_sync_daemon;
    if (cfg?.state !== 'auto' || cfg.follow === undefined || this.#o.vrrp === undefined) return;
    const group = this.#config.vrrp_sync_groups[cfg.follow];
    const names = group !== undefined ? group.group : [cfg.follow];
    const intervals = names.flatMap((n) => {
      const inst = this.#config.vrrp_instances[n];
      return inst === undefined ? [] : [inst.advert_int * inst.down_timer_adverts * 1000];
    });
    // The master-down interval plus the skew time (at most one advert interval) and a second to hear a master.
    const holdMs =
      Math.max(0, ...intervals) + 1000 + Math.max(0, ...names.map((n) => (this.#config.vrrp_instances[n]?.advert_int ?? 0) * 1000));
    this.#masterHeld = true;
    this.#masterHoldTimer = this.#o.clock.setTimer(() => {
      this.#masterHoldTimer = undefined;
      this.#masterHeld = false;
      this.#reconciler.daemonsChanged();
    }, holdMs);
  }

  /** Every role the config may run (auto's master role included). */
  #daemonRoles(config: ResolvedConfig): Set<SyncState> {
    return new Set(desiredDaemons(config.lvs_sync_daemon, true).keys());
  }

  #followedMaster(): boolean {
    const follow = this.#config.lvs_sync_daemon?.follow;
    return follow !== undefined && this.#o.vrrp?.stateOf(follow) === 'MASTER';
  }

  /** Real servers the reload removed from a service that stays: drained when drain_timeout is set. */
  #startDrains(id: string, before: ResolvedVirtualServer, after: ResolvedVirtualServer, now: number): void {
    const endpoint = (rs: { address: string; port?: number }, vs: ResolvedVirtualServer) =>
      destKey({ address: canonicalAddress(rs.address), port: rs.port ?? vs.port ?? 0 });
    const kept = new Set(after.real_servers.map((rs) => endpoint(rs, after)));
    const drains = this.#draining.get(id) ?? new Map<string, Draining>();
    // A server put back into the configuration is no longer draining.
    for (const dk of kept) drains.delete(dk);
    if (after.drain_timeout > 0) {
      for (const rs of before.real_servers) {
        const dk = endpoint(rs, before);
        if (kept.has(dk)) continue;
        drains.set(dk, { deadline: now + after.drain_timeout * 1000 });
        this.#log.info({ vs: after.name, rs: dk, timeout: after.drain_timeout }, 'real server removed from the configuration: draining');
      }
    }
    if (drains.size > 0) this.#draining.set(id, drains);
    else this.#draining.delete(id);
    this.#armDrainPoll();
  }

  #armDrainPoll(): void {
    if (this.#drainTimer !== undefined || this.#draining.size === 0) return;
    this.#drainTimer = this.#o.clock.setTimer(() => {
      this.#drainTimer = undefined;
      this.#reconciler.markDirty(this.#draining.keys());
      this.#armDrainPoll();
    }, this.#o.drainPollMs ?? DRAIN_POLL_MS);
  }

  #onRun(report: RunReport): void {
    for (const d of report.diff.drained) {
      const drains = this.#draining.get(d.service);
      drains?.delete(d.dest);
      if (drains?.size === 0) this.#draining.delete(d.service);
      this.#log.info({ vs: this.#byId.get(d.service)?.name ?? d.service, rs: d.dest, why: d.why }, 'drained real server removed');
    }
    // A run without failures deleted the retired services it compared (one retired meanwhile waits for the next).
    if (report.failed === 0) for (const id of report.retired) this.#retired.delete(id);
    if (report.ops > 0) {
      const fields = { ops: report.ops, failed: report.failed, ms: Math.round(report.ms * 10) / 10, kind: report.kind };
      if (report.kind === 'resync')
        this.#log.warn(
          { ...fields, drift: report.diff.differences.slice(0, 20).map((d) => `${d.service}${d.dest ? ` ${d.dest}` : ''}: ${d.what}`) },
          'drift repaired',
        );
      else
        this.#log.info(
          { ...fields, changes: report.diff.differences.slice(0, 20).map((d) => `${d.service}${d.dest ? ` ${d.dest}` : ''}: ${d.what}`) },
          'IPVS updated',
        );
    }
  }

  #enqueueHealth(e: HealthEvent): void {
    this.#healthQueue.push(e);
    this.#scheduleQueue();
  }

  #enqueueVrrp(fn: () => void): void {
    this.#vrrpQueue.push(fn);
    this.#scheduleQueue();
  }

  #scheduleQueue(): void {
    if (this.#queueScheduled) return;
    this.#queueScheduled = true;
    queueMicrotask(() => {
      this.#queueScheduled = false;
      // VRRP first: a takeover's suspension and sync roles are settled before health changes are applied.
      for (const fn of this.#vrrpQueue.splice(0)) fn();
      const dirty = new Set<string>();
      for (const e of this.#healthQueue.splice(0)) {
        this.#notifyFor(e);
        const id = this.#idFor(e);
        if (id !== undefined) dirty.add(id);
      }
      if (dirty.size > 0) this.#reconciler.markDirty(dirty);
    });
  }

  #idFor(e: HealthEvent): string | undefined {
    return this.#idByHealthKey.get(e.key);
  }

  #onVrrpChange(): void {
    // A transition after start is VRRP's decision: the start-up hold on the master daemon ends.
    if (this.#masterHoldTimer !== undefined) this.#o.clock.clearTimer(this.#masterHoldTimer);
    this.#masterHoldTimer = undefined;
    this.#masterHeld = false;
    this.#applySuspension();
    this.#reconciler.daemonsChanged();
  }

  /** ha_suspend: a service's checks run only while this node holds its address (a MASTER instance has it). */
  #applySuspension(): void {
    const holders = new Map<string, string[]>();
    for (const inst of Object.values(this.#config.vrrp_instances)) {
      for (const v of [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded]) {
        const a = canonicalAddress(v.address);
        holders.set(a, [...(holders.get(a) ?? []), inst.name]);
      }
    }
    for (const [id, vs] of this.#byId) {
      if (!vs.ha_suspend || vs.address === undefined) continue;
      const names = holders.get(canonicalAddress(vs.address));
      if (names === undefined) continue;
      const held = names.some((n) => this.#o.vrrp?.stateOf(n) === 'MASTER');
      if (this.#suspended.get(id) === !held) continue;
      this.#suspended.set(id, !held);
      this.#o.health.setSuspended(virtualServerKey(vs), !held);
      this.#log.info(
        { vs: vs.name, suspended: !held },
        held ? 'checks resumed (this node holds the address)' : 'checks suspended (ha_suspend)',
      );
    }
  }

  /** quorum_up/quorum_down and notify_up/notify_down. */
  #notifyFor(e: HealthEvent): void {
    const run = this.#o.notify;
    if (run === undefined) return;
    const id = this.#idFor(e);
    const vs = id !== undefined ? this.#byId.get(id) : undefined;
    if (vs === undefined) return;
    if (e.kind === 'quorum-up' && vs.quorum_up) run(vs.quorum_up);
    else if (e.kind === 'quorum-down' && vs.quorum_down) run(vs.quorum_down);
    else if (e.kind === 'up' || e.kind === 'down') {
      const rs = vs.real_servers.find((r) => realServerKey(r) === e.rs);
      const argv = e.kind === 'up' ? rs?.notify_up : rs?.notify_down;
      if (argv !== undefined) run(argv);
    }
  }
}
