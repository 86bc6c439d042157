/**
 * `-L -c`: ipvsadm reads /proc/net/ip_vs_conn with fgets into a 256-byte buffer, skips the
 * kernel's header, scans each line with sscanf("%s %s %hX %s %hX %s %hX %s %d %s %s") and
 * prints the connection with names resolved (or numeric with -n). This module reproduces the
 * reading (including lines split at 255 bytes) and the printing.
 */
import { cInt, padRight, zeroPad2 } from '../c/printf.js';
import { inetPton4, inetPton6 } from '../c/inet.js';
import { isCSpace, strtol, strtoul } from '../c/strtol.js';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../model.js';
import { addrportToAnyname, type NameRequest, type Names } from '../names.js';

/** The file ipvsadm reads; its messages always name this path. */
export const CONN_PROC_FILE = '/proc/net/ip_vs_conn';

/** One scanned line of the connection table. */
export interface ConnRecord {
  /** sscanf's return value: conversions made, or -1 when the line held nothing. */
  readonly n: number;
  readonly protocol: string;
  readonly proto: number;
  readonly af: number;
  readonly daf: number;
  readonly caddr: Uint8Array;
  readonly cport: number;
  readonly vaddr: Uint8Array;
  readonly vport: number;
  readonly daddr: Uint8Array;
  readonly dport: number;
  readonly state: string;
  readonly expires: number;
  readonly peName: string;
  readonly peData: string;
}

/** fgets() with a 256-byte buffer over a whole file: lines, long ones cut into 255-byte pieces. */
export function fgetsLines(content: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < content.length) {
    const nl = content.indexOf('\n', i);
    const lineEnd = nl < 0 ? content.length : nl + 1;
    const end = Math.min(lineEnd, i + 255);
    out.push(content.slice(i, end));
    i = end;
  }
  return out;
}

type Conv = { kind: 's' } | { kind: 'hX' } | { kind: 'd' };
const CONVERSIONS: readonly Conv[] = [
  { kind: 's' },
  { kind: 's' },
  { kind: 'hX' },
  { kind: 's' },
  { kind: 'hX' },
  { kind: 's' },
  { kind: 'hX' },
  { kind: 's' },
  { kind: 'd' },
  { kind: 's' },
  { kind: 's' },
];

/** sscanf with the format above: the converted values and the count (-1 if input ended first). */
export function scanConnLine(line: string): { n: number; values: (string | number)[] } {
  const values: (string | number)[] = [];
  let i = 0;
  for (const conv of CONVERSIONS) {
    while (isCSpace(line[i])) i++;
    if (i >= line.length) return { n: values.length === 0 ? -1 : values.length, values };
    const rest = line.slice(i);
    if (conv.kind === 's') {
      let j = i;
      while (j < line.length && !isCSpace(line[j])) j++;
      values.push(line.slice(i, j));
      i = j;
      continue;
    }
    const r = conv.kind === 'hX' ? strtoul(rest, 16) : strtol(rest, 10);
    if (r.end === 0) return { n: values.length, values };
    values.push(conv.kind === 'hX' ? Number(BigInt.asUintN(16, r.value)) : Number(BigInt.asIntN(32, r.value)));
    i += r.end;
  }
  return { n: values.length, values };
}

function hexAddr(text: string): Uint8Array {
  const out = new Uint8Array(16);
  new DataView(out.buffer).setUint32(0, Number(BigInt.asUintN(32, strtoul(text, 16).value)));
  return out;
}

function widen(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(b);
  return out;
}

/** print_conn's interpretation of one scanned line. */
export function parseConnLine(line: string): ConnRecord {
  const { n, values } = scanConnLine(line);
  const str = (k: number): string => (typeof values[k] === 'string' ? (values[k] as string) : '');
  const num = (k: number): number => (typeof values[k] === 'number' ? (values[k] as number) : 0);
  const protocol = str(0);
  const proto = protocol === 'TCP' ? IPPROTO_TCP : protocol === 'UDP' ? IPPROTO_UDP : protocol === 'SCTP' ? IPPROTO_SCTP : 0;
  const [t1, t2, t3] = [str(1), str(3), str(5)];
  let af = AF_INET;
  let caddr: Uint8Array;
  let vaddr: Uint8Array;
  const c6 = inetPton6(t1);
  const c4 = c6 ? undefined : inetPton4(t1);
  if (c6) {
    af = AF_INET6;
    caddr = c6;
    vaddr = inetPton6(t2) ?? new Uint8Array(16);
  } else if (c4) {
    caddr = widen(c4);
    vaddr = widen(inetPton4(t2) ?? new Uint8Array(4));
  } else {
    caddr = hexAddr(t1);
    vaddr = hexAddr(t2);
  }
  let daf = AF_INET;
  let daddr: Uint8Array;
  const d6 = inetPton6(t3);
  if (d6) {
    daf = AF_INET6;
    daddr = d6;
  } else {
    const d4 = inetPton4(t3);
    daddr = d4 ? widen(d4) : hexAddr(t3);
  }
  return {
    n,
    protocol,
    proto,
    af,
    daf,
    caddr,
    cport: num(2),
    vaddr,
    vport: num(4),
    daddr,
    dport: num(6),
    state: str(7),
    expires: num(8),
    peName: str(9),
    peData: str(10),
  };
}

/** The header ipvsadm prints above the connections. */
export function connHeader(persistentConn: boolean): string {
  const cols = [padRight('state', 11), padRight('source', 18), padRight('virtual', 18)];
  if (persistentConn)
    return `IPVS connection entries\npro expire ${cols.join(' ')} ${padRight('destination', 18)} ${padRight('pe name', 16)} pe_data\n`;
  return `IPVS connection entries\npro expire ${cols.join(' ')} destination\n`;
}

/** The names a connection line prints. */
export function connNameRequests(r: ConnRecord): NameRequest[] {
  return [
    { af: r.af, addr: r.caddr, port: r.cport, protocol: r.proto },
    { af: r.af, addr: r.vaddr, port: r.vport, protocol: r.proto },
    { af: r.daf, addr: r.daddr, port: r.dport, protocol: r.proto },
  ];
}

/** print_conn's output line for a record. */
export function connLine(r: ConnRecord, numeric: boolean, persistentConn: boolean, names: Names): string {
  const cname = addrportToAnyname(r.af, r.caddr, r.cport, r.proto, numeric, names);
  const vname = addrportToAnyname(r.af, r.vaddr, r.vport, r.proto, numeric, names);
  const dname = addrportToAnyname(r.daf, r.daddr, r.dport, r.proto, numeric, names);
  const expires = r.expires >>> 0;
  const expire = `${zeroPad2(cInt(Math.floor(expires / 60)))}:${zeroPad2(cInt(expires % 60))}`;
  const head = `${padRight(r.protocol, 3)} ${padRight(expire, 6)} ${padRight(r.state, 11)} ${padRight(cname, 18)} ${padRight(vname, 18)}`;
  if (persistentConn && r.n === 11) return `${head} ${padRight(dname, 16)} ${padRight(r.peName, 18)} ${r.peData}\n`;
  return `${head} ${dname}\n`;
}
