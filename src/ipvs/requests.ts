/**
 * Encoders for every IPVS request, built as ipvsadm 1.31's libipvs builds them: the same
 * attributes in the same order, flags NLM_F_REQUEST|NLM_F_ACK (libnl's auto-ACK) plus
 * NLM_F_DUMP for dumps, genlmsghdr version 1.
 */
import { AttrWriter, NLA_F_NESTED, NLA_HDRLEN } from '../netlink/attrs.js';
import { writeU16, writeU32 } from '../netlink/host-order.js';
import { parseAddress } from './addr.js';
import { NetlinkEncodeError } from '../netlink/errors.js';
import { buildGenlMessage, GENL_HDRLEN, NLM_F } from '../netlink/message.js';
import {
  IFNAME_MAX,
  NF_INET_ADDR_LEN,
  IP_VS_SVC_F,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_GENL_VERSION,
  IPVS_SVC_ATTR,
  type IpvsCmd,
} from './constants.js';
import { familyEnum, forwardEnum, syncStateEnum, tunnelCsumEnum, tunnelTypeEnum } from './enums.js';
import { writeServiceIdentity, writeServiceOptions } from './nests.js';
import type { DaemonConfig, DestinationSpec, ServiceKey, ServiceSpec, SyncState, Timeouts } from './types.js';
import { addrToWire, checkName, checkRange, defaultNetmask } from './wire.js';

/** An encoded IPVS request before framing: its command, nlmsg flags and genl payload. */
export interface IpvsRequest {
  readonly cmd: IpvsCmd;
  /** nlmsg_flags to send: NLM_F_REQUEST | NLM_F_ACK, plus NLM_F_DUMP for dumps. */
  readonly flags: number;
  /** genlmsghdr + attributes. */
  readonly payload: Buffer;
}

/** Encoding options. */
export interface EncodeOptions {
  /**
   * Set NLA_F_NESTED on nests. libnl ≥ 3.5 (2019) sets it in nla_nest_start, older libnl does
   * not; the kernel accepts both for IPVS. Default true.
   */
  readonly nestedFlag?: boolean;
}

/** Framing of a request into a full netlink message. */
export interface FrameOptions {
  /** The IPVS family id resolved through nlctrl. */
  readonly familyId: number;
  readonly seq: number;
  /** Sender port id; 0 lets the kernel fill it in. */
  readonly pid?: number;
}

/**
 * A service reference for commands that only need to identify the service. ipvsadm still sends
 * the full nest; fields left out take ipvsadm's values for such commands (scheduler "", flags 0,
 * timeout 0, netmask 255.255.255.255 or /128, no persistence engine).
 */
export interface ServiceRef extends Partial<Omit<ServiceSpec, 'key'>> {
  readonly key: ServiceKey;
}

/**
 * A destination reference for DEL_DEST. Fields left out take ipvsadm's defaults (route, weight 1,
 * thresholds 0, ipip, tunnel port 0, nocsum).
 */
export interface DestinationRef extends Partial<Omit<DestinationSpec, 'address' | 'port'>> {
  readonly address: string;
  readonly port: number;
}

/** What DEL_DAEMON sends: the state, plus (as ipvsadm) the interface ("") and sync id (0). */
export interface DaemonRef {
  readonly state: SyncState;
  readonly mcastIfn?: string;
  readonly syncId?: number;
}

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const REQ_ACK_DUMP = NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP;

/** Frames an encoded request into the message to send. */
export function frameRequest(req: IpvsRequest, options: FrameOptions): Buffer {
  const genl = req.payload.subarray(0, 4);
  return buildGenlMessage(
    {
      familyId: options.familyId,
      flags: req.flags,
      seq: options.seq,
      pid: options.pid ?? 0,
      cmd: genl.readUInt8(0),
      version: genl.readUInt8(1),
    },
    req.payload.subarray(4),
  );
}

/** The request with the attributes `w` holds: genlmsghdr written in front of a copy of them. */
function request(cmd: IpvsCmd, flags: number, w?: AttrWriter): IpvsRequest {
  const payload = w === undefined ? Buffer.alloc(GENL_HDRLEN) : w.finishAfter(GENL_HDRLEN);
  payload[0] = cmd;
  payload[1] = IPVS_GENL_VERSION;
  return { cmd, flags, payload };
}

