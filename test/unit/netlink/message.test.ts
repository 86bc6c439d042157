import { describe, expect, it } from 'vitest';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../../src/netlink/errors.js';
import {
  buildDone,
  buildError,
  buildGenlMessage,
  buildMessage,
  decodeDone,
  decodeError,
  decodeGenlhdr,
  decodeNlmsghdr,
  encodeGenlhdr,
  encodeNlmsghdr,
  NLM_F,
  NLMSG,
  parseMessages,
  splitGenl,
} from '../../../src/netlink/message.js';
import { fixture, fixtureBytes } from '../ipvs/fixtures/format.js';
import { replyFixtures } from '../ipvs/fixtures/replies.js';
import { requestFixtures } from '../ipvs/fixtures/requests.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('flags', () => {
  it('match linux/netlink.h', () => {
    expect(NLM_F).toMatchObject({ REQUEST: 1, MULTI: 2, ACK: 4, ECHO: 8, ROOT: 0x100, MATCH: 0x200 });
    expect(NLM_F.DUMP).toBe(NLM_F.ROOT | NLM_F.MATCH);
    expect(NLM_F).toMatchObject({ REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400, APPEND: 0x800 });
    expect(NLM_F).toMatchObject({ CAPPED: 0x100, ACK_TLVS: 0x200 });
    expect(NLMSG).toMatchObject({ NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4, MIN_TYPE: 0x10 });
  });
});

describe('headers', () => {
  it('round-trip nlmsghdr and genlmsghdr', () => {
    const h = { len: 0x68, type: 0x22, flags: 0x305, seq: 0xfffffffe, pid: 4242 };
    const b = encodeNlmsghdr(h);
    expect(b.toString('hex')).toBe(hex('68000000 2200 0503 feffffff 92100000').toString('hex'));
    expect(decodeNlmsghdr(b)).toEqual(h);
    const g = { cmd: 4, version: 1, reserved: 0 };
    expect(encodeGenlhdr(g).toString('hex')).toBe('04010000');
    expect(decodeGenlhdr(encodeGenlhdr(g))).toEqual(g);
  });

  it('rejects out-of-range header fields and truncated headers', () => {
    expect(() => encodeNlmsghdr({ len: 16, type: 0x10000, flags: 0, seq: 0, pid: 0 })).toThrow(NetlinkEncodeError);
    expect(() => encodeGenlhdr({ cmd: 256, version: 1, reserved: 0 })).toThrow(NetlinkEncodeError);
    expect(() => decodeNlmsghdr(Buffer.alloc(15))).toThrow(NetlinkDecodeError);
    expect(() => decodeGenlhdr(Buffer.alloc(3))).toThrow(NetlinkDecodeError);
  });

  it('builds messages padded to 4 with nlmsg_len covering the padding', () => {
    const m = buildMessage({ type: 0x22, flags: 1, seq: 2, pid: 3 }, Buffer.from([1, 2, 3, 4, 5]));
    expect(m.length).toBe(24);
    expect(decodeNlmsghdr(m).len).toBe(24);
    const g = buildGenlMessage({ familyId: 0x22, flags: 5, seq: 1, cmd: 15, version: 1 }, Buffer.alloc(0));
    expect(g.toString('hex')).toBe(fixtureBytes(fixture(requestFixtures, 'get-info')).toString('hex'));
    expect(splitGenl(parseMessages(g)[0]?.payload ?? Buffer.alloc(0)).genl).toEqual({ cmd: 15, version: 1, reserved: 0 });
  });
});

describe('parseMessages', () => {
  it('splits a dump: entries then NLMSG_DONE', () => {
    const buf = Buffer.concat([
      fixtureBytes(fixture(replyFixtures, 'service-tcp-rr')),
      fixtureBytes(fixture(replyFixtures, 'daemon-master-defaults')),
      fixtureBytes(fixture(replyFixtures, 'done')),
    ]);
    const msgs = parseMessages(buf);
    expect(msgs.map((m) => [m.header.type, m.header.flags, m.payload.length])).toEqual([
      [0x22, NLM_F.MULTI, 304],
      [0x22, NLM_F.MULTI, 68],
      [NLMSG.DONE, NLM_F.MULTI, 4],
    ]);
    expect(decodeDone(msgs[2]!)).toEqual({ error: 0 });
  });

  it('tolerates a missing pad after the last message', () => {
    const m = buildMessage({ type: 0x22, flags: 0, seq: 1, pid: 0 }, Buffer.from([1]));
    m.writeUInt32LE(17, 0);
    expect(parseMessages(m.subarray(0, 17))[0]?.payload).toHaveLength(1);
  });

  const bad: [string, Buffer][] = [
    ['a truncated header', Buffer.alloc(10)],
    ['nlmsg_len < 16', hex('0f000000 0300 0000 00000000 00000000')],
    ['nlmsg_len past the end', hex('20000000 0300 0000 00000000 00000000 00000000')],
    ['a truncated second header', Buffer.concat([buildDone(1), Buffer.alloc(8)])],
  ];
  for (const [what, buf] of bad) {
    it(`rejects ${what}`, () => expect(() => parseMessages(buf)).toThrow(NetlinkDecodeError));
  }
});

