/**
 * From the config model to what the VRRP core runs with: `machineParamsFromConfig` (state machine and wire
 * parameters) and `trackingFromConfig` (what the instance tracks), with keepalived's corrections noted:
 * nopreempt is ignored for the owner and with `state: MASTER`, and preempt_delay with `state: MASTER`.
 */
import type { ResolvedConfig, ResolvedVrrpInstance } from '../config/model.js';
import { LvsdError } from '../errors.js';
import { canonicalAddr } from './addr.js';
import { PRIORITY_OWNER, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from './constants.js';
import type { VrrpInstanceSpec } from './instance.js';
import { passwordAuthData } from './packet.js';
import type { MachineParams } from './state-machine.js';
import { type TrackingConfig, type TrackingNote, normalizeTracking } from './tracking.js';

/** Options the config model does not (yet) carry. */
export interface ParamsOptions {
  /**
   * Our address on the instance's interface, used as the advert source and for the tie-break when neither
   * unicast_src_ip nor mcast_src_ip is configured (the transport looks it up).
   */
  readonly localAddress?: string;
  /** The global multicast groups (default 224.0.0.18 and ff02::12). */
  readonly global?: { readonly vrrp_mcast_group4?: string; readonly vrrp_mcast_group6?: string };
  /** How long a leaving master waits for the new master's advert; default 3 × advert_int. */
  readonly handoverTimeoutMs?: number;
  /** keepalived lower_prio_no_advert (default false). */
  readonly lowerPrioNoAdvert?: boolean;
  /** Overrides the instance's higher_prio_send_advert (lvsd default true, keepalived false). */
  readonly higherPrioSendAdvert?: boolean;
  /** keepalived check_unicast_src (default false). */
  readonly checkUnicastSrc?: boolean;
  /** keepalived skip_check_adv_addr, inverted (default true). */
  readonly checkAddrList?: boolean;
}

/** A setting the mapping changed, as keepalived would, for the log. */
export interface ParamsNote {
  readonly field: 'nopreempt' | 'preempt_delay';
  readonly message: string;
}

/** Advertisement_Interval in ms: whole seconds for VRRPv2, whole centiseconds for VRRPv3. */
export function advertIntMs(version: 2 | 3, advertIntSeconds: number): number {
  return version === 2 ? Math.round(advertIntSeconds) * 1000 : Math.round(advertIntSeconds * 100) * 10;
}

/** The state machine and wire parameters of a resolved instance. Throws LvsdError EVRRPSRC without a local address. */
export function machineParamsFromConfig(
  inst: ResolvedVrrpInstance,
  opts: ParamsOptions = {},
): { readonly spec: VrrpInstanceSpec; readonly notes: readonly ParamsNote[] } {
  const notes: ParamsNote[] = [];
  const local = inst.unicast_src_ip ?? inst.mcast_src_ip ?? opts.localAddress;
  const localAddress = local !== undefined ? canonicalAddr(local) : undefined;
  if (localAddress === undefined) {
    throw new LvsdError('EVRRPSRC', `VRRP instance ${inst.name}: no source address (unicast_src_ip, mcast_src_ip or the interface's)`);
  }
  const owner = inst.priority === PRIORITY_OWNER;
  let preempt = !inst.nopreempt;
  let preemptDelay = inst.preempt_delay;
  if (inst.nopreempt && (owner || inst.state === 'MASTER')) {
    preempt = true;
    notes.push({ field: 'nopreempt', message: `ignored: it does not apply ${owner ? 'to the address owner' : 'with state MASTER'}` });
  }
  if (preemptDelay > 0 && inst.state === 'MASTER') {
    preemptDelay = 0;
    notes.push({ field: 'preempt_delay', message: 'ignored: it does not apply with state MASTER' });
  }
  const adv = advertIntMs(inst.version, inst.advert_int);
  const machine: MachineParams = {
    version: inst.version,
    priority: inst.priority,
    advertIntMs: adv,
    localAddress,
    preempt,
    preemptDelayMs: preempt ? Math.round(preemptDelay * 1000) : 0,
    acceptMode: inst.accept,
    downTimerAdverts: inst.down_timer_adverts,
    garp: {
      masterDelayMs: Math.round(inst.garp_master_delay * 1000),
      masterRepeat: inst.garp_master_repeat,
      masterRefreshMs: Math.round(inst.garp_master_refresh * 1000),
      masterRefreshRepeat: inst.garp_master_refresh_repeat,
      lowerPrioDelayMs: Math.round(inst.garp_lower_prio_delay * 1000),
      lowerPrioRepeat: inst.garp_lower_prio_repeat,
    },
    handoverTimeoutMs: opts.handoverTimeoutMs ?? 3 * adv,
    syncGroup: inst.sync_group !== undefined,
    lowerPrioNoAdvert: opts.lowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: opts.higherPrioSendAdvert ?? inst.higher_prio_send_advert,
  };
  const unicast = inst.unicast_peer.length > 0;
  const group =
    inst.transport.type === 'udp' && inst.transport.group !== undefined
      ? inst.transport.group
      : inst.family === 'ipv4'
        ? (opts.global?.vrrp_mcast_group4 ?? VRRP_MCAST_GROUP4)
        : (opts.global?.vrrp_mcast_group6 ?? VRRP_MCAST_GROUP6);
  const auth =
    inst.version === 2 && inst.authentication !== undefined
      ? { type: 'pass' as const, data: passwordAuthData(inst.authentication.auth_pass) }
      : { type: 'none' as const };
  return {
    spec: {
      name: inst.name,
      machine,
      wire: {
        vrid: inst.virtual_router_id,
        family: inst.family,
        vips: inst.virtual_ipaddress.map((v) => canonicalAddr(v.address) ?? v.address),
        auth,
        destinations: unicast ? [...inst.unicast_peer] : [group],
        unicast,
        checkAddrList: opts.checkAddrList ?? true,
        checkUnicastSrc: opts.checkUnicastSrc ?? false,
      },
    },
    notes,
  };
}

/** What a resolved instance tracks, with keepalived's owner and sync-group rules applied. */
export function trackingFromConfig(
  inst: ResolvedVrrpInstance,
  scripts: ResolvedConfig['vrrp_scripts'],
  opts: { readonly syncGroupTrackingWeight?: boolean } = {},
): { readonly config: TrackingConfig; readonly notes: readonly TrackingNote[] } {
  const config: TrackingConfig = {
    basePriority: inst.priority,
    interfaces: inst.track_interface.map((t) => ({ name: t.name, weight: t.weight })),
    scripts: inst.track_script.map((t) => {
      const def = Object.hasOwn(scripts, t.name) ? scripts[t.name] : undefined;
      return { name: t.name, weight: t.weight, rise: def?.rise ?? 1, fall: def?.fall ?? 1 };
    }),
    files: inst.track_file.map((t) => ({ name: t.name, weight: t.weight })),
  };
  return normalizeTracking(config, { syncGroup: inst.sync_group !== undefined, ...opts });
}
