/**
 * Identities that survive a reload. A virtual server is its IPVS service (protocol, address, port — or fwmark and
 * family), not its display name; a real server is its address and port within it; a check is its type and its
 * ordinal among the real server's checks of that type (so adding an http check does not renumber the tcp ones).
 * A check's fingerprint is everything that configures it: equal fingerprints mean an unchanged check.
 */
import type { CheckTarget } from '../../checks/checker.js';
import type { ResolvedCheck, ResolvedRealServer, ResolvedVirtualServer } from '../config/model.js';
import { formatEndpoint } from '../ip.js';

/** The virtual server's service identity, e.g. `tcp:192.0.2.10:80` or `fwmark:ipv4:1`. */
export function virtualServerKey(vs: ResolvedVirtualServer): string {
  if (vs.fwmark !== undefined) return `fwmark:${vs.family}:${vs.fwmark}`;
  return `${vs.protocol ?? 'tcp'}:${formatEndpoint(vs.address ?? '', vs.port ?? 0)}`;
}

/** An endpoint as `address:port` (`[v6]:port`), or the bare address without a port. */
export function endpointName(address: string, port: number | undefined): string {
  return port === undefined ? address : formatEndpoint(address, port);
}

/** The real server's identity within its virtual server (also its display name). */
export function realServerKey(rs: ResolvedRealServer): string {
  return endpointName(rs.address, rs.port);
}

/** Check ids for a real server's checks, in order: `<vs key>|<rs key>|<type>#<n>`. */
export function checkIds(vsKey: string, rsKey: string, checks: readonly ResolvedCheck[]): string[] {
  const seen = new Map<string, number>();
  return checks.map((c) => {
    const n = seen.get(c.type) ?? 0;
    seen.set(c.type, n + 1);
    return `${vsKey}|${rsKey}|${c.type}#${n}`;
  });
}

/** Where a check points: connect_ip/connect_port (network checks) or the real server (exec). */
export function checkTarget(check: ResolvedCheck, rs: ResolvedRealServer): CheckTarget {
  if (check.type === 'exec') return { address: rs.address, port: rs.port ?? 0 };
  return { address: check.connect_ip, port: check.connect_port };
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
