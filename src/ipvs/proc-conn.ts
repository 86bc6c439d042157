/**
 * Parser of /proc/net/ip_vs_conn (and /proc/net/ip_vs_conn_sync), the IPVS connection table,
 * which generic netlink does not expose. Pure: text in, typed entries out.
 *
 * Line format (net/netfilter/ipvs/ip_vs_conn.c, ip_vs_conn_seq_show):
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 *   TCP C0000264 A3F2 CB00710A 0050 C000020B 0050 ESTABLISHED     899
 * IPv4 addresses are 8 hex digits (host-order print of the network-order address), IPv6 ones the
 * full "%pI6" form (2001:0db8:0000:...); ports 4 hex digits; Expires in seconds; PEName/PEData only
 * for connections of a persistence engine (e.g. "sip <call-id>"). The _sync variant has an Origin
 * column ("Local" / "Sync") before Expires.
 */
import { LvsdError } from '../errors.js';
import { formatIPv4, formatIPv6 } from './addr.js';
import type { AddressFamily } from './types.js';

/** One connection of the IPVS connection table. */
export interface IpvsConnection {
  /** As the kernel names it: "TCP", "UDP", "SCTP", "ICMP", "ICMPv6", "IP" or "IP_<n>". */
  readonly protocol: string;
  /** Family of the client and virtual addresses. */
  readonly family: AddressFamily;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly virtualAddress: string;
  readonly virtualPort: number;
  /** Family of the real server's address (differs from `family` for mixed-family tunnels). */
  readonly destFamily: AddressFamily;
  readonly destAddress: string;
  readonly destPort: number;
  /** Protocol state, e.g. "ESTABLISHED", "SYN_RECV", "UDP", "NONE". */
  readonly state: string;
  /** Seconds until the entry expires. */
  readonly expires: number;
  /** "Local" or "Sync" (only in /proc/net/ip_vs_conn_sync). */
  readonly origin?: string;
  /** Persistence engine name, e.g. "sip". */
  readonly peName?: string;
  /** Persistence engine data, e.g. the SIP Call-ID. */
  readonly peData?: string;
}

/** The connection table text does not have the expected format. */
export class ProcConnFormatError extends LvsdError {
  constructor(message: string) {
    super('EPROCFORMAT', message);
  }
}

function parseAddr(text: string, line: number): { family: AddressFamily; address: string } {
  if (/^[0-9A-Fa-f]{8}$/.test(text)) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number.parseInt(text, 16), 0);
    return { family: 'ipv4', address: formatIPv4(b) };
  }
  if (/^[0-9A-Fa-f]{4}(?::[0-9A-Fa-f]{4}){7}$/.test(text)) {
    return { family: 'ipv6', address: formatIPv6(Buffer.from(text.replaceAll(':', ''), 'hex')) };
  }
  throw new ProcConnFormatError(`line ${line}: ${JSON.stringify(text)} is not an address`);
}

function parsePort(text: string, line: number): number {
  if (!/^[0-9A-Fa-f]{4}$/.test(text)) throw new ProcConnFormatError(`line ${line}: ${JSON.stringify(text)} is not a port`);
  return Number.parseInt(text, 16);
}

/** Parses the whole text of /proc/net/ip_vs_conn or /proc/net/ip_vs_conn_sync. */
export function parseIpvsConnections(text: string): IpvsConnection[] {
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  if (!header.startsWith('Pro ')) throw new ProcConnFormatError(`unexpected header ${JSON.stringify(header)}`);
  const hasOrigin = /\bOrigin\b/.test(header);
  const out: IpvsConnection[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const f = raw.trim().split(/\s+/);
    const fixed = hasOrigin ? 10 : 9;
    if (f.length < fixed) throw new ProcConnFormatError(`line ${i + 1}: ${f.length} field(s), expected at least ${fixed}`);
    const [protocol, caddr, cport, vaddr, vport, daddr, dport, state] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const client = parseAddr(caddr, i + 1);
    const virt = parseAddr(vaddr, i + 1);
    const dest = parseAddr(daddr, i + 1);
    const expiresText = f[hasOrigin ? 9 : 8] ?? '';
    if (!/^\d+$/.test(expiresText))
      throw new ProcConnFormatError(`line ${i + 1}: ${JSON.stringify(expiresText)} is not a number of seconds`);
    const conn: {
      -readonly [K in keyof IpvsConnection]: IpvsConnection[K];
    } = {
      protocol,
      family: client.family,
      clientAddress: client.address,
      clientPort: parsePort(cport, i + 1),
      virtualAddress: virt.address,
      virtualPort: parsePort(vport, i + 1),
      destFamily: dest.family,
      destAddress: dest.address,
      destPort: parsePort(dport, i + 1),
      state,
      expires: Number.parseInt(expiresText, 10),
    };
    if (hasOrigin) conn.origin = f[8];
    const rest = f.slice(fixed);
    if (rest.length > 0) {
      conn.peName = rest[0];
      if (rest.length > 1) conn.peData = rest.slice(1).join(' ');
    }
    out.push(conn);
  }
  return out;
}
