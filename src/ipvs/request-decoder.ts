/**
 * Decodes IPVS *requests* (what ipvsadm or lvsd send) into a structured form, leniently like
 * the kernel: only identifying attributes are required, everything else is reported if present.
 * Used to compare lvsd's requests with captures of the real ipvsadm, and by kernel fakes.
 */
import { type AttrSet, parseAttrs } from '../netlink/attrs.js';
import { splitGenl } from '../netlink/message.js';
import {
  CMD_ATTR_NAMES,
  DAEMON_ATTR_NAMES,
  DEST_ATTR_NAMES,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  SVC_ATTR_NAMES,
} from './constants.js';
import { familyEnum, forwardEnum, syncStateEnum, tunnelCsumEnum, tunnelTypeEnum } from './enums.js';
import { readServiceKey, readServiceOptions, type ServiceOptionsRead } from './nests.js';
import type { AddressFamily, ForwardMethod, ServiceKey, SyncState, Timeouts, TunnelCsum, TunnelType } from './types.js';
import { readAddr, readIn6Addr, readInAddr } from './wire.js';

/** A decoded IPVS_CMD_ATTR_SERVICE nest of a request. */
export interface RequestService extends ServiceOptionsRead {
  key: ServiceKey;
  family: AddressFamily;
}

/** A decoded IPVS_CMD_ATTR_DEST nest of a request (ADDR and PORT are required). */
export interface RequestDest {
  address: string;
  port: number;
  /** ADDR_FAMILY if sent (0 = "same as the service"), else undefined. */
  addrFamily?: number;
  forwarding?: ForwardMethod;
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnelType?: TunnelType;
  tunnelPort?: number;
  tunnelCsum?: TunnelCsum;
}

/** A decoded IPVS_CMD_ATTR_DAEMON nest of a request (STATE is required). */
export interface RequestDaemon {
  state: SyncState;
  mcastIfn?: string;
  syncId?: number;
  syncMaxlen?: number;
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

/** A decoded IPVS request. */
export interface DecodedRequest {
  cmd: number;
  version: number;
  service?: RequestService;
  dest?: RequestDest;
  daemon?: RequestDaemon;
  timeouts?: Partial<Timeouts>;
}

function decodeDest(d: AttrSet, serviceFamily: AddressFamily | undefined): RequestDest {
  const afWire = d.getU16(IPVS_DEST_ATTR.ADDR_FAMILY);
  const family =
    afWire !== undefined && afWire !== 0 ? familyEnum.fromWire(afWire, d.label(IPVS_DEST_ATTR.ADDR_FAMILY)) : (serviceFamily ?? 'ipv4');
  const out: RequestDest = { address: readAddr(d, IPVS_DEST_ATTR.ADDR, family), port: d.be16(IPVS_DEST_ATTR.PORT) };
  if (afWire !== undefined) out.addrFamily = afWire;
  const fwd = d.getU32(IPVS_DEST_ATTR.FWD_METHOD);
  if (fwd !== undefined) out.forwarding = forwardEnum.fromWire(fwd, d.label(IPVS_DEST_ATTR.FWD_METHOD));
  const weight = d.getU32(IPVS_DEST_ATTR.WEIGHT);
  if (weight !== undefined) out.weight = weight;
  const upper = d.getU32(IPVS_DEST_ATTR.U_THRESH);
  if (upper !== undefined) out.upperThreshold = upper;
  const lower = d.getU32(IPVS_DEST_ATTR.L_THRESH);
  if (lower !== undefined) out.lowerThreshold = lower;
  const tt = d.getU8(IPVS_DEST_ATTR.TUN_TYPE);
  if (tt !== undefined) out.tunnelType = tunnelTypeEnum.fromWire(tt, d.label(IPVS_DEST_ATTR.TUN_TYPE));
  const tp = d.getBe16(IPVS_DEST_ATTR.TUN_PORT);
  if (tp !== undefined) out.tunnelPort = tp;
  const tf = d.getU16(IPVS_DEST_ATTR.TUN_FLAGS);
  if (tf !== undefined) out.tunnelCsum = tunnelCsumEnum.fromWire(tf, d.label(IPVS_DEST_ATTR.TUN_FLAGS));
  return out;
}

function decodeDaemon(n: AttrSet): RequestDaemon {
  const out: RequestDaemon = {
    state: syncStateEnum.fromWire(n.u32(IPVS_DAEMON_ATTR.STATE), n.label(IPVS_DAEMON_ATTR.STATE)),
  };
  const ifn = n.getString(IPVS_DAEMON_ATTR.MCAST_IFN);
  if (ifn !== undefined) out.mcastIfn = ifn;
  const syncId = n.getU32(IPVS_DAEMON_ATTR.SYNC_ID);
  if (syncId !== undefined) out.syncId = syncId;
  const maxlen = n.getU16(IPVS_DAEMON_ATTR.SYNC_MAXLEN);
  if (maxlen !== undefined) out.syncMaxlen = maxlen;
  const group = readInAddr(n, IPVS_DAEMON_ATTR.MCAST_GROUP) ?? readIn6Addr(n, IPVS_DAEMON_ATTR.MCAST_GROUP6);
  if (group !== undefined) out.mcastGroup = group;
  const port = n.getU16(IPVS_DAEMON_ATTR.MCAST_PORT);
  if (port !== undefined) out.mcastPort = port;
  const ttl = n.getU8(IPVS_DAEMON_ATTR.MCAST_TTL);
  if (ttl !== undefined) out.mcastTtl = ttl;
  return out;
}

/** Decodes the genl payload of an IPVS request; throws only NetlinkDecodeError. */
export function decodeIpvsRequest(payload: Buffer): DecodedRequest {
  const { genl, attrs } = splitGenl(payload);
  const top = parseAttrs(attrs, `IPVS request ${genl.cmd}`, CMD_ATTR_NAMES);
  const out: DecodedRequest = { cmd: genl.cmd, version: genl.version };
  const svc = top.getNested(IPVS_CMD_ATTR.SERVICE, SVC_ATTR_NAMES);
  if (svc !== undefined) {
    const { key, family } = readServiceKey(svc);
    out.service = { key, family, ...readServiceOptions(svc, family) };
  }
  const dest = top.getNested(IPVS_CMD_ATTR.DEST, DEST_ATTR_NAMES);
  if (dest !== undefined) out.dest = decodeDest(dest, out.service?.family);
  const daemon = top.getNested(IPVS_CMD_ATTR.DAEMON, DAEMON_ATTR_NAMES);
  if (daemon !== undefined) out.daemon = decodeDaemon(daemon);
  const timeouts: { tcp?: number; tcpFin?: number; udp?: number } = {};
  const tcp = top.getU32(IPVS_CMD_ATTR.TIMEOUT_TCP);
  if (tcp !== undefined) timeouts.tcp = tcp;
  const tcpFin = top.getU32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN);
  if (tcpFin !== undefined) timeouts.tcpFin = tcpFin;
  const udp = top.getU32(IPVS_CMD_ATTR.TIMEOUT_UDP);
  if (udp !== undefined) timeouts.udp = udp;
  if (Object.keys(timeouts).length > 0) out.timeouts = timeouts;
  return out;
}
