/**
 * Encoding and decoding of VRRP advertisements: the VRRP message only (the transport adds or strips the IP header).
 *
 * VRRPv2, RFC 3768 section 5.1 (IPv4 only):
 *
 *     0                   1                   2                   3
 *     |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
 *     |   Auth Type   |   Adver Int   |          Checksum             |
 *     |                    IPv4 address (1..n)                        |
 *     |                  Authentication Data (8 bytes)                |
 *
 * Adver Int is in whole seconds. The checksum covers the message from Version to the end of the authentication data,
 * without a pseudo-header. The 8 bytes of authentication data are always present (RFC 3768 keeps them for
 * compatibility with RFC 2338; keepalived sends them, holding the zero-padded password when `auth_type PASS`).
 *
 * VRRPv3, RFC 5798 / RFC 9568 section 5.1 (IPv4 and IPv6; keepalived `vrrp_version 3` uses this with IPv4 too):
 *
 *     |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *     |(rsvd) |     Max Adver Int     |          Checksum             |
 *     |                  IPvX address (1..n), 4 or 16 bytes each      |
 *
 * Max Adver Int is 12 bits of centiseconds; the 4 reserved bits are sent as zero and ignored on receipt. The
 * checksum covers an IP pseudo-header (source, destination, protocol 112, VRRP length) and the message.
 *
 * `decode` checks what can be checked without knowing the receiving instance (RFC 5798 section 7.1's TTL, version,
 * type, length and checksum, RFC 9568's non-zero interval and count); `validate.ts` checks the rest. It never throws:
 * anything that is not a well-formed advertisement yields a drop reason.
 */
import { LvsdError } from '../errors.js';
import { type Family, addrBytes, addrLen, addrText } from './addr.js';
import { pseudoHeader, vrrpChecksum } from './checksum.js';
import {
  PRIORITY_OWNER,
  V2_MAX_ADVER_INT_S,
  V3_MAX_ADVER_INT_CS,
  VRRP_HEADER_LEN,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_V2_AUTH_LEN,
} from './constants.js';

/** The fields every advertisement has. */
interface AdvertCommon {
  /** Virtual Router ID, 1..255. */
  readonly vrid: number;
  /** 0 (the master is stopping) .. 255 (the address owner). */
  readonly priority: number;
  /** The virtual addresses, canonical text, in packet order. */
  readonly addresses: readonly string[];
}

/** A VRRPv2 advertisement (RFC 3768). */
export interface AdvertV2 extends AdvertCommon {
  readonly version: 2;
  /** Auth Type: 0 none, 1 simple password (keepalived PASS), 2 AH. */
  readonly authType: number;
  /** The 8 bytes of authentication data (zeros when there is no password). */
  readonly authData: Uint8Array;
  /** Adver Int, whole seconds. */
  readonly advertIntSec: number;
}

/** A VRRPv3 advertisement (RFC 5798 / RFC 9568). */
export interface AdvertV3 extends AdvertCommon {
  readonly version: 3;
  /** Max Adver Int, centiseconds (12 bits). */
  readonly maxAdverIntCs: number;
}

/** A decoded (or to be encoded) advertisement of either version. */
export type Advert = AdvertV2 | AdvertV3;

/** Where an advertisement travels: its family and the IP addresses the checksum's pseudo-header uses. */
export interface PacketContext {
  readonly family: Family;
  /** Source address of the IP packet. */
  readonly srcAddr: string;
  /** Destination address of the IP packet (the multicast group, or a unicast peer). */
  readonly dstAddr: string;
}

/** What the receiving socket saw besides the payload. */
export interface DecodeContext extends PacketContext {
  /** TTL / hop limit of the IP packet; undefined: not known or not to be checked (unicast, like keepalived). */
  readonly ttl?: number | undefined;
}

/** Why `decode` refused a packet. */
export type DecodeDropReason = 'length' | 'ttl' | 'version' | 'type' | 'checksum' | 'interval-zero' | 'addr-count';

/** An advertisement, or why the packet was dropped. */
export type DecodeResult =
  | { readonly ok: true; readonly advert: Advert }
  | { readonly ok: false; readonly reason: DecodeDropReason; readonly detail: string };

/** The advertisement interval an advert carries, in milliseconds. */
export function advertIntervalMs(a: Advert): number {
  return a.version === 2 ? a.advertIntSec * 1000 : a.maxAdverIntCs * 10;
}

/** The 8 bytes of authentication data for a keepalived `auth_pass`: its UTF-8 bytes, zero-padded or cut to 8. */
export function passwordAuthData(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_V2_AUTH_LEN);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_V2_AUTH_LEN));
  return out;
}

/** Length of the VRRP message of `version` carrying `count` addresses of `family`. */
export function messageLength(version: 2 | 3, family: Family, count: number): number {
  return VRRP_HEADER_LEN + count * addrLen(family) + (version === 2 ? VRRP_V2_AUTH_LEN : 0);
}

function fail(message: string): never {
  throw new LvsdError('EVRRPENCODE', message);
}

