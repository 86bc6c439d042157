/**
 * Decoders for the kernel's IPVS replies. Each takes the generic netlink payload of one
 * message (genlmsghdr + attributes, i.e. `NetlinkMessage.payload`), checks the reply command,
 * and throws only {@link NetlinkDecodeError}. Mandatory attributes are those libipvs requires.
 */
import { type AttrSet, parseAttrs } from '../netlink/attrs.js';
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
  SVC_ATTR_NAMES,
} from './constants.js';
import { familyEnum, forwardEnum, syncStateEnum, tunnelCsumEnum, tunnelTypeEnum } from './enums.js';
import { readServiceKey, readStatsNest } from './nests.js';
import type { AddressFamily, DaemonConfig, Destination, Info, Service, Timeouts } from './types.js';
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
  const stats = readStatsNest(s, IPVS_SVC_ATTR.STATS, false);
  if (stats !== undefined) svc.stats = stats;
  const stats64 = readStatsNest(s, IPVS_SVC_ATTR.STATS64, true);
  if (stats64 !== undefined) svc.stats64 = stats64;
  return svc;
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
  const stats = readStatsNest(d, IPVS_DEST_ATTR.STATS, false);
  if (stats !== undefined) dest.stats = stats;
  const stats64 = readStatsNest(d, IPVS_DEST_ATTR.STATS64, true);
  if (stats64 !== undefined) dest.stats64 = stats64;
  return dest;
}

/** Decodes a destination message (cmd NEW_DEST: a GET_DEST dump entry). */
export function decodeDestReply(payload: Buffer, serviceFamily?: AddressFamily): Destination {
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