function nestOpt(options: EncodeOptions): { nestedFlag: boolean } {
  return { nestedFlag: options.nestedFlag ?? true };
}

function writeServiceNest(w: AttrWriter, ref: ServiceRef, netmaskDefault: number | undefined, o: EncodeOptions): void {
  w.nest(
    IPVS_CMD_ATTR.SERVICE,
    (n) => {
      const family = writeServiceIdentity(n, ref.key);
      writeServiceOptions(n, family, {
        scheduler: ref.scheduler ?? '',
        peName: ref.peName,
        flags: ref.flags ?? 0,
        flagsMask: 0xffffffff,
        timeout: ref.timeout ?? 0,
        netmask: ref.netmask ?? netmaskDefault ?? defaultNetmask(family),
      });
    },
    nestOpt(o),
  );
}

/**
 * Checks a full service spec and clears IP_VS_SVC_F_HASHED: services read back from the kernel
 * carry that kernel-internal bit, the kernel ignores it on input, and ipvsadm never sends it.
 */
function fullSpec(spec: ServiceSpec): ServiceSpec {
  if (spec.scheduler === '') throw new NetlinkEncodeError('a new or edited service needs a scheduler name');
  checkRange('service flags', spec.flags, 0, 0xffffffff);
  return { ...spec, flags: (spec.flags & ~IP_VS_SVC_F.HASHED) >>> 0 };
}

/** NEW_SERVICE (ipvsadm -A). */
export function encodeNewService(spec: ServiceSpec, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  writeServiceNest(w, fullSpec(spec), undefined, options);
  return request(IPVS_CMD.NEW_SERVICE, REQ_ACK, w);
}

/** SET_SERVICE (ipvsadm -E): replaces scheduler, flags, timeout, netmask and PE. */
export function encodeSetService(spec: ServiceSpec, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  writeServiceNest(w, fullSpec(spec), undefined, options);
  return request(IPVS_CMD.SET_SERVICE, REQ_ACK, w);
}

/** DEL_SERVICE (ipvsadm -D); removes the service and its destinations. */
export function encodeDelService(ref: ServiceRef, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  writeServiceNest(w, ref, undefined, options);
  return request(IPVS_CMD.DEL_SERVICE, REQ_ACK, w);
}

/** GET_SERVICE as a dump: every service of the network namespace (ipvsadm -L). */
export function encodeGetServices(): IpvsRequest {
  return request(IPVS_CMD.GET_SERVICE, REQ_ACK_DUMP);
}

/**
 * GET_SERVICE for one service (ipvsadm -L -t …). libipvs sends a zeroed service apart from the
 * identity, so unspecified fields default to scheduler "", flags 0, timeout 0 and netmask 0.
 */
export function encodeGetService(ref: ServiceRef, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  writeServiceNest(w, ref, 0, options);
  return request(IPVS_CMD.GET_SERVICE, REQ_ACK, w);
}

function writeDestNest(w: AttrWriter, d: DestinationRef, o: EncodeOptions): void {
  checkRange('destination port', d.port, 0, 0xffff);
  const weight = d.weight ?? 1;
  checkRange('weight', weight, 0, 0x7fffffff);
  const upper = d.upperThreshold ?? 0;
  const lower = d.lowerThreshold ?? 0;
  checkRange('upper threshold', upper, 0, 0xffffffff);
  checkRange('lower threshold', lower, 0, 0xffffffff);
  const tunnelPort = d.tunnelPort ?? 0;
  checkRange('tunnel port', tunnelPort, 0, 0xffff);
  const addr = addrToWire(d.address);
  w.nest(
    IPVS_CMD_ATTR.DEST,
    (n) =>
      n
        .u16(IPVS_DEST_ATTR.ADDR_FAMILY, familyEnum.toWire(addr.family))
        .binary(IPVS_DEST_ATTR.ADDR, addr.bytes)
        .be16(IPVS_DEST_ATTR.PORT, d.port)
        .u32(IPVS_DEST_ATTR.FWD_METHOD, forwardEnum.toWire(d.forwarding ?? 'route'))
        .u32(IPVS_DEST_ATTR.WEIGHT, weight)
        .u8(IPVS_DEST_ATTR.TUN_TYPE, tunnelTypeEnum.toWire(d.tunnelType ?? 'ipip'))
        .be16(IPVS_DEST_ATTR.TUN_PORT, tunnelPort)
        .u16(IPVS_DEST_ATTR.TUN_FLAGS, tunnelCsumEnum.toWire(d.tunnelCsum ?? 'nocsum'))
        .u32(IPVS_DEST_ATTR.U_THRESH, upper)
        .u32(IPVS_DEST_ATTR.L_THRESH, lower),
    nestOpt(o),
  );
}