function checkByte(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer ${min}..${max}, got ${v}`);
}

/**
 * The VRRP message of `advert` with its checksum computed (VRRPv3: over the pseudo-header of `ctx`). Throws an
 * LvsdError (code EVRRPENCODE) when a field is out of range, an address is not of `ctx.family`, or VRRPv2 is asked
 * for over IPv6.
 */
export function encode(advert: Advert, ctx: PacketContext): Uint8Array {
  const { family } = ctx;
  if (advert.version === 2 && family !== 'ipv4') fail('VRRPv2 is IPv4 only (RFC 3768)');
  checkByte('vrid', advert.vrid, 1, 255);
  checkByte('priority', advert.priority, 0, PRIORITY_OWNER);
  if (advert.addresses.length > 255) fail(`at most 255 addresses, got ${advert.addresses.length}`);
  const len = messageLength(advert.version, family, advert.addresses.length);
  const out = new Uint8Array(len);
  out[0] = (advert.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = advert.vrid;
  out[2] = advert.priority;
  out[3] = advert.addresses.length;
  if (advert.version === 2) {
    checkByte('authType', advert.authType, 0, 255);
    checkByte('advertIntSec', advert.advertIntSec, 1, V2_MAX_ADVER_INT_S);
    if (advert.authData.length !== VRRP_V2_AUTH_LEN) fail(`authData must be ${VRRP_V2_AUTH_LEN} bytes`);
    out[4] = advert.authType;
    out[5] = advert.advertIntSec;
  } else {
    checkByte('maxAdverIntCs', advert.maxAdverIntCs, 1, V3_MAX_ADVER_INT_CS);
    out[4] = advert.maxAdverIntCs >> 8;
    out[5] = advert.maxAdverIntCs & 0xff;
  }
  const n = addrLen(family);
  advert.addresses.forEach((a, i) => {
    const b = addrBytes(a, family);
    if (b === undefined) fail(`not an ${family} address: ${a}`);
    out.set(b, VRRP_HEADER_LEN + i * n);
  });
  if (advert.version === 2) out.set(advert.authData, len - VRRP_V2_AUTH_LEN);
  const pseudo = advert.version === 3 ? pseudoOrFail(ctx, len) : undefined;
  const sum = vrrpChecksum(out, pseudo);
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

function pseudoOrFail(ctx: PacketContext, len: number): Uint8Array {
  try {
    return pseudoHeader(ctx.family, ctx.srcAddr, ctx.dstAddr, len);
  } catch {
    return fail(`srcAddr and dstAddr must be ${ctx.family} addresses`);
  }
}

const drop = (reason: DecodeDropReason, detail: string): DecodeResult => ({ ok: false, reason, detail });

/**
 * Parses one VRRP message as received: an advertisement, or why it must be dropped. Checks, in order: the fixed
 * header is there (length), TTL/hop limit 255 when `ctx.ttl` is given (ttl), version 2 (IPv4 only) or 3
 * (version), type ADVERTISEMENT (type), the length is exactly what the address count implies (length), the
 * checksum (checksum), and for VRRPv3 a non-zero Max Adver Int (interval-zero) and address count (addr-count), as
 * RFC 9568 requires. Never throws.
 */
export function decode(buf: Uint8Array, ctx: DecodeContext): DecodeResult {
  try {
    return decodeUnsafe(buf, ctx);
  } catch (err) {
    // Only a context with unusable addresses gets here (the packet bytes are all bounds-checked).
    return drop('checksum', `cannot verify: ${(err as Error).message}`);
  }
}

function decodeUnsafe(buf: Uint8Array, ctx: DecodeContext): DecodeResult {
  const { family } = ctx;
  if (buf.length < VRRP_HEADER_LEN) return drop('length', `${buf.length} bytes, less than the ${VRRP_HEADER_LEN}-byte header`);
  if (ctx.ttl !== undefined && ctx.ttl !== VRRP_TTL) return drop('ttl', `TTL/hop limit ${ctx.ttl}, expected ${VRRP_TTL}`);
  const b0 = buf[0] as number;
  const version = b0 >> 4;
  if (version !== 2 && version !== 3) return drop('version', `version ${version}`);
  if (version === 2 && family !== 'ipv4') return drop('version', 'VRRPv2 over IPv6');
  const type = b0 & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return drop('type', `type ${type}`);
  const count = buf[3] as number;
  const expected = messageLength(version, family, count);
  if (buf.length !== expected) {
    return drop('length', `${buf.length} bytes, expected ${expected} for ${count} address(es)`);
  }
  const pseudo = version === 3 ? pseudoHeader(family, ctx.srcAddr, ctx.dstAddr, buf.length) : undefined;
  if (vrrpChecksum(buf, pseudo) !== 0) {
    const got = ((buf[6] as number) << 8) | (buf[7] as number);
    return drop('checksum', `checksum 0x${got.toString(16).padStart(4, '0')} does not verify`);
  }
  const n = addrLen(family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(addrText(buf.subarray(VRRP_HEADER_LEN + i * n, VRRP_HEADER_LEN + (i + 1) * n)));
  const vrid = buf[1] as number;
  const priority = buf[2] as number;
  if (version === 2) {
    return {
      ok: true,
      advert: {
        version: 2,
        vrid,
        priority,
        addresses,
        authType: buf[4] as number,
        advertIntSec: buf[5] as number,
        authData: buf.slice(buf.length - VRRP_V2_AUTH_LEN),
      },
    };
  }
  const maxAdverIntCs = (((buf[4] as number) << 8) | (buf[5] as number)) & V3_MAX_ADVER_INT_CS;
  if (maxAdverIntCs === 0) return drop('interval-zero', 'Max Adver Int 0 (RFC 9568 section 7.1)');
  if (count === 0) return drop('addr-count', 'no address (RFC 9568 section 5.2.5)');
  return { ok: true, advert: { version: 3, vrid, priority, addresses, maxAdverIntCs } };
}
