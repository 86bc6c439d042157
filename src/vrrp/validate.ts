/**
 * Receive validation: what `decode` cannot know, because it depends on the receiving instance (RFC 3768 section
 * 7.1, RFC 5798 / RFC 9568 section 7.1, and keepalived's vrrp_check_packet), and the per-reason drop counters.
 *
 * Every packet that does not reach the state machine is counted under exactly one reason. `vrid-mismatch` is not an
 * error: several instances share a socket, and a packet for another VRID is simply someone else's.
 */
import { type Family, addrBytes, isMulticastAddr, sameAddr } from './addr.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, VRRP_V2_AUTH_LEN } from './constants.js';
import { type Advert, type DecodeDropReason, type DecodeResult, type PacketContext, decode } from './packet.js';

/** Every reason a received packet is dropped, in the order the checks run. */
export const DROP_REASONS = [
  // decode (packet.ts)
  'length',
  'ttl',
  'version',
  'type',
  'checksum',
  'interval-zero',
  'addr-count',
  // validate (this file)
  'vrid-mismatch',
  'version-mismatch',
  'auth-type-invalid',
  'auth-type-mismatch',
  'auth-mismatch',
  'interval-mismatch',
  'addr-count-mismatch',
  'dst-mismatch',
  'addr-list-mismatch',
  'src-not-peer',
] as const;

/** Why a received packet was dropped. */
export type DropReason = (typeof DROP_REASONS)[number];

/** Reasons that concern this instance's validation (the packet was for this VRID). */
export type ValidateDropReason = Exclude<DropReason, DecodeDropReason>;

/** What an instance expects of the adverts it accepts. */
export interface ReceiveExpectations {
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly family: Family;
  /**
   * VRRPv2 authentication: none, or keepalived's PASS with its 8 bytes (see `passwordAuthData`). Ignored for
   * VRRPv3, which has none.
   */
  readonly auth: { readonly type: 'none' } | { readonly type: 'pass'; readonly data: Uint8Array };
  /** VRRPv2: the configured Adver Int in seconds, which a received advert must match (RFC 3768 section 7.1). */
  readonly advertIntSec: number;
  /** The addresses the instance advertises (virtual_ipaddress, not the excluded ones). */
  readonly vips: readonly string[];
  /** Compare the received address list with `vips` (keepalived does unless `skip_check_adv_addr`). */
  readonly checkAddrList: boolean;
  /** The instance advertises by unicast: adverts must come by unicast, and multicast ones are dropped (and v.v.). */
  readonly unicast: boolean;
  /** Unicast peers; with `checkUnicastSrc`, an advert from another source is dropped. */
  readonly peers: readonly string[];
  /** keepalived `check_unicast_src`. */
  readonly checkUnicastSrc: boolean;
}

/** Accepted, or why not. */
export type ValidateResult = { readonly ok: true } | { readonly ok: false; readonly reason: ValidateDropReason; readonly detail: string };

const drop = (reason: ValidateDropReason, detail: string): ValidateResult => ({ ok: false, reason, detail });

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Constant time, as keepalived compares passwords.
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function sameAddressSet(got: readonly string[], want: readonly string[], family: Family): boolean {
  const key = (a: string) => Buffer.from(addrBytes(a, family) ?? new Uint8Array()).toString('hex');
  const have = new Set(got.map(key));
  return want.every((w) => have.has(key(w)));
}

/**
 * Checks a decoded advert against the instance, in keepalived's order: VRID (not ours: ignore), version, then for
 * VRRPv2 the auth type (known, then equal to ours), the password, and the Adver Int (must equal ours: RFC 3768
 * section 7.1; VRRPv3 instead learns the master's interval), then the address count, unicast vs multicast
 * destination, the address list (RFC: MAY; keepalived drops on mismatch, and so does lvsd, even from the owner),
 * and optionally the unicast source.
 */
export function validate(advert: Advert, ctx: PacketContext, exp: ReceiveExpectations): ValidateResult {
  if (advert.vrid !== exp.vrid) return drop('vrid-mismatch', `VRID ${advert.vrid}, not ${exp.vrid}`);
  if (advert.version !== exp.version) return drop('version-mismatch', `version ${advert.version}, expected ${exp.version}`);
  if (advert.version === 2) {
    const t = advert.authType;
    if (t !== AUTH_NONE && t !== AUTH_PASS && t !== AUTH_AH) return drop('auth-type-invalid', `auth type ${t}`);
    const want = exp.auth.type === 'pass' ? AUTH_PASS : AUTH_NONE;
    if (t !== want) return drop('auth-type-mismatch', `auth type ${t}, expected ${want}`);
    if (exp.auth.type === 'pass') {
      if (exp.auth.data.length !== VRRP_V2_AUTH_LEN || !equalBytes(advert.authData, exp.auth.data)) {
        return drop('auth-mismatch', 'wrong password');
      }
    }
    if (advert.advertIntSec !== exp.advertIntSec) {
      return drop('interval-mismatch', `Adver Int ${advert.advertIntSec}s, configured ${exp.advertIntSec}s`);
    }
  }
  if (exp.checkAddrList && advert.addresses.length !== exp.vips.length) {
    return drop('addr-count-mismatch', `${advert.addresses.length} address(es), expected ${exp.vips.length}`);
  }
  if (isMulticastAddr(ctx.dstAddr) === exp.unicast) {
    return drop('dst-mismatch', exp.unicast ? 'multicast advert on a unicast instance' : 'unicast advert on a multicast instance');
  }
  if (exp.checkAddrList && !sameAddressSet(advert.addresses, exp.vips, exp.family)) {
    return drop('addr-list-mismatch', `addresses ${advert.addresses.join(', ')}, expected ${exp.vips.join(', ')}`);
  }
  if (exp.unicast && exp.checkUnicastSrc && !exp.peers.some((p) => sameAddr(p, ctx.srcAddr))) {
    return drop('src-not-peer', `source ${ctx.srcAddr} is not a unicast peer`);
  }
  return { ok: true };
}

/** Packets dropped, by reason, and accepted. */
export interface ReceiveCounters {
  readonly drops: Record<DropReason, number>;
  accepted: number;
}

/** Fresh counters, every reason at 0. */
export function newReceiveCounters(): ReceiveCounters {
  return { drops: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>, accepted: 0 };
}

/** A valid advert for the instance, or why the packet was dropped. */
export type ReceiveResult =
  | { readonly ok: true; readonly advert: Advert }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/**
 * Decodes and validates one received VRRP message for an instance, counting the outcome in `counters`. The TTL is
 * checked only for multicast instances (keepalived does not check it for unicast).
 */
export function receive(
  buf: Uint8Array,
  meta: { readonly srcAddr: string; readonly dstAddr: string; readonly ttl?: number | undefined },
  exp: ReceiveExpectations,
  counters: ReceiveCounters,
): ReceiveResult {
  const ctx = { family: exp.family, srcAddr: meta.srcAddr, dstAddr: meta.dstAddr };
  const d: DecodeResult = decode(buf, { ...ctx, ttl: exp.unicast ? undefined : meta.ttl });
  if (!d.ok) {
    counters.drops[d.reason]++;
    return d;
  }
  const v = validate(d.advert, ctx, exp);
  if (!v.ok) {
    counters.drops[v.reason]++;
    return v;
  }
  counters.accepted++;
  return d;
}