/**
 * The service nests of destination requests that name the service by its key only (all that
 * ipvsadm sends for -a/-e/-d), encoded once per key: a restore sends many real servers of the
 * same service in a row. Bounded; cleared when full.
 */
const KEY_NESTS = new Map<string, Buffer>();
const KEY_NESTS_MAX = 256;

/** The last key asked for, by identity (callers often pass the same key object again and again). */
let lastKey: { key: ServiceKey; nested: boolean; nest: Buffer } | undefined;

function keyNest(svc: ServiceRef, o: EncodeOptions): Buffer | undefined {
  if (svc.scheduler !== undefined || svc.peName !== undefined || svc.flags !== undefined) return undefined;
  if (svc.timeout !== undefined || svc.netmask !== undefined) return undefined;
  const k = svc.key;
  const nested = o.nestedFlag ?? true;
  if (lastKey !== undefined && lastKey.key === k && lastKey.nested === nested) return lastKey.nest;
  const id = `${'fwmark' in k ? `${k.family}/${k.fwmark}` : `${k.protocol}/${k.address}/${k.port}`}/${nested}`;
  let nest = KEY_NESTS.get(id);
  if (nest === undefined) {
    const w = new AttrWriter(96);
    writeServiceNest(w, svc, undefined, o);
    nest = w.finish();
    if (KEY_NESTS.size >= KEY_NESTS_MAX) KEY_NESTS.clear();
    KEY_NESTS.set(id, nest);
  }
  lastKey = { key: k, nested, nest };
  return nest;
}

function destRequest(cmd: IpvsCmd, svc: ServiceRef, dest: DestinationRef, o: EncodeOptions): IpvsRequest {
  const nest = keyNest(svc, o);
  if (nest === undefined) {
    const w = new AttrWriter(192);
    writeServiceNest(w, svc, undefined, o);
    writeDestNest(w, dest, o);
    return request(cmd, REQ_ACK, w);
  }
  // The bulk of a restore: the kept service nest, then the destination nest written in place
  // (what writeDestNest writes, without the general writer; the unit tests compare the bytes).
  const payload = Buffer.allocUnsafe(GENL_HDRLEN + nest.length + DEST_NEST_LEN);
  payload[0] = cmd;
  payload[1] = IPVS_GENL_VERSION;
  payload[2] = 0;
  payload[3] = 0;
  nest.copy(payload, GENL_HDRLEN);
  putDestNest(payload, GENL_HDRLEN + nest.length, dest, o);
  return { cmd, flags: REQ_ACK, payload };
}

/** Bytes of the destination nest writeDestNest writes: header and ten attributes, ADDR always 16 bytes. */
const DEST_NEST_LEN = 4 + 8 + 20 + 8 + 8 + 8 + 8 + 8 + 8 + 8 + 8;

/** Writes an attribute header and returns the payload offset. */
function attrAt(buf: Buffer, off: number, type: number, payloadLen: number): number {
  writeU16(buf, NLA_HDRLEN + payloadLen, off);
  writeU16(buf, type, off + 2);
  return off + NLA_HDRLEN;
}

