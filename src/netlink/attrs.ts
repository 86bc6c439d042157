/**
 * Netlink attributes (struct nlattr TLVs): an encoder producing 4-byte-aligned attributes and
 * a strict decoder that never reads outside the buffer it was given.
 *
 * Layout: `nla_len u16, nla_type u16` (host order), payload, zero padding to 4 bytes.
 * `nla_len` counts header + payload but not the trailing padding; a nest's length covers
 * its (padded) children.
 */
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import { readU16, readU32, readU64, writeU16, writeU32, writeU64 } from './host-order.js';

/** Size of struct nlattr. */
export const NLA_HDRLEN = 4;
/** Attributes are aligned to this many bytes. */
export const NLA_ALIGNTO = 4;
/** nla_type bit: the payload is a nest of attributes. */
export const NLA_F_NESTED = 0x8000;
/** nla_type bit: the payload is in network byte order. */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** nla_type bits that carry the attribute type itself. */
export const NLA_TYPE_MASK = 0x3fff;

const NLA_MAX_LEN = 0xffff;

/** Rounds `n` up to the attribute alignment. */
export function nlaAlign(n: number): number {
  return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

/** Attribute type names used in error messages, e.g. `{ 1: 'IPVS_SVC_ATTR_AF' }`. */
export type AttrNames = Readonly<Record<number, string>>;

/** Options of a nest opened by {@link AttrWriter.nestStart}. */
export interface NestOptions {
  /** Set NLA_F_NESTED in nla_type (libnl ≥ 3.5 does; the kernel's IPVS replies do not). */
  readonly nestedFlag?: boolean;
}

function checkUint(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NetlinkEncodeError(`${what}: ${String(value)} is not an integer in 0..${max}`);
  }
}

/** Whether every character is ASCII and none is NUL (its UTF-8 bytes are its char codes). */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/** Builds a sequence of netlink attributes; integers are host order unless named be16/be32. */
export class AttrWriter {
  // Not zero-filled: every byte up to `used` is written, alignment padding included.
  private buf: Buffer;
  private used = 0;
  private readonly open: number[] = [];

