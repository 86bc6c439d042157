import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, test } from 'vitest';
import { inetAton, inetPton4, inetPton6 } from '../../../src/lvsadm/c/inet.js';
import { byteLength, padLeft, padRight, truncateBytes, zeroPad2 } from '../../../src/lvsadm/c/printf.js';
import { glibcQsort } from '../../../src/lvsadm/c/qsort.js';
import { atoi, stringToNumber, strtol, strtoul } from '../../../src/lvsadm/c/strtol.js';

const dotted = (b: Uint8Array | undefined): string | undefined => (b ? Array.from(b).join('.') : undefined);

describe('strtol / string_to_number / atoi', () => {
  test.each([
    ['80', 0, 65535, 80],
    ['080', 0, 65535, 80],
    ['+80', 0, 65535, 80],
    [' 80', 0, 65535, 80],
    ['80 ', 0, 65535, -1],
    ['', 0, 65535, -1],
    [' ', 0, 65535, -1],
    ['-0', 0, 65535, 0],
    ['-1', 0, 65535, -1],
    ['65536', 0, 65535, -1],
    ['0x10', 0, 65535, -1],
    ['99999999999999999999', 0, 2147483647, -1],
    ['2147483647', 0, 2147483647, 2147483647],
  ])('string_to_number(%j, %i, %i) = %i', (s, min, max, expected) => {
    expect(stringToNumber(s, min, max)).toBe(expected);
  });

  test('strtol reports overflow and where it stopped', () => {
    expect(strtol('9223372036854775808')).toEqual({ value: (1n << 63n) - 1n, end: 19, erange: true });
    expect(strtol('-12abc')).toEqual({ value: -12n, end: 3, erange: false });
    expect(strtol('abc')).toEqual({ value: 0n, end: 0, erange: false });
    expect(strtoul('0x1A', 0).value).toBe(26n);
    expect(strtoul('010', 0).value).toBe(8n);
    expect(strtoul('0x', 0)).toEqual({ value: 0n, end: 1, erange: false });
    expect(strtoul('-1', 10).value).toBe((1n << 64n) - 1n);
  });

  test('atoi keeps the low 32 bits', () => {
    expect(atoi('64abc')).toBe(64);
    expect(atoi(' -3')).toBe(-3);
    expect(atoi('4294967297')).toBe(1);
    expect(atoi('x')).toBe(0);
  });
});

describe('inet_aton', () => {
  test.each([
    ['1.2.3.4', '1.2.3.4'],
    ['10.1', '10.0.0.1'],
    ['10.1.2', '10.1.0.2'],
    ['167772161', '10.0.0.1'],
    ['0x0a000001', '10.0.0.1'],
    ['012.0.0.1', '10.0.0.1'],
    ['1.2.3.4 trailing', '1.2.3.4'],
    ['1.2.3.4\tx', '1.2.3.4'],
    ['1.2.3.256', undefined],
    ['1.2.3.4.5', undefined],
    ['1.2.3.4x', undefined],
    ['08.1.1.1', undefined],
    ['', undefined],
    ['a.b.c.d', undefined],
    ['4294967296', undefined],
    ['1.16777216', undefined],
    ['1.16777215', '1.255.255.255'],
    ['1.2.65536', undefined],
    ['1..2', undefined],
  ])('%j → %s', (text, expected) => {
    expect(dotted(inetAton(text))).toBe(expected);
  });
});

describe('inet_pton', () => {
  const v4 = ['1.2.3.4', '255.255.255.255', '01.2.3.4', '1.2.3', '256.1.1.1', '1.2.3.4 ', '0.0.0.0', '1.2.3.04'];
  test.each(v4)('AF_INET %j agrees with a strict parser', (t) => {
    expect(inetPton4(t) !== undefined).toBe(isIPv4(t));
  });
  const v6 = [
    '::',
    '::1',
    '1::',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::',
    '::1:2:3:4:5:6:7',
    '1::2::3',
    ':1::2',
    '1:',
    '12345::',
    'fe80::1%eth0',
    '1:2:3:4:5:6:1.2.3.4',
    '::1.2.3',
    'g::1',
  ];
  test.each(v6)('AF_INET6 %j agrees with a strict parser', (t) => {
    expect(inetPton6(t) !== undefined).toBe(isIPv6(t) && !t.includes('%'));
  });
  test('AF_INET6 bytes', () => {
    expect(Buffer.from(inetPton6('2001:db8::a0a0') ?? []).toString('hex')).toBe('20010db800000000000000000000a0a0');
    expect(Buffer.from(inetPton6('::ffff:1.2.3.4') ?? []).toString('hex')).toBe('00000000000000000000ffff01020304');
  });
});

describe('printf helpers', () => {
  test('pads and cuts by bytes', () => {
    expect(padRight('ab', 4)).toBe('ab  ');
    expect(padRight('abcde', 4)).toBe('abcde');
    expect(padLeft('7', 3)).toBe('  7');
    expect(byteLength('é')).toBe(2);
    expect(padRight('é', 3)).toBe('é ');
    expect(truncateBytes('abcdef', 3)).toBe('abc');
    expect(zeroPad2(5)).toBe('05');
    expect(zeroPad2(123)).toBe('123');
  });
});

describe('glibc qsort (merge sort)', () => {
  test('is stable', () => {
    const items = [3, 1, 2, 1, 3, 0].map((v, i) => ({ v, i }));
    expect(glibcQsort(items, (a, b) => a.v - b.v).map((x) => x.i)).toEqual([5, 1, 3, 2, 0, 4]);
  });
  test('follows merge order with a non-transitive comparator', () => {
    // (int)(a - b) on u32 keys: 0x0a000001 vs 0xc8000001 compares "greater".
    const cmp = (a: number, b: number): number => (a - b) | 0;
    expect(glibcQsort([0x0a000001, 0xc8000001], cmp)).toEqual([0xc8000001, 0x0a000001]);
    expect(glibcQsort([0xc8000001, 0x0a000001, 0x7f000001], cmp)).toEqual([0xc8000001, 0x0a000001, 0x7f000001]);
  });
});
