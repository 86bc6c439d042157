/** The VRRP codec: golden packets both ways, every decode drop reason, encode's refusals, the checksum. */
import { describe, expect, it } from 'vitest';
import { LvsdError } from '../../../src/errors.js';
import { addrText, compareAddr, isMulticastAddr } from '../../../src/vrrp/addr.js';
import { pseudoHeader, vrrpChecksum } from '../../../src/vrrp/checksum.js';
import { type Advert, advertIntervalMs, decode, encode, messageLength, passwordAuthData } from '../../../src/vrrp/packet.js';
import { type GoldenPacket, goldenAdverts, goldenBytes } from './fixtures/adverts.js';

const familyOf = (f: GoldenPacket): 'ipv4' | 'ipv6' => (f.srcAddr.includes(':') ? 'ipv6' : 'ipv4');
const ctxOf = (f: GoldenPacket) => ({ family: familyOf(f), srcAddr: f.srcAddr, dstAddr: f.dstAddr });
const golden = (name: string): GoldenPacket => {
  const f = goldenAdverts.find((g) => g.name === name);
  if (f === undefined) throw new Error(`no fixture ${name}`);
  return f;
};

const zeros8 = new Uint8Array(8);

/** What the hand-written fixtures decode to. Captures added later only need to round-trip. */
const expected: Record<string, Advert> = {
  'v2-ipv4-basic': { version: 2, vrid: 51, priority: 100, addresses: ['192.168.200.16'], authType: 0, authData: zeros8, advertIntSec: 1 },
  'v2-ipv4-pass': {
    version: 2,
    vrid: 51,
    priority: 150,
    addresses: ['192.168.200.16', '192.168.200.17', '192.168.200.18'],
    authType: 1,
    authData: passwordAuthData('1111'),
    advertIntSec: 1,
  },
  'v2-ipv4-stop': { version: 2, vrid: 51, priority: 0, addresses: ['192.168.200.16'], authType: 0, authData: zeros8, advertIntSec: 1 },
  'v3-ipv4-owner': { version: 3, vrid: 1, priority: 255, addresses: ['10.0.0.1'], maxAdverIntCs: 100 },
  'v3-ipv4-unicast': { version: 3, vrid: 7, priority: 100, addresses: ['192.0.2.10', '192.0.2.11'], maxAdverIntCs: 100 },
  'v3-ipv6': { version: 3, vrid: 2, priority: 150, addresses: ['fe80::1', '2001:db8::10'], maxAdverIntCs: 50 },
  'v3-ipv4-max-interval': { version: 3, vrid: 200, priority: 254, addresses: ['203.0.113.5'], maxAdverIntCs: 4095 },
};

