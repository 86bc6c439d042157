/**
 * The IPVS_CMD_ATTR_SERVICE nest (identity and options) and the *_STATS / *_STATS64 nests,
 * shared by requests, replies and the request decoder.
 */
import type { AttrSet, AttrWriter } from '../netlink/attrs.js';
import { IPVS_STATS_ATTR, IPVS_SVC_ATTR, PE_NAME_MAX, SCHED_NAME_MAX, STATS_ATTR_NAMES } from './constants.js';
import { familyEnum, protocolEnum } from './enums.js';
import type { AddressFamily, ServiceKey, Stats } from './types.js';
import { addrToWire, checkName, checkRange, decodeIpVsFlags, encodeIpVsFlags, readAddr, readNetmask, writeNetmask } from './wire.js';

/**
 * Writes AF then FWMARK, or PROTOCOL, ADDR (16 bytes) and PORT (be16), as libipvs and the
 * kernel do. Returns the service's address family.
 */
export function writeServiceIdentity(w: AttrWriter, key: ServiceKey): AddressFamily {
  if ('fwmark' in key) {
    checkRange('fwmark', key.fwmark, 1, 0xffffffff);
    w.u16(IPVS_SVC_ATTR.AF, familyEnum.toWire(key.family));
    w.u32(IPVS_SVC_ATTR.FWMARK, key.fwmark);
    return key.family;
  }
  checkRange('service port', key.port, 0, 0xffff);
  const addr = addrToWire(key.address);
  w.u16(IPVS_SVC_ATTR.AF, familyEnum.toWire(addr.family));
  w.u16(IPVS_SVC_ATTR.PROTOCOL, protocolEnum.toWire(key.protocol));
  w.binary(IPVS_SVC_ATTR.ADDR, addr.bytes);
  w.be16(IPVS_SVC_ATTR.PORT, key.port);
  return addr.family;
}

/** The non-identifying fields of a service nest. */
export interface ServiceOptionFields {
  readonly scheduler: string;
  readonly peName?: string | undefined;
  readonly flags: number;
  readonly flagsMask: number;
  readonly timeout: number;
  readonly netmask: number;
}

/** Writes SCHED_NAME, PE_NAME (only if non-empty), FLAGS, TIMEOUT, NETMASK in libipvs order. */
export function writeServiceOptions(w: AttrWriter, family: AddressFamily, o: ServiceOptionFields): void {
  checkName('scheduler name', o.scheduler, SCHED_NAME_MAX);
  checkRange('persistence timeout', o.timeout, 0, 0xffffffff);
  w.string(IPVS_SVC_ATTR.SCHED_NAME, o.scheduler);
  if (o.peName !== undefined && o.peName !== '') {
    checkName('persistence engine name', o.peName, PE_NAME_MAX);
    w.string(IPVS_SVC_ATTR.PE_NAME, o.peName);
  }
  w.binary(IPVS_SVC_ATTR.FLAGS, encodeIpVsFlags(o.flags, o.flagsMask));
  w.u32(IPVS_SVC_ATTR.TIMEOUT, o.timeout);
  writeNetmask(w, IPVS_SVC_ATTR.NETMASK, family, o.netmask);
}

/** Reads the identity of a service nest (AF + FWMARK, or AF + PROTOCOL + ADDR + PORT). */
export function readServiceKey(set: AttrSet): { key: ServiceKey; family: AddressFamily } {
  const family = familyEnum.fromWire(set.u16(IPVS_SVC_ATTR.AF), set.label(IPVS_SVC_ATTR.AF));
  const fwmark = set.getU32(IPVS_SVC_ATTR.FWMARK);
  if (fwmark !== undefined && fwmark !== 0) return { key: { fwmark, family }, family };
  const protocol = protocolEnum.fromWire(set.u16(IPVS_SVC_ATTR.PROTOCOL), set.label(IPVS_SVC_ATTR.PROTOCOL));
  const address = readAddr(set, IPVS_SVC_ATTR.ADDR, family);
  const port = set.be16(IPVS_SVC_ATTR.PORT);
  return { key: { protocol, address, port }, family };
}

