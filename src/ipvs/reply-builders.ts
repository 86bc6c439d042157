/**
 * The kernel side of the IPVS codec: builds replies exactly as ip_vs_ctl.c fills them
 * (attribute order, nests without NLA_F_NESTED, 16-byte addresses, STATS and STATS64).
 * Used by unit tests and by fakes of the kernel; lvsd itself never sends these.
 */
import { AttrWriter } from '../netlink/attrs.js';
import { buildMessage, encodeGenlhdr, NLM_F } from '../netlink/message.js';
import {
  IFNAME_MAX,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_GENL_VERSION,
  IPVS_INFO_ATTR,
  IPVS_SVC_ATTR,
  type IpvsCmd,
} from './constants.js';
import { familyEnum, forwardEnum, syncStateEnum, tunnelCsumEnum, tunnelTypeEnum } from './enums.js';
import { writeServiceIdentity, writeServiceOptions, writeStats } from './nests.js';
import type { DaemonConfig, Destination, Info, Service, Timeouts } from './types.js';
import { addrToWire, checkName, checkRange } from './wire.js';

/** Options of the reply builders. */
export interface ReplyOptions {
  /** NLA_F_NESTED on nests; the kernel uses nla_nest_start_noflag, so default false. */
  readonly nestedFlag?: boolean;
}

/** Framing of a reply; dump entries carry NLM_F_MULTI. */
export interface ReplyFrame {
  readonly familyId: number;
  readonly seq: number;
  readonly pid?: number;
  readonly multi?: boolean;
}

function reply(cmd: IpvsCmd, attrs: Buffer): Buffer {
  return Buffer.concat([encodeGenlhdr({ cmd, version: IPVS_GENL_VERSION, reserved: 0 }), attrs]);
}

/** Wraps a reply payload in an nlmsghdr. */
export function frameReply(payload: Buffer, frame: ReplyFrame): Buffer {
  return buildMessage({ type: frame.familyId, flags: frame.multi ? NLM_F.MULTI : 0, seq: frame.seq, pid: frame.pid ?? 0 }, payload);
}

/** A service message as ip_vs_genl_fill_service builds it (cmd NEW_SERVICE). */
export function encodeServiceReply(svc: Service, options: ReplyOptions = {}): Buffer {
  const nestedFlag = options.nestedFlag ?? false;
  const w = new AttrWriter();
  w.nest(
    IPVS_CMD_ATTR.SERVICE,
    (n) => {
      const family = writeServiceIdentity(n, svc.key);
      writeServiceOptions(n, family, {
        scheduler: svc.scheduler,
        peName: svc.peName,
        flags: svc.flags,
        flagsMask: 0xffffffff,
        timeout: svc.timeout,
        netmask: svc.netmask,
      });
      if (svc.stats !== undefined) writeStats(n, IPVS_SVC_ATTR.STATS, svc.stats, false, nestedFlag);
      if (svc.stats64 !== undefined) writeStats(n, IPVS_SVC_ATTR.STATS64, svc.stats64, true, nestedFlag);
    },
    { nestedFlag },
  );
  return reply(IPVS_CMD.NEW_SERVICE, w.finish());
}

