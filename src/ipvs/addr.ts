/**
 * Strict IP address text ↔ bytes conversion. Parsing accepts what inet_pton accepts (no zone
 * ids, no leading zeros in IPv4); formatting reproduces glibc's inet_ntop, which is what
 * ipvsadm prints.
 */
import { LvsdError } from '../errors.js';
import type { AddressFamily } from './types.js';

/** Text that is not a valid IPv4 or IPv6 address. */
export class AddressError extends LvsdError {
  constructor(message: string) {
    super('EADDR', message);
  }
}

/** An address as bytes in network order: 4 for IPv4, 16 for IPv6. */
export interface ParsedAddress {
  readonly family: AddressFamily;
  readonly bytes: Buffer;
}

/*
 * node:net's isIPv4/isIPv6 (Node 20, lib/internal/net.js), inlined: importing node:net costs a
 * short-lived command such as lvsadm a noticeable part of its start-up.
 */
const V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4_STR = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const IPV4_RE = new RegExp(`^${V4_STR}$`);
const V6_SEG = '(?:[0-9a-fA-F]{1,4})';
const IPV6_RE = new RegExp(
  '^(?:' +
    `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){6}(?:${V4_STR}|:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){5}(?::${V4_STR}|(?::${V6_SEG}){1,2}|:)|` +
    `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4_STR}|(?::${V6_SEG}){1,3}|:)|` +
    `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4_STR}|(?::${V6_SEG}){1,4}|:)|` +
    `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4_STR}|(?::${V6_SEG}){1,5}|:)|` +
    `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4_STR}|(?::${V6_SEG}){1,6}|:)|` +
    `(?::(?:(?::${V6_SEG}){0,5}:${V4_STR}|(?::${V6_SEG}){1,7}|:))` +
    ')(?:%[0-9a-zA-Z-.:]{1,})?$',
);

/** node:net isIPv4: dotted decimal, four parts 0..255 without leading zeros. */
export function isIPv4(text: string): boolean {
  return IPV4_RE.test(text);
}

/** node:net isIPv6 (zone ids included). */
export function isIPv6(text: string): boolean {
  return IPV6_RE.test(text);
}

/** The 4 bytes of a dotted quad already checked by isIPv4. */
function parseIPv4Bytes(text: string): Buffer {
  const out = Buffer.allocUnsafe(4);
  let part = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      out[part++] = value;
      value = 0;
    } else {
      value = value * 10 + (c - 48);
    }
  }
  out[part] = value;
  return out;
}

function parseIPv6Bytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  const halves = text.split('::');
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const words: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v4 = parseIPv4Bytes(part);
        words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        words.push(Number.parseInt(part, 16));
      }
    }
    return words;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length > 1 ? groups(halves[1] ?? '') : [];
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  words.forEach((w, i) => {
    out.writeUInt16BE(w, i * 2);
  });
  return out;
}

/** Parses an IPv4 or IPv6 address; throws {@link AddressError} for anything else (incl. zone ids). */
export function parseAddress(text: string): ParsedAddress {
  if (isIPv4(text)) return { family: 'ipv4', bytes: parseIPv4Bytes(text) };
  if (isIPv6(text) && !text.includes('%')) return { family: 'ipv6', bytes: parseIPv6Bytes(text) };
  throw new AddressError(`invalid IP address: ${JSON.stringify(text)}`);
}

/** The family of an address text; throws {@link AddressError} if it is not an address. */
export function addressFamily(text: string): AddressFamily {
  return parseAddress(text).family;
}

/** Formats 4 bytes as dotted decimal. */
export function formatIPv4(bytes: Uint8Array): string {
  if (bytes.length !== 4) throw new AddressError(`an IPv4 address has 4 bytes, got ${bytes.length}`);
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** Formats 16 bytes like glibc inet_ntop: longest zero run (≥ 2 words) compressed, IPv4 tails. */
export function formatIPv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new AddressError(`an IPv6 address has 16 bytes, got ${bytes.length}`);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIPv4(bytes.subarray(12, 16));
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Formats 4 bytes as IPv4 or 16 bytes as IPv6. */
export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** The canonical text of an address ("2001:DB8:0::1" → "2001:db8::1"). */
export function canonicalAddress(text: string): string {
  return formatAddress(parseAddress(text).bytes);
}

/** The 16-byte union nf_inet_addr of an address: IPv4 in the first 4 bytes, the rest zero. */
export function toNfInetAddr(text: string): Buffer {
  const { bytes } = parseAddress(text);
  const out = Buffer.alloc(16);
  bytes.copy(out, 0);
  return out;
}
