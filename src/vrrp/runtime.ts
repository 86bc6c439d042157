/**
 * The VRRP side of a director as one component: `VrrpRuntime.start` runs a config's VRRP instances (transports,
 * addresses, notify programs, tracking of interfaces, vrrp_scripts and track files, sync groups and their notify
 * programs, the Accept_Mode filter) on the I/O adapters it is given, `reload` moves it to a new config, `stop` ends
 * it, and `on` / `state` / `groupState` let the caller follow it.
 *
 * Reload touches only what changed (keepalived restarts every instance, re-running notify programs and re-electing):
 * - an instance whose plan is unchanged keeps running as it is: same object, no advert, address change or notify;
 * - a change of priority (neither old nor new being the owner's 255), tracking or notify programs is applied to the
 *   running instance: a new priority goes through tracking's path, so the election goes on without a restart;
 * - any other change replaces the instance: the old one stops as a planned stop does (a master hands over,
 *   keeping its addresses until the new master is heard) and the new one starts once it has stopped;
 * - removed instances stop the same way; added ones start at once;
 * - unchanged vrrp_scripts and track files keep their runner or watcher and verdict (runtime-tracking.ts);
 * - a sync group is rebuilt when its members, its notify programs or one of its instances changed object, and
 *   does not notify its state again.
 */
import type { ResolvedConfig } from '../config/model.js';
import type { GroupState } from './io/group-notify.js';
import { SyncGroupNotifier } from './io/group-notify.js';
import { RuntimeInstance } from './runtime-instance.js';
import { type GroupPlan, type InstancePlan, type VrrpPlan, compareInstance, planVrrp, sameGroup } from './runtime-plan.js';
import { type PreparedTracking, TrackingSources } from './runtime-tracking.js';
import {
  type AcceptFilterPort,
  type InstanceView,
  type ReloadSummary,
  VrrpReloadError,
  type VrrpRuntimeDeps,
  type VrrpRuntimeEvent,
  type VrrpRuntimeListener,
  VrrpStartError,
  errorMessage,
} from './runtime-types.js';
import { SyncGroupLink } from './sync-link.js';
import { evaluateTracking } from './tracking.js';

export * from './runtime-types.js';

/** What a reload does with each instance. */
interface ReloadChanges {
  readonly kept: RuntimeInstance[];
  readonly updated: { readonly m: RuntimeInstance; readonly plan: InstancePlan; readonly what: readonly string[] }[];
  readonly replaced: { readonly old: RuntimeInstance; readonly plan: InstancePlan; readonly what: readonly string[] }[];
  readonly added: InstancePlan[];
  readonly removed: RuntimeInstance[];
}

interface RuntimeGroup {
  readonly plan: GroupPlan;
  readonly link: SyncGroupLink;
  readonly notifier: SyncGroupNotifier;
}

