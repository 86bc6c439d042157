/**
 * The generic netlink side of the IPVS model: nlctrl's GETFAMILY and the IPVS commands, decoded
 * with the project's request decoder into model calls and answered with the kernel's messages
 * (reply builders of src/ipvs/reply-builders.ts): replies, acknowledgements (only when asked for,
 * errors always), dumps of NLM_F_MULTI entries ended by NLMSG_DONE. Parsing follows
 * ip_vs_genl_set_cmd and friends: a missing nest or attribute is EINVAL, a doit-only command sent
 * as a dump (or the reverse) is EOPNOTSUPP, an unknown family id is ENOENT.
 */
import { type DecodedRequest, decodeIpvsRequest, type RequestService } from '../../src/ipvs/request-decoder.js';
import {
  encodeDaemonReply,
  encodeDestReply,
  encodeInfoReply,
  encodeServiceReply,
  encodeTimeoutsReply,
  frameReply,
} from '../../src/ipvs/reply-builders.js';
import { IPVS_CMD } from '../../src/ipvs/constants.js';
import type { DaemonConfig, Destination, Info, Service, ServiceSpec, Timeouts } from '../../src/ipvs/types.js';
import { parseAttrs } from '../../src/netlink/attrs.js';
import { ERRNO } from '../../src/netlink/errno.js';
import { CTRL_ATTR, CTRL_CMD, encodeFamilyReply, GENL_ID_CTRL } from '../../src/netlink/genl-ctrl.js';
import { buildDone, buildError, decodeGenlhdr, NLM_F, type NetlinkMessage } from '../../src/netlink/message.js';
import { type IpvsCall, type IpvsExecutor, IpvsModelError } from './ipvs-model-calls.js';

/** One answer datagram; `droppable` ones (replies, acks) count against a limited receive buffer. */
export interface GenlAnswer {
  readonly datagram: Buffer;
  readonly droppable: boolean;
}

/** How the kernel side answers (a transport's options). */
export interface GenlKernelOptions {
  readonly familyId: number;
  /** No IPVS family: GETFAMILY "IPVS" answers ENOENT. */
  readonly noIpvs: boolean;
  /** Entries per dump datagram. */
  readonly dumpChunk: number;
  /** Extended-ACK text attached to error answers. */
  readonly extAckMessage: string | undefined;
}

/** Commands that only have a dumpit, and commands that have both. */
const DUMP_ONLY = new Set<number>([IPVS_CMD.GET_DEST, IPVS_CMD.GET_DAEMON]);
const DUMP_OR_DOIT = new Set<number>([IPVS_CMD.GET_SERVICE]);

type Parsed = { readonly call: IpvsCall } | { readonly errno: number };
const refuse = (errno: number): Parsed => ({ errno });

