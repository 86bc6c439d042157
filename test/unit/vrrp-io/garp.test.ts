import { describe, expect, it } from 'vitest';
import { garpFrame, unsolicitedNa } from '../../../src/vrrp/io/garp.js';

const MAC = Uint8Array.from([0x02, 0x00, 0x5e, 0x00, 0x01, 0x33]);

describe('gratuitous ARP frame', () => {
  it('is a broadcast ARP request with sender = target = the VIP (as keepalived sends it)', () => {
    const f = Buffer.from(garpFrame(MAC, '203.0.113.10'));
    expect(f.length).toBe(42);
    expect(f.subarray(0, 6).toString('hex')).toBe('ffffffffffff');
    expect(f.subarray(6, 12)).toEqual(Buffer.from(MAC));
    expect(f.readUInt16BE(12)).toBe(0x0806);
    expect(f.subarray(14, 22).toString('hex')).toBe('0001080006040001');
    expect(f.subarray(22, 28)).toEqual(Buffer.from(MAC));
    expect([...f.subarray(28, 32)]).toEqual([203, 0, 113, 10]);
    expect(f.subarray(32, 38).toString('hex')).toBe('ffffffffffff'); // target hardware address, as keepalived
    expect([...f.subarray(38, 42)]).toEqual([203, 0, 113, 10]);
  });

  it('rejects what is not an IPv4 address or a MAC', () => {
    expect(() => garpFrame(MAC, '2001:db8::1')).toThrow(RangeError);
    expect(() => garpFrame(new Uint8Array(5), '192.0.2.1')).toThrow(RangeError);
  });
});

describe('unsolicited neighbour advertisement', () => {
  it('is an ICMPv6 NA with Override, the target and its link-layer address option', () => {
    const m = Buffer.from(unsolicitedNa(MAC, '2001:db8:f::10'));
    expect(m.length).toBe(32);
    expect(m[0]).toBe(136);
    expect(m[1]).toBe(0);
    expect(m.readUInt16BE(2)).toBe(0); // the kernel fills the checksum
    expect(m.readUInt32BE(4)).toBe(0x20000000); // O set, R and S clear
    expect(m.subarray(8, 24).toString('hex')).toBe('20010db8000f00000000000000000010');
    expect([m[24], m[25]]).toEqual([2, 1]);
    expect(m.subarray(26, 32)).toEqual(Buffer.from(MAC));
  });
});