describe('golden packets', () => {
  for (const f of goldenAdverts) {
    it(`${f.name}: decodes, and re-encodes to the same bytes`, () => {
      const bytes = goldenBytes(f);
      const d = decode(bytes, { ...ctxOf(f), ttl: 255 });
      if (!d.ok) throw new Error(`${f.name}: ${d.reason} ${d.detail}`);
      const want = expected[f.name];
      if (want !== undefined) expect(d.advert).toEqual(want);
      expect(Buffer.from(encode(d.advert, ctxOf(f))).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    });
  }

  it('every hand-written fixture has its expected decode', () => {
    for (const name of Object.keys(expected)) expect(goldenAdverts.some((f) => f.name === name)).toBe(true);
  });

  it('advertIntervalMs: seconds for v2, centiseconds for v3', () => {
    expect(advertIntervalMs(expected['v2-ipv4-basic'] as Advert)).toBe(1000);
    expect(advertIntervalMs(expected['v3-ipv6'] as Advert)).toBe(500);
    expect(advertIntervalMs(expected['v3-ipv4-max-interval'] as Advert)).toBe(40950);
  });
});

describe('checksum', () => {
  it('v2 has no pseudo-header: the same bytes verify whatever the addresses', () => {
    const f = golden('v2-ipv4-basic');
    const bytes = goldenBytes(f);
    expect(decode(bytes, { family: 'ipv4', srcAddr: '10.9.9.9', dstAddr: '10.8.8.8' }).ok).toBe(true);
    expect(vrrpChecksum(bytes)).toBe(0);
  });

  it('v3 covers the pseudo-header: another source or destination fails the checksum', () => {
    for (const name of ['v3-ipv4-owner', 'v3-ipv4-unicast', 'v3-ipv6']) {
      const f = golden(name);
      const bytes = goldenBytes(f);
      const fam = familyOf(f);
      const other = fam === 'ipv4' ? '10.255.255.254' : 'fe80::ffff';
      expect(decode(bytes, { family: fam, srcAddr: other, dstAddr: f.dstAddr })).toMatchObject({ ok: false, reason: 'checksum' });
      expect(decode(bytes, { family: fam, srcAddr: f.srcAddr, dstAddr: other })).toMatchObject({ ok: false, reason: 'checksum' });
    }
  });

  it('the pseudo-headers follow RFC 768 / RFC 8200 layouts', () => {
    expect(Buffer.from(pseudoHeader('ipv4', '10.0.0.1', '224.0.0.18', 12)).toString('hex')).toBe('0a000001e0000012' + '0070000c');
    expect(Buffer.from(pseudoHeader('ipv6', 'fe80::a', 'ff02::12', 40)).toString('hex')).toBe(
      'fe80000000000000000000000000000a' + 'ff020000000000000000000000000012' + '00000028' + '00000070',
    );
  });

  it('an odd-length message is padded with a zero byte', () => {
    // 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd
    expect(vrrpChecksum(new Uint8Array([1, 2, 3]))).toBe(0xfbfd);
  });
});

describe('decode drops', () => {
  const f = golden('v2-ipv4-basic');
  const base = goldenBytes(f);
  const ctx = { ...ctxOf(f), ttl: 255 };

  /** A copy of `bytes` changed by `edit`, with the v2 checksum recomputed. */
  function patched(bytes: Uint8Array, edit: (b: Uint8Array) => void, fix = true): Uint8Array {
    const b = bytes.slice();
    edit(b);
    if (fix) {
      b[6] = 0;
      b[7] = 0;
      const c = vrrpChecksum(b);
      b[6] = c >> 8;
      b[7] = c & 0xff;
    }
    return b;
  }

  it('length: shorter than the header', () => {
    for (let n = 0; n < 8; n++) expect(decode(base.subarray(0, n), ctx)).toMatchObject({ ok: false, reason: 'length' });
  });

  it('ttl: not 255, when given; undefined skips the check (unicast)', () => {
    expect(decode(base, { ...ctx, ttl: 254 })).toMatchObject({ ok: false, reason: 'ttl' });
    expect(decode(base, { ...ctx, ttl: 1 })).toMatchObject({ ok: false, reason: 'ttl' });
    expect(decode(base, { ...ctx, ttl: undefined }).ok).toBe(true);
  });

  it('version: neither 2 nor 3, or 2 over IPv6', () => {
    for (const v of [0, 1, 4, 15]) {
      expect(
        decode(
          patched(base, (b) => (b[0] = (v << 4) | 1)),
          ctx,
        ),
      ).toMatchObject({ ok: false, reason: 'version' });
    }
    const v6 = new Uint8Array(8 + 16);
    v6[0] = 0x21;
    v6[3] = 1;
    expect(decode(v6, { family: 'ipv6', srcAddr: 'fe80::1', dstAddr: 'ff02::12' })).toMatchObject({ ok: false, reason: 'version' });
  });

  it('type: not ADVERTISEMENT', () => {
    for (const t of [0, 2, 15])
      expect(
        decode(
          patched(base, (b) => (b[0] = 0x20 | t)),
          ctx,
        ),
      ).toMatchObject({ ok: false, reason: 'type' });
  });

  it('length: longer or shorter than the address count says', () => {
    expect(decode(base.subarray(0, base.length - 1), ctx)).toMatchObject({ ok: false, reason: 'length' });
    expect(decode(new Uint8Array([...base, 0]), ctx)).toMatchObject({ ok: false, reason: 'length' });
    expect(
      decode(
        patched(base, (b) => (b[3] = 2)),
        ctx,
      ),
    ).toMatchObject({ ok: false, reason: 'length' });
    // v2 without its 8 bytes of authentication data
    expect(decode(base.subarray(0, 12), ctx)).toMatchObject({ ok: false, reason: 'length' });
  });

  it('checksum: any flipped bit', () => {
    for (let i = 0; i < base.length * 8; i++) {
      const b = base.slice();
      b[i >> 3] = (b[i >> 3] as number) ^ (1 << (i & 7));
      const d = decode(b, ctx);
      expect(d.ok).toBe(false);
    }
    expect(
      decode(
        patched(base, (b) => (b[2] = 99), false),
        ctx,
      ),
    ).toMatchObject({ ok: false, reason: 'checksum' });
  });

  it('v3: Max Adver Int 0 and count 0 are dropped (RFC 9568 7.1, 5.2.5)', () => {
    const v3 = golden('v3-ipv4-owner');
    const c3 = ctxOf(v3);
    const zeroInt = encodeRaw([0x31, 1, 255, 1, 0, 0], ['0a000001'], c3);
    expect(decode(zeroInt, c3)).toMatchObject({ ok: false, reason: 'interval-zero' });
    const zeroCount = encodeRaw([0x31, 1, 255, 0, 0, 100], [], c3);
    expect(decode(zeroCount, c3)).toMatchObject({ ok: false, reason: 'addr-count' });
  });

  it('v2 with no address is well-formed (keepalived allows it)', () => {
    const b = encode({ version: 2, vrid: 9, priority: 50, addresses: [], authType: 0, authData: zeros8, advertIntSec: 3 }, ctxOf(f));
    expect(b.length).toBe(16);
    expect(decode(b, ctx)).toMatchObject({ ok: true, advert: { addresses: [], advertIntSec: 3 } });
  });

  it('v3: the reserved bits are ignored on receipt', () => {
    const v3 = golden('v3-ipv4-owner');
    const c3 = ctxOf(v3);
    const b = encodeRaw([0x31, 1, 255, 1, 0xf0, 100], ['0a000001'], c3);
    expect(decode(b, c3)).toMatchObject({ ok: true, advert: { maxAdverIntCs: 100 } });
  });

  it('never throws on unusable context addresses', () => {
    const v3 = goldenBytes(golden('v3-ipv4-owner'));
    expect(decode(v3, { family: 'ipv4', srcAddr: 'nonsense', dstAddr: '224.0.0.18' })).toMatchObject({ ok: false });
  });
});

/** A VRRPv3 message from its first 6 header bytes and hex addresses, with a correct checksum. */
function encodeRaw(head: number[], addrs: string[], ctx: { family: 'ipv4' | 'ipv6'; srcAddr: string; dstAddr: string }): Uint8Array {
  const body = Buffer.concat([Buffer.from([...head, 0, 0]), ...addrs.map((a) => Buffer.from(a, 'hex'))]);
  const b = new Uint8Array(body);
  const c = vrrpChecksum(b, pseudoHeader(ctx.family, ctx.srcAddr, ctx.dstAddr, b.length));
  b[6] = c >> 8;
  b[7] = c & 0xff;
  return b;
}

describe('encode', () => {
  const ctx4 = { family: 'ipv4', srcAddr: '192.0.2.1', dstAddr: '224.0.0.18' } as const;
  const ctx6 = { family: 'ipv6', srcAddr: 'fe80::1', dstAddr: 'ff02::12' } as const;
  const v3: Advert = { version: 3, vrid: 1, priority: 100, addresses: ['192.0.2.9'], maxAdverIntCs: 100 };
  const v2: Advert = { version: 2, vrid: 1, priority: 100, addresses: ['192.0.2.9'], authType: 0, authData: zeros8, advertIntSec: 1 };

  const refuses = (a: Advert, ctx: Parameters<typeof encode>[1], what: RegExp) => {
    try {
      encode(a, ctx);
    } catch (e) {
      expect(e).toBeInstanceOf(LvsdError);
      expect((e as LvsdError).code).toBe('EVRRPENCODE');
      expect((e as Error).message).toMatch(what);
      return;
    }
    throw new Error('encode accepted it');
  };

  it('refuses VRRPv2 over IPv6', () => refuses({ ...v2, addresses: ['2001:db8::1'] }, ctx6, /IPv4 only/));
  it('refuses out-of-range fields', () => {
    refuses({ ...v3, vrid: 0 }, ctx4, /vrid/);
    refuses({ ...v3, vrid: 256 }, ctx4, /vrid/);
    refuses({ ...v3, priority: 256 }, ctx4, /priority/);
    refuses({ ...v3, maxAdverIntCs: 0 }, ctx4, /maxAdverIntCs/);
    refuses({ ...v3, maxAdverIntCs: 4096 }, ctx4, /maxAdverIntCs/);
    refuses({ ...v2, advertIntSec: 0 }, ctx4, /advertIntSec/);
    refuses({ ...v2, advertIntSec: 256 }, ctx4, /advertIntSec/);
    refuses({ ...v2, authData: new Uint8Array(4) }, ctx4, /authData/);
    refuses({ ...v3, addresses: Array.from({ length: 256 }, () => '192.0.2.1') }, ctx4, /at most 255/);
  });
  it('refuses addresses of the other family, and a bad pseudo-header', () => {
    refuses({ ...v3, addresses: ['2001:db8::1'] }, ctx4, /not an ipv4 address/);
    refuses(v3, { ...ctx4, srcAddr: 'fe80::1' }, /srcAddr and dstAddr/);
  });
  it('messageLength: header + addresses (+ 8 for v2)', () => {
    expect(messageLength(2, 'ipv4', 1)).toBe(20);
    expect(messageLength(3, 'ipv4', 1)).toBe(12);
    expect(messageLength(3, 'ipv6', 2)).toBe(40);
  });
  it('passwordAuthData: UTF-8, zero-padded, cut to 8 bytes', () => {
    expect(Buffer.from(passwordAuthData('ab')).toString('hex')).toBe('6162000000000000');
    expect(Buffer.from(passwordAuthData('123456789')).toString('hex')).toBe('3132333435363738');
    expect(Buffer.from(passwordAuthData('ééééé')).toString('hex')).toBe('c3a9c3a9c3a9c3a9');
  });
});

describe('addresses', () => {
  it('prints canonical text and compares in network order', () => {
    expect(addrText(new Uint8Array([10, 0, 0, 1]))).toBe('10.0.0.1');
    expect(addrText(new Uint8Array(Buffer.from('20010db8000000000000000000000010', 'hex')))).toBe('2001:db8::10');
    expect(() => addrText(new Uint8Array(5))).toThrow(RangeError);
    expect(compareAddr('10.0.0.2', '10.0.0.10')).toBeLessThan(0);
    expect(compareAddr('192.0.2.1', '10.0.0.1')).toBeGreaterThan(0);
    expect(compareAddr('fe80::1', 'fe80:0::1')).toBe(0);
    expect(() => compareAddr('x', '10.0.0.1')).toThrow(RangeError);
    expect(isMulticastAddr('224.0.0.18')).toBe(true);
    expect(isMulticastAddr('239.1.2.3')).toBe(true);
    expect(isMulticastAddr('192.0.2.1')).toBe(false);
    expect(isMulticastAddr('ff02::12')).toBe(true);
    expect(isMulticastAddr('fe80::1')).toBe(false);
    expect(isMulticastAddr('bogus')).toBe(false);
  });
});
