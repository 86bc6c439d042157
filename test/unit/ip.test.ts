import { describe, expect, it } from 'vitest';
import { addrBytes, formatEndpoint, isMulticast, parseHostPort, parseIp, parseIpPrefix } from '../../src/ip.js';

describe('parseIp', () => {
  it.each([
    ['192.0.2.1', 'ipv4', '192.0.2.1'],
    ['0.0.0.0', 'ipv4', '0.0.0.0'],
    ['2001:DB8:0:0:0:0:0:1', 'ipv6', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', 'ipv6', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', 'ipv6', '2001:db8::1:0:0:1'],
    ['::', 'ipv6', '::'],
    ['::1', 'ipv6', '::1'],
    ['fe80::', 'ipv6', 'fe80::'],
    ['::ffff:192.0.2.1', 'ipv6', '::ffff:c000:201'],
    ['2001:db8:1:2:3:4:5:6', 'ipv6', '2001:db8:1:2:3:4:5:6'],
  ])('%s is %s %s', (text, family, canonical) => {
    expect(parseIp(text)).toMatchObject({ family, text: canonical });
  });

  it.each([
    '192.0.2.256',
    '192.0.2',
    '192.0.2.01',
    '1.2.3.4.5',
    ' 192.0.2.1',
    '2001:db8::1::1',
    '2001:db8:::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    'fe80::1%eth0',
    'g::1',
    '',
    '::ffff:192.0.2.256',
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('parses prefixes and knows multicast', () => {
    expect(parseIpPrefix('192.0.2.10/24')).toMatchObject({ prefix: 24, address: { text: '192.0.2.10' } });
    expect(parseIpPrefix('2001:db8::10')).toMatchObject({ prefix: 128 });
    expect(parseIpPrefix('192.0.2.10/33')).toBeUndefined();
    expect(parseIpPrefix('192.0.2.10/024')).toBeUndefined();
    expect(isMulticast(parseIp('224.0.0.18') as never)).toBe(true);
    expect(isMulticast(parseIp('ff02::12') as never)).toBe(true);
    expect(isMulticast(parseIp('192.0.2.1') as never)).toBe(false);
  });

  it('gives the bytes of an address, of the family asked for', () => {
    expect(addrBytes('192.0.2.1')).toEqual(Uint8Array.of(192, 0, 2, 1));
    expect(addrBytes('::1', 'ipv6')).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(addrBytes('192.0.2.1', 'ipv6')).toBeUndefined();
    expect(addrBytes('192.0.2.01')).toBeUndefined();
  });

  it('parses listen addresses and formats endpoints', () => {
    expect(parseHostPort('127.0.0.1:9712')).toEqual({ host: '127.0.0.1', port: 9712 });
    expect(parseHostPort('[::1]:9712')).toEqual({ host: '::1', port: 9712 });
    for (const bad of ['::1:9712', '[192.0.2.1]:80', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', 'localhost:80']) {
      expect(parseHostPort(bad)).toBeUndefined();
    }
    expect(formatEndpoint('192.0.2.1', 80)).toBe('192.0.2.1:80');
    expect(formatEndpoint('2001:db8::1', 80)).toBe('[2001:db8::1]:80');
  });
});
