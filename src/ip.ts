/**
 * Strict IP address parsing, shared by the config model, VRRP and route netlink: no leading zeros in IPv4 octets,
 * no IPv6 zone ids, and a canonical text form (RFC 5952 for IPv6) so that equal addresses compare equal as strings.
 */

export type Family = 'ipv4' | 'ipv6';

export interface IpAddress {
  readonly family: Family;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly text: string;
}

export interface IpPrefix {
  readonly address: IpAddress;
  readonly prefix: number;
}

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

function parseV4Bytes(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6Bytes(s: string): number[] | undefined {
  if (s.length < 2 || s.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      if (i === fields.length - 1 && allowV4Tail && f.includes('.')) {
        const v4 = parseV4Bytes(f);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(f)) return undefined;
      out.push(Number.parseInt(f, 16));
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0] as string, false);
    const tail = groupsOf(halves[1] as string, true);
    if (!head || !tail) return undefined;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    const all = groupsOf(s, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

function v6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // Longest run of two or more zero groups, first one wins on ties (RFC 5952 section 4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Parses an IPv4 or IPv6 address (no prefix, no zone); undefined when it is not one. */
export function parseIp(s: string): IpAddress | undefined {
  if (typeof s !== 'string') return undefined;
  if (s.includes(':')) {
    const b = parseV6Bytes(s);
    if (!b) return undefined;
    const bytes = Uint8Array.from(b);
    return { family: 'ipv6', bytes, text: v6Text(bytes) };
  }
  const b = parseV4Bytes(s);
  if (!b) return undefined;
  return { family: 'ipv4', bytes: Uint8Array.from(b), text: b.join('.') };
}

/** The bytes of an address (of `family`, when given); undefined when `text` is not one. */
export function addrBytes(text: string, family?: Family): Uint8Array | undefined {
  const ip = parseIp(text);
  if (ip === undefined || (family !== undefined && ip.family !== family)) return undefined;
  return ip.bytes;
}

/** Parses `address[/prefix]`; without a prefix the host prefix (32 or 128) is used. */
export function parseIpPrefix(s: string): IpPrefix | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  const address = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!address) return undefined;
  const max = address.family === 'ipv4' ? 32 : 128;
  if (slash < 0) return { address, prefix: max };
  const p = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
  const prefix = Number(p);
  if (prefix > max) return undefined;
  return { address, prefix };
}

export function maxPrefix(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

export function isMulticast(a: IpAddress): boolean {
  const b0 = a.bytes[0] as number;
  return a.family === 'ipv4' ? b0 >= 224 && b0 <= 239 : b0 === 0xff;
}

export function familyName(f: Family): string {
  return f === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** Formats address and port the way ipvsadm does: `192.0.2.1:80`, `[2001:db8::1]:80`. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses a listen address `IPv4:port` or `[IPv6]:port` (port 1..65535); host comes back canonical. */
export function parseHostPort(s: string): HostPort | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(0|[1-9][0-9]{0,4})$/.exec(s);
  if (!m) return undefined;
  const hostText = m[1] ?? m[2] ?? '';
  const ip = parseIp(hostText);
  if (!ip) return undefined;
  if (m[1] !== undefined && ip.family !== 'ipv6') return undefined;
  if (m[2] !== undefined && ip.family !== 'ipv4') return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: ip.text, port };
}
