/**
 * lvsd's VRRP codec and gratuitous ARP / unsolicited NA against what keepalived 2.2.7 really sends (captured by
 * scripts/capture-vrrp-fixtures.sh into fixtures/keepalived-captures.ts): every capture decodes to the fields of the
 * config that produced it, our encoder reproduces keepalived's bytes exactly, and so do our ARP / NA builders.
 */
import { describe, expect, it } from 'vitest';
import { addrBytes } from '../../../src/vrrp/addr.js';
import { finishChecksum, sumWords, vrrpChecksum } from '../../../src/vrrp/checksum.js';
import { ALL_NODES6, garpFrame, unsolicitedNa } from '../../../src/vrrp/io/garp.js';
import { type Advert, advertIntervalMs, decode, encode, passwordAuthData } from '../../../src/vrrp/packet.js';
import { type GoldenPacket, goldenBytes } from './fixtures/adverts.js';
import { type KeepalivedFrame, keepalivedAdverts, keepalivedFrames } from './fixtures/keepalived-captures.js';

const familyOf = (f: GoldenPacket): 'ipv4' | 'ipv6' => (f.srcAddr.includes(':') ? 'ipv6' : 'ipv4');
const ctxOf = (f: GoldenPacket) => ({ family: familyOf(f), srcAddr: f.srcAddr, dstAddr: f.dstAddr });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const macBytes = (m: string): Uint8Array => Uint8Array.from(m.split(':').map((x) => Number.parseInt(x, 16)));
const frameBytes = (f: KeepalivedFrame): Uint8Array => new Uint8Array(Buffer.from(f.hex, 'hex'));

const zeros8 = new Uint8Array(8);

/** What each capture carries, from the keepalived config that produced it (see the fixture descriptions). */
const running: Record<string, Advert> = {
  'keepalived-v2-ipv4': {
    version: 2,
    vrid: 51,
    priority: 100,
    addresses: ['192.0.2.10', '192.0.2.11'],
    authType: 0,
    authData: zeros8,
    advertIntSec: 1,
  },
  'keepalived-v2-ipv4-pass': {
    version: 2,
    vrid: 51,
    priority: 100,
    addresses: ['192.0.2.10'],
    authType: 1,
    authData: passwordAuthData('secret'),
    advertIntSec: 1,
  },
  'keepalived-v3-ipv4': { version: 3, vrid: 52, priority: 255, addresses: ['192.0.2.20'], maxAdverIntCs: 100 },
  'keepalived-v3-ipv4-fast': { version: 3, vrid: 53, priority: 100, addresses: ['192.0.2.30'], maxAdverIntCs: 10 },
  'keepalived-v3-ipv6': { version: 3, vrid: 54, priority: 100, addresses: ['2001:db8::10', '2001:db8::11'], maxAdverIntCs: 100 },
  'keepalived-v2-ipv4-unicast': {
    version: 2,
    vrid: 55,
    priority: 100,
    addresses: ['192.0.2.50'],
    authType: 0,
    authData: zeros8,
    advertIntSec: 1,
  },
};

/** The expected decode of a capture: its running advert, or that advert with priority 0 for a `-stop` capture. */
function expectedOf(name: string): Advert {
  const stop = name.endsWith('-stop');
  const base = running[stop ? name.slice(0, -'-stop'.length) : name];
  if (base === undefined) throw new Error(`no expectation for ${name}`);
  return stop ? { ...base, priority: 0 } : base;
}

