/**
 * From a resolved config to what the VRRP runtime runs (`VrrpPlan`), and how an instance's plan differs from the
 * one in force (`compareInstance`), which decides whether a reload leaves it alone, updates it in place or replaces
 * it. The only lookups are the interface address and the users, passed in.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig, ResolvedTransport, ResolvedVrrpInstance } from '../config/model.js';
import { addrFamily } from './addr.js';
import { PRIORITY_OWNER } from './constants.js';
import type { VrrpInstanceSpec } from './instance.js';
import type { NotifyCommands, VipSpec } from './io/instance-io.js';
import type { ScriptCredentials } from './io/run-as.js';
import { type ParamsNote, machineParamsFromConfig, trackingFromConfig } from './params.js';
import type { UserLookup, VrrpRuntimeDeps } from './runtime-types.js';
import type { TrackingConfig, TrackingNote } from './tracking.js';

/** Everything one instance runs with. */
export interface InstancePlan {
  readonly name: string;
  readonly interface: string;
  readonly spec: VrrpInstanceSpec;
  readonly paramsNotes: readonly ParamsNote[];
  /** Its tracking, its own interface included (weight 0, as keepalived). */
  readonly tracking: TrackingConfig;
  readonly trackingNotes: readonly TrackingNote[];
  /** virtual_ipaddress, then virtual_ipaddress_excluded. */
  readonly vips: readonly VipSpec[];
  readonly notify: NotifyCommands;
  readonly transport: ResolvedTransport;
}

/** One vrrp_script as its runner runs it. */
export interface ScriptPlan {
  readonly name: string;
  readonly argv: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly user: ScriptCredentials | undefined;
}

/** One sync group: its members (in instance order) and notify programs. */
export interface GroupPlan {
  readonly name: string;
  readonly members: readonly string[];
  readonly notify: NotifyCommands;
}

/** What the runtime runs for one config. */
export interface VrrpPlan {
  readonly instances: ReadonlyMap<string, InstancePlan>;
  /** The vrrp_scripts some instance tracks (after keepalived's owner / sync group rules). */
  readonly scripts: ReadonlyMap<string, ScriptPlan>;
  /** The track files some instance names, by name: their paths. */
  readonly files: ReadonlyMap<string, string>;
  /** The interfaces whose link state is followed: every instance's own and tracked ones. */
  readonly links: readonly string[];
  /** Sync groups with at least one instance. */
  readonly groups: ReadonlyMap<string, GroupPlan>;
  /** Who notify programs run as (global.script_user); undefined: the daemon's user. */
  readonly notifyUser: ScriptCredentials | undefined;
  /** A notify program or vrrp_script would run as the daemon's user (no script_user or user set). */
  readonly scriptsWithoutUser: boolean;
  /** Some instance has Accept_Mode off and is not the address owner. */
  readonly needsAcceptFilter: boolean;
}

/** The lookups a plan needs. */
export interface PlanEnv {
  readonly interfaceAddress: VrrpRuntimeDeps['interfaceAddress'];
  readonly users: UserLookup;
  /** The plan in force: its addresses are not taken for an advert source, and its source stays when none is found. */
  readonly previous?: VrrpPlan | undefined;
}

const notifyOf = (n: {
  readonly notify?: readonly string[] | undefined;
  readonly notify_master?: readonly string[] | undefined;
  readonly notify_backup?: readonly string[] | undefined;
  readonly notify_fault?: readonly string[] | undefined;
  readonly notify_stop?: readonly string[] | undefined;
}): NotifyCommands => ({ master: n.notify_master, backup: n.notify_backup, fault: n.notify_fault, stop: n.notify_stop, any: n.notify });

const hasNotify = (n: NotifyCommands) => [n.master, n.backup, n.fault, n.stop, n.any].some((c) => c !== undefined);

/** The plan of one instance; throws LvsdError EVRRPSRC when it has no source address. */
export function planInstance(inst: ResolvedVrrpInstance, config: ResolvedConfig, localAddress: string | undefined): InstancePlan {
  const t = trackingFromConfig(inst, config.vrrp_scripts);
  const tracking: TrackingConfig = {
    ...t.config,
    interfaces: t.config.interfaces.some((x) => x.name === inst.interface)
      ? t.config.interfaces
      : [...t.config.interfaces, { name: inst.interface, weight: 0 }],
  };
  const { spec, notes } = machineParamsFromConfig(inst, {
    ...(localAddress !== undefined ? { localAddress } : {}),
    global: config.global,
  });
  const vips: VipSpec[] = [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded].map((v) => ({
    address: v.address,
    prefix: v.prefix,
    family: v.family ?? addrFamily(v.address) ?? inst.family,
    dev: v.dev,
    label: v.label,
    broadcast: v.brd,
    scope: v.scope,
  }));
  return {
    name: inst.name,
    interface: inst.interface,
    spec,
    paramsNotes: notes,
    tracking,
    trackingNotes: t.notes,
    vips,
    notify: notifyOf(inst),
    transport: inst.transport,
  };
}

/**
 * The plan of a config. Throws (an Error naming the user, or LvsdError EVRRPSRC) when a script user does not exist
 * or an instance has no source address: the runtime refuses rather than run a script as someone else.
 */
