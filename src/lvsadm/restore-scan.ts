/**
 * The fastest path of `-R`: the lines `ipvsadm -S -n` writes for IPv4 TCP/UDP services and their
 * real servers, in exactly the shape it writes them (single spaces, LF-terminated),
 *
 *   -A -t 10.0.0.1:80 -s wlc [-p 300]
 *   -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1
 *
 * (also -E/-e, -u, -g/-i), are recognised character by character in the input text and their
 * IPVS requests written straight into one buffer, already framed as netlink messages, which the
 * netlink client sends slice by slice (GenlClient.sendFramed): no tokens, no command objects, no
 * per-request buffers or promises. The bytes are those encodeOp(fastRestoreOp(tokens)) gives
 * (the general encoders make a template per message shape once; each line patches its fields
 * in), and a line is taken only when fastRestoreOp would take it with the same result
 * (test/unit/lvsadm/restore-scan.test.ts checks both). Anything else (other spacing, CR, a last
 * line without LF, names, another option order, any doubt) is left to the general path.
 */
import { IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_SVC_ATTR } from '../ipvs/constants.js';
import { forwardEnum, protocolEnum } from '../ipvs/enums.js';
import { encodeNewDest, encodeNewService, encodeSetDest, encodeSetService } from '../ipvs/requests.js';
import type { ForwardMethod, Protocol } from '../ipvs/types.js';
import { readU16, writeU16, writeU32 } from '../netlink/host-order.js';
import { scanIpv4AddrPort, scanned } from './addr-port-scan.js';
import { MAX_TIMEOUT, SVC_F } from './model.js';
import type { IpvsFunc } from './strerror.js';

/** Requests of consecutive restore lines, framed in one buffer (headers filled in when sent). */
export interface EncodedRun {
  /** The messages, end to end: a 16-byte header (nlmsg_len set) and the padded genl payload each. */
  readonly buffer: Buffer;
  readonly count: number;
  /** Where message i ends in buffer. */
  readonly ends: Uint32Array;
  /** Input line number of message i. */
  readonly lines: Uint32Array;
  /** The libipvs function of message i (index into RUN_FUNCS). */
  readonly funcs: Uint8Array;
  /** The longest genl payload. */
  readonly maxPayload: number;
}

/** The libipvs functions of the four commands, by their index in EncodedRun.funcs. */
export const RUN_FUNCS: readonly IpvsFunc[] = ['add_service', 'update_service', 'add_dest', 'update_dest'];

/** Attribute payload offsets of the fields a line sets, in a template (relative to the genl payload). */
interface Template {
  readonly bytes: Buffer;
  readonly protocol: number;
  readonly svcAddr: number;
  readonly svcPort: number;
  /** Service templates: SVC FLAGS (struct ip_vs_flags) and TIMEOUT. */
  readonly flags: number;
  readonly timeout: number;
  /** Destination templates: DEST ADDR, PORT, FWD_METHOD, WEIGHT. */
  readonly destAddr: number;
  readonly destPort: number;
  readonly fwd: number;
  readonly weight: number;
}

/** Payload offset of attribute `type` among the attributes in [start, end), or -1. */
function attrOffset(b: Buffer, start: number, end: number, type: number): number {
  let off = start;
  while (off + 4 <= end) {
    const len = readU16(b, off);
    if (len < 4) break;
    if ((readU16(b, off + 2) & 0x3fff) === type) return off + 4;
    off += (len + 3) & ~3;
  }
  return -1;
}

/** The attributes of the nest `type` at the top level of a genl payload: [start, end). */
function nestRange(b: Buffer, type: number): [number, number] {
  const at = attrOffset(b, 4, b.length, type);
  if (at < 0) throw new Error(`restore template: no nest ${type}`);
  return [at, at - 4 + readU16(b, at - 4)];
}

