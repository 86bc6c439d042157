/** Receive validation: every instance-level drop reason, and counting by reason. */
import { describe, expect, it } from 'vitest';
import { type Advert, encode, passwordAuthData } from '../../../src/vrrp/packet.js';
import { DROP_REASONS, type ReceiveExpectations, newReceiveCounters, receive, validate } from '../../../src/vrrp/validate.js';

const v2exp: ReceiveExpectations = {
  vrid: 51,
  version: 2,
  family: 'ipv4',
  auth: { type: 'none' },
  advertIntSec: 1,
  vips: ['192.0.2.100', '192.0.2.101'],
  checkAddrList: true,
  unicast: false,
  peers: [],
  checkUnicastSrc: false,
};
const v2: Advert = {
  version: 2,
  vrid: 51,
  priority: 100,
  addresses: ['192.0.2.101', '192.0.2.100'],
  authType: 0,
  authData: new Uint8Array(8),
  advertIntSec: 1,
};
const mcast = { family: 'ipv4', srcAddr: '192.0.2.2', dstAddr: '224.0.0.18' } as const;

describe('validate', () => {
  it('accepts a matching advert (address order does not matter)', () => {
    expect(validate(v2, mcast, v2exp)).toEqual({ ok: true });
  });

  const cases: [string, Advert, Partial<ReceiveExpectations>, object?][] = [
    ['vrid-mismatch', { ...v2, vrid: 52 }, {}],
    ['version-mismatch', { version: 3, vrid: 51, priority: 100, addresses: v2.addresses, maxAdverIntCs: 100 }, {}],
    ['auth-type-invalid', { ...v2, authType: 3 }, {}],
    ['auth-type-mismatch', { ...v2, authType: 1 }, {}],
    ['auth-type-mismatch', v2, { auth: { type: 'pass', data: passwordAuthData('secret') } }],
    ['auth-type-mismatch', { ...v2, authType: 2 }, {}],
    [
      'auth-mismatch',
      { ...v2, authType: 1, authData: passwordAuthData('wrong') },
      { auth: { type: 'pass', data: passwordAuthData('secret') } },
    ],
    ['interval-mismatch', { ...v2, advertIntSec: 2 }, {}],
    ['addr-count-mismatch', { ...v2, addresses: ['192.0.2.100'] }, {}],
    ['dst-mismatch', v2, {}, { dstAddr: '192.0.2.1' }],
    ['dst-mismatch', v2, { unicast: true, peers: ['192.0.2.2'] }],
    ['addr-list-mismatch', { ...v2, addresses: ['192.0.2.100', '192.0.2.102'] }, {}],
    ['src-not-peer', v2, { unicast: true, peers: ['192.0.2.3'], checkUnicastSrc: true }, { dstAddr: '192.0.2.1' }],
  ];
  for (const [reason, advert, exp, ctx] of cases) {
    it(`drops: ${reason}`, () => {
      expect(validate(advert, { ...mcast, ...ctx }, { ...v2exp, ...exp })).toMatchObject({ ok: false, reason });
    });
  }

  it('accepts the right password, and a unicast advert from a peer', () => {
    const pass = { type: 'pass', data: passwordAuthData('secret') } as const;
    expect(validate({ ...v2, authType: 1, authData: passwordAuthData('secret') }, mcast, { ...v2exp, auth: pass }).ok).toBe(true);
    const uni = { ...v2exp, unicast: true, peers: ['192.0.2.2'], checkUnicastSrc: true };
    expect(validate(v2, { ...mcast, dstAddr: '192.0.2.1' }, uni).ok).toBe(true);
  });

  it('skips the address checks when told (keepalived skip_check_adv_addr)', () => {
    expect(validate({ ...v2, addresses: ['198.51.100.1'] }, mcast, { ...v2exp, checkAddrList: false }).ok).toBe(true);
  });

  it('v3 learns the interval instead of checking it, and ignores auth settings', () => {
    const v3exp: ReceiveExpectations = { ...v2exp, version: 3, auth: { type: 'pass', data: passwordAuthData('x') } };
    const a: Advert = { version: 3, vrid: 51, priority: 1, addresses: v2.addresses, maxAdverIntCs: 4095 };
    expect(validate(a, mcast, v3exp).ok).toBe(true);
  });
});

describe('receive counts every outcome by reason', () => {
  it('counts drops from decode and validate, and accepted adverts', () => {
    const c = newReceiveCounters();
    expect(Object.keys(c.drops)).toEqual([...DROP_REASONS]);
    const good = encode(v2, mcast);
    const meta = { srcAddr: mcast.srcAddr, dstAddr: mcast.dstAddr, ttl: 255 };
    expect(receive(good, meta, v2exp, c).ok).toBe(true);
    expect(receive(good, { ...meta, ttl: 64 }, v2exp, c)).toMatchObject({ ok: false, reason: 'ttl' });
    expect(receive(good.subarray(0, 4), meta, v2exp, c)).toMatchObject({ ok: false, reason: 'length' });
    expect(receive(encode({ ...v2, vrid: 9 }, mcast), meta, v2exp, c)).toMatchObject({ ok: false, reason: 'vrid-mismatch' });
    expect(receive(encode({ ...v2, advertIntSec: 3 }, mcast), meta, v2exp, c)).toMatchObject({ ok: false, reason: 'interval-mismatch' });
    expect(c.accepted).toBe(1);
    expect(c.drops).toMatchObject({ ttl: 1, length: 1, 'vrid-mismatch': 1, 'interval-mismatch': 1, checksum: 0 });
  });

  it('does not check the TTL of unicast adverts (as keepalived)', () => {
    const c = newReceiveCounters();
    const exp = { ...v2exp, unicast: true, peers: ['192.0.2.2'] };
    const uni = { ...mcast, dstAddr: '192.0.2.1' };
    expect(receive(encode(v2, uni), { srcAddr: uni.srcAddr, dstAddr: uni.dstAddr, ttl: 3 }, exp, c).ok).toBe(true);
  });
});
