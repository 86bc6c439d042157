/**
 * Netlink message framing: nlmsghdr and genlmsghdr encode/decode, splitting a receive buffer
 * into messages, and decoding NLMSG_ERROR (including extended ACK TLVs) and NLMSG_DONE.
 */
import { type AttrNames, AttrWriter, parseAttrs } from './attrs.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import { readI32, readU16, readU32, writeI32, writeU16, writeU32 } from './host-order.js';

/** Size of struct nlmsghdr. */
export const NLMSG_HDRLEN = 16;
/** Size of struct genlmsghdr. */
export const GENL_HDRLEN = 4;
/** Messages are aligned to this many bytes. */
export const NLMSG_ALIGNTO = 4;

/** Rounds `n` up to the message alignment. */
export function nlmsgAlign(n: number): number {
  return (n + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

/** Reserved message types (linux/netlink.h). */
export const NLMSG = {
  NOOP: 0x1,
  ERROR: 0x2,
  DONE: 0x3,
  OVERRUN: 0x4,
  /** Types below this are reserved; generic netlink family ids start here. */
  MIN_TYPE: 0x10,
} as const;

/** nlmsg_flags bits (linux/netlink.h). Several bits have a meaning per request kind. */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  /* GET requests */
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  /* NEW requests */
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  /* DELETE requests */
  NONREC: 0x100,
  BULK: 0x200,
  /* NLMSG_ERROR (acknowledgements) */
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Extended-ACK attributes in NLMSG_ERROR / NLMSG_DONE (enum nlmsgerr_attrs). */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

const NLMSGERR_NAMES: AttrNames = { 1: 'MSG', 2: 'OFFS', 3: 'COOKIE', 4: 'POLICY', 5: 'MISS_TYPE', 6: 'MISS_NEST' };

/** struct nlmsghdr. */
export interface NlmsgHeader {
  /** Length of the message including this header (unpadded). */
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** Port id of the sender (0 for the kernel; 0 in requests lets the kernel fill it in). */
  readonly pid: number;
}

/** One message of a receive buffer: its header and a view of its payload. */
export interface NetlinkMessage {
  readonly header: NlmsgHeader;
  /** `header.len - 16` bytes following the header. */
  readonly payload: Buffer;
}

/** struct genlmsghdr. */
export interface GenlHeader {
  readonly cmd: number;
  readonly version: number;
  readonly reserved: number;
}

function checkField(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NetlinkEncodeError(`${what}: ${String(value)} is not an integer in 0..${max}`);
  }
}

/** Encodes a 16-byte nlmsghdr. */
export function encodeNlmsghdr(h: NlmsgHeader): Buffer {
  checkField('nlmsg_len', h.len, 0xffffffff);
  checkField('nlmsg_type', h.type, 0xffff);
  checkField('nlmsg_flags', h.flags, 0xffff);
  checkField('nlmsg_seq', h.seq, 0xffffffff);
  checkField('nlmsg_pid', h.pid, 0xffffffff);
  const b = Buffer.alloc(NLMSG_HDRLEN);
  writeU32(b, h.len, 0);
  writeU16(b, h.type, 4);
  writeU16(b, h.flags, 6);
  writeU32(b, h.seq, 8);
  writeU32(b, h.pid, 12);
  return b;
}

/** Decodes the nlmsghdr at `offset`; throws if fewer than 16 bytes remain. */
export function decodeNlmsghdr(buf: Buffer, offset = 0): NlmsgHeader {
  if (offset < 0 || buf.length - offset < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(`nlmsghdr truncated: ${Math.max(0, buf.length - offset)} of 16 bytes`);
  }
  return {
    len: readU32(buf, offset),
    type: readU16(buf, offset + 4),
    flags: readU16(buf, offset + 6),
    seq: readU32(buf, offset + 8),
    pid: readU32(buf, offset + 12),
  };
}

/** Encodes a 4-byte genlmsghdr. */
export function encodeGenlhdr(h: GenlHeader): Buffer {
  checkField('genl cmd', h.cmd, 0xff);
  checkField('genl version', h.version, 0xff);
  checkField('genl reserved', h.reserved, 0xffff);
  const b = Buffer.alloc(GENL_HDRLEN);
  b.writeUInt8(h.cmd, 0);
  b.writeUInt8(h.version, 1);
  writeU16(b, h.reserved, 2);
  return b;
}

/** Decodes the genlmsghdr at the start of a generic netlink payload. */
export function decodeGenlhdr(payload: Buffer): GenlHeader {
  if (payload.length < GENL_HDRLEN) {
    throw new NetlinkDecodeError(`genlmsghdr truncated: ${payload.length} of 4 bytes`);
  }
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), reserved: readU16(payload, 2) };
}