  /** @param capacity initial buffer size in bytes; it grows as needed. */
  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, capacity));
  }

  /** Bytes written so far (always a multiple of 4). */
  get length(): number {
    return this.used;
  }

  /** Appends an attribute with a u8 payload. */
  u8(type: number, value: number): this {
    checkUint('u8 attribute', value, 0xff);
    const o = this.put(type, 1);
    this.buf[o] = value;
    return this;
  }

  /** Appends an attribute with a host-order u16 payload. */
  u16(type: number, value: number): this {
    checkUint('u16 attribute', value, 0xffff);
    const o = this.put(type, 2); // may grow (replace) this.buf: read it after
    writeU16(this.buf, value, o);
    return this;
  }

  /** Appends an attribute with a host-order u32 payload. */
  u32(type: number, value: number): this {
    checkUint('u32 attribute', value, 0xffffffff);
    const o = this.put(type, 4); // may grow (replace) this.buf: read it after
    writeU32(this.buf, value, o);
    return this;
  }

  /** Appends an attribute with a host-order u64 payload. */
  u64(type: number, value: bigint): this {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffffffffffffffffn) {
      throw new NetlinkEncodeError(`u64 attribute: ${String(value)} is not a bigint in 0..2^64-1`);
    }
    const o = this.put(type, 8); // may grow (replace) this.buf: read it after
    writeU64(this.buf, value, o);
    return this;
  }

  /** Appends an attribute with a big-endian (network order) u16 payload, e.g. a port. */
  be16(type: number, value: number): this {
    checkUint('be16 attribute', value, 0xffff);
    const o = this.put(type, 2);
    this.buf[o] = value >>> 8;
    this.buf[o + 1] = value & 0xff;
    return this;
  }

  /** Appends an attribute with a big-endian (network order) u32 payload. */
  be32(type: number, value: number): this {
    checkUint('be32 attribute', value, 0xffffffff);
    const o = this.put(type, 4);
    this.buf[o] = value >>> 24;
    this.buf[o + 1] = (value >>> 16) & 0xff;
    this.buf[o + 2] = (value >>> 8) & 0xff;
    this.buf[o + 3] = value & 0xff;
    return this;
  }

  /**
   * Appends a NUL-terminated UTF-8 string (payload = bytes + 1, as nla_put_string).
   * @param maxLen largest accepted byte length, excluding the NUL.
   */
  string(type: number, value: string, maxLen = NLA_MAX_LEN - NLA_HDRLEN - 1): this {
    // Short ASCII names (schedulers, interfaces) are copied char by char, without a Buffer.
    if (value.length <= 64 && value.length <= maxLen && isPlainAscii(value)) {
      const o = this.put(type, value.length + 1);
      for (let i = 0; i < value.length; i++) this.buf[o + i] = value.charCodeAt(i);
      this.buf[o + value.length] = 0;
      return this;
    }
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.includes(0)) throw new NetlinkEncodeError(`string attribute ${type} contains a NUL byte`);
    if (bytes.length > maxLen) {
      throw new NetlinkEncodeError(`string attribute ${type} is ${bytes.length} bytes long; the limit is ${maxLen}`);
    }
    const o = this.put(type, bytes.length + 1);
    bytes.copy(this.buf, o);
    this.buf[o + bytes.length] = 0;
    return this;
  }

  /** Appends an attribute whose payload is `bytes`, copied as is. */
  binary(type: number, bytes: Uint8Array): this {
    const o = this.put(type, bytes.length);
    this.buf.set(bytes, o);
    return this;
  }

  /** Appends a zero-length (flag) attribute. */
  flag(type: number): this {
    this.put(type, 0);
    return this;
  }

  /**
   * Appends attributes already encoded (whole, aligned TLVs, e.g. a nest written earlier and
   * kept): `bytes.length` must be a multiple of 4.
   */
  raw(bytes: Uint8Array): this {
    if (bytes.length % NLA_ALIGNTO !== 0) throw new NetlinkEncodeError(`raw attributes of ${bytes.length} byte(s) are not aligned`);
    const off = this.reserve(bytes.length);
    this.buf.set(bytes, off);
    return this;
  }

  /** Opens a nest; close it with {@link nestEnd}. Nests may contain nests. */
  nestStart(type: number, options: NestOptions = {}): this {
    this.checkType(type);
    const off = this.reserve(NLA_HDRLEN);
    writeU16(this.buf, NLA_HDRLEN, off);
    writeU16(this.buf, type | (options.nestedFlag ? NLA_F_NESTED : 0), off + 2);
    this.open.push(off);
    return this;
  }

  /** Closes the innermost open nest, fixing up its length. */
  nestEnd(): this {
    const off = this.open.pop();
    if (off === undefined) throw new NetlinkEncodeError('nestEnd() without a matching nestStart()');
    const len = this.used - off;
    if (len > NLA_MAX_LEN) throw new NetlinkEncodeError(`nested attribute is ${len} bytes long; the limit is 65535`);
    writeU16(this.buf, len, off);
    return this;
  }

  /** Writes a whole nest: `fill` appends the children. */
  nest(type: number, fill: (w: this) => void, options: NestOptions = {}): this {
    this.nestStart(type, options);
    fill(this);
    return this.nestEnd();
  }

  /** Returns a copy of the attributes written so far. Throws if a nest is still open. */
  finish(): Buffer {
    return this.finishAfter(0);
  }

  /**
   * Returns a new buffer of `prefix` bytes (left for the caller to fill, e.g. a genlmsghdr)
   * followed by a copy of the attributes. Throws if a nest is still open.
   */
  finishAfter(prefix: number): Buffer {
    if (this.open.length > 0) throw new NetlinkEncodeError(`${this.open.length} nested attribute(s) left open`);
    const out = Buffer.allocUnsafe(prefix + this.used);
    if (prefix > 0) out.fill(0, 0, prefix);
    this.buf.copy(out, prefix, 0, this.used);
    return out;
  }

  private checkType(type: number): void {
    checkUint('attribute type', type, NLA_TYPE_MASK);
  }

  /** Reserves an attribute with a payload of `payloadLen` bytes (padding zeroed) and returns the payload's offset. */
  private put(type: number, payloadLen: number): number {
    this.checkType(type);
    const len = NLA_HDRLEN + payloadLen;
    if (len > NLA_MAX_LEN) throw new NetlinkEncodeError(`attribute ${type} is ${len} bytes long; the limit is 65535`);
    const aligned = nlaAlign(len);
    const off = this.reserve(aligned);
    writeU16(this.buf, len, off);
    writeU16(this.buf, type, off + 2);
    for (let i = off + len; i < off + aligned; i++) this.buf[i] = 0;
    return off + NLA_HDRLEN;
  }

  /** Reserves `n` bytes (n is a multiple of 4) and returns their offset. */
  private reserve(n: number): number {
    const off = this.used;
    if (off + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, off + n));
      this.buf.copy(grown, 0, 0, off);
      this.buf = grown;
    }
    this.used = off + n;
    return off;
  }
}

/** One attribute as found on the wire. */
export interface RawAttr {
  /** nla_type without the NLA_F_* bits. */
  readonly type: number;
  /** NLA_F_NESTED was set. */
  readonly nestedFlag: boolean;
  /** NLA_F_NET_BYTEORDER was set. */
  readonly netByteOrder: boolean;
  /** The payload (a view into the parsed buffer, padding excluded). */
  readonly value: Buffer;
}

/**
 * Splits `buf` into attributes. Throws {@link NetlinkDecodeError} when a header is truncated,
 * a length is below 4 or runs past the end. Missing padding after the last attribute is
 * tolerated (as the kernel's nla_ok/nla_next do).
 * @param context a label for error messages, e.g. 'IPVS_CMD_ATTR_SERVICE'.
 */