/** The VRRP instances of one config, running. */
export class VrrpRuntime {
  readonly #deps: VrrpRuntimeDeps;
  readonly #tracking: TrackingSources;
  /** The instances of the config in force, by name. */
  readonly #active = new Map<string, RuntimeInstance>();
  /** Replaced instances still stopping, by name: what runs on the wire until their successors start. */
  readonly #predecessors = new Map<string, RuntimeInstance>();
  /** Every instance not closed yet: the active ones and those a reload is stopping. */
  readonly #open = new Set<RuntimeInstance>();
  readonly #groups = new Map<string, RuntimeGroup>();
  readonly #listeners = new Set<VrrpRuntimeListener>();
  #plan: VrrpPlan | undefined;
  #acceptFilter: AcceptFilterPort | undefined;
  #reloads: Promise<unknown> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(deps: VrrpRuntimeDeps) {
    this.#deps = deps;
    this.#tracking = new TrackingSources(deps, () => this.#evaluateAll());
  }

  /**
   * Starts the VRRP instances of `config`. `onEvent` hears every event from the first (the instances' first
   * transitions happen during the start). Throws VrrpStartError, with everything opened closed again, when a
   * script user does not exist, an instance has no source address, nft is missing for `accept: false`, or a
   * socket cannot be opened.
   */
  static async start(
    config: ResolvedConfig,
    deps: VrrpRuntimeDeps,
    opts: { readonly onEvent?: VrrpRuntimeListener } = {},
  ): Promise<VrrpRuntime> {
    const rt = new VrrpRuntime(deps);
    if (opts.onEvent !== undefined) rt.on(opts.onEvent);
    try {
      await rt.#start(config);
    } catch (err) {
      rt.#closeAll();
      await rt.#closeFilter();
      throw err instanceof VrrpStartError ? err : new VrrpStartError(errorMessage(err), { cause: err });
    }
    return rt;
  }

  /** Listens to transitions, sync group changes and tracking changes; returns the unsubscribe function. */
  on(listener: VrrpRuntimeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The names of the instances of the config in force. */
  instances(): string[] {
    return [...this.#active.keys()];
  }

  /**
   * Where an instance stands, or undefined when the config in force has none of that name. While a reload replaces
   * it, this is the old instance (leaving, say) until the new one starts.
   */
  state(instance: string): InstanceView | undefined {
    return (this.#predecessors.get(instance) ?? this.#active.get(instance))?.view();
  }

  /** A sync group's state as last notified ('INIT' before any), or undefined when there is no such group. */
  groupState(group: string): GroupState | 'INIT' | undefined {
    const g = this.#groups.get(group);
    return g === undefined ? undefined : (g.notifier.state ?? 'INIT');
  }

  /**
   * Moves to `config` (see the module documentation), one reload at a time. Resolves once removed and replaced
   * instances have stopped and new ones have started. Throws VrrpReloadError, with nothing changed, when the
   * config cannot be run (as `start` would fail), or when a stop came first or meanwhile.
   */
  reload(config: ResolvedConfig): Promise<ReloadSummary> {
    const run = this.#reloads.then(() => this.#reload(config));
    this.#reloads = run.catch(() => {});
    return run;
  }

  /**
   * Stops every instance: planned unless `immediate` (a master hands over make-before-break, keeping its addresses
   * until the new master is heard, bounded by its handover timeout), then closes everything. Resolves when done;
   * an immediate stop during a planned one cuts it short.
   */
  stop(opts: { readonly immediate?: boolean } = {}): Promise<void> {
    const immediate = opts.immediate === true;
    if (this.#stopping !== undefined && !immediate) return this.#stopping;
    this.#deps.log.info({ immediate }, 'stopping');
    for (const m of this.#open) m.inst.stop({ immediate });
    this.#stopping ??= this.#finishStop();
    return this.#stopping;
  }

  async #start(config: ResolvedConfig): Promise<void> {
    const deps = this.#deps;
    const plan = planVrrp(config, { interfaceAddress: deps.interfaceAddress, users: deps.users() });
    this.#plan = plan;
    this.#warnScriptsAsRoot(plan, undefined);
    if (plan.needsAcceptFilter) await this.#openAcceptFilter();
    this.#tracking.commit(await this.#tracking.prepare(plan), plan);
    for (const p of plan.instances.values()) {
      this.#logNotes(p);
      const m = await this.#openInstance(p);
      this.#open.add(m);
      this.#active.set(p.name, m);
      // A predecessor killed while master leaves its addresses behind.
      await m.io.removeStale();
    }
    for (const g of plan.groups.values()) this.#groups.set(g.name, this.#buildGroup(g, undefined));
    this.#evaluateAll();
    for (const m of this.#active.values()) m.inst.start();
    this.#tracking.startScripts();
    deps.log.info({ instances: this.instances() }, 'running');
  }

  async #reload(config: ResolvedConfig): Promise<ReloadSummary> {
    if (this.#stopping !== undefined) throw new VrrpReloadError('the VRRP runtime is stopping');
    const before = this.#plan;
    let plan: VrrpPlan;
    try {
      plan = planVrrp(config, { interfaceAddress: this.#deps.interfaceAddress, users: this.#deps.users(), previous: before });
    } catch (err) {
      throw new VrrpReloadError(errorMessage(err), { cause: err });
    }
    const changes = this.#classify(plan);
    const { prepared, opened } = await this.#prepareReload(plan, changes);
    if (this.#stopping !== undefined) {
      for (const m of opened.values()) m.close();
      this.#tracking.discard(prepared);
      throw new VrrpReloadError('the VRRP runtime is stopping');
    }
    this.#warnScriptsAsRoot(plan, before);
    await Promise.all(this.#commitReload(plan, changes, prepared, opened));
    if (this.#stopping !== undefined) throw new VrrpReloadError('the VRRP runtime was stopped during the reload');
    const summary: ReloadSummary = {
      kept: changes.kept.map((m) => m.name),
      changed: [...changes.updated.map((u) => u.m.name), ...changes.replaced.map((r) => r.old.name)],
      replaced: changes.replaced.map((r) => r.old.name),
      added: changes.added.map((p) => p.name),
      removed: changes.removed.map((m) => m.name),
    };
    this.#deps.log.info({ ...summary }, 'reloaded');
    return summary;
  }

  /** What a reload does with each instance. */
  #classify(plan: VrrpPlan): ReloadChanges {
    const changes: ReloadChanges = { kept: [], updated: [], replaced: [], added: [], removed: [] };
    for (const p of plan.instances.values()) {
      const m = this.#active.get(p.name);
      if (m === undefined) {
        changes.added.push(p);
        continue;
      }
      const change = compareInstance(m.plan, p);
      if (change.kind === 'same') changes.kept.push(m);
      else if (change.kind === 'update') changes.updated.push({ m, plan: p, what: change.what });
      else changes.replaced.push({ old: m, plan: p, what: change.what });
    }
    for (const m of this.#active.values()) if (!plan.instances.has(m.name)) changes.removed.push(m);
    return changes;
  }

  /** Opens everything a reload needs first, so that a failure leaves the config in force as it was. */
  async #prepareReload(
    plan: VrrpPlan,
    changes: ReloadChanges,
  ): Promise<{ prepared: PreparedTracking; opened: Map<string, RuntimeInstance> }> {
    const opened = new Map<string, RuntimeInstance>();
    let prepared: PreparedTracking | undefined;
    try {
      if (plan.needsAcceptFilter && this.#acceptFilter === undefined) await this.#openAcceptFilter();
      prepared = await this.#tracking.prepare(plan);
      for (const p of [...changes.replaced.map((r) => r.plan), ...changes.added]) {
        this.#logNotes(p);
        opened.set(p.name, await this.#openInstance(p));
      }
      return { prepared, opened };
    } catch (err) {
      for (const m of opened.values()) m.close();
      if (prepared !== undefined) this.#tracking.discard(prepared);
      throw err instanceof VrrpReloadError ? err : new VrrpReloadError(errorMessage(err), { cause: err });
    }
  }

  /**
   * Puts a prepared reload in force, synchronously; returns what is left to wait for: removed and replaced
   * instances stopping, and the replacements starting once their predecessors have stopped.
   */
  #commitReload(plan: VrrpPlan, changes: ReloadChanges, prepared: PreparedTracking, opened: Map<string, RuntimeInstance>): Promise<void>[] {
    const { log } = this.#deps;
    this.#plan = plan;
    this.#tracking.commit(prepared, plan);
    for (const m of changes.kept) m.plan = plan.instances.get(m.name) ?? m.plan;
    for (const u of changes.updated) {
      log.info({ instance: u.m.name, change: u.what }, 'instance updated in place');
      if (u.what.includes('notify')) u.m.io.setNotify(u.plan.notify);
      u.m.plan = u.plan;
    }
    // Groups whose members or settings changed are closed before any member retires: a retiring one moves nobody.
    const renewed = new Set(opened.keys());
    const rebuild = [...plan.groups.values()].filter(
      (g) => !sameGroup(this.#groups.get(g.name)?.plan, g) || g.members.some((n) => renewed.has(n)),
    );
    const rebuilt = new Set(rebuild.map((g) => g.name));
    const notified = new Map<string, GroupState | undefined>();
    for (const [name, g] of this.#groups) {
      if (plan.groups.has(name) && !rebuilt.has(name)) continue;
      notified.set(name, g.notifier.state);
      this.#closeGroup(g);
      this.#groups.delete(name);
    }
    const waits: Promise<void>[] = [];
    for (const m of changes.removed) {
      this.#active.delete(m.name);
      log.info({ instance: m.name }, 'instance removed');
      waits.push(this.#retire(m));
    }
    for (const [name, m] of opened) {
      this.#active.set(name, m);
      this.#open.add(m);
    }
    for (const g of rebuild) this.#groups.set(g.name, this.#buildGroup(g, notified.get(g.name)));
    this.#evaluateAll();
    for (const { old, plan: p, what } of changes.replaced) {
      log.info({ instance: p.name, change: what }, 'instance replaced');
      const next = opened.get(p.name);
      this.#predecessors.set(p.name, old);
      waits.push(
        this.#retire(old).then(() => {
          this.#predecessors.delete(p.name);
          if (this.#stopping === undefined) next?.inst.start();
        }),
      );
    }
    for (const p of changes.added) {
      log.info({ instance: p.name }, 'instance added');
      opened.get(p.name)?.inst.start();
    }
    this.#tracking.startScripts();
    return waits;
  }

  /** Stops an instance the config in force no longer has (as a planned stop does), then closes it. */
  async #retire(m: RuntimeInstance): Promise<void> {
    await m.retire(false);
    this.#open.delete(m);
  }

  async #finishStop(): Promise<void> {
    const all = [...this.#open];
    await Promise.all(all.map((m) => m.whenStopped()));
    await Promise.all(all.map((m) => m.io.idle()));
    this.#closeAll();
    await this.#closeFilter();
    this.#deps.log.info({}, 'stopped');
  }

  #openInstance(p: InstancePlan): Promise<RuntimeInstance> {
    return RuntimeInstance.open(p, {
      deps: this.#deps,
      acceptFilter: this.#acceptFilter,
      notifyUser: () => this.#plan?.notifyUser,
      emit: (e) => this.#emit(e),
    });
  }

  /**
   * Accept_Mode off, for an instance that is not the address owner: an nftables table drops traffic to its
   * addresses while it is master. A predecessor's table is replaced; nft missing means we cannot keep the promise.
   */
  async #openAcceptFilter(): Promise<void> {
    const filter = this.#deps.createAcceptFilter();
    try {
      await filter.reset();
    } catch (err) {
      throw new Error(`accept: false needs nftables (the nft command): ${errorMessage(err)}`);
    }
    this.#acceptFilter = filter;
  }

  /** Removes our filter table (at the end, and when the start fails). */
  async #closeFilter(): Promise<void> {
    const filter = this.#acceptFilter;
    this.#acceptFilter = undefined;
    await filter?.close().catch((err: unknown) => this.#deps.log.error({ err: String(err) }, 'removing the accept filter failed'));
  }

  #closeAll(): void {
    this.#tracking.close();
    for (const g of this.#groups.values()) this.#closeGroup(g);
    for (const m of this.#open) m.close();
    this.#open.clear();
  }

  /** Sync groups: the members' transitions drive each other and their tracking faults are pooled. */
  #buildGroup(g: GroupPlan, notified: GroupState | undefined): RuntimeGroup {
    const { log, runNotify } = this.#deps;
    const members = g.members.map((n) => this.#active.get(n)).filter((m): m is RuntimeInstance => m !== undefined);
    if (members.length === 1) log.warn({ syncGroup: g.name }, 'sync group has only one instance; this probably is not what you want');
    const insts = members.map((m) => m.inst);
    const link = new SyncGroupLink(g.name, insts);
    for (const m of members) m.group = link;
    const notifier = new SyncGroupNotifier({
      name: g.name,
      members: insts,
      notify: g.notify,
      run: (argv) => runNotify(argv, this.#plan?.notifyUser),
      onChange: (state, from) => {
        log.info({ syncGroup: g.name, from: from ?? 'INIT', to: state }, 'sync group');
        this.#emit({ type: 'syncGroup', group: g.name, from: from ?? 'INIT', to: state });
      },
      ...(notified !== undefined ? { initialState: notified } : {}),
    });
    return { plan: g, link, notifier };
  }

  #closeGroup(g: RuntimeGroup): void {
    g.link.close();
    g.notifier.close();
    for (const m of this.#active.values()) if (m.group === g.link) m.group = undefined;
  }

  #evaluateAll(): void {
    for (const m of this.#active.values()) this.#evaluate(m);
  }

  /** Tracking's verdict for one instance, given to it (or to its sync group) when it changed. */
  #evaluate(m: RuntimeInstance): void {
    const { log } = this.#deps;
    const v = evaluateTracking(m.plan.tracking, this.#tracking.inputs());
    const s = m.inst.state;
    const faultChanged = v.fault !== (m.ownFault ?? s.fault);
    const priorityChanged = v.priority !== (s.trackedPriority ?? s.basePriority);
    if (faultChanged) log.info({ instance: m.name, fault: v.fault, reasons: v.reasons }, 'tracking');
    if (faultChanged || priorityChanged) {
      this.#emit({ type: 'tracking', instance: m.name, fault: v.fault, priority: v.priority, reasons: v.reasons });
    }
    m.ownFault = v.fault;
    if (m.group !== undefined) m.group.setOwnFault(m.name, v.fault);
    else m.inst.setFault(v.fault);
    if (priorityChanged) {
      log.info({ instance: m.name, priority: v.priority }, 'tracked priority');
      m.inst.setPriority(v.priority);
    }
  }

  #emit(e: VrrpRuntimeEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch (err) {
        this.#deps.log.error({ err: errorMessage(err), event: e.type }, 'VRRP runtime listener failed');
      }
    }
  }

  #logNotes(p: InstancePlan): void {
    const { log } = this.#deps;
    for (const n of p.trackingNotes) log.warn({ instance: p.name, ...n }, 'tracking setting changed as keepalived does');
    for (const n of p.paramsNotes) log.warn({ instance: p.name, field: n.field }, n.message);
  }

  #warnScriptsAsRoot(plan: VrrpPlan, before: VrrpPlan | undefined): void {
    if (!this.#deps.runsAsRoot || !plan.scriptsWithoutUser || before?.scriptsWithoutUser === true) return;
    this.#deps.log.warn({}, 'scripts run as root: set global.script_user (or a vrrp_script user) to run them as another user');
  }
}
