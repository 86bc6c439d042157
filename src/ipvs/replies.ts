/**
 * Decoders for the kernel's IPVS replies. Each takes the generic netlink payload of one
 * message (genlmsghdr + attributes, i.e. `NetlinkMessage.payload`), checks the reply command,
 * and throws only {@link NetlinkDecodeError}. Mandatory attributes are those libipvs requires.
 */
import { type AttrSet, NLA_TYPE_MASK, parseAttrs } from '../netlink/attrs.js';
import { readU16, readU32 } from '../netlink/host-order.js';
import { NetlinkDecodeError } from '../netlink/errors.js';
import { splitGenl } from '../netlink/message.js';
import {
  CMD_ATTR_NAMES,
  DAEMON_ATTR_NAMES,
  DEST_ATTR_NAMES,
  INFO_ATTR_NAMES,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_INFO_ATTR,
  IPVS_SVC_ATTR,
  STATS_ATTR_NAMES,
  SVC_ATTR_NAMES,
} from './constants.js';
import { familyEnum, forwardEnum, syncStateEnum, tunnelCsumEnum, tunnelTypeEnum } from './enums.js';
import { readServiceKey, readStats, readStatsNest } from './nests.js';
import type {
  AddressFamily,
  DaemonConfig,
  Destination,
  ForwardMethod,
  Info,
  Service,
  Stats,
  Timeouts,
  TunnelCsum,
  TunnelType,
} from './types.js';
import { decodeIpVsFlags, readAddr, readIn6Addr, readInAddr, readNetmask } from './wire.js';

const CMD_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(IPVS_CMD).map(([name, value]) => [value, `IPVS_CMD_${name}`]),
);

/** Checks the genl command and parses the top-level attributes of an IPVS message. */
export function openIpvsMessage(payload: Buffer, expectedCmd: number): AttrSet {
  const { genl, attrs } = splitGenl(payload);
  if (genl.cmd !== expectedCmd) {
    const got = CMD_NAMES[genl.cmd] ?? `command ${genl.cmd}`;
    throw new NetlinkDecodeError(`expected ${CMD_NAMES[expectedCmd] ?? expectedCmd}, got ${got}`);
  }
  return parseAttrs(attrs, CMD_NAMES[expectedCmd] ?? 'IPVS', CMD_ATTR_NAMES);
}

/** Decodes the attributes of an IPVS_CMD_ATTR_SERVICE nest of a reply. */
export function decodeServiceNest(s: AttrSet): Service {
  const { key, family } = readServiceKey(s);
  const flags = decodeIpVsFlags(s, IPVS_SVC_ATTR.FLAGS);
  if (flags === undefined) throw new NetlinkDecodeError(`${s.label(IPVS_SVC_ATTR.FLAGS)} is missing`);
  const svc: {
    key: Service['key'];
    scheduler: string;
    flags: number;
    timeout: number;
    netmask: number;
    peName?: string;
    stats?: Service['stats'];
    stats64?: Service['stats64'];
  } = {
    key,
    scheduler: s.string(IPVS_SVC_ATTR.SCHED_NAME),
    flags: (flags.flags & flags.mask) >>> 0,
    timeout: s.u32(IPVS_SVC_ATTR.TIMEOUT),
    netmask: readNetmask(s, IPVS_SVC_ATTR.NETMASK, family),
  };
  const peName = s.getString(IPVS_SVC_ATTR.PE_NAME);
  if (peName !== undefined) svc.peName = peName;
  lazyStats(svc, 'stats', s, IPVS_SVC_ATTR.STATS, false);
  lazyStats(svc, 'stats64', s, IPVS_SVC_ATTR.STATS64, true);
  return svc;
}

/**
 * Gives `obj` the property `key` when the stats nest `type` is present, decoded on first read
 * (then an ordinary data property): most listings print no counters, and decoding twenty 64-bit
 * counters per entry is much of what a large listing costs. An enumerable own property either
 * way, so the object looks the same to its users (spread, JSON, deep equality).
 */
function lazyStats(obj: object, key: 'stats' | 'stats64', parent: AttrSet, type: number, wide: boolean): void {
  if (parent.has(type)) lazyStatsOf(obj, key, () => readStatsNest(parent, type, wide));
}

