/**
 * The kernel's connection-sync daemons: which roles should run, from `lvs_sync_daemon` and the followed VRRP
 * instance or sync group, and the operations that get the kernel there. Pure.
 *
 * Roles by `state`: master -> master; backup -> backup; both -> both; auto -> the backup daemon always (so a
 * node that comes back is resynced by its peer, whichever it is) and the master daemon while the followed
 * instance or group is MASTER.
 */
import type { ResolvedSyncDaemon } from '../config/model.js';
import type { IpvsOp } from '../ipvs/api.js';
import type { DaemonConfig, SyncState } from '../ipvs/types.js';

/** The kernel's defaults for the optional daemon settings (what it reports when they were not given). */
export const SYNC_DEFAULTS = { mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 } as const;

/** The daemons that should run, by role. */
export type DesiredDaemons = ReadonlyMap<SyncState, DaemonConfig>;

/** The daemon settings for one role: optional settings are sent only when they differ from the kernel's defaults. */
export function daemonConfig(cfg: ResolvedSyncDaemon, state: SyncState): DaemonConfig {
  return {
    state,
    mcastIfn: cfg.mcast_interface,
    syncId: cfg.syncid,
    ...(cfg.sync_maxlen !== undefined ? { syncMaxlen: cfg.sync_maxlen } : {}),
    ...(cfg.mcast_group !== SYNC_DEFAULTS.mcastGroup ? { mcastGroup: cfg.mcast_group } : {}),
    ...(cfg.mcast_port !== SYNC_DEFAULTS.mcastPort ? { mcastPort: cfg.mcast_port } : {}),
    ...(cfg.mcast_ttl !== SYNC_DEFAULTS.mcastTtl ? { mcastTtl: cfg.mcast_ttl } : {}),
  };
}

/** The roles that should run given the followed instance's or group's state (`followedMaster`). */
export function desiredDaemons(cfg: ResolvedSyncDaemon | undefined, followedMaster: boolean): DesiredDaemons {
  const out = new Map<SyncState, DaemonConfig>();
  if (cfg === undefined) return out;
  const roles: SyncState[] =
    cfg.state === 'master'
      ? ['master']
      : cfg.state === 'backup'
        ? ['backup']
        : cfg.state === 'both' || followedMaster
          ? ['master', 'backup']
          : ['backup'];
  for (const role of roles) out.set(role, daemonConfig(cfg, role));
  return out;
}

/** A setting the kernel reports differently from what was asked (it does not support it, or it changed). */
export interface DaemonMismatch {
  readonly state: SyncState;
  readonly setting: 'mcast_interface' | 'syncid' | 'sync_maxlen' | 'mcast_group' | 'mcast_port' | 'mcast_ttl';
  readonly want: string | number;
  readonly have: string | number | undefined;
}

/** The settings of a running daemon that differ from the desired ones. */
export function daemonMismatches(want: DaemonConfig, have: DaemonConfig): DaemonMismatch[] {
  const out: DaemonMismatch[] = [];
  const check = (setting: DaemonMismatch['setting'], w: string | number | undefined, h: string | number | undefined) => {
    if (w !== undefined && w !== h) out.push({ state: want.state, setting, want: w, have: h });
  };
  check('mcast_interface', want.mcastIfn, have.mcastIfn);
  check('syncid', want.syncId, have.syncId);
  check('sync_maxlen', want.syncMaxlen, have.syncMaxlen);
  check('mcast_group', want.mcastGroup ?? SYNC_DEFAULTS.mcastGroup, have.mcastGroup ?? SYNC_DEFAULTS.mcastGroup);
  check('mcast_port', want.mcastPort ?? SYNC_DEFAULTS.mcastPort, have.mcastPort ?? SYNC_DEFAULTS.mcastPort);
  check('mcast_ttl', want.mcastTtl ?? SYNC_DEFAULTS.mcastTtl, have.mcastTtl ?? SYNC_DEFAULTS.mcastTtl);
  return out;
}

/**
 * The operations from the running daemons to the desired ones: a role not wanted is stopped, a missing one
 * started, one whose settings changed restarted (the kernel has no edit). `owned`: roles lvsd may stop (those of
 * its own config); a daemon started by someone else is left alone unless the config wants that role.
 */
export function diffDaemons(want: DesiredDaemons, running: readonly DaemonConfig[], owned: ReadonlySet<SyncState>): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const have = new Map(running.map((d) => [d.state, d]));
  for (const [state, d] of have) {
    const w = want.get(state);
    if (w === undefined) {
      if (owned.has(state)) ops.push({ op: 'stopDaemon', state });
    } else if (daemonMismatches(w, d).length > 0) {
      ops.push({ op: 'stopDaemon', state }, { op: 'startDaemon', daemon: w });
    }
  }
  for (const [state, w] of want) if (!have.has(state)) ops.push({ op: 'startDaemon', daemon: w });
  return ops;
}
