/**
 * addrport_to_anyname: how ipvsadm prints an address and port — numeric with -n, else the
 * host name (gethostbyaddr) and service name (getservbyport) when known — with IPv6 in
 * brackets and the whole text cut to 59 bytes like its 60-byte buffer. Lookups are done
 * up front (async) so the printers stay synchronous.
 */
import { formatIPv4, formatIPv6 } from '../ipvs/addr.js';
import { truncateBytes } from './c/printf.js';
import { AF_INET, AF_INET6 } from './model.js';
import { protoName, type Resolver } from './resolver.js';

/** Answers already looked up, for the printers. */
export interface Names {
  /** The host name of an address (4 or 16 bytes), if it has one. */
  host(addr: Uint8Array): string | undefined;
  /** The service name of a port for an IP protocol number, if it has one. */
  service(port: number, protocol: number): string | undefined;
}

/** Names for numeric output: nothing is known. */
export const NUMERIC_NAMES: Names = { host: () => undefined, service: () => undefined };

/** The bytes of an address of a family inside a 16-byte nf_inet_addr. */
export function familyBytes(af: number, addr: Uint8Array): Uint8Array {
  return af === AF_INET ? addr.subarray(0, 4) : addr.subarray(0, 16);
}

/** inet_ntop(af, addr); "(null)" for a family it does not know, as printf shows a NULL string. */
export function ntop(af: number, addr: Uint8Array): string {
  if (af === AF_INET) return formatIPv4(addr.subarray(0, 4));
  if (af === AF_INET6) return formatIPv6(addr.subarray(0, 16));
  return '(null)';
}

/** addrport_to_anyname(af, addr, port, proto, numeric?). */
export function addrportToAnyname(af: number, addr: Uint8Array, port: number, protocol: number, numeric: boolean, names: Names): string {
  // The common case, numeric IPv4: at most 21 bytes, nothing to cut.
  if (numeric && af === AF_INET) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}:${port}`;
  const open = af === AF_INET ? '' : '[';
  const close = af === AF_INET ? '' : ']';
  let text: string;
  if (numeric) {
    text = `${open}${ntop(af, addr)}${close}:${port}`;
  } else {
    const host = names.host(familyBytes(af, addr)) ?? ntop(af, addr);
    const service = names.service(port, protocol) ?? String(port);
    text = `${open}${host}${close}:${service}`;
  }
  return truncateBytes(text, 59);
}

/** One address/port a listing will print. */
export interface NameRequest {
  readonly af: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly protocol: number;
}

const key = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Looks up every host and service name the requests need and returns them as {@link Names}. */
export async function resolveNames(resolver: Resolver, requests: readonly NameRequest[]): Promise<Names> {
  const hosts = new Map<string, string | undefined>();
  const services = new Map<string, string | undefined>();
  const pending: Promise<void>[] = [];
  for (const r of requests) {
    const bytes = familyBytes(r.af, r.addr);
    const hk = key(bytes);
    if (!hosts.has(hk) && (r.af === AF_INET || r.af === AF_INET6)) {
      hosts.set(hk, undefined);
      pending.push(resolver.addrToHost(Uint8Array.from(bytes)).then((n) => void hosts.set(hk, n)));
    }
    const proto = protoName(r.protocol);
    const sk = `${r.port}/${r.protocol}`;
    if (proto && !services.has(sk)) {
      services.set(sk, undefined);
      pending.push(resolver.portToService(r.port, proto).then((n) => void services.set(sk, n)));
    }
  }
  await Promise.all(pending);
  return {
    host: (addr) => hosts.get(key(addr)),
    service: (port, protocol) => services.get(`${port}/${protocol}`),
  };
}