function lazyStatsOf(obj: object, key: 'stats' | 'stats64', read: () => Stats | undefined): void {
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get(): Stats | undefined {
      const value = read();
      Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value: Stats | undefined): void {
      Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/** Decodes a service message (cmd NEW_SERVICE: a GET_SERVICE reply or dump entry). */
export function decodeServiceReply(payload: Buffer): Service {
  const top = openIpvsMessage(payload, IPVS_CMD.NEW_SERVICE);
  return decodeServiceNest(top.nested(IPVS_CMD_ATTR.SERVICE, SVC_ATTR_NAMES));
}

/**
 * Decodes the attributes of an IPVS_CMD_ATTR_DEST nest of a reply. `serviceFamily` is the
 * fallback when ADDR_FAMILY is absent (kernels before 3.18).
 */
export function decodeDestNest(d: AttrSet, serviceFamily?: AddressFamily): Destination {
  const afWire = d.getU16(IPVS_DEST_ATTR.ADDR_FAMILY);
  let family: AddressFamily;
  if (afWire !== undefined && afWire !== 0) {
    family = familyEnum.fromWire(afWire, d.label(IPVS_DEST_ATTR.ADDR_FAMILY));
  } else if (serviceFamily !== undefined) {
    family = serviceFamily;
  } else {
    throw new NetlinkDecodeError(`${d.label(IPVS_DEST_ATTR.ADDR_FAMILY)} is missing and no service family was given`);
  }
  const dest: {
    family: AddressFamily;
    address: string;
    port: number;
    forwarding: Destination['forwarding'];
    weight: number;
    upperThreshold: number;
    lowerThreshold: number;
    tunnelType: Destination['tunnelType'];
    tunnelPort: number;
    tunnelCsum: Destination['tunnelCsum'];
    activeConns: number;
    inactiveConns: number;
    persistentConns: number;
    stats?: Destination['stats'];
    stats64?: Destination['stats64'];
  } = {
    family,
    address: readAddr(d, IPVS_DEST_ATTR.ADDR, family),
    port: d.be16(IPVS_DEST_ATTR.PORT),
    forwarding: forwardEnum.fromWire(d.u32(IPVS_DEST_ATTR.FWD_METHOD), d.label(IPVS_DEST_ATTR.FWD_METHOD)),
    weight: d.u32(IPVS_DEST_ATTR.WEIGHT),
    upperThreshold: d.u32(IPVS_DEST_ATTR.U_THRESH),
    lowerThreshold: d.u32(IPVS_DEST_ATTR.L_THRESH),
    tunnelType: tunnelTypeEnum.fromWire(d.getU8(IPVS_DEST_ATTR.TUN_TYPE) ?? 0, d.label(IPVS_DEST_ATTR.TUN_TYPE)),
    tunnelPort: d.getBe16(IPVS_DEST_ATTR.TUN_PORT) ?? 0,
    tunnelCsum: tunnelCsumEnum.fromWire(d.getU16(IPVS_DEST_ATTR.TUN_FLAGS) ?? 0, d.label(IPVS_DEST_ATTR.TUN_FLAGS)),
    activeConns: d.u32(IPVS_DEST_ATTR.ACTIVE_CONNS),
    inactiveConns: d.u32(IPVS_DEST_ATTR.INACT_CONNS),
    persistentConns: d.u32(IPVS_DEST_ATTR.PERSIST_CONNS),
  };
  lazyStats(dest, 'stats', d, IPVS_DEST_ATTR.STATS, false);
  lazyStats(dest, 'stats64', d, IPVS_DEST_ATTR.STATS64, true);
  return dest;
}

/**
 * The fields of a GET_DEST dump entry (a NEW_DEST payload) when it is the common case, a
 * well-formed IPv4 destination, read straight off the bytes (no attribute sets, no per-attribute
 * buffers: a listing decodes one per real server). Undefined for anything else (IPv6, an attribute
 * of an unexpected size, a missing one, an unknown enum value), which the general decoder then
 * handles, errors included. Offsets (`addr`, the counter nests) point into `p`; -1 when absent.
 * scanIpv4Dest reads the payload `p[start, end)` (by default all of `p`).
 */
export interface Ipv4DestFields {
  readonly addr: number;
  readonly port: number;
  readonly forwarding: ForwardMethod;
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly tunnelType: TunnelType;
  readonly tunnelPort: number;
  readonly tunnelCsum: TunnelCsum;
  readonly stats: number;
  readonly statsEnd: number;
  readonly stats64: number;
  readonly stats64End: number;
}

export function scanIpv4Dest(p: Buffer, serviceFamily: AddressFamily | undefined, start = 0, end = p.length): Ipv4DestFields | undefined {
  if (end - start < 8 || p[start] !== IPVS_CMD.NEW_DEST) return undefined;
  // The DEST nest among the top-level attributes (the last one wins, as in AttrSet).
  let d0 = -1;
  let d1 = -1;
  for (let off = start + 4; off + 4 <= end; ) {
    const len = readU16(p, off);
    if (len < 4 || off + len > end) return undefined;
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
  let stats = -1;
  let statsEnd = 0;
  let stats64 = -1;
  let stats64End = 0;
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
      case IPVS_DEST_ATTR.STATS:
        stats = v;
        statsEnd = off + len;
        break;
      case IPVS_DEST_ATTR.STATS64:
        stats64 = v;
        stats64End = off + len;
        break;
      default:
        break;
    }
    off += (len + 3) & ~3;
  }
  const ipv4 = af > 0 ? af === AF_INET_WIRE : serviceFamily === 'ipv4';
  if (!ipv4 || addr < 0 || port < 0 || fwd < 0 || weight < 0 || upper < 0 || lower < 0) return undefined;
  if (active < 0 || inact < 0 || persist < 0) return undefined;
  const forwarding = FORWARD_BY_WIRE[fwd];
  const tunnelType = TUN_TYPE_BY_WIRE[tunType];
  const tunnelCsum = TUN_CSUM_BY_WIRE[tunFlags];
  if (forwarding === undefined || tunnelType === undefined || tunnelCsum === undefined) return undefined;
  return {
    addr,
    port,
    forwarding,
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    activeConns: active,
    inactiveConns: inact,
    persistentConns: persist,
    tunnelType,
    tunnelPort: tunPort,
    tunnelCsum,
    stats,
    statsEnd,
    stats64,
    stats64End,
  };
}

/** decodeDestReply for the common case (see scanIpv4Dest). */
function fastDestReply(p: Buffer, serviceFamily: AddressFamily | undefined): Destination | undefined {
  const f = scanIpv4Dest(p, serviceFamily);
  if (f === undefined) return undefined;
  const { addr, stats, statsEnd, stats64, stats64End } = f;
  const fields = {
    family: 'ipv4' as const,
    address: `${p[addr]}.${p[addr + 1]}.${p[addr + 2]}.${p[addr + 3]}`,
    port: f.port,
    forwarding: f.forwarding,
    weight: f.weight,
    upperThreshold: f.upperThreshold,
    lowerThreshold: f.lowerThreshold,
    tunnelType: f.tunnelType,
    tunnelPort: f.tunnelPort,
    tunnelCsum: f.tunnelCsum,
    activeConns: f.activeConns,
    inactiveConns: f.inactiveConns,
    persistentConns: f.persistentConns,
  };
  if (stats >= 0 && stats64 >= 0) {
    // The usual reply (both nests): the lazy counters as accessors of the literal, which is much
    // cheaper than two Object.defineProperty calls per destination. Same own enumerable
    // properties, in the same order, as the general case below.
    return {
      ...fields,
      get stats(): Stats | undefined {
        return settleStats(this, 'stats', readStats(destStatsNest(p, stats, statsEnd), false));
      },
      set stats(value: Stats | undefined) {
        settleStats(this, 'stats', value);
      },
      get stats64(): Stats | undefined {
        return settleStats(this, 'stats64', readStats(destStatsNest(p, stats64, stats64End), true));
      },
      set stats64(value: Stats | undefined) {
        settleStats(this, 'stats64', value);
      },
    };
  }
  const dest: Destination = fields;
  if (stats >= 0) lazyStatsOf(dest, 'stats', () => readStats(destStatsNest(p, stats, statsEnd), false));
  if (stats64 >= 0) lazyStatsOf(dest, 'stats64', () => readStats(destStatsNest(p, stats64, stats64End), true));
  return dest;
}

function destStatsNest(p: Buffer, start: number, end: number): AttrSet {
  return parseAttrs(p.subarray(start, end), 'IPVS_DEST_ATTR_STATS', STATS_ATTR_NAMES);
}

/** Replaces a lazy counters accessor of `obj` by a data property holding `value`; returns it. */
function settleStats(obj: object, key: 'stats' | 'stats64', value: Stats | undefined): Stats | undefined {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  return value;
}

const AF_INET_WIRE = familyEnum.toWire('ipv4');
function byWire<N extends string>(e: { toWire(n: N): number }, names: readonly N[]): Readonly<Record<number, N>> {
  const out: Record<number, N> = {};
  for (const n of names) out[e.toWire(n)] = n;
  return out;
}
const FORWARD_BY_WIRE = byWire(forwardEnum, ['masq', 'local', 'tunnel', 'route', 'bypass']);
const TUN_TYPE_BY_WIRE = byWire(tunnelTypeEnum, ['ipip', 'gue', 'gre']);
const TUN_CSUM_BY_WIRE = byWire(tunnelCsumEnum, ['nocsum', 'csum', 'remcsum']);

/** Decodes a destination message (cmd NEW_DEST: a GET_DEST dump entry). */
export function decodeDestReply(payload: Buffer, serviceFamily?: AddressFamily): Destination {
  const fast = fastDestReply(payload, serviceFamily);
  if (fast !== undefined) return fast;
  const top = openIpvsMessage(payload, IPVS_CMD.NEW_DEST);
  return decodeDestNest(top.nested(IPVS_CMD_ATTR.DEST, DEST_ATTR_NAMES), serviceFamily);
}

/** Decodes the attributes of an IPVS_CMD_ATTR_DAEMON nest (STATE, MCAST_IFN, SYNC_ID required). */
export function decodeDaemonNest(n: AttrSet): DaemonConfig {
  const cfg: {
    state: DaemonConfig['state'];
    mcastIfn: string;
    syncId: number;
    syncMaxlen?: number;
    mcastGroup?: string;
    mcastPort?: number;
    mcastTtl?: number;
  } = {
    state: syncStateEnum.fromWire(n.u32(IPVS_DAEMON_ATTR.STATE), n.label(IPVS_DAEMON_ATTR.STATE)),
    mcastIfn: n.string(IPVS_DAEMON_ATTR.MCAST_IFN),
    syncId: n.u32(IPVS_DAEMON_ATTR.SYNC_ID),
  };
  const maxlen = n.getU16(IPVS_DAEMON_ATTR.SYNC_MAXLEN);
  if (maxlen !== undefined) cfg.syncMaxlen = maxlen;
  const group = readInAddr(n, IPVS_DAEMON_ATTR.MCAST_GROUP) ?? readIn6Addr(n, IPVS_DAEMON_ATTR.MCAST_GROUP6);
  if (group !== undefined) cfg.mcastGroup = group;
  const port = n.getU16(IPVS_DAEMON_ATTR.MCAST_PORT);
  if (port !== undefined) cfg.mcastPort = port;
  const ttl = n.getU8(IPVS_DAEMON_ATTR.MCAST_TTL);
  if (ttl !== undefined) cfg.mcastTtl = ttl;
  return cfg;
}

/** Decodes a sync-daemon message (cmd NEW_DAEMON: a GET_DAEMON dump entry). */
export function decodeDaemonReply(payload: Buffer): DaemonConfig {
  const top = openIpvsMessage(payload, IPVS_CMD.NEW_DAEMON);
  return decodeDaemonNest(top.nested(IPVS_CMD_ATTR.DAEMON, DAEMON_ATTR_NAMES));
}

/**
 * Decodes the GET_CONFIG reply (cmd SET_CONFIG). A timeout whose protocol is not built into the
 * kernel is absent and reads as 0, as in libipvs.
 */
export function decodeTimeoutsReply(payload: Buffer): Timeouts {
  const top = openIpvsMessage(payload, IPVS_CMD.SET_CONFIG);
  return {
    tcp: top.getU32(IPVS_CMD_ATTR.TIMEOUT_TCP) ?? 0,
    tcpFin: top.getU32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN) ?? 0,
    udp: top.getU32(IPVS_CMD_ATTR.TIMEOUT_UDP) ?? 0,
  };
}

/** Formats IP_VS_VERSION_CODE as ipvsadm's NVERSION does ("1.2.1"). */
export function formatVersionCode(code: number): string {
  return `${(code >>> 16) & 0xff}.${(code >>> 8) & 0xff}.${code & 0xff}`;
}

/** Decodes the GET_INFO reply (cmd SET_INFO): version and connection table size, both required. */
export function decodeInfoReply(payload: Buffer): Info {
  const { genl, attrs } = splitGenl(payload);
  if (genl.cmd !== IPVS_CMD.SET_INFO) {
    throw new NetlinkDecodeError(`expected IPVS_CMD_SET_INFO, got ${CMD_NAMES[genl.cmd] ?? `command ${genl.cmd}`}`);
  }
  const top = parseAttrs(attrs, 'IPVS_CMD_SET_INFO', INFO_ATTR_NAMES);
  const versionCode = top.u32(IPVS_INFO_ATTR.VERSION);
  return { versionCode, version: formatVersionCode(versionCode), connTabSize: top.u32(IPVS_INFO_ATTR.CONN_TAB_SIZE) };
}
