/**
 * The kernel's services and destinations seen the way libipvs hands them to ipvsadm's printers:
 * numeric families and protocols (0 for fwmark services, which carry no protocol), 16-byte
 * addresses, flags and the statistics libipvs actually reads (including its habit of reading
 * the 64-bit destination counters as 32-bit values).
 */
import { parseAddress } from '../ipvs/addr.js';
import type { Destination, Service, ServiceKey, Stats } from '../ipvs/types.js';
import { AF_INET, AF_INET6, CONN_F, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './model.js';

/** ipvs_service_entry_t. */
export interface ServiceEntry {
  readonly key: ServiceKey;
  readonly af: number;
  readonly protocol: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly fwmark: number;
  readonly schedName: string;
  readonly flags: number;
  readonly timeout: number;
  readonly netmask: number;
  readonly peName: string;
  readonly stats: Stats;
}

/** ipvs_dest_entry_t. */
export interface DestEntry {
  readonly af: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly connFlags: number;
  readonly weight: number;
  readonly uThreshold: number;
  readonly lThreshold: number;
  readonly activeConns: number;
  readonly inactConns: number;
  readonly persistConns: number;
  readonly stats: Stats;
  readonly tunType: number;
  readonly tunPort: number;
  readonly tunFlags: number;
}

const ZERO_STATS: Stats = {
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
};

const PROTOCOLS = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP } as const;
/** The client's forwarding method, tunnel type and checksum mode as ipvsadm's numbers. */
export const FORWARD = {
  masq: CONN_F.MASQ,
  local: CONN_F.LOCALNODE,
  tunnel: CONN_F.TUNNEL,
  route: CONN_F.DROUTE,
  bypass: CONN_F.BYPASS,
} as const;
export const TUN_TYPES = { ipip: 0, gue: 1, gre: 2 } as const;
export const TUN_FLAGS = { nocsum: 0, csum: 1, remcsum: 2 } as const;

/**
 * A canonical dotted quad ("10.0.0.1", as the client formats IPv4 addresses) as a 16-byte
 * nf_inet_addr, read char by char; undefined for any other text (left to parseAddress).
 */
function dottedQuad(text: string): Uint8Array | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  const addr = new Uint8Array(16);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      addr[part++] = value;
      value = 0;
      digits = 0;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || (digits > 0 && value === 0)) return undefined;
      value = value * 10 + d;
      if (value > 255) return undefined;
      digits++;
    }
  }
  return part === 4 ? addr : undefined;
}

/** An address text as the 16-byte union nf_inet_addr, with its family number. */
export function addrBytes(text: string): { af: number; addr: Uint8Array } {
  const v4 = dottedQuad(text);
  if (v4 !== undefined) return { af: AF_INET, addr: v4 };
  const parsed = parseAddress(text);
  const addr = new Uint8Array(16);
  addr.set(parsed.bytes);
  return { af: parsed.family === 'ipv6' ? AF_INET6 : AF_INET, addr };
}

/** The service entry libipvs builds from a GET_SERVICE reply. */
export function serviceEntry(s: Service): ServiceEntry {
  // The counters are read only when printed (--stats/--rate): a getter, see replies.ts lazyStats.
  const common = (af: number, protocol: number, addr: Uint8Array, port: number, fwmark: number): ServiceEntry => ({
    key: s.key,
    schedName: s.scheduler.slice(0, 15),
    flags: s.flags,
    timeout: s.timeout,
    netmask: s.netmask,
    peName: s.peName ?? '',
    get stats(): Stats {
      return s.stats64 ?? s.stats ?? ZERO_STATS;
    },
    af,
    protocol,
    addr,
    port,
    fwmark,
  });
  if ('fwmark' in s.key) return common(s.key.family === 'ipv6' ? AF_INET6 : AF_INET, 0, new Uint8Array(16), 0, s.key.fwmark);
  const { af, addr } = addrBytes(s.key.address);
  return common(af, PROTOCOLS[s.key.protocol], addr, s.key.port, 0);
}

/** libipvs reads a destination's 64-bit counters with nla_get_u32 except the byte counts. */
function destStats(d: Destination): Stats {
  const s = d.stats64;
  if (!s) return d.stats ?? ZERO_STATS;
  const low = (v: bigint): bigint => BigInt.asUintN(32, v);
  return {
    conns: low(s.conns),
    inpkts: low(s.inpkts),
    outpkts: low(s.outpkts),
    inbytes: s.inbytes,
    outbytes: s.outbytes,
    cps: low(s.cps),
    inpps: low(s.inpps),
    outpps: low(s.outpps),
    inbps: low(s.inbps),
    outbps: low(s.outbps),
  };
}

/** The destination entry libipvs builds from a GET_DEST reply. */
export function destEntry(d: Destination): DestEntry {
  const { addr } = addrBytes(d.address);
  return {
    af: d.family === 'ipv6' ? AF_INET6 : AF_INET,
    addr,
    port: d.port,
    connFlags: FORWARD[d.forwarding],
    weight: d.weight,
    uThreshold: d.upperThreshold,
    lThreshold: d.lowerThreshold,
    activeConns: d.activeConns,
    inactConns: d.inactiveConns,
    persistConns: d.persistentConns,
    get stats(): Stats {
      return destStats(d);
    },
    tunType: TUN_TYPES[d.tunnelType],
    tunPort: d.tunnelPort,
    tunFlags: TUN_FLAGS[d.tunnelCsum],
  };
}