export function parseAttrs(buf: Buffer, context = 'attributes', names: AttrNames = {}): AttrSet {
  const list: RawAttr[] = [];
  let off = 0;
  while (off < buf.length) {
    const remaining = buf.length - off;
    if (remaining < NLA_HDRLEN) {
      throw new NetlinkDecodeError(`${context}: ${remaining} trailing byte(s) are too short for an attribute header`);
    }
    const len = readU16(buf, off);
    const rawType = readU16(buf, off + 2);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`${context}: attribute at offset ${off} has length ${len} < 4`);
    if (len > remaining) {
      throw new NetlinkDecodeError(`${context}: attribute at offset ${off} has length ${len} but only ${remaining} byte(s) remain`);
    }
    list.push({
      type: rawType & NLA_TYPE_MASK,
      nestedFlag: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      value: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += nlaAlign(len);
  }
  return new AttrSet(list, context, names);
}

/**
 * Parsed attributes with typed getters. `getX(type)` returns undefined when the attribute is
 * absent; `x(type)` requires it. Both throw {@link NetlinkDecodeError} on a wrong payload size.
 * When a type occurs more than once the last occurrence wins, as in the kernel's nla_parse.
 */
export class AttrSet {
  private readonly byType = new Map<number, RawAttr>();

  constructor(
    /** Every attribute in wire order, duplicates included. */
    readonly list: readonly RawAttr[],
    /** Label used in error messages. */
    readonly context: string,
    private readonly names: AttrNames = {},
  ) {
    for (const a of list) this.byType.set(a.type, a);
  }

  /** Whether the attribute is present. */
  has(type: number): boolean {
    return this.byType.has(type);
  }

  /** The raw payload, or undefined. */
  getBinary(type: number): Buffer | undefined {
    return this.byType.get(type)?.value;
  }

  /** The raw payload; throws if absent. */
  binary(type: number): Buffer {
    return this.need(type, this.getBinary(type));
  }

  /** A payload of exactly `size` bytes, or undefined. */
  getFixed(type: number, size: number): Buffer | undefined {
    const v = this.getBinary(type);
    if (v !== undefined && v.length !== size) {
      throw new NetlinkDecodeError(`${this.label(type)}: expected ${size} byte(s), got ${v.length}`);
    }
    return v;
  }

  /** A u8 payload, or undefined. */
  getU8(type: number): number | undefined {
    return this.getFixed(type, 1)?.readUInt8(0);
  }

  /** A host-order u16 payload, or undefined. */
  getU16(type: number): number | undefined {
    const v = this.getFixed(type, 2);
    return v === undefined ? undefined : readU16(v, 0);
  }

  /** A host-order u32 payload, or undefined. */
  getU32(type: number): number | undefined {
    const v = this.getFixed(type, 4);
    return v === undefined ? undefined : readU32(v, 0);
  }

  /** A host-order u64 payload, or undefined. */
  getU64(type: number): bigint | undefined {
    const v = this.getFixed(type, 8);
    return v === undefined ? undefined : readU64(v, 0);
  }

  /** A big-endian u16 payload, or undefined. */
  getBe16(type: number): number | undefined {
    return this.getFixed(type, 2)?.readUInt16BE(0);
  }

  /** A big-endian u32 payload, or undefined. */
  getBe32(type: number): number | undefined {
    return this.getFixed(type, 4)?.readUInt32BE(0);
  }

  /** A NUL-terminated string (text before the first NUL), or undefined. A missing NUL is an error. */
  getString(type: number): string | undefined {
    const v = this.getBinary(type);
    if (v === undefined) return undefined;
    const nul = v.indexOf(0);
    if (nul < 0) throw new NetlinkDecodeError(`${this.label(type)}: string is not NUL-terminated`);
    return v.toString('utf8', 0, nul);
  }

  /** Whether a flag attribute is present; a flag with a payload is an error. */
  getFlag(type: number): boolean {
    return this.getFixed(type, 0) !== undefined;
  }

  /** The children of a nested attribute, or undefined. */
  getNested(type: number, names: AttrNames = {}): AttrSet | undefined {
    const v = this.getBinary(type);
    return v === undefined ? undefined : parseAttrs(v, this.label(type), names);
  }

  /** A required u8. */
  u8(type: number): number {
    return this.need(type, this.getU8(type));
  }

  /** A required host-order u16. */
  u16(type: number): number {
    return this.need(type, this.getU16(type));
  }

  /** A required host-order u32. */
  u32(type: number): number {
    return this.need(type, this.getU32(type));
  }

  /** A required host-order u64. */
  u64(type: number): bigint {
    return this.need(type, this.getU64(type));
  }

  /** A required big-endian u16. */
  be16(type: number): number {
    return this.need(type, this.getBe16(type));
  }

  /** A required big-endian u32. */
  be32(type: number): number {
    return this.need(type, this.getBe32(type));
  }

  /** A required NUL-terminated string. */
  string(type: number): string {
    return this.need(type, this.getString(type));
  }

  /** A required nest. */
  nested(type: number, names: AttrNames = {}): AttrSet {
    return this.need(type, this.getNested(type, names));
  }

  /** "context/NAME" (or "context/attribute N") for error messages. */
  label(type: number): string {
    return `${this.context}/${this.names[type] ?? `attribute ${type}`}`;
  }

  private need<T>(type: number, value: T | undefined): T {
    if (value === undefined) throw new NetlinkDecodeError(`${this.label(type)} is missing`);
    return value;
  }
}