/** writeDestNest into `buf` at `off` (DEST_NEST_LEN bytes, padding zeroed), with the same checks. */
function putDestNest(buf: Buffer, off: number, d: DestinationRef, o: EncodeOptions): void {
  checkRange('destination port', d.port, 0, 0xffff);
  const weight = d.weight ?? 1;
  checkRange('weight', weight, 0, 0x7fffffff);
  const upper = d.upperThreshold ?? 0;
  const lower = d.lowerThreshold ?? 0;
  checkRange('upper threshold', upper, 0, 0xffffffff);
  checkRange('lower threshold', lower, 0, 0xffffffff);
  const tunnelPort = d.tunnelPort ?? 0;
  checkRange('tunnel port', tunnelPort, 0, 0xffff);
  const addr = parseAddress(d.address);
  const fwd = forwardEnum.toWire(d.forwarding ?? 'route');
  const tunType = tunnelTypeEnum.toWire(d.tunnelType ?? 'ipip');
  const tunFlags = tunnelCsumEnum.toWire(d.tunnelCsum ?? 'nocsum');
  // Zero the padding and the address's tail: the attribute writes below fill in the rest.
  for (let i = off; i < off + DEST_NEST_LEN; i++) buf[i] = 0;
  writeU16(buf, DEST_NEST_LEN, off);
  writeU16(buf, IPVS_CMD_ATTR.DEST | ((o.nestedFlag ?? true) ? NLA_F_NESTED : 0), off + 2);
  let a = off + NLA_HDRLEN;
  writeU16(buf, familyEnum.toWire(addr.family), attrAt(buf, a, IPVS_DEST_ATTR.ADDR_FAMILY, 2));
  a += 8;
  addr.bytes.copy(buf, attrAt(buf, a, IPVS_DEST_ATTR.ADDR, NF_INET_ADDR_LEN));
  a += 20;
  let v = attrAt(buf, a, IPVS_DEST_ATTR.PORT, 2);
  buf[v] = d.port >>> 8;
  buf[v + 1] = d.port & 0xff;
  a += 8;
  writeU32(buf, fwd, attrAt(buf, a, IPVS_DEST_ATTR.FWD_METHOD, 4));
  a += 8;
  writeU32(buf, weight, attrAt(buf, a, IPVS_DEST_ATTR.WEIGHT, 4));
  a += 8;
  buf[attrAt(buf, a, IPVS_DEST_ATTR.TUN_TYPE, 1)] = tunType;
  a += 8;
  v = attrAt(buf, a, IPVS_DEST_ATTR.TUN_PORT, 2);
  buf[v] = tunnelPort >>> 8;
  buf[v + 1] = tunnelPort & 0xff;
  a += 8;
  writeU16(buf, tunFlags, attrAt(buf, a, IPVS_DEST_ATTR.TUN_FLAGS, 2));
  a += 8;
  writeU32(buf, upper, attrAt(buf, a, IPVS_DEST_ATTR.U_THRESH, 4));
  a += 8;
  writeU32(buf, lower, attrAt(buf, a, IPVS_DEST_ATTR.L_THRESH, 4));
}

/** NEW_DEST (ipvsadm -a). */
export function encodeNewDest(svc: ServiceRef, dest: DestinationSpec, options: EncodeOptions = {}): IpvsRequest {
  return destRequest(IPVS_CMD.NEW_DEST, svc, dest, options);
}

/** SET_DEST (ipvsadm -e). */
export function encodeSetDest(svc: ServiceRef, dest: DestinationSpec, options: EncodeOptions = {}): IpvsRequest {
  return destRequest(IPVS_CMD.SET_DEST, svc, dest, options);
}

/** DEL_DEST (ipvsadm -d). */
export function encodeDelDest(svc: ServiceRef, dest: DestinationRef, options: EncodeOptions = {}): IpvsRequest {
  return destRequest(IPVS_CMD.DEL_DEST, svc, dest, options);
}

/** A service's identity as numbers, the way the kernel reports it (fwmark 0: not a fwmark service). */
export interface ServiceIdentity {
  /** AF_INET (2) or AF_INET6 (10). */
  readonly af: number;
  /** IP protocol number (ignored for fwmark services). */
  readonly protocol: number;
  /** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4. */
  readonly addr: Uint8Array;
  readonly port: number;
  readonly fwmark: number;
}