/** A destination message as ip_vs_genl_fill_dest builds it (cmd NEW_DEST). */
export function encodeDestReply(dest: Destination, options: ReplyOptions = {}): Buffer {
  const nestedFlag = options.nestedFlag ?? false;
  checkRange('destination port', dest.port, 0, 0xffff);
  checkRange('tunnel port', dest.tunnelPort, 0, 0xffff);
  const addr = addrToWire(dest.address);
  const w = new AttrWriter();
  w.nest(
    IPVS_CMD_ATTR.DEST,
    (n) => {
      n.binary(IPVS_DEST_ATTR.ADDR, addr.bytes)
        .be16(IPVS_DEST_ATTR.PORT, dest.port)
        .u32(IPVS_DEST_ATTR.FWD_METHOD, forwardEnum.toWire(dest.forwarding))
        .u32(IPVS_DEST_ATTR.WEIGHT, dest.weight)
        .u8(IPVS_DEST_ATTR.TUN_TYPE, tunnelTypeEnum.toWire(dest.tunnelType))
        .be16(IPVS_DEST_ATTR.TUN_PORT, dest.tunnelPort)
        .u16(IPVS_DEST_ATTR.TUN_FLAGS, tunnelCsumEnum.toWire(dest.tunnelCsum))
        .u32(IPVS_DEST_ATTR.U_THRESH, dest.upperThreshold)
        .u32(IPVS_DEST_ATTR.L_THRESH, dest.lowerThreshold)
        .u32(IPVS_DEST_ATTR.ACTIVE_CONNS, dest.activeConns)
        .u32(IPVS_DEST_ATTR.INACT_CONNS, dest.inactiveConns)
        .u32(IPVS_DEST_ATTR.PERSIST_CONNS, dest.persistentConns)
        .u16(IPVS_DEST_ATTR.ADDR_FAMILY, familyEnum.toWire(addr.family));
      if (dest.stats !== undefined) writeStats(n, IPVS_DEST_ATTR.STATS, dest.stats, false, nestedFlag);
      if (dest.stats64 !== undefined) writeStats(n, IPVS_DEST_ATTR.STATS64, dest.stats64, true, nestedFlag);
    },
    { nestedFlag },
  );
  return reply(IPVS_CMD.NEW_DEST, w.finish());
}

/**
 * A sync-daemon message as ip_vs_genl_fill_daemon builds it (cmd NEW_DAEMON). The kernel always
 * sends SYNC_MAXLEN, MCAST_PORT and MCAST_TTL; absent values are written as 0 here.
 */
export function encodeDaemonReply(cfg: DaemonConfig, options: ReplyOptions = {}): Buffer {
  checkName('sync interface name', cfg.mcastIfn, IFNAME_MAX);
  const group = cfg.mcastGroup === undefined ? undefined : addrToWire(cfg.mcastGroup);
  const w = new AttrWriter();
  w.nest(
    IPVS_CMD_ATTR.DAEMON,
    (n) => {
      n.u32(IPVS_DAEMON_ATTR.STATE, syncStateEnum.toWire(cfg.state))
        .string(IPVS_DAEMON_ATTR.MCAST_IFN, cfg.mcastIfn)
        .u32(IPVS_DAEMON_ATTR.SYNC_ID, cfg.syncId)
        .u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN, cfg.syncMaxlen ?? 0)
        .u16(IPVS_DAEMON_ATTR.MCAST_PORT, cfg.mcastPort ?? 0)
        .u8(IPVS_DAEMON_ATTR.MCAST_TTL, cfg.mcastTtl ?? 0);
      if (group?.family === 'ipv6') n.binary(IPVS_DAEMON_ATTR.MCAST_GROUP6, group.bytes);
      else if (group?.family === 'ipv4') n.binary(IPVS_DAEMON_ATTR.MCAST_GROUP, group.bytes.subarray(0, 4));
    },
    { nestedFlag: options.nestedFlag ?? false },
  );
  return reply(IPVS_CMD.NEW_DAEMON, w.finish());
}

/** The GET_CONFIG reply (cmd SET_CONFIG) with all three timeouts. */
export function encodeTimeoutsReply(t: Timeouts): Buffer {
  const w = new AttrWriter()
    .u32(IPVS_CMD_ATTR.TIMEOUT_TCP, t.tcp)
    .u32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpFin)
    .u32(IPVS_CMD_ATTR.TIMEOUT_UDP, t.udp);
  return reply(IPVS_CMD.SET_CONFIG, w.finish());
}

/** The GET_INFO reply (cmd SET_INFO). */
export function encodeInfoReply(info: Pick<Info, 'versionCode' | 'connTabSize'>): Buffer {
  const w = new AttrWriter().u32(IPVS_INFO_ATTR.VERSION, info.versionCode).u32(IPVS_INFO_ATTR.CONN_TAB_SIZE, info.connTabSize);
  return reply(IPVS_CMD.SET_INFO, w.finish());
}