/** Splits a generic netlink payload (family hdrsize 0) into its header and attribute bytes. */
export function splitGenl(payload: Buffer): { readonly genl: GenlHeader; readonly attrs: Buffer } {
  return { genl: decodeGenlhdr(payload), attrs: payload.subarray(GENL_HDRLEN) };
}

/** Header fields of a message to build; `len` is computed. */
export type NlmsgHeaderInit = Omit<NlmsgHeader, 'len'>;

/** Builds a message: header + payload, padded to 4 bytes (nlmsg_len includes the padding). */
export function buildMessage(h: NlmsgHeaderInit, payload: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + nlmsgAlign(payload.length);
  const out = Buffer.alloc(len);
  encodeNlmsghdr({ ...h, len }).copy(out, 0);
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/** Fields of a generic netlink request. */
export interface GenlMessageInit {
  /** nlmsg_type: the resolved family id. */
  readonly familyId: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid?: number;
  readonly cmd: number;
  readonly version: number;
}

/** Builds nlmsghdr + genlmsghdr + `attrs` (already-encoded attributes). */
export function buildGenlMessage(init: GenlMessageInit, attrs: Uint8Array): Buffer {
  const genl = encodeGenlhdr({ cmd: init.cmd, version: init.version, reserved: 0 });
  return buildMessage({ type: init.familyId, flags: init.flags, seq: init.seq, pid: init.pid ?? 0 }, Buffer.concat([genl, attrs]));
}

/**
 * Splits a receive buffer into messages. Throws {@link NetlinkDecodeError} when a header is
 * truncated, nlmsg_len < 16, or nlmsg_len runs past the end. Missing padding after the last
 * message is tolerated.
 */
export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off < buf.length) {
    const header = decodeNlmsghdr(buf, off);
    if (header.len < NLMSG_HDRLEN) {
      throw new NetlinkDecodeError(`message at offset ${off}: nlmsg_len ${header.len} < 16`);
    }
    if (header.len > buf.length - off) {
      throw new NetlinkDecodeError(`message at offset ${off}: nlmsg_len ${header.len} but only ${buf.length - off} byte(s) remain`);
    }
    out.push({ header, payload: buf.subarray(off + NLMSG_HDRLEN, off + header.len) });
    off += nlmsgAlign(header.len);
  }
  return out;
}

/** Extended ACK information (present when the socket enabled NETLINK_EXT_ACK). */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's error text. */
  readonly message?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request. */
  readonly offset?: number;
  readonly cookie?: Buffer;
  /** NLMSGERR_ATTR_MISS_TYPE: type of a missing mandatory attribute. */
  readonly missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest lacking it. */
  readonly missingNest?: number;
}

/** A decoded NLMSG_ERROR. */
export interface NetlinkErrorInfo {
  /** The kernel's value: 0 for an ACK, else a negative errno. */
  readonly error: number;
  /** `-error` (a positive errno), 0 for an ACK. */
  readonly errno: number;
  /** True when error is 0: a positive acknowledgement. */
  readonly ack: boolean;
  /** Header of the request being answered. */
  readonly request: NlmsgHeader;
  /** Payload of the request, echoed for errors unless the socket capped ACKs. */
  readonly requestPayload?: Buffer;
  readonly extAck?: ExtAck;
}

function decodeExtAck(tlvs: Buffer): ExtAck {
  const a = parseAttrs(tlvs, 'extended ACK', NLMSGERR_NAMES);
  const ext: {
    message?: string;
    offset?: number;
    cookie?: Buffer;
    missingType?: number;
    missingNest?: number;
  } = {};
  const message = a.getString(NLMSGERR_ATTR.MSG);
  if (message !== undefined) ext.message = message;
  const offset = a.getU32(NLMSGERR_ATTR.OFFS);
  if (offset !== undefined) ext.offset = offset;
  const cookie = a.getBinary(NLMSGERR_ATTR.COOKIE);
  if (cookie !== undefined) ext.cookie = cookie;
  const missingType = a.getU32(NLMSGERR_ATTR.MISS_TYPE);
  if (missingType !== undefined) ext.missingType = missingType;
  const missingNest = a.getU32(NLMSGERR_ATTR.MISS_NEST);
  if (missingNest !== undefined) ext.missingNest = missingNest;
  return ext;
}

/**
 * Decodes an NLMSG_ERROR message: `int error`, the request's nlmsghdr, the request's payload
 * unless NLM_F_CAPPED, then extended-ACK TLVs when NLM_F_ACK_TLVS.
 */