/**
 * GET_DEST requests for many services, framed end to end for a client's dumpFramed: each message
 * as encodeGetDests builds it (the same attributes, a 16-byte ADDR, NLA_F_NESTED on the nest),
 * written straight from the numbers, with no key text to parse per service. The 16-byte headers
 * carry nlmsg_len only (the client sets the rest).
 */
export function frameGetDests(services: readonly ServiceIdentity[]): {
  buffer: Buffer;
  count: number;
  ends: Uint32Array;
  maxPayload: number;
} {
  const count = services.length;
  // header 16, genlmsghdr 4, nest 4, AF 8, then FWMARK 8 or PROTOCOL 8 + ADDR 20 + PORT 8.
  const buffer = Buffer.alloc(count * 68);
  const ends = new Uint32Array(count);
  let off = 0;
  let maxPayload = 0;
  for (let i = 0; i < count; i++) {
    const s = services[i]!;
    const start = off;
    buffer[off + 16] = IPVS_CMD.GET_DEST;
    buffer[off + 17] = IPVS_GENL_VERSION;
    const nest = off + 20;
    let a = nest + NLA_HDRLEN;
    writeU16(buffer, 6, a);
    writeU16(buffer, IPVS_SVC_ATTR.AF, a + 2);
    writeU16(buffer, s.af, a + 4);
    a += 8;
    if (s.fwmark !== 0) {
      writeU16(buffer, 8, a);
      writeU16(buffer, IPVS_SVC_ATTR.FWMARK, a + 2);
      writeU32(buffer, s.fwmark >>> 0, a + 4);
      a += 8;
    } else {
      writeU16(buffer, 6, a);
      writeU16(buffer, IPVS_SVC_ATTR.PROTOCOL, a + 2);
      writeU16(buffer, s.protocol, a + 4);
      a += 8;
      writeU16(buffer, 4 + NF_INET_ADDR_LEN, a);
      writeU16(buffer, IPVS_SVC_ATTR.ADDR, a + 2);
      // IPv4: the first 4 bytes and zeros, as addrToWire writes it.
      if (s.af === 10) buffer.set(s.addr.subarray(0, NF_INET_ADDR_LEN), a + 4);
      else buffer.set(s.addr.subarray(0, 4), a + 4);
      a += 4 + NF_INET_ADDR_LEN;
      writeU16(buffer, 6, a);
      writeU16(buffer, IPVS_SVC_ATTR.PORT, a + 2);
      buffer[a + 4] = (s.port >> 8) & 0xff;
      buffer[a + 5] = s.port & 0xff;
      a += 8;
    }
    writeU16(buffer, a - nest, nest);
    writeU16(buffer, IPVS_CMD_ATTR.SERVICE | NLA_F_NESTED, nest + 2);
    writeU32(buffer, a - start, start);
    maxPayload = Math.max(maxPayload, a - start - 16);
    off = a;
    ends[i] = off;
  }
  return { buffer: buffer.subarray(0, off), count, ends, maxPayload };
}

/** GET_DEST (dump only): the destinations of one service; the nest carries the identity only. */
export function encodeGetDests(key: ServiceKey, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  w.nest(IPVS_CMD_ATTR.SERVICE, (n) => void writeServiceIdentity(n, key), nestOpt(options));
  return request(IPVS_CMD.GET_DEST, REQ_ACK_DUMP, w);
}

/**
 * NEW_DAEMON (ipvsadm --start-daemon): STATE, MCAST_IFN, SYNC_ID, then SYNC_MAXLEN, MCAST_PORT,
 * MCAST_TTL only when non-zero, then MCAST_GROUP6 or MCAST_GROUP when a group is given.
 */