/** Optional service-nest options as found in a request (any may be absent). */
export interface ServiceOptionsRead {
  scheduler?: string;
  peName?: string;
  flags?: number;
  flagsMask?: number;
  timeout?: number;
  netmask?: number;
}

/** Reads whichever of SCHED_NAME, PE_NAME, FLAGS, TIMEOUT, NETMASK are present. */
export function readServiceOptions(set: AttrSet, family: AddressFamily): ServiceOptionsRead {
  const out: ServiceOptionsRead = {};
  const scheduler = set.getString(IPVS_SVC_ATTR.SCHED_NAME);
  if (scheduler !== undefined) out.scheduler = scheduler;
  const peName = set.getString(IPVS_SVC_ATTR.PE_NAME);
  if (peName !== undefined) out.peName = peName;
  const flags = decodeIpVsFlags(set, IPVS_SVC_ATTR.FLAGS);
  if (flags !== undefined) {
    out.flags = flags.flags;
    out.flagsMask = flags.mask;
  }
  const timeout = set.getU32(IPVS_SVC_ATTR.TIMEOUT);
  if (timeout !== undefined) out.timeout = timeout;
  if (set.has(IPVS_SVC_ATTR.NETMASK)) out.netmask = readNetmask(set, IPVS_SVC_ATTR.NETMASK, family);
  return out;
}

const STATS_FIELDS = [
  ['conns', IPVS_STATS_ATTR.CONNS, false],
  ['inpkts', IPVS_STATS_ATTR.INPKTS, false],
  ['outpkts', IPVS_STATS_ATTR.OUTPKTS, false],
  ['inbytes', IPVS_STATS_ATTR.INBYTES, true],
  ['outbytes', IPVS_STATS_ATTR.OUTBYTES, true],
  ['cps', IPVS_STATS_ATTR.CPS, false],
  ['inpps', IPVS_STATS_ATTR.INPPS, false],
  ['outpps', IPVS_STATS_ATTR.OUTPPS, false],
  ['inbps', IPVS_STATS_ATTR.INBPS, false],
  ['outbps', IPVS_STATS_ATTR.OUTBPS, false],
] as const satisfies readonly (readonly [keyof Stats, number, boolean])[];

/**
 * Reads a stats nest. In `*_STATS` (wide = false) the kernel sends the byte counters as u64 and
 * everything else as u32; in `*_STATS64` everything is u64. All ten counters are required
 * (as libipvs requires them); PAD attributes are ignored.
 */
export function readStats(set: AttrSet, wide: boolean): Stats {
  const s: Record<keyof Stats, bigint> = {
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
  for (const [name, type, always64] of STATS_FIELDS) {
    s[name] = wide || always64 ? set.u64(type) : BigInt(set.u32(type));
  }
  return s;
}

/** Reads the stats nest `type` of `parent` if present. */
export function readStatsNest(parent: AttrSet, type: number, wide: boolean): Stats | undefined {
  const nest = parent.getNested(type, STATS_ATTR_NAMES);
  return nest === undefined ? undefined : readStats(nest, wide);
}

/**
 * Writes a stats nest as the kernel does. With wide = false the 32-bit counters are truncated
 * like the kernel's (u32) casts.
 */
export function writeStats(w: AttrWriter, type: number, stats: Stats, wide: boolean, nestedFlag: boolean): void {
  w.nest(
    type,
    (n) => {
      for (const [name, attr, always64] of STATS_FIELDS) {
        if (wide || always64) n.u64(attr, stats[name]);
        else n.u32(attr, Number(BigInt.asUintN(32, stats[name])));
      }
    },
    { nestedFlag },
  );
}
