import { describe, expect, it } from 'vitest';
import { AttrWriter, NLA_F_NESTED, parseAttrs } from '../../../src/netlink/attrs.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../../src/netlink/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('AttrWriter', () => {
  it('lays out every scalar kind with 4-byte padding (little-endian host)', () => {
    const b = new AttrWriter()
      .u8(1, 0xab)
      .u16(2, 0x1234)
      .u32(3, 0xdeadbeef)
      .u64(4, 0x0102030405060708n)
      .be16(5, 80)
      .be32(6, 0xffffff00)
      .string(7, 'rr')
      .binary(8, Buffer.from([1, 2, 3]))
      .flag(9)
      .finish();
    expect(b.toString('hex')).toBe(
      hex(`
        0500 0100 ab 000000
        0600 0200 3412 0000
        0800 0300 efbeadde
        0c00 0400 0807060504030201
        0600 0500 0050 0000
        0800 0600 ffffff00
        0700 0700 727200 00
        0700 0800 010203 00
        0400 0900
      `).toString('hex'),
    );
  });

  it('nests: length covers padded children; NLA_F_NESTED only on request', () => {
    const b = new AttrWriter().nest(1, (w) => w.u8(1, 7).nest(2, (x) => x.u16(3, 1), { nestedFlag: true })).finish();
    expect(b.toString('hex')).toBe(hex('1800 0100 0500 0100 07 000000 0c00 0280 0600 0300 0100 0000').toString('hex'));
  });

  it('writes an empty nest as a bare header and an empty string as one NUL', () => {
    expect(
      new AttrWriter()
        .nest(3, () => {})
        .finish()
        .toString('hex'),
    ).toBe('04000300');
    expect(new AttrWriter().string(2, '').finish().toString('hex')).toBe('0500020000000000');
  });

  it('grows past its initial capacity', () => {
    const w = new AttrWriter(16);
    for (let i = 0; i < 100; i++) w.u32(1, i);
    const set = parseAttrs(w.finish());
    expect(set.list).toHaveLength(100);
    expect(set.list[99]?.value.readUInt32LE(0)).toBe(99);
  });

  it('rejects values it cannot represent', () => {
    const w = new AttrWriter();
    expect(() => w.u8(1, 256)).toThrow(NetlinkEncodeError);
    expect(() => w.u16(1, -1)).toThrow(NetlinkEncodeError);
    expect(() => w.u32(1, 1.5)).toThrow(NetlinkEncodeError);
    expect(() => w.u32(1, 2 ** 32)).toThrow(NetlinkEncodeError);
    expect(() => w.u64(1, -1n)).toThrow(NetlinkEncodeError);
    expect(() => w.u64(1, 2n ** 64n)).toThrow(NetlinkEncodeError);
    expect(() => w.be16(1, 65536)).toThrow(NetlinkEncodeError);
    expect(() => w.u8(0x4000, 1)).toThrow(NetlinkEncodeError);
    expect(() => w.string(1, 'a\0b')).toThrow(NetlinkEncodeError);
    expect(() => w.string(1, 'abcdef', 5)).toThrow(NetlinkEncodeError);
    expect(() => w.binary(1, Buffer.alloc(0x10000))).toThrow(NetlinkEncodeError);
    expect(() => new AttrWriter().nestEnd()).toThrow(NetlinkEncodeError);
    expect(() => new AttrWriter().nestStart(1).finish()).toThrow(NetlinkEncodeError);
    const big = new AttrWriter().nestStart(1);
    for (let i = 0; i < 70; i++) big.binary(2, Buffer.alloc(1000));
    expect(() => big.nestEnd()).toThrow(NetlinkEncodeError);
  });
});

describe('parseAttrs / AttrSet', () => {
  const sample = new AttrWriter()
    .u8(1, 9)
    .u16(2, 300)
    .u32(3, 70000)
    .u64(4, 2n ** 40n)
    .be16(5, 8080)
    .be32(6, 0x0a000001)
    .string(7, 'eth0')
    .flag(8)
    .nest(9, (w) => w.u32(1, 5), { nestedFlag: true })
    .finish();

  it('reads back every kind', () => {
    const a = parseAttrs(sample);
    expect(a.u8(1)).toBe(9);
    expect(a.u16(2)).toBe(300);
    expect(a.u32(3)).toBe(70000);
    expect(a.u64(4)).toBe(2n ** 40n);
    expect(a.be16(5)).toBe(8080);
    expect(a.be32(6)).toBe(0x0a000001);
    expect(a.string(7)).toBe('eth0');
    expect(a.getFlag(8)).toBe(true);
    expect(a.getFlag(10)).toBe(false);
    expect(a.nested(9).u32(1)).toBe(5);
    expect(a.list.find((x) => x.type === 9)?.nestedFlag).toBe(true);
    expect(a.getU32(42)).toBeUndefined();
  });

  it('masks NLA_F_NESTED / NLA_F_NET_BYTEORDER off the type', () => {
    const a = parseAttrs(hex('0800 0140 01020304'));
    expect(a.list[0]).toMatchObject({ type: 1, netByteOrder: true, nestedFlag: false });
    expect(NLA_F_NESTED).toBe(0x8000);
  });

  it('keeps the last of duplicate attributes, like nla_parse', () => {
    const a = parseAttrs(new AttrWriter().u32(1, 1).u32(1, 2).finish());
    expect(a.u32(1)).toBe(2);
    expect(a.list).toHaveLength(2);
  });

  it('tolerates a missing final pad', () => {
    expect(parseAttrs(hex('0500 0100 07')).u8(1)).toBe(7);
  });

  it('parses an empty buffer as no attributes', () => {
    expect(parseAttrs(Buffer.alloc(0)).list).toHaveLength(0);
  });

  const bad: [string, string][] = [
    ['truncated header', '0800 0100 01000000 0800'],
    ['length below 4', '0200 0100'],
    ['length past the end', '0c00 0100 01000000'],
    ['one stray byte', '00'],
  ];
  for (const [what, bytes] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parseAttrs(hex(bytes))).toThrow(NetlinkDecodeError);
    });
  }

  it('rejects payloads of the wrong size for the getter', () => {
    const a = parseAttrs(new AttrWriter().u16(1, 1).u32(2, 1).binary(3, Buffer.from('abc')).u8(4, 1).finish());
    expect(() => a.u32(1)).toThrow(NetlinkDecodeError);
    expect(() => a.u16(2)).toThrow(NetlinkDecodeError);
    expect(() => a.u64(2)).toThrow(NetlinkDecodeError);
    expect(() => a.be32(1)).toThrow(NetlinkDecodeError);
    expect(() => a.u8(2)).toThrow(NetlinkDecodeError);
    expect(() => a.string(3)).toThrow(/NUL/);
    expect(() => a.getFlag(4)).toThrow(NetlinkDecodeError);
    expect(() => a.nested(2)).toThrow(NetlinkDecodeError);
  });

  it('names missing attributes in the error', () => {
    const a = parseAttrs(Buffer.alloc(0), 'SERVICE', { 1: 'AF' });
    expect(() => a.u16(1)).toThrow('SERVICE/AF is missing');
    expect(() => a.u16(1)).toThrow(expect.objectContaining({ code: 'EDECODE' }));
  });

  it('reads strings up to the first NUL', () => {
    expect(parseAttrs(hex('0900 0100 61620063 64000000')).string(1)).toBe('ab');
  });
});