export function encodeNewDaemon(cfg: DaemonConfig, options: EncodeOptions = {}): IpvsRequest {
  checkName('sync interface name', cfg.mcastIfn, IFNAME_MAX);
  checkRange('sync id', cfg.syncId, 0, 0xffffffff);
  const maxlen = cfg.syncMaxlen ?? 0;
  const port = cfg.mcastPort ?? 0;
  const ttl = cfg.mcastTtl ?? 0;
  checkRange('sync maxlen', maxlen, 0, 0xffff);
  checkRange('mcast port', port, 0, 0xffff);
  checkRange('mcast ttl', ttl, 0, 0xff);
  const group = cfg.mcastGroup === undefined ? undefined : addrToWire(cfg.mcastGroup);
  const w = new AttrWriter();
  w.nest(
    IPVS_CMD_ATTR.DAEMON,
    (n) => {
      n.u32(IPVS_DAEMON_ATTR.STATE, syncStateEnum.toWire(cfg.state));
      n.string(IPVS_DAEMON_ATTR.MCAST_IFN, cfg.mcastIfn);
      n.u32(IPVS_DAEMON_ATTR.SYNC_ID, cfg.syncId);
      if (maxlen !== 0) n.u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN, maxlen);
      if (port !== 0) n.u16(IPVS_DAEMON_ATTR.MCAST_PORT, port);
      if (ttl !== 0) n.u8(IPVS_DAEMON_ATTR.MCAST_TTL, ttl);
      if (group?.family === 'ipv6') n.binary(IPVS_DAEMON_ATTR.MCAST_GROUP6, group.bytes);
      else if (group?.family === 'ipv4') n.binary(IPVS_DAEMON_ATTR.MCAST_GROUP, group.bytes.subarray(0, 4));
    },
    nestOpt(options),
  );
  return request(IPVS_CMD.NEW_DAEMON, REQ_ACK, w);
}

/** DEL_DAEMON (ipvsadm --stop-daemon). */
export function encodeDelDaemon(ref: DaemonRef, options: EncodeOptions = {}): IpvsRequest {
  const ifn = ref.mcastIfn ?? '';
  const syncId = ref.syncId ?? 0;
  checkName('sync interface name', ifn, IFNAME_MAX);
  checkRange('sync id', syncId, 0, 0xffffffff);
  const w = new AttrWriter();
  w.nest(
    IPVS_CMD_ATTR.DAEMON,
    (n) =>
      n
        .u32(IPVS_DAEMON_ATTR.STATE, syncStateEnum.toWire(ref.state))
        .string(IPVS_DAEMON_ATTR.MCAST_IFN, ifn)
        .u32(IPVS_DAEMON_ATTR.SYNC_ID, syncId),
    nestOpt(options),
  );
  return request(IPVS_CMD.DEL_DAEMON, REQ_ACK, w);
}

/** GET_DAEMON (dump only): zero, one or two daemons, master first. */
export function encodeGetDaemons(): IpvsRequest {
  return request(IPVS_CMD.GET_DAEMON, REQ_ACK_DUMP);
}

/** SET_CONFIG (ipvsadm --set tcp tcpfin udp); 0 keeps a timeout unchanged. */
export function encodeSetTimeouts(t: Timeouts): IpvsRequest {
  checkRange('tcp timeout', t.tcp, 0, 0xffffffff);
  checkRange('tcpfin timeout', t.tcpFin, 0, 0xffffffff);
  checkRange('udp timeout', t.udp, 0, 0xffffffff);
  const w = new AttrWriter()
    .u32(IPVS_CMD_ATTR.TIMEOUT_TCP, t.tcp)
    .u32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpFin)
    .u32(IPVS_CMD_ATTR.TIMEOUT_UDP, t.udp);
  return request(IPVS_CMD.SET_CONFIG, REQ_ACK, w);
}

/** GET_CONFIG (ipvsadm --timeout), doit only. */
export function encodeGetTimeouts(): IpvsRequest {
  return request(IPVS_CMD.GET_CONFIG, REQ_ACK);
}

/** GET_INFO (version and connection table size), doit only. */
export function encodeGetInfo(): IpvsRequest {
  return request(IPVS_CMD.GET_INFO, REQ_ACK);
}

/** ZERO (ipvsadm -Z): one service's counters, or all counters when `ref` is omitted. */
export function encodeZero(ref?: ServiceRef, options: EncodeOptions = {}): IpvsRequest {
  const w = new AttrWriter();
  if (ref !== undefined) writeServiceNest(w, ref, undefined, options);
  return request(IPVS_CMD.ZERO, REQ_ACK, w);
}

/** FLUSH (ipvsadm -C): deletes every service. */
export function encodeFlush(): IpvsRequest {
  return request(IPVS_CMD.FLUSH, REQ_ACK);
}
