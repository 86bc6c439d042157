/**
 * The Internet checksum (RFC 1071) over a VRRP message, and the IP pseudo-headers VRRPv3 covers (RFC 5798 section
 * 5.2.8): for IPv4 source, destination, zero, protocol 112 and the VRRP length (RFC 768 style); for IPv6 source,
 * destination, the 32-bit upper-layer length, three zero bytes and next header 112 (RFC 8200 section 8.1).
 * VRRPv2 (RFC 3768 section 5.3.8) covers the VRRP message only.
 */
import { type Family, addrBytes, addrLen } from './addr.js';
import { IPPROTO_VRRP } from './constants.js';

/** Adds `bytes` as big-endian 16-bit words (an odd last byte padded with zero) to a 32-bit running sum. */
export function sumWords(bytes: Uint8Array, acc = 0): number {
  let sum = acc;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (even !== bytes.length) sum += (bytes[even] as number) << 8;
  // Fold now and then so the sum stays a small integer whatever the length.
  return foldCarries(sum);
}

function foldCarries(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The one's complement of the folded sum: the value to put in a checksum field. */
export function finishChecksum(acc: number): number {
  return ~foldCarries(acc) & 0xffff;
}

/** The pseudo-header of an upper-layer message of `length` bytes from `src` to `dst`. */
export function pseudoHeader(family: Family, src: string, dst: string, length: number): Uint8Array {
  const s = addrBytes(src, family);
  const d = addrBytes(dst, family);
  if (s === undefined || d === undefined) throw new RangeError(`pseudo-header needs two ${family} addresses`);
  const n = addrLen(family);
  if (family === 'ipv4') {
    const out = new Uint8Array(12);
    out.set(s, 0);
    out.set(d, 4);
    out[9] = IPPROTO_VRRP;
    out[10] = (length >> 8) & 0xff;
    out[11] = length & 0xff;
    return out;
  }
  const out = new Uint8Array(2 * n + 8);
  out.set(s, 0);
  out.set(d, n);
  const v = new DataView(out.buffer);
  v.setUint32(2 * n, length);
  out[2 * n + 7] = IPPROTO_VRRP;
  return out;
}

/**
 * The checksum of `message` (its checksum field already zeroed, or left in place when verifying: then a correct
 * message sums to 0), preceded by `pseudo` when given.
 */
export function vrrpChecksum(message: Uint8Array, pseudo?: Uint8Array): number {
  const acc = pseudo !== undefined ? sumWords(pseudo) : 0;
  return finishChecksum(sumWords(message, acc));
}