export function decodeError(msg: NetlinkMessage): NetlinkErrorInfo {
  if (msg.header.type !== NLMSG.ERROR) {
    throw new NetlinkDecodeError(`expected NLMSG_ERROR, got message type ${msg.header.type}`);
  }
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR payload truncated: ${p.length} of 20 bytes`);
  const error = readI32(p, 0);
  if (error > 0) throw new NetlinkDecodeError(`NLMSG_ERROR carries a positive error ${error}`);
  const request = decodeNlmsghdr(p, 4);
  const capped = (msg.header.flags & NLM_F.CAPPED) !== 0;
  let tlvStart = 4 + NLMSG_HDRLEN;
  let requestPayload: Buffer | undefined;
  if (!capped && error !== 0) {
    if (request.len < NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR: echoed nlmsg_len ${request.len} < 16`);
    if (4 + request.len > p.length) {
      throw new NetlinkDecodeError(`NLMSG_ERROR: echoed request of ${request.len} bytes exceeds the payload`);
    }
    requestPayload = p.subarray(4 + NLMSG_HDRLEN, 4 + request.len);
    tlvStart = nlmsgAlign(4 + request.len);
  }
  const info: {
    error: number;
    errno: number;
    ack: boolean;
    request: NlmsgHeader;
    requestPayload?: Buffer;
    extAck?: ExtAck;
  } = { error, errno: error === 0 ? 0 : -error, ack: error === 0, request };
  if (requestPayload !== undefined) info.requestPayload = requestPayload;
  if ((msg.header.flags & NLM_F.ACK_TLVS) !== 0 && tlvStart < p.length) {
    info.extAck = decodeExtAck(p.subarray(tlvStart));
  }
  return info;
}

/** A decoded NLMSG_DONE: the end of a dump, with the dump's error status (0 = success). */
export interface NetlinkDone {
  /** 0, or a negative errno when the dump failed. */
  readonly error: number;
  readonly extAck?: ExtAck;
}

/** Decodes an NLMSG_DONE message; its payload is an `int` (possibly absent) plus ext-ACK TLVs. */
export function decodeDone(msg: NetlinkMessage): NetlinkDone {
  if (msg.header.type !== NLMSG.DONE) {
    throw new NetlinkDecodeError(`expected NLMSG_DONE, got message type ${msg.header.type}`);
  }
  const p = msg.payload;
  if (p.length === 0) return { error: 0 };
  if (p.length < 4) throw new NetlinkDecodeError(`NLMSG_DONE payload truncated: ${p.length} of 4 bytes`);
  const error = readI32(p, 0);
  if (error > 0) throw new NetlinkDecodeError(`NLMSG_DONE carries a positive error ${error}`);
  if ((msg.header.flags & NLM_F.ACK_TLVS) !== 0 && p.length > 4) {
    return { error, extAck: decodeExtAck(p.subarray(4)) };
  }
  return { error };
}

/** Options of {@link buildError}. */
export interface BuildErrorOptions {
  /** Echo only the request header (NLM_F_CAPPED). Acks (error 0) are always capped. */
  readonly capped?: boolean;
  /** NLMSGERR_ATTR_MSG text; adds NLM_F_ACK_TLVS. */
  readonly extAckMessage?: string;
}

/**
 * Builds the NLMSG_ERROR the kernel would send in answer to `request` (an encoded request
 * message). For tests and fakes of the kernel side.
 */
export function buildError(request: Buffer, error: number, options: BuildErrorOptions = {}): Buffer {
  if (!Number.isInteger(error) || error > 0 || error < -0x7fffffff) {
    throw new NetlinkEncodeError(`error must be 0 or a negative errno, got ${String(error)}`);
  }
  const req = decodeNlmsghdr(request);
  const capped = error === 0 || options.capped === true;
  const echoed = capped ? request.subarray(0, NLMSG_HDRLEN) : request.subarray(0, Math.min(req.len, request.length));
  const head = Buffer.alloc(nlmsgAlign(4 + echoed.length));
  writeI32(head, error, 0);
  echoed.copy(head, 4);
  let flags = capped ? NLM_F.CAPPED : 0;
  let tlvs: Buffer = Buffer.alloc(0);
  if (options.extAckMessage !== undefined) {
    flags |= NLM_F.ACK_TLVS;
    tlvs = new AttrWriter().string(NLMSGERR_ATTR.MSG, options.extAckMessage).finish();
  }
  return buildMessage({ type: NLMSG.ERROR, flags, seq: req.seq, pid: req.pid }, Buffer.concat([head, tlvs]));
}

/** Builds an NLMSG_DONE ending a dump (flags NLM_F_MULTI, payload `int error`). For tests and fakes. */
export function buildDone(seq: number, pid = 0, error = 0): Buffer {
  const p = Buffer.alloc(4);
  writeI32(p, error, 0);
  return buildMessage({ type: NLMSG.DONE, flags: NLM_F.MULTI, seq, pid }, p);
}
