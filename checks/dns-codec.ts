/**
 * A tiny, pure DNS message codec (RFC 1035) for the dns check and its tests: queries and whole messages are
 * encoded without name compression; decoding follows compression pointers (with loop protection) and rejects
 * anything malformed with a DnsFormatError. Names are dotted without the final dot; the root is ".".
 */

/** Record types the dns check can ask for, with their numbers. */
export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const;
export type DnsTypeName = keyof typeof DNS_TYPES;

/** Class IN. */
export const CLASS_IN = 1;

/** Response codes by number (RFC 1035, 2136). */
export const RCODE_NAMES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** The name of a record type number ("TYPE65" for unknown ones). */
export function typeName(type: number): string {
  for (const [name, n] of Object.entries(DNS_TYPES)) if (n === type) return name;
  return `TYPE${type}`;
}

/** The name of a response code ("RCODE12" for unknown ones). */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/** Raised for bytes that are not a well-formed DNS message. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA as received (names inside it stay compressed relative to the message). */
  readonly data: Uint8Array;
}

/** A decoded (or to-be-encoded) message. Flags are the header bits by name. */
export interface DnsMessage {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

const HEADER = 12;

/** Encodes a name as length-prefixed labels; throws DnsFormatError for empty or over-long labels and names. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of trimmed.split('.')) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new DnsFormatError(`bad label in ${JSON.stringify(name)}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsFormatError(`name too long: ${name}`);
  return out;
}

/** Decodes the name at `offset`; returns it and the offset just after it (after the first pointer, if any). */
export function decodeName(buf: Uint8Array, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let length = 1;
  const seen = new Set<number>();
  for (;;) {
    if (pos >= buf.length) throw new DnsFormatError('name runs past the end of the message');
    const len = buf[pos] as number;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      if (next < 0) next = pos + 2;
      if (seen.has(target) || target >= buf.length) throw new DnsFormatError('compression pointer loop or out of range');
      seen.add(target);
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new DnsFormatError('label runs past the end of the message');
    length += len + 1;
    if (length > 255) throw new DnsFormatError('name longer than 255 bytes');
    labels.push(Buffer.from(buf.subarray(pos + 1, pos + 1 + len)).toString('latin1'));
    pos += 1 + len;
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), next };
}

function u16(buf: Uint8Array, at: number): number {
  if (at + 2 > buf.length) throw new DnsFormatError('message truncated');
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

function u32(buf: Uint8Array, at: number): number {
  return u16(buf, at) * 65536 + u16(buf, at + 2);
}

function decodeRecord(buf: Uint8Array, offset: number): { record: DnsRecord; next: number } {
  const { name, next } = decodeName(buf, offset);
  const type = u16(buf, next);
  const klass = u16(buf, next + 2);
  const ttl = u32(buf, next + 4);
  const rdlength = u16(buf, next + 8);
  const start = next + 10;
  if (start + rdlength > buf.length) throw new DnsFormatError('record data runs past the end of the message');
  return { record: { name, type, class: klass, ttl, data: buf.subarray(start, start + rdlength) }, next: start + rdlength };
}

/** Decodes a whole message; throws DnsFormatError when it is malformed (trailing bytes are ignored). */
export function decodeMessage(buf: Uint8Array): DnsMessage {
  if (buf.length < HEADER) throw new DnsFormatError(`message shorter than a header (${buf.length} bytes)`);
  const flags = u16(buf, 2);
  const counts = [u16(buf, 4), u16(buf, 6), u16(buf, 8), u16(buf, 10)] as const;
  let pos = HEADER;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, next } = decodeName(buf, pos);
    questions.push({ name, type: u16(buf, next), class: u16(buf, next + 2) });
    pos = next + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < (counts[s + 1] as number); i++) {
      const { record, next } = decodeRecord(buf, pos);
      (sections[s] as DnsRecord[]).push(record);
      pos = next;
    }
  }
  return {
    id: u16(buf, 0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0] as DnsRecord[],
    authorities: sections[1] as DnsRecord[],
    additionals: sections[2] as DnsRecord[],
  };
}

function encodeRecord(r: DnsRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(r.type, 0);
  fixed.writeUInt16BE(r.class, 2);
  fixed.writeUInt32BE(r.ttl >>> 0, 4);
  fixed.writeUInt16BE(r.data.length, 8);
  return Buffer.concat([encodeName(r.name), fixed, r.data]);
}

/** Encodes a whole message (no compression). */
export function encodeMessage(m: DnsMessage): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(m.id & 0xffff, 0);
  const flags =
    (m.qr ? 0x8000 : 0) |
    ((m.opcode & 0xf) << 11) |
    (m.aa ? 0x0400 : 0) |
    (m.tc ? 0x0200 : 0) |
    (m.rd ? 0x0100 : 0) |
    (m.ra ? 0x0080 : 0) |
    (m.rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(m.questions.length, 4);
  header.writeUInt16BE(m.answers.length, 6);
  header.writeUInt16BE(m.authorities.length, 8);
  header.writeUInt16BE(m.additionals.length, 10);
  const parts: Buffer[] = [header];
  for (const q of m.questions) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    parts.push(encodeName(q.name), tail);
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) parts.push(encodeRecord(r));
  return Buffer.concat(parts);
}

/** Encodes a standard query (opcode 0, RD set, class IN) for one name and type. */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  return encodeMessage({
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

/** Case-insensitive name equality (trailing dots ignored). */
export function sameName(a: string, b: string): boolean {
  const norm = (n: string) => (n === '.' ? '' : n.replace(/\.$/, '').toLowerCase());
  return norm(a) === norm(b);
}

/** Presentation form of A and AAAA data; other types as their byte count. */
export function formatRdata(type: number, data: Uint8Array): string {
  if (type === DNS_TYPES.A && data.length === 4) return Array.from(data).join('.');
  if (type === DNS_TYPES.AAAA && data.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((data[i] as number) << 8) | (data[i + 1] as number)).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return `${data.length} bytes`;
}