describe('keepalived 2.2.7 adverts', () => {
  it('every case was captured, running and stopping', () => {
    const names = keepalivedAdverts.map((f) => f.name).sort();
    const want = Object.keys(running).flatMap((n) => [n, `${n}-stop`]);
    expect(names).toEqual(want.sort());
  });

  for (const f of keepalivedAdverts) {
    it(`${f.name}: decodes (TTL 255, as captured) to the config's fields`, () => {
      const bytes = goldenBytes(f);
      const d = decode(bytes, { ...ctxOf(f), ttl: 255 });
      if (!d.ok) throw new Error(`${f.name}: ${d.reason} ${d.detail}`);
      expect(d.advert).toEqual(expectedOf(f.name));
    });

    it(`${f.name}: our encoder produces exactly keepalived's bytes`, () => {
      expect(hex(encode(expectedOf(f.name), ctxOf(f)))).toBe(hex(goldenBytes(f)));
    });
  }

  it('the checksums verify: v2 over the message alone, v3 with the pseudo-header of the captured addresses', () => {
    for (const f of keepalivedAdverts) {
      const bytes = goldenBytes(f);
      if (bytes[0] === 0x21) expect(vrrpChecksum(bytes)).toBe(0);
      else expect(vrrpChecksum(bytes)).not.toBe(0); // without the pseudo-header a v3 checksum does not verify
    }
  });

  it('a TTL other than 255 is dropped, unicast included, when the caller passes it', () => {
    const f = keepalivedAdverts.find((g) => g.name === 'keepalived-v2-ipv4-unicast') as GoldenPacket;
    expect(decode(goldenBytes(f), { ...ctxOf(f), ttl: 64 })).toMatchObject({ ok: false, reason: 'ttl' });
    expect(decode(goldenBytes(f), ctxOf(f)).ok).toBe(true); // ttl undefined: not checked
  });

  it('v3 advert_int 0.1 is Max Adver Int 10 cs; v2 advert_int 1 is 1 s', () => {
    expect(advertIntervalMs(expectedOf('keepalived-v3-ipv4-fast'))).toBe(100);
    expect(advertIntervalMs(expectedOf('keepalived-v2-ipv4'))).toBe(1000);
  });

  it('keepalived keeps the configured VIP order and pads auth_pass "secret" with two zero bytes', () => {
    const v2 = goldenBytes(keepalivedAdverts.find((g) => g.name === 'keepalived-v2-ipv4') as GoldenPacket);
    expect(hex(v2.subarray(8, 16))).toBe('c000020ac000020b');
    const pass = goldenBytes(keepalivedAdverts.find((g) => g.name === 'keepalived-v2-ipv4-pass') as GoldenPacket);
    expect(hex(pass.subarray(12))).toBe('7365637265740000');
  });
});

/** The ICMPv6 checksum of `msg` (its checksum field zero) from `src` to `dst` (RFC 8200 section 8.1). */
function icmp6Checksum(msg: Uint8Array, src: string, dst: string): number {
  const pseudo = new Uint8Array(40);
  pseudo.set(addrBytes(src, 'ipv6') as Uint8Array, 0);
  pseudo.set(addrBytes(dst, 'ipv6') as Uint8Array, 16);
  new DataView(pseudo.buffer).setUint32(32, msg.length);
  pseudo[39] = 58;
  return finishChecksum(sumWords(msg, sumWords(pseudo)));
}

describe('keepalived 2.2.7 gratuitous ARP and unsolicited NA', () => {
  const garps = keepalivedFrames.filter((f) => f.kind === 'garp');
  const nas = keepalivedFrames.filter((f) => f.kind === 'na');

  it('captured at least one of each', () => {
    expect(garps.length).toBeGreaterThan(0);
    expect(nas.length).toBeGreaterThan(0);
  });

  for (const f of garps) {
    it(`${f.name}: garpFrame equals keepalived's frame (target hardware address ff:ff:ff:ff:ff:ff, 42 bytes)`, () => {
      const theirs = frameBytes(f);
      expect(theirs.length).toBe(42); // unpadded: the minimum-size padding is not part of what keepalived writes
      expect(hex(theirs.subarray(32, 38))).toBe('ffffffffffff');
      expect(hex(garpFrame(macBytes(f.mac), f.address))).toBe(f.hex);
    });
  }

  for (const f of nas) {
    it(`${f.name}: unsolicitedNa equals keepalived's NA but for the checksum, which the kernel fills for us`, () => {
      const theirs = frameBytes(f);
      const ours = unsolicitedNa(macBytes(f.mac), f.address);
      expect(ours.length).toBe(theirs.length);
      // The one difference: keepalived computes the checksum itself; ours is sent on a raw ICMPv6 socket, which
      // fills it in (so it is 0 here). Everything else (type 136, code 0, Override only, target, option) is equal.
      expect(hex(ours.subarray(0, 2))).toBe(hex(theirs.subarray(0, 2)));
      expect(hex(ours.subarray(4))).toBe(hex(theirs.subarray(4)));
      expect(hex(ours.subarray(2, 4))).toBe('0000');
      // keepalived's checksum is the standard one over its source (the VIP itself) and ff02::1: what the kernel
      // writes into ours when the same addresses are used.
      expect(f.dstAddr).toBe(ALL_NODES6);
      const want = (theirs[2] as number) * 256 + (theirs[3] as number);
      expect(icmp6Checksum(ours, f.srcAddr as string, f.dstAddr as string)).toBe(want);
    });
  }
});