/** The answers to one request message (`raw` is its bytes, for the error echo). */
export function answerGenl(model: IpvsExecutor, o: GenlKernelOptions, m: NetlinkMessage, raw: Buffer): GenlAnswer[] {
  const out: GenlAnswer[] = [];
  const ack = (errno: number): void => {
    if (errno === 0 && (m.header.flags & NLM_F.ACK) === 0) return;
    const ext = errno !== 0 && o.extAckMessage !== undefined ? { extAckMessage: o.extAckMessage } : {};
    out.push({ datagram: buildError(raw, -errno, ext), droppable: true });
  };
  const reply = (payload: Buffer): void => {
    out.push({ datagram: frameReply(payload, { familyId: o.familyId, seq: m.header.seq, pid: m.header.pid }), droppable: true });
  };
  const dump = (payloads: readonly Buffer[], errno = 0): void => {
    for (let i = 0; i < payloads.length; i += o.dumpChunk) {
      const frames = payloads
        .slice(i, i + o.dumpChunk)
        .map((p) => frameReply(p, { familyId: o.familyId, seq: m.header.seq, pid: m.header.pid, multi: true }));
      out.push({ datagram: Buffer.concat(frames), droppable: false });
    }
    out.push({ datagram: buildDone(m.header.seq, m.header.pid, -errno), droppable: false });
  };

  if (m.header.type === GENL_ID_CTRL) {
    const genl = decodeGenlhdr(m.payload);
    const name = parseAttrs(m.payload.subarray(4)).getString(CTRL_ATTR.FAMILY_NAME);
    if (genl.cmd !== CTRL_CMD.GETFAMILY || name !== 'IPVS' || o.noIpvs) {
      ack(ERRNO.ENOENT);
      return out;
    }
    const family = { id: o.familyId, name: 'IPVS', version: 1, hdrsize: 0, maxattr: 6, ops: [{ id: 1, flags: 0xb }], mcastGroups: [] };
    out.push({ datagram: encodeFamilyReply(family, { seq: m.header.seq, pid: m.header.pid }), droppable: true });
    ack(0);
    return out;
  }
  if (m.header.type !== o.familyId || o.noIpvs) {
    ack(ERRNO.ENOENT);
    return out;
  }

  const isDump = (m.header.flags & NLM_F.DUMP) === NLM_F.DUMP;
  let request: DecodedRequest;
  try {
    request = decodeIpvsRequest(m.payload);
  } catch {
    ack(ERRNO.EINVAL);
    return out;
  }
  if (DUMP_ONLY.has(request.cmd) ? !isDump : isDump && !DUMP_OR_DOIT.has(request.cmd)) {
    ack(ERRNO.EOPNOTSUPP);
    return out;
  }
  // GET_DEST of a service that is missing from the request: an empty dump, no error.
  if (request.cmd === IPVS_CMD.GET_DEST && request.service === undefined) {
    dump([]);
    return out;
  }
  const parsed = parseRequest(model, request, isDump);
  if ('errno' in parsed) {
    ack(parsed.errno);
    return out;
  }
  const { call } = parsed;
  let result: unknown;
  try {
    result = model.execute(call, 'netlink');
  } catch (err) {
    if (!(err instanceof IpvsModelError)) throw err;
    const errno = err.errno > 0 ? err.errno : ERRNO.EINVAL;
    if (isDump) dump([], errno);
    else ack(errno);
    return out;
  }
  switch (call.op) {
    case 'listServices':
      dump((result as Service[]).map((s) => encodeServiceReply(s)));
      return out;
    case 'listDestinations':
      dump((result as Destination[]).map((d) => encodeDestReply(d)));
      return out;
    case 'listDaemons':
      dump((result as DaemonConfig[]).map((d) => encodeDaemonReply(d)));
      return out;
    case 'getService':
      reply(encodeServiceReply(result as Service));
      break;
    case 'info':
      reply(encodeInfoReply(result as Info));
      break;
    case 'getTimeouts':
      reply(encodeTimeoutsReply(result as Timeouts));
      break;
  }
  ack(0);
  return out;
}

/** The model call of a decoded request, or the errno the kernel refuses it with before acting. */
function parseRequest(model: IpvsExecutor, r: DecodedRequest, isDump: boolean): Parsed {
  const s = r.service;
  switch (r.cmd) {
    case IPVS_CMD.FLUSH:
      return { call: { op: 'flush' } };
    case IPVS_CMD.SET_CONFIG: {
      const t = r.timeouts ?? {};
      return { call: { op: 'setTimeouts', timeouts: { tcp: t.tcp ?? 0, tcpFin: t.tcpFin ?? 0, udp: t.udp ?? 0 } } };
    }
    case IPVS_CMD.ZERO:
      return { call: s === undefined ? { op: 'zero' } : { op: 'zero', key: s.key } };
    case IPVS_CMD.GET_INFO:
      return { call: { op: 'info' } };
    case IPVS_CMD.GET_CONFIG:
      return { call: { op: 'getTimeouts' } };
    case IPVS_CMD.GET_DAEMON:
      return { call: { op: 'listDaemons' } };
    case IPVS_CMD.NEW_DAEMON:
    case IPVS_CMD.DEL_DAEMON:
      return parseDaemon(r);
    case IPVS_CMD.GET_SERVICE:
      if (isDump) return { call: { op: 'listServices' } };
      return s === undefined ? refuse(ERRNO.EINVAL) : { call: { op: 'getService', key: s.key } };
    case IPVS_CMD.GET_DEST:
      return s === undefined ? refuse(ERRNO.EINVAL) : { call: { op: 'listDestinations', key: s.key } };
    case IPVS_CMD.NEW_SERVICE:
    case IPVS_CMD.SET_SERVICE: {
      const spec = s === undefined ? undefined : fullService(model, s);
      if (spec === undefined) return refuse(ERRNO.EINVAL);
      return { call: r.cmd === IPVS_CMD.NEW_SERVICE ? { op: 'addService', service: spec } : { op: 'editService', service: spec } };
    }
    case IPVS_CMD.DEL_SERVICE:
      return s === undefined ? refuse(ERRNO.EINVAL) : { call: { op: 'deleteService', key: s.key } };
    case IPVS_CMD.NEW_DEST:
    case IPVS_CMD.SET_DEST:
    case IPVS_CMD.DEL_DEST:
      return s === undefined ? refuse(ERRNO.EINVAL) : parseDest(model, r, s);
    default:
      return refuse(ERRNO.EOPNOTSUPP);
  }
}

