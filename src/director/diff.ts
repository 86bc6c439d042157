/**
 * Desired table x the kernel's table -> the IPVS operations that make the kernel equal to the desired one on the
 * services lvsd owns. Pure. Order: a service is added before its destinations; within a service, additions and
 * edits come before deletions (make before break); services are deleted last. A service the kernel holds that
 * lvsd does not own (added with ipvsadm, say) is never touched, only reported.
 */
import type { IpvsOp } from '../ipvs/api.js';
import { IP_VS_SVC_F } from '../ipvs/constants.js';
import type { Destination, DestinationSpec, Service, ServiceSpec } from '../ipvs/types.js';
import { type DesiredTable, destKey, serviceKeyId } from './desired.js';

/** A service as the kernel reports it, with its destinations. */
export interface ObservedService {
  readonly service: Service;
  readonly dests: readonly Destination[];
}

/** The kernel's table (or the part of it that was read) by serviceKeyId(). */
export type ObservedTable = ReadonlyMap<string, ObservedService>;

/** A real server on its way out: kept with weight 0 while it has active connections, until `deadline`. */
export interface Draining {
  /** Epoch ms after which it is deleted whatever its connections. */
  readonly deadline: number;
}

export interface DiffInput {
  readonly desired: DesiredTable;
  readonly observed: ObservedTable;
  /** Services lvsd owns that are not desired any more (removed from the configuration): deleted. */
  readonly retired?: { has(id: string): boolean };
  /** Destinations being drained, by serviceKeyId then destKey. */
  readonly draining?: ReadonlyMap<string, ReadonlyMap<string, Draining>>;
  /** Now, epoch ms (for drain deadlines). */
  readonly now?: number;
}

/** Why a destination or service differs, for the drift log. */
export interface Difference {
  readonly service: string;
  readonly dest?: string;
  readonly what: string;
}

export interface DiffResult {
  readonly ops: IpvsOp[];
  /** One line per difference found, in op order. */
  readonly differences: Difference[];
  /** Services the kernel holds that lvsd does not own. */
  readonly foreign: string[];
  /** Drained destinations whose drain ended (no active connections, or the deadline passed): deleted by ops. */
  readonly drained: { readonly service: string; readonly dest: string; readonly why: 'idle' | 'timeout' }[];
}

/** The service flags a spec sets (the kernel adds HASHED to what it reports). */
const SETTABLE_FLAGS = ~IP_VS_SVC_F.HASHED;