describe('NLMSG_ERROR and NLMSG_DONE', () => {
  const request = fixtureBytes(fixture(requestFixtures, 'new-service-tcp-rr'));

  it('decodes a capped ACK', () => {
    const [m] = parseMessages(fixtureBytes(fixture(replyFixtures, 'ack')));
    const e = decodeError(m!);
    expect(e).toEqual({ error: 0, errno: 0, ack: true, request: decodeNlmsghdr(request) });
  });

  it('decodes an uncapped error with the request echoed', () => {
    const [m] = parseMessages(fixtureBytes(fixture(replyFixtures, 'error-eexist')));
    const e = decodeError(m!);
    expect(e.errno).toBe(17);
    expect(e.ack).toBe(false);
    expect(e.request.len).toBe(104);
    expect(e.requestPayload?.toString('hex')).toBe(request.subarray(16).toString('hex'));
    expect(e.extAck).toBeUndefined();
  });

  it('decodes extended ACK TLVs', () => {
    const [m] = parseMessages(fixtureBytes(fixture(replyFixtures, 'error-extack')));
    expect(decodeError(m!)).toMatchObject({ errno: 22, extAck: { message: 'bad attr' } });
  });

  it('buildError reproduces the kernel layouts of the fixtures', () => {
    expect(buildError(request, 0).toString('hex')).toBe(fixtureBytes(fixture(replyFixtures, 'ack')).toString('hex'));
    expect(buildError(request, -17).toString('hex')).toBe(fixtureBytes(fixture(replyFixtures, 'error-eexist')).toString('hex'));
    expect(buildError(request, -22, { capped: true, extAckMessage: 'bad attr' }).toString('hex')).toBe(
      fixtureBytes(fixture(replyFixtures, 'error-extack')).toString('hex'),
    );
    expect(buildDone(1, 0x1234).toString('hex')).toBe(fixtureBytes(fixture(replyFixtures, 'done')).toString('hex'));
  });

  it('decodes an uncapped error with ext-ack TLVs after the echoed request', () => {
    const short = buildMessage({ type: 0x22, flags: 5, seq: 9, pid: 0 }, Buffer.from([1, 2, 3, 4, 5]));
    const [m] = parseMessages(buildError(short, -95, { extAckMessage: 'nope' }));
    const e = decodeError(m!);
    expect(e).toMatchObject({ errno: 95, extAck: { message: 'nope' } });
    expect(e.requestPayload).toHaveLength(8);
  });

  it('decodes NLMSG_DONE with an error and with an empty payload', () => {
    expect(decodeDone(parseMessages(buildDone(1, 0, -4))[0]!)).toEqual({ error: -4 });
    expect(decodeDone({ header: { len: 16, type: 3, flags: 2, seq: 1, pid: 0 }, payload: Buffer.alloc(0) })).toEqual({
      error: 0,
    });
  });

  it('rejects malformed errors', () => {
    const hdr = { len: 0, type: NLMSG.ERROR, flags: 0, seq: 0, pid: 0 };
    expect(() => decodeError({ header: hdr, payload: Buffer.alloc(19) })).toThrow(NetlinkDecodeError);
    const positive = Buffer.alloc(20);
    positive.writeInt32LE(5, 0);
    expect(() => decodeError({ header: hdr, payload: positive })).toThrow(NetlinkDecodeError);
    const overlong = Buffer.alloc(20);
    overlong.writeInt32LE(-1, 0);
    overlong.writeUInt32LE(1000, 4);
    expect(() => decodeError({ header: hdr, payload: overlong })).toThrow(NetlinkDecodeError);
    expect(() => decodeError({ header: { ...hdr, type: 3 }, payload: positive })).toThrow(NetlinkDecodeError);
    expect(() => decodeDone({ header: { ...hdr, type: 3 }, payload: Buffer.alloc(2) })).toThrow(NetlinkDecodeError);
    expect(() => buildError(request, 1)).toThrow(NetlinkEncodeError);
  });
});