/**
 * NEW_SERVICE and SET_SERVICE need SCHED_NAME, FLAGS, TIMEOUT and NETMASK. The flags are merged
 * under their mask with those of the service when it exists (ip_vs_genl_parse_service).
 */
function fullService(model: IpvsExecutor, s: RequestService): ServiceSpec | undefined {
  const { scheduler, flags, flagsMask, timeout, netmask } = s;
  if (scheduler === undefined || flags === undefined || flagsMask === undefined || timeout === undefined || netmask === undefined) {
    return undefined;
  }
  const old = model.storedService(s.key)?.flags ?? 0;
  const spec = { key: s.key, scheduler, flags: ((old & ~flagsMask) | (flags & flagsMask)) >>> 0, timeout, netmask };
  return s.peName ? { ...spec, peName: s.peName } : spec;
}

/**
 * A missing service comes first (ESRCH), then the DEST nest: NEW_DEST and SET_DEST need FWD_METHOD,
 * WEIGHT, U_THRESH and L_THRESH (EINVAL); the tunnel attributes default to 0. The weight is an int
 * in the kernel: a u32 above INT_MAX is negative there.
 */
function parseDest(model: IpvsExecutor, r: DecodedRequest, s: RequestService): Parsed {
  const d = r.dest;
  if (model.storedService(s.key) === undefined) return refuse(ERRNO.ESRCH);
  if (d === undefined) return refuse(ERRNO.EINVAL);
  if (r.cmd === IPVS_CMD.DEL_DEST) return { call: { op: 'deleteDestination', key: s.key, dest: { address: d.address, port: d.port } } };
  const { forwarding, weight, upperThreshold, lowerThreshold } = d;
  if (forwarding === undefined || weight === undefined || upperThreshold === undefined || lowerThreshold === undefined) {
    return refuse(ERRNO.EINVAL);
  }
  const dest = {
    address: d.address,
    port: d.port,
    forwarding,
    weight: weight | 0,
    upperThreshold,
    lowerThreshold,
    tunnelType: d.tunnelType ?? 'ipip',
    tunnelPort: d.tunnelPort ?? 0,
    tunnelCsum: d.tunnelCsum ?? 'nocsum',
  } as const;
  return { call: r.cmd === IPVS_CMD.NEW_DEST ? { op: 'addDestination', key: s.key, dest } : { op: 'editDestination', key: s.key, dest } };
}

/** NEW_DAEMON needs STATE, MCAST_IFN and SYNC_ID; DEL_DAEMON needs STATE (the decoder requires it). */
function parseDaemon(r: DecodedRequest): Parsed {
  const d = r.daemon;
  if (d === undefined) return refuse(ERRNO.EINVAL);
  if (r.cmd === IPVS_CMD.DEL_DAEMON) return { call: { op: 'stopDaemon', state: d.state } };
  if (d.mcastIfn === undefined || d.syncId === undefined) return refuse(ERRNO.EINVAL);
  const daemon: { -readonly [K in keyof DaemonConfig]: DaemonConfig[K] } = { state: d.state, mcastIfn: d.mcastIfn, syncId: d.syncId };
  if (d.syncMaxlen) daemon.syncMaxlen = d.syncMaxlen;
  if (d.mcastGroup !== undefined) daemon.mcastGroup = d.mcastGroup;
  if (d.mcastPort) daemon.mcastPort = d.mcastPort;
  if (d.mcastTtl) daemon.mcastTtl = d.mcastTtl;
  return { call: { op: 'startDaemon', daemon } };
}