/** What differs between a desired and a reported service, or undefined when nothing does. */
export function serviceDifference(want: ServiceSpec, have: ServiceSpec): string | undefined {
  const parts: string[] = [];
  if (want.scheduler !== have.scheduler) parts.push(`scheduler ${have.scheduler} -> ${want.scheduler}`);
  const wantFlags = want.flags & SETTABLE_FLAGS;
  const haveFlags = have.flags & SETTABLE_FLAGS;
  if (wantFlags !== haveFlags) parts.push(`flags 0x${haveFlags.toString(16)} -> 0x${wantFlags.toString(16)}`);
  // Timeout and granularity mean something only for a persistent service.
  if (want.flags & IP_VS_SVC_F.PERSISTENT) {
    if (want.timeout !== have.timeout) parts.push(`persistence timeout ${have.timeout} -> ${want.timeout}`);
    if (want.netmask >>> 0 !== have.netmask >>> 0) parts.push(`persistence netmask ${have.netmask >>> 0} -> ${want.netmask >>> 0}`);
  }
  if ((want.peName ?? '') !== (have.peName ?? '')) parts.push(`persistence engine ${have.peName ?? 'none'} -> ${want.peName ?? 'none'}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** What differs between a desired and a reported destination, or undefined when nothing does. */
export function destDifference(want: DestinationSpec, have: DestinationSpec): string | undefined {
  const parts: string[] = [];
  if (want.weight !== have.weight) parts.push(`weight ${have.weight} -> ${want.weight}`);
  // The kernel reports a destination that is a local address as `local`, whatever was asked.
  if (want.forwarding !== have.forwarding && have.forwarding !== 'local') parts.push(`forwarding ${have.forwarding} -> ${want.forwarding}`);
  if (want.upperThreshold !== have.upperThreshold) parts.push(`upper threshold ${have.upperThreshold} -> ${want.upperThreshold}`);
  if (want.lowerThreshold !== have.lowerThreshold) parts.push(`lower threshold ${have.lowerThreshold} -> ${want.lowerThreshold}`);
  if (want.forwarding === 'tunnel') {
    if (want.tunnelType !== have.tunnelType) parts.push(`tunnel type ${have.tunnelType} -> ${want.tunnelType}`);
    if (want.tunnelPort !== have.tunnelPort) parts.push(`tunnel port ${have.tunnelPort} -> ${want.tunnelPort}`);
    if (want.tunnelCsum !== have.tunnelCsum) parts.push(`tunnel checksum ${have.tunnelCsum} -> ${want.tunnelCsum}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The spec part of a reported destination. */
function specOf(d: Destination): DestinationSpec {
  return {
    address: d.address,
    port: d.port,
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
    tunnelType: d.tunnelType,
    tunnelPort: d.tunnelPort,
    tunnelCsum: d.tunnelCsum,
  };
}

/** The operations that bring the owned part of `observed` to `desired`. */
export function diffTables(input: DiffInput): DiffResult {
  const { desired, observed } = input;
  const now = input.now ?? 0;
  const ops: IpvsOp[] = [];
  const differences: Difference[] = [];
  const drained: DiffResult['drained'] = [];
  const foreign: string[] = [];

  for (const [id, want] of desired) {
    const have = observed.get(id);
    const key = want.spec.key;
    if (have === undefined) {
      differences.push({ service: id, what: 'missing' });
      ops.push({ op: 'addService', service: want.spec });
      for (const dest of want.dests.values()) ops.push({ op: 'addDestination', key, dest });
      continue;
    }
    const svcDiff = serviceDifference(want.spec, have.service);
    if (svcDiff !== undefined) {
      differences.push({ service: id, what: svcDiff });
      ops.push({ op: 'editService', service: want.spec });
    }
    const haveDests = new Map(have.dests.map((d) => [destKey(d), d]));
    const deletions: IpvsOp[] = [];
    for (const [dk, dest] of want.dests) {
      const h = haveDests.get(dk);
      if (h === undefined) {
        differences.push({ service: id, dest: dk, what: 'missing' });
        ops.push({ op: 'addDestination', key, dest });
        continue;
      }
      const dDiff = destDifference(dest, h);
      if (dDiff !== undefined) {
        differences.push({ service: id, dest: dk, what: dDiff });
        ops.push({ op: 'editDestination', key, dest });
      }
    }
    const drains = input.draining?.get(id);
    for (const [dk, h] of haveDests) {
      if (want.dests.has(dk)) continue;
      const drain = drains?.get(dk);
      if (drain !== undefined && h.activeConns > 0 && now < drain.deadline) {
        if (h.weight !== 0) {
          differences.push({ service: id, dest: dk, what: `draining: weight ${h.weight} -> 0` });
          ops.push({ op: 'editDestination', key, dest: { ...specOf(h), weight: 0 } });
        }
        continue;
      }
      if (drain !== undefined) drained.push({ service: id, dest: dk, why: h.activeConns > 0 ? 'timeout' : 'idle' });
      else differences.push({ service: id, dest: dk, what: 'not configured' });
      deletions.push({ op: 'deleteDestination', key, dest: { address: h.address, port: h.port } });
    }
    ops.push(...deletions);
  }

  const serviceDeletions: IpvsOp[] = [];
  for (const [id, have] of observed) {
    if (desired.has(id)) continue;
    if (input.retired?.has(id)) {
      differences.push({ service: id, what: 'removed from the configuration' });
      serviceDeletions.push({ op: 'deleteService', key: have.service.key });
    } else {
      foreign.push(id);
    }
  }
  ops.push(...serviceDeletions);
  return { ops, differences, foreign, drained };
}

/** The text identity of each service in a kernel listing. */
export function observedIds(services: readonly Service[]): string[] {
  return services.map((s) => serviceKeyId(s.key));
}
