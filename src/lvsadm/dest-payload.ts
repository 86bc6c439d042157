/**
 * A GET_DEST dump entry (the genl payload of a NEW_DEST message) straight to lvsadm's DestEntry:
 * a listing of thousands of real servers reads a few integers of each, so the common case, a
 * well-formed IPv4 destination, is read off the bytes without building the client's Destination
 * (strings, lazy counters) and parsing its address text back. The counters are decoded only when
 * printed, through the general decoder. Anything else (IPv6, an odd attribute size, a missing
 * attribute, an unknown enum value, a malformed message) goes through decodeDestReply, errors
 * included.
 */
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR } from '../ipvs/constants.js';
import { familyEnum, forwardEnum, tunnelCsumEnum, tunnelTypeEnum } from '../ipvs/enums.js';
import { toIpvsError } from '../ipvs/errors.js';
import { decodeDestReply } from '../ipvs/replies.js';
import type { AddressFamily, ForwardMethod, Stats, TunnelCsum, TunnelType } from '../ipvs/types.js';
import { NLA_TYPE_MASK } from '../netlink/attrs.js';
import { readU16, readU32 } from '../netlink/host-order.js';
import { type DestEntry, destEntry } from './entries.js';
import { AF_INET, CONN_F } from './model.js';

const FORWARD: Record<ForwardMethod, number> = {
  masq: CONN_F.MASQ,
  local: CONN_F.LOCALNODE,
  tunnel: CONN_F.TUNNEL,
  route: CONN_F.DROUTE,
  bypass: CONN_F.BYPASS,
};
const TUN_TYPES: Record<TunnelType, number> = { ipip: 0, gue: 1, gre: 2 };
const TUN_FLAGS: Record<TunnelCsum, number> = { nocsum: 0, csum: 1, remcsum: 2 };

/** wire value → lvsadm value, -1 where the wire value is unknown (small dense tables). */
function table<N extends string>(e: { toWire(n: N): number }, values: Record<N, number>): Int32Array {
  const names = Object.keys(values) as N[];
  const out = new Int32Array(Math.max(...names.map((n) => e.toWire(n))) + 1).fill(-1);
  for (const n of names) out[e.toWire(n)] = values[n];
  return out;
}
const FWD_BY_WIRE = table(forwardEnum, FORWARD);
const TUN_TYPE_BY_WIRE = table(tunnelTypeEnum, TUN_TYPES);
const TUN_FLAGS_BY_WIRE = table(tunnelCsumEnum, TUN_FLAGS);
const AF_INET_WIRE = familyEnum.toWire('ipv4');

/** The DestEntry of an IPv4 destination decoded in place; the counters come from the full decoder. */
class Ipv4Dest implements DestEntry {
  readonly af = AF_INET;
  constructor(
    readonly addr: Uint8Array,
    readonly port: number,
    readonly connFlags: number,
    readonly weight: number,
    readonly uThreshold: number,
    readonly lThreshold: number,
    readonly activeConns: number,
    readonly inactConns: number,
    readonly persistConns: number,
    readonly tunType: number,
    readonly tunPort: number,
    readonly tunFlags: number,
    private readonly payload: Buffer,
  ) {}

  get stats(): Stats {
    return destEntry(decodeDestReply(this.payload, 'ipv4')).stats;
  }
}

function valueAt(t: Int32Array, wire: number): number {
  return wire >= 0 && wire < t.length ? (t[wire] as number) : -1;
}