function templateOf(bytes: Buffer, dest: boolean): Template {
  const [s0, s1] = nestRange(bytes, IPVS_CMD_ATTR.SERVICE);
  const [d0, d1] = dest ? nestRange(bytes, IPVS_CMD_ATTR.DEST) : [0, 0];
  return {
    bytes,
    protocol: attrOffset(bytes, s0, s1, IPVS_SVC_ATTR.PROTOCOL),
    svcAddr: attrOffset(bytes, s0, s1, IPVS_SVC_ATTR.ADDR),
    svcPort: attrOffset(bytes, s0, s1, IPVS_SVC_ATTR.PORT),
    flags: dest ? -1 : attrOffset(bytes, s0, s1, IPVS_SVC_ATTR.FLAGS),
    timeout: dest ? -1 : attrOffset(bytes, s0, s1, IPVS_SVC_ATTR.TIMEOUT),
    destAddr: dest ? attrOffset(bytes, d0, d1, IPVS_DEST_ATTR.ADDR) : -1,
    destPort: dest ? attrOffset(bytes, d0, d1, IPVS_DEST_ATTR.PORT) : -1,
    fwd: dest ? attrOffset(bytes, d0, d1, IPVS_DEST_ATTR.FWD_METHOD) : -1,
    weight: dest ? attrOffset(bytes, d0, d1, IPVS_DEST_ATTR.WEIGHT) : -1,
  };
}

const ZERO_KEY = { protocol: 'tcp', address: '0.0.0.0', port: 0 } as const;

let destTemplates: [Template, Template] | undefined;
/** NEW_DEST and SET_DEST for an IPv4 service key and an IPv4 destination (fields zero). */
function destTemplate(edit: boolean): Template {
  if (destTemplates === undefined) {
    const dest = {
      address: '0.0.0.0',
      port: 0,
      forwarding: 'masq',
      weight: 0,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelCsum: 'nocsum',
    } as const;
    destTemplates = [
      templateOf(Buffer.from(encodeNewDest({ key: ZERO_KEY }, dest).payload), true),
      templateOf(Buffer.from(encodeSetDest({ key: ZERO_KEY }, dest).payload), true),
    ];
  }
  return destTemplates[edit ? 1 : 0];
}

const serviceTemplates = new Map<string, Template>();
/** NEW_SERVICE or SET_SERVICE for an IPv4 key and scheduler `sched` (other fields zero). */
function serviceTemplate(edit: boolean, sched: string): Template {
  const id = `${edit ? 'E' : 'A'}${sched}`;
  let t = serviceTemplates.get(id);
  if (t === undefined) {
    const spec = { key: ZERO_KEY, scheduler: sched, flags: 0, timeout: 0, netmask: 0xffffffff };
    t = templateOf(Buffer.from((edit ? encodeSetService(spec) : encodeNewService(spec)).payload), false);
    serviceTemplates.set(id, t);
  }
  return t;
}

const PROTO_TCP = protocolEnum.toWire('tcp' satisfies Protocol);
const PROTO_UDP = protocolEnum.toWire('udp' satisfies Protocol);
const FWD: Readonly<Record<number, number>> = {
  // -g, -m, -i by their letter
  103: forwardEnum.toWire('route' satisfies ForwardMethod),
  109: forwardEnum.toWire('masq' satisfies ForwardMethod),
  105: forwardEnum.toWire('tunnel' satisfies ForwardMethod),
};
const FWD_MASQ = forwardEnum.toWire('masq');

const EMPTY = Buffer.alloc(0);

/** A growing run of encoded lines. */
class RunBuilder {
  buffer: Buffer;
  ends: Uint32Array;
  lines: Uint32Array;
  funcs: Uint8Array;
  count = 0;
  size = 0;
  maxPayload = 0;

  /** `hint`: the bytes of input left, for the first allocation (made with the first message). */
  constructor(private readonly hint: number) {
    this.buffer = EMPTY;
    this.ends = new Uint32Array(0);
    this.lines = this.ends;
    this.funcs = new Uint8Array(0);
  }

