import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressError, addressFamily, canonicalAddress, formatIPv6, parseAddress, toNfInetAddr } from '../../../src/ipvs/addr.js';

describe('parseAddress', () => {
  it('parses IPv4 and IPv6 to network-order bytes', () => {
    expect(parseAddress('10.0.0.1')).toEqual({ family: 'ipv4', bytes: Buffer.from([10, 0, 0, 1]) });
    expect(parseAddress('2001:db8::1').bytes.toString('hex')).toBe('20010db8000000000000000000000001');
    expect(parseAddress('::ffff:1.2.3.4').bytes.toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(parseAddress('::').bytes.toString('hex')).toBe('0'.repeat(32));
    expect(parseAddress('1:2:3:4:5:6:7:8').bytes.toString('hex')).toBe('00010002000300040005000600070008');
    expect(addressFamily('fe80::1')).toBe('ipv6');
  });

  it('rejects what inet_pton rejects, and zone ids', () => {
    for (const bad of ['', '1.2.3', '01.2.3.4', '256.1.1.1', '1::2::3', 'fe80::1%eth0', ' 10.0.0.1', 'example.com']) {
      expect(() => parseAddress(bad), bad).toThrow(AddressError);
    }
  });

  it('builds the 16-byte nf_inet_addr', () => {
    expect(toNfInetAddr('192.168.10.1').toString('hex')).toBe('c0a80a01000000000000000000000000');
  });
});

describe('formatIPv6 (glibc inet_ntop rules)', () => {
  const cases: [string, string][] = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db80001000100010001000100010'.slice(0, 32), '2001:db8:1:1:1:1:1:1'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00000000000000000000000000000100', '::100'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00010000000100000000000000000000', '1:0:1::'],
  ];
  for (const [h, text] of cases) {
    it(`${h} → ${text}`, () => expect(formatIPv6(Buffer.from(h, 'hex'))).toBe(text));
  }

  it('is the inverse of parseAddress for any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIPv6(bytes);
        expect(parseAddress(text).bytes.equals(Buffer.from(bytes))).toBe(true);
        expect(canonicalAddress(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
