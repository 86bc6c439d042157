/**
 * Sync groups, pure: the instances of a group move together, with keepalived's semantics (vrrp_sync.c and the
 * transition matrix in vrrp_scheduler.c):
 *
 * - Fault: one member in fault puts the whole group in fault, and no member comes out until none is in fault
 *   (`groupFault`: the driver feeds every member the group's fault rather than its own).
 * - To master: a member whose Master_Down_Timer fires only becomes master if the group already has a master, or
 *   every other member also wants to (keepalived prefers backup "to avoid thrashing"); otherwise it stays backup,
 *   wanting master, and re-arms its timer (state-machine row B6). Once one member becomes master, the others follow.
 * - To backup: a master that yields to a higher-priority router takes the other masters of the group with it (they
 *   drop their addresses without a priority-0 advert, as keepalived's vrrp_sync_backup).
 *
 * `syncCommands` says, for one change of one member, which events to give which other members.
 */
import type { MachineEvent, VrrpStateName } from './state-machine.js';

/** What the group needs to know of a member. */
export interface SyncMemberView {
  readonly name: string;
  readonly state: VrrpStateName;
  /** Its masterDown timer fired while the group was not ready (state-machine `wantMaster`). */
  readonly wantMaster: boolean;
}

/** A change of one member. */
export type SyncTrigger =
  | { readonly kind: 'transition'; readonly member: string; readonly from: VrrpStateName; readonly to: VrrpStateName }
  | { readonly kind: 'wantMaster'; readonly member: string };

/** An event to give a member. */
export interface SyncCommand {
  readonly member: string;
  readonly event: Extract<MachineEvent, { type: 'syncGotoMaster' | 'syncGotoBackup' }>;
}

/** The group's state as keepalived reports it: fault if any member is, else master if any is, else backup. */
export function syncGroupState(members: readonly SyncMemberView[]): 'MASTER' | 'BACKUP' | 'FAULT' | 'INIT' {
  if (members.some((m) => m.state === 'fault')) return 'FAULT';
  if (members.some((m) => m.state === 'master')) return 'MASTER';
  if (members.some((m) => m.state === 'backup')) return 'BACKUP';
  return 'INIT';
}

/** The fault every member should see: true while any member's own tracking says fault. */
export function groupFault(ownFaults: Iterable<boolean>): boolean {
  for (const f of ownFaults) if (f) return true;
  return false;
}

const toMaster = (m: SyncMemberView): SyncCommand => ({ member: m.name, event: { type: 'syncGotoMaster' } });
const toBackup = (m: SyncMemberView): SyncCommand => ({ member: m.name, event: { type: 'syncGotoBackup' } });

/**
 * The events that keep the group together after `trigger`; `members` is the view after the change (the trigger's
 * member included).
 */
export function syncCommands(members: readonly SyncMemberView[], trigger: SyncTrigger): SyncCommand[] {
  const others = members.filter((m) => m.name !== trigger.member);
  if (trigger.kind === 'wantMaster') {
    const self = members.find((m) => m.name === trigger.member);
    if (self?.state !== 'backup') return [];
    const ready =
      others.some((m) => m.state === 'master') || others.every((m) => m.state === 'master' || (m.state === 'backup' && m.wantMaster));
    // The others follow once it is master (its transition is the next trigger), as vrrp_sync_master does.
    return ready ? [toMaster(self)] : [];
  }
  if (trigger.to === 'master') return others.filter((m) => m.state === 'backup').map(toMaster);
  if (trigger.from === 'master' && trigger.to === 'backup') return others.filter((m) => m.state === 'master').map(toBackup);
  return [];
}