  /** Room for a message of `payload` bytes; returns its payload offset. */
  add(payload: number, line: number, func: number): number {
    const len = 16 + ((payload + 3) & ~3);
    if (this.size + len > this.buffer.length) {
      // A restore line of ~50 characters makes a message of ~130 bytes.
      const first = this.buffer.length === 0 ? Math.min(64 << 20, this.hint * 3) : 0;
      const b = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.size + len, first));
      this.buffer.copy(b, 0, 0, this.size);
      this.buffer = b;
    }
    if (this.count === this.ends.length) {
      const n = Math.max(this.count * 2, 256);
      const grow = <T extends Uint32Array | Uint8Array>(a: T, out: T): T => {
        out.set(a);
        return out;
      };
      this.ends = grow(this.ends, new Uint32Array(n));
      this.lines = grow(this.lines, new Uint32Array(n));
      this.funcs = grow(this.funcs, new Uint8Array(n));
    }
    const off = this.size;
    writeU32(this.buffer, len, off);
    this.size += len;
    this.ends[this.count] = this.size;
    this.lines[this.count] = line;
    this.funcs[this.count] = func;
    this.count++;
    if (payload > this.maxPayload) this.maxPayload = payload;
    return off + 16;
  }

  finish(): EncodedRun {
    return {
      buffer: this.buffer.subarray(0, this.size),
      count: this.count,
      ends: this.ends.subarray(0, this.count),
      lines: this.lines.subarray(0, this.count),
      funcs: this.funcs.subarray(0, this.count),
      maxPayload: this.maxPayload,
    };
  }
}

/**
 * Scans the restore lines of `text` from `pos`: each line of a recognised shape is encoded into
 * the run; stops at the first line that is not (or at the end). Returns the run (undefined when no
 * line was taken) and where scanning stopped (the start of the line not taken, or text.length).
 * `line` is the number of the line at `pos`.
 */
export function scanRestoreRun(text: string, pos: number, line: number): { run?: EncodedRun; pos: number; line: number } {
  let b: RunBuilder | undefined;
  const n = text.length;
  while (pos < n) {
    const eol = text.indexOf('\n', pos);
    // A last line without LF has its own rules (config-stream.ts): the general path.
    if (eol < 0) break;
    if (b === undefined) b = new RunBuilder(n - pos);
    if (!encodeLine(b, text, pos, eol, line)) break;
    pos = eol + 1;
    line++;
  }
  if (b === undefined || b.count === 0) return { pos, line };
  return { run: b.finish(), pos, line };
}

// Scanning state of one line (module-level scratch: no allocation per line).
let at = 0;
let addr = 0;
let port = 0;

/** Reads A.B.C.D:P at `at` up to a space or `end` (scanIpv4AddrPort): sets addr (host number), port; false if not one. */
function addrPort(t: string, end: number): boolean {
  const next = scanIpv4AddrPort(t, at, end);
  if (next < 0) return false;
  at = next;
  addr = scanned.addr;
  port = scanned.port;
  return true;
}

/** Plain decimal digits (1..15 of them) at `at` up to a space or `end`, or -1. */
function digits(t: string, end: number): number {
  const start = at;
  let v = 0;
  while (at < end) {
    const c = t.charCodeAt(at);
    if (c === 32) break;
    if (c < 48 || c > 57 || at - start >= 15) return -1;
    v = v * 10 + (c - 48);
    at++;
  }
  return at === start ? -1 : v;
}

/** Whether `lit` (ASCII) is at `at` (then skipped). */
function literal(t: string, lit: string, end: number): boolean {
  if (at + lit.length > end || !t.startsWith(lit, at)) return false;
  at += lit.length;
  return true;
}

function writeAddr(buf: Buffer, off: number, a: number): void {
  buf[off] = a >>> 24;
  buf[off + 1] = (a >>> 16) & 0xff;
  buf[off + 2] = (a >>> 8) & 0xff;
  buf[off + 3] = a & 0xff;
}

