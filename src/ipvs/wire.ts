/**
 * Field-level wire helpers shared by the IPVS encoders and decoders: range checks, addresses
 * in union nf_inet_addr form, the family-dependent netmask, ports and struct ip_vs_flags.
 */
import type { AttrSet, AttrWriter } from '../netlink/attrs.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../netlink/errors.js';
import { readU32, writeU32 } from '../netlink/host-order.js';
import { formatIPv4, formatIPv6, parseAddress } from './addr.js';
import { NF_INET_ADDR_LEN } from './constants.js';
import type { AddressFamily, ServiceKey } from './types.js';

/** Throws {@link NetlinkEncodeError} unless `value` is an integer in `min..max`. */
export function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NetlinkEncodeError(`${what}: ${String(value)} is not an integer in ${min}..${max}`);
  }
}

/** Throws {@link NetlinkEncodeError} unless `text` is at most `max` UTF-8 bytes. */
export function checkName(what: string, text: string, max: number): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no counting.
  if (text.length * 3 <= max) return;
  if (Buffer.byteLength(text, 'utf8') > max) {
    throw new NetlinkEncodeError(`${what} ${JSON.stringify(text)} is longer than ${max} bytes`);
  }
}

/** The address family of a service key. */
export function keyFamily(key: ServiceKey): AddressFamily {
  return 'fwmark' in key ? key.family : parseAddress(key.address).family;
}

/** The address as the 16-byte union nf_inet_addr libipvs and the kernel send, plus its family. */
export function addrToWire(text: string): { family: AddressFamily; bytes: Buffer } {
  const { family, bytes } = parseAddress(text);
  if (family === 'ipv6') return { family, bytes };
  const out = Buffer.allocUnsafe(NF_INET_ADDR_LEN);
  for (let i = 0; i < NF_INET_ADDR_LEN; i++) out[i] = i < 4 ? (bytes[i] ?? 0) : 0;
  return { family, bytes: out };
}

/**
 * Reads an ADDR attribute (union nf_inet_addr, 16 bytes; 4 bytes accepted for IPv4, as the
 * kernel's NLA_BINARY policy allows shorter payloads) and formats it for `family`.
 */
export function readAddr(set: AttrSet, type: number, family: AddressFamily): string {
  const v = set.binary(type);
  if (family === 'ipv4' && (v.length === 4 || v.length === NF_INET_ADDR_LEN)) return formatIPv4(v.subarray(0, 4));
  if (family === 'ipv6' && v.length === NF_INET_ADDR_LEN) return formatIPv6(v);
  throw new NetlinkDecodeError(`${set.label(type)}: ${v.length} byte(s) is not a valid ${family} address`);
}

/** Reads a 4-byte network-order IPv4 address attribute (e.g. MCAST_GROUP). */
export function readInAddr(set: AttrSet, type: number): string | undefined {
  const v = set.getFixed(type, 4);
  return v === undefined ? undefined : formatIPv4(v);
}

/** Reads a 16-byte IPv6 address attribute (e.g. MCAST_GROUP6). */
export function readIn6Addr(set: AttrSet, type: number): string | undefined {
  const v = set.getFixed(type, 16);
  return v === undefined ? undefined : formatIPv6(v);
}

/** Default persistence netmask ipvsadm sends: 255.255.255.255 for IPv4, /128 for IPv6. */
export function defaultNetmask(family: AddressFamily): number {
  return family === 'ipv4' ? 0xffffffff : 128;
}

/** Checks a netmask for its family: any u32 for IPv4, a prefix length 0..128 for IPv6. */
export function checkNetmask(family: AddressFamily, netmask: number): void {
  if (family === 'ipv4') checkRange('IPv4 netmask', netmask, 0, 0xffffffff);
  else checkRange('IPv6 netmask (prefix length)', netmask, 0, 128);
}

/** Writes NETMASK: IPv4 mask in network order, IPv6 prefix length as a host-order u32. */
export function writeNetmask(w: AttrWriter, type: number, family: AddressFamily, netmask: number): void {
  checkNetmask(family, netmask);
  if (family === 'ipv4') w.be32(type, netmask);
  else w.u32(type, netmask);
}

/** Reads NETMASK the way {@link writeNetmask} writes it. */
export function readNetmask(set: AttrSet, type: number, family: AddressFamily): number {
  return family === 'ipv4' ? set.be32(type) : set.u32(type);
}

/** Encodes struct ip_vs_flags { u32 flags; u32 mask; } (host order). */
export function encodeIpVsFlags(flags: number, mask: number): Buffer {
  checkRange('service flags', flags, 0, 0xffffffff);
  checkRange('service flags mask', mask, 0, 0xffffffff);
  const b = Buffer.allocUnsafe(8);
  writeU32(b, flags, 0);
  writeU32(b, mask, 4);
  return b;
}

/** Decodes struct ip_vs_flags (exactly 8 bytes). */
export function decodeIpVsFlags(set: AttrSet, type: number): { flags: number; mask: number } | undefined {
  const v = set.getFixed(type, 8);
  return v === undefined ? undefined : { flags: readU32(v, 0), mask: readU32(v, 4) };
}