function fastDest(p: Buffer, serviceFamily: AddressFamily): DestEntry | undefined {
  if (p.length < 8 || p[0] !== IPVS_CMD.NEW_DEST) return undefined;
  let d0 = -1;
  let d1 = -1;
  for (let off = 4; off + 4 <= p.length; ) {
    const len = readU16(p, off);
    if (len < 4 || off + len > p.length) return undefined;
    if ((readU16(p, off + 2) & NLA_TYPE_MASK) === IPVS_CMD_ATTR.DEST) {
      d0 = off + 4;
      d1 = off + len;
    }
    off += (len + 3) & ~3;
  }
  if (d0 < 0) return undefined;
  let af = -1;
  let addr = -1;
  let port = -1;
  let fwd = -1;
  let weight = -1;
  let upper = -1;
  let lower = -1;
  let active = -1;
  let inact = -1;
  let persist = -1;
  let tunType = 0;
  let tunPort = 0;
  let tunFlags = 0;
  for (let off = d0; off + 4 <= d1; ) {
    const len = readU16(p, off);
    if (len < 4 || off + len > d1) return undefined;
    const n = len - 4;
    const v = off + 4;
    switch (readU16(p, off + 2) & NLA_TYPE_MASK) {
      case IPVS_DEST_ATTR.ADDR_FAMILY:
        if (n !== 2) return undefined;
        af = readU16(p, v);
        break;
      case IPVS_DEST_ATTR.ADDR:
        if (n !== 16 && n !== 4) return undefined;
        addr = v;
        break;
      case IPVS_DEST_ATTR.PORT:
        if (n !== 2) return undefined;
        port = (p[v]! << 8) | p[v + 1]!;
        break;
      case IPVS_DEST_ATTR.FWD_METHOD:
        if (n !== 4) return undefined;
        fwd = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.WEIGHT:
        if (n !== 4) return undefined;
        weight = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.U_THRESH:
        if (n !== 4) return undefined;
        upper = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.L_THRESH:
        if (n !== 4) return undefined;
        lower = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.ACTIVE_CONNS:
        if (n !== 4) return undefined;
        active = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.INACT_CONNS:
        if (n !== 4) return undefined;
        inact = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.PERSIST_CONNS:
        if (n !== 4) return undefined;
        persist = readU32(p, v);
        break;
      case IPVS_DEST_ATTR.TUN_TYPE:
        if (n !== 1) return undefined;
        tunType = p[v]!;
        break;
      case IPVS_DEST_ATTR.TUN_PORT:
        if (n !== 2) return undefined;
        tunPort = (p[v]! << 8) | p[v + 1]!;
        break;
      case IPVS_DEST_ATTR.TUN_FLAGS:
        if (n !== 2) return undefined;
        tunFlags = readU16(p, v);
        break;
      default:
        break;
    }
    off += (len + 3) & ~3;
  }
  const ipv4 = af > 0 ? af === AF_INET_WIRE : serviceFamily === 'ipv4';
  if (!ipv4 || addr < 0 || port < 0 || fwd < 0 || weight < 0 || upper < 0 || lower < 0) return undefined;
  if (active < 0 || inact < 0 || persist < 0) return undefined;
  const connFlags = valueAt(FWD_BY_WIRE, fwd);
  const tType = valueAt(TUN_TYPE_BY_WIRE, tunType);
  const tFlags = valueAt(TUN_FLAGS_BY_WIRE, tunFlags);
  if (connFlags < 0 || tType < 0 || tFlags < 0) return undefined;
  const bytes = new Uint8Array(16);
  bytes[0] = p[addr]!;
  bytes[1] = p[addr + 1]!;
  bytes[2] = p[addr + 2]!;
  bytes[3] = p[addr + 3]!;
  return new Ipv4Dest(bytes, port, connFlags, weight, upper, lower, active, inact, persist, tType, tunPort, tFlags, p);
}

/**
 * The DestEntry of one dump entry of a service of family `serviceFamily`; throws an IpvsError
 * (op listDestinations) when the message cannot be decoded, as listDestinations would reject.
 */
export function destEntryFromPayload(p: Buffer, serviceFamily: AddressFamily): DestEntry {
  const fast = fastDest(p, serviceFamily);
  if (fast !== undefined) return fast;
  try {
    return destEntry(decodeDestReply(p, serviceFamily));
  } catch (err) {
    throw toIpvsError('listDestinations', undefined, err);
  }
}