function writeBe16(buf: Buffer, off: number, v: number): void {
  buf[off] = v >>> 8;
  buf[off + 1] = v & 0xff;
}

/** Encodes the line [s, eol) into b when it has a recognised shape. */
function encodeLine(b: RunBuilder, t: string, s: number, eol: number, line: number): boolean {
  // "-X -p " with X in AEae and p in tu
  if (eol - s < 6 || t.charCodeAt(s) !== 45 || t.charCodeAt(s + 2) !== 32 || t.charCodeAt(s + 3) !== 45) return false;
  if (t.charCodeAt(s + 5) !== 32) return false;
  const p = t.charCodeAt(s + 4);
  const protocol = p === 116 ? PROTO_TCP : p === 117 ? PROTO_UDP : -1;
  if (protocol < 0) return false;
  const cmd = t.charCodeAt(s + 1);
  at = s + 6;
  if (!addrPort(t, eol)) return false;
  const svcAddr = addr;
  const svcPort = port;
  if (cmd === 97 || cmd === 101) {
    // -a|-e ... -r A:P -g|-m|-i -w W
    if (!literal(t, ' -r ', eol) || !addrPort(t, eol)) return false;
    if (!literal(t, ' -', eol) || at + 1 >= eol || t.charCodeAt(at + 1) !== 32) return false;
    const fwd = FWD[t.charCodeAt(at)];
    if (fwd === undefined) return false;
    at += 2;
    if (!literal(t, '-w ', eol)) return false;
    const weight = digits(t, eol);
    if (weight < 0 || weight > 0x7fffffff || at !== eol) return false;
    const edit = cmd === 101;
    const tpl = destTemplate(edit);
    const off = b.add(tpl.bytes.length, line, edit ? 3 : 2);
    const buf = b.buffer;
    tpl.bytes.copy(buf, off);
    writeU16(buf, protocol, off + tpl.protocol);
    writeAddr(buf, off + tpl.svcAddr, svcAddr);
    writeBe16(buf, off + tpl.svcPort, svcPort);
    writeAddr(buf, off + tpl.destAddr, addr);
    // process_options: direct routing and tunnelling use the service's port.
    writeBe16(buf, off + tpl.destPort, fwd === FWD_MASQ ? port : svcPort);
    writeU32(buf, fwd, off + tpl.fwd);
    writeU32(buf, weight, off + tpl.weight);
    return true;
  }
  if (cmd !== 65 && cmd !== 69) return false;
  // -A|-E ... -s SCHED [-p N]
  if (!literal(t, ' -s ', eol)) return false;
  const schedStart = at;
  while (at < eol) {
    const c = t.charCodeAt(at);
    if (c === 32) break;
    // [a-z0-9_-]
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45) || at - schedStart >= 15) return false;
    at++;
  }
  if (at === schedStart) return false;
  const sched = t.slice(schedStart, at);
  let flags = 0;
  let timeout = 0;
  if (at !== eol) {
    if (!literal(t, ' -p ', eol)) return false;
    const v = digits(t, eol);
    if (v < 1 || v > MAX_TIMEOUT || at !== eol) return false;
    flags = SVC_F.PERSISTENT;
    timeout = v;
  }
  // process_options: "Zero port specified for non-persistent service" (general path).
  if (svcPort === 0 && flags === 0) return false;
  const edit = cmd === 69;
  const tpl = serviceTemplate(edit, sched);
  const off = b.add(tpl.bytes.length, line, edit ? 1 : 0);
  const buf = b.buffer;
  tpl.bytes.copy(buf, off);
  writeU16(buf, protocol, off + tpl.protocol);
  writeAddr(buf, off + tpl.svcAddr, svcAddr);
  writeBe16(buf, off + tpl.svcPort, svcPort);
  writeU32(buf, flags, off + tpl.flags);
  writeU32(buf, timeout, off + tpl.timeout);
  return true;
}