export function planVrrp(config: ResolvedConfig, env: PlanEnv): VrrpPlan {
  const configured = Object.values(config.vrrp_instances);
  const notifyUser = config.global.script_user !== undefined ? env.users.resolve(config.global.script_user) : undefined;
  const scriptUsers = new Map<string, ScriptCredentials | undefined>();
  for (const name of new Set(configured.flatMap((i) => i.track_script.map((t) => t.name)))) {
    const user = config.vrrp_scripts[name]?.user;
    scriptUsers.set(name, user !== undefined ? env.users.resolve(user) : undefined);
  }
  const instances = new Map<string, InstancePlan>();
  for (const inst of configured) {
    const before = env.previous?.instances.get(inst.name);
    const exclude = [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded].map((v) => v.address);
    if (before !== undefined) exclude.push(...before.vips.map((v) => v.address));
    const local = env.interfaceAddress(inst.interface, inst.family, exclude) ?? before?.spec.machine.localAddress;
    instances.set(inst.name, planInstance(inst, config, local));
  }
  const scripts = new Map<string, ScriptPlan>();
  for (const name of new Set([...instances.values()].flatMap((p) => p.tracking.scripts.map((s) => s.name)))) {
    const def = config.vrrp_scripts[name];
    if (def === undefined) continue;
    scripts.set(name, {
      name,
      argv: def.script,
      intervalMs: def.interval * 1000,
      timeoutMs: def.timeout * 1000,
      rise: def.rise,
      fall: def.fall,
      user: scriptUsers.get(name),
    });
  }
  const files = new Map<string, string>();
  for (const name of new Set(configured.flatMap((i) => i.track_file.map((t) => t.name)))) {
    const def = config.vrrp_track_files[name];
    if (def !== undefined) files.set(name, def.file);
  }
  const groups = new Map<string, GroupPlan>();
  for (const [name, def] of Object.entries(config.vrrp_sync_groups)) {
    const members = configured.filter((i) => def.group.includes(i.name)).map((i) => i.name);
    if (members.length > 0) groups.set(name, { name, members, notify: notifyOf(def) });
  }
  const anyNotify = [...instances.values()].some((p) => hasNotify(p.notify)) || [...groups.values()].some((g) => hasNotify(g.notify));
  return {
    instances,
    scripts,
    files,
    links: [...new Set(configured.flatMap((i) => [i.interface, ...i.track_interface.map((t) => t.name)]))],
    groups,
    notifyUser,
    scriptsWithoutUser: (anyNotify && notifyUser === undefined) || [...scriptUsers.values()].some((u) => u === undefined),
    needsAcceptFilter: configured.some((i) => !i.accept && i.priority !== PRIORITY_OWNER),
  };
}

/** What a reload does with an instance that stays in the config. */
export type InstanceChange =
  | { readonly kind: 'same' }
  /** Applied to the running instance: a new priority through tracking, new tracking, new notify programs. */
  | { readonly kind: 'update'; readonly what: readonly ('priority' | 'tracking' | 'notify')[] }
  /** Needs a new instance: what changed. */
  | { readonly kind: 'replace'; readonly what: readonly string[] };

/**
 * How `after` differs from `before`. A priority change is applied in place (as tracking changes the effective
 * priority, so the election goes on without a restart) unless either priority is the owner's 255, which changes how
 * the machine starts and whether it may float; anything else the machine or the sockets were built with needs a new
 * instance.
 */
export function compareInstance(before: InstancePlan, after: InstancePlan): InstanceChange {
  const { priority: p0, ...machine0 } = before.spec.machine;
  const { priority: p1, ...machine1 } = after.spec.machine;
  const replace: string[] = [];
  if (before.interface !== after.interface) replace.push('interface');
  if (!isDeepStrictEqual(before.spec.wire, after.spec.wire)) replace.push('adverts');
  if (!isDeepStrictEqual(machine0, machine1)) replace.push('protocol settings');
  if (p0 !== p1 && (p0 === PRIORITY_OWNER || p1 === PRIORITY_OWNER)) replace.push('address owner');
  if (!isDeepStrictEqual(before.vips, after.vips)) replace.push('virtual addresses');
  if (!isDeepStrictEqual(before.transport, after.transport)) replace.push('transport');
  if (replace.length > 0) return { kind: 'replace', what: replace };
  const what: ('priority' | 'tracking' | 'notify')[] = [];
  if (p0 !== p1) what.push('priority');
  const { basePriority: b0, ...tracking0 } = before.tracking;
  const { basePriority: b1, ...tracking1 } = after.tracking;
  if (!isDeepStrictEqual(tracking0, tracking1)) what.push('tracking');
  if (!isDeepStrictEqual(before.notify, after.notify)) what.push('notify');
  return what.length > 0 ? { kind: 'update', what } : { kind: 'same' };
}

/** Whether two script plans run the same way (a runner is kept, with its verdict, when they do). */
export function sameScript(a: ScriptPlan | undefined, b: ScriptPlan | undefined): boolean {
  return isDeepStrictEqual(a, b);
}

/** Whether two group plans are the same (members and notify programs). */
export function sameGroup(a: GroupPlan | undefined, b: GroupPlan | undefined): boolean {
  return isDeepStrictEqual(a, b);
}
