/**
 * The desired IPVS table: what the kernel should hold for this node's virtual servers, given their health.
 * The one place where config types become IPVS types (ServiceSpec, DestinationSpec). Pure.
 */
import type { ResolvedRealServer, ResolvedTunnel, ResolvedVirtualServer } from '../config/model.js';
import { canonicalAddress } from '../ipvs/addr.js';
import { IP_VS_SVC_F } from '../ipvs/constants.js';
import type { DestinationSpec, ForwardMethod, ServiceKey, ServiceSpec } from '../ipvs/types.js';

/** One service as it should be, with its destinations by destKey(). */
export interface DesiredService {
  /** The virtual server's display name, for logs. */
  readonly vs: string;
  readonly spec: ServiceSpec;
  readonly dests: ReadonlyMap<string, DestinationSpec>;
}

/** The desired table by serviceKeyId(). */
export type DesiredTable = ReadonlyMap<string, DesiredService>;

/** A destination's weight as health decides it; absent from the pool means not in the kernel. */
export interface PoolEntry {
  readonly address: string;
  readonly port?: number;
  readonly weight: number;
  readonly sorry: boolean;
}

const FORWARDING: Readonly<Record<ResolvedVirtualServer['forwarding_method'], ForwardMethod>> = {
  dr: 'route',
  nat: 'masq',
  tun: 'tunnel',
};

const SCHED_FLAG_BITS: Readonly<Record<string, number>> = {
  'sh-fallback': IP_VS_SVC_F.SCHED_SH_FALLBACK,
  'sh-port': IP_VS_SVC_F.SCHED_SH_PORT,
  'mh-fallback': IP_VS_SVC_F.SCHED_MH_FALLBACK,
  'mh-port': IP_VS_SVC_F.SCHED_MH_PORT,
  'flag-1': IP_VS_SVC_F.SCHED1,
  'flag-2': IP_VS_SVC_F.SCHED2,
  'flag-3': IP_VS_SVC_F.SCHED3,
};

/** The IPVS key of a virtual server, addresses canonical (as the kernel reports them). */
export function serviceKeyOf(vs: ResolvedVirtualServer): ServiceKey {
  if (vs.fwmark !== undefined) return { fwmark: vs.fwmark, family: vs.family };
  return { protocol: vs.protocol ?? 'tcp', address: canonicalAddress(vs.address ?? ''), port: vs.port ?? 0 };
}

/** A service key as text, the identity the director tracks services by: `tcp/192.0.2.10:80`, `fwmark/ipv4/1`. */
export function serviceKeyId(key: ServiceKey): string {
  if ('fwmark' in key) return `fwmark/${key.family}/${key.fwmark >>> 0}`;
  const host = key.address.includes(':') ? `[${key.address}]` : key.address;
  return `${key.protocol}/${host}:${key.port}`;
}

/** A destination's identity within its service: `address:port`. */
export function destKey(dest: { readonly address: string; readonly port: number }): string {
  return dest.address.includes(':') ? `[${dest.address}]:${dest.port}` : `${dest.address}:${dest.port}`;
}

/** IPv4 persistence granularity as the mask number IPVS carries (24 -> 0xffffff00); IPv6 is the prefix length. */
function netmaskOf(family: 'ipv4' | 'ipv6', prefix: number | undefined): number {
  if (family === 'ipv6') return prefix ?? 128;
  const bits = prefix ?? 32;
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** The service settings of a virtual server. */
export function serviceSpecOf(vs: ResolvedVirtualServer): ServiceSpec {
  let flags = 0;
  if (vs.persistence !== undefined) flags |= IP_VS_SVC_F.PERSISTENT;
  if (vs.ops) flags |= IP_VS_SVC_F.ONEPACKET;
  for (const f of vs.sched_flags) flags |= SCHED_FLAG_BITS[f] ?? 0;
  return {
    key: serviceKeyOf(vs),
    scheduler: vs.scheduler,
    flags,
    timeout: vs.persistence?.timeout ?? 0,
    netmask: netmaskOf(vs.family, vs.persistence?.granularity),
    ...(vs.persistence?.engine !== undefined ? { peName: vs.persistence.engine } : {}),
  };
}

const NO_TUNNEL = { tunnelType: 'ipip', tunnelPort: 0, tunnelCsum: 'nocsum' } as const;

function tunnelFields(t: ResolvedTunnel | undefined): Pick<DestinationSpec, 'tunnelType' | 'tunnelPort' | 'tunnelCsum'> {
  if (t === undefined) return NO_TUNNEL;
  return { tunnelType: t.type, tunnelPort: t.port ?? 0, tunnelCsum: t.checksum };
}

/** A real server as an IPVS destination with the given weight. */
export function destinationOf(vs: ResolvedVirtualServer, rs: ResolvedRealServer, weight: number): DestinationSpec {
  return {
    address: canonicalAddress(rs.address),
    port: rs.port ?? vs.port ?? 0,
    forwarding: FORWARDING[rs.forwarding_method],
    weight,
    upperThreshold: rs.uthreshold,
    lowerThreshold: rs.lthreshold,
    ...(rs.forwarding_method === 'tun' ? tunnelFields(rs.tunnel) : NO_TUNNEL),
  };
}

/** The sorry server as an IPVS destination. */
function sorryDestination(vs: ResolvedVirtualServer, weight: number): DestinationSpec | undefined {
  const s = vs.sorry_server;
  if (s === undefined) return undefined;
  return {
    address: canonicalAddress(s.address),
    port: s.port ?? vs.port ?? 0,
    forwarding: FORWARDING[s.forwarding_method],
    weight,
    upperThreshold: 0,
    lowerThreshold: 0,
    ...NO_TUNNEL,
  };
}

/**
 * One virtual server's desired service: its settings and, for each pool entry (health's verdict: who is in and
 * with which weight), the destination built from the real server's (or sorry server's) configuration.
 */
export function desiredService(vs: ResolvedVirtualServer, pool: readonly PoolEntry[]): DesiredService {
  const spec = serviceSpecOf(vs);
  const byEndpoint = new Map<string, ResolvedRealServer>();
  for (const rs of vs.real_servers) byEndpoint.set(destKey({ address: canonicalAddress(rs.address), port: rs.port ?? vs.port ?? 0 }), rs);
  const dests = new Map<string, DestinationSpec>();
  for (const entry of pool) {
    const port = entry.port ?? vs.port ?? 0;
    const id = destKey({ address: canonicalAddress(entry.address), port });
    const rs = entry.sorry ? undefined : byEndpoint.get(id);
    const dest = rs !== undefined ? destinationOf(vs, rs, entry.weight) : sorryDestination(vs, entry.weight);
    if (dest !== undefined) dests.set(id, dest);
  }
  return { vs: vs.name, spec, dests };
}

/** The whole desired table: every virtual server with its pool (by the health monitor's service key). */
export function desiredTable(
  virtualServers: readonly ResolvedVirtualServer[],
  poolOf: (vs: ResolvedVirtualServer) => readonly PoolEntry[] | undefined,
): Map<string, DesiredService> {
  const table = new Map<string, DesiredService>();
  for (const vs of virtualServers) {
    const desired = desiredService(vs, poolOf(vs) ?? []);
    table.set(serviceKeyId(desired.spec.key), desired);
  }
  return table;
}
