/**
 * IP addresses as VRRP carries them: 4 or 16 bytes in network order. Text is parsed strictly by the parser the config
 * model uses (src/ip.ts), so an address here compares equal, as text, to the same address in the model, and bytes are
 * printed in that same canonical form.
 */
import { addrBytes, type Family, parseIp } from '../ip.js';

export { addrBytes, type Family };

/** Bytes per address of a family. */
export function addrLen(family: Family): 4 | 16 {
  return family === 'ipv4' ? 4 : 16;
}

/** The family of an address text, if it is one. */
export function addrFamily(text: string): Family | undefined {
  return parseIp(text)?.family;
}

/** The canonical text of 4 or 16 address bytes (dotted quad, or RFC 5952 IPv6). */
export function addrText(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new RangeError(`an address has 4 or 16 bytes, not ${bytes.length}`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  // Let the shared parser compress it, so both spell every address the same way.
  const ip = parseIp(groups.join(':'));
  if (ip === undefined) throw new RangeError('unprintable IPv6 address');
  return ip.text;
}

/** The canonical text of an address, or undefined when it is not one. */
export function canonicalAddr(text: string): string | undefined {
  return parseIp(text)?.text;
}

/**
 * Compares two addresses as unsigned integers in network byte order (RFC 5798 section 6.4.3's tie-break): negative
 * when a < b, 0 when equal, positive when a > b. Addresses of different families compare by length (not a case VRRP
 * meets: an instance has one family).
 */
export function compareAddr(a: string, b: string): number {
  const x = addrBytes(a);
  const y = addrBytes(b);
  if (x === undefined || y === undefined) throw new RangeError(`not an IP address: ${x === undefined ? a : b}`);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Equal addresses, whatever their spelling; false when either is not an address. */
export function sameAddr(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.text === y.text;
}

/** A multicast address: 224.0.0.0/4 or ff00::/8. */
export function isMulticastAddr(text: string): boolean {
  const b = addrBytes(text);
  if (b === undefined) return false;
  return b.length === 4 ? ((b[0] as number) & 0xf0) === 0xe0 : b[0] === 0xff;
}
