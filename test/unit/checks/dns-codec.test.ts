import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DNS_TYPES,
  DnsFormatError,
  type DnsMessage,
  decodeMessage,
  decodeName,
  encodeMessage,
  encodeName,
  encodeQuery,
  formatRdata,
  rcodeName,
  sameName,
  typeName,
} from '../../../checks/dns-codec.js';
import { judgeDnsReply } from '../../../checks/dns.js';
import { dnsReply } from '../../support/misbehaving/dns.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('dns codec: names', () => {
  it('encodes names as length-prefixed labels, the root as a zero byte', () => {
    expect(encodeName('www.example.test').toString('hex')).toBe('03777777076578616d706c650474657374' + '00');
    expect(encodeName('example.test.').equals(encodeName('example.test'))).toBe(true);
    expect(encodeName('.').toString('hex')).toBe('00');
  });

  it('rejects empty and over-long labels and names', () => {
    expect(() => encodeName('a..b')).toThrow(DnsFormatError);
    expect(() => encodeName(`${'a'.repeat(64)}.test`)).toThrow(DnsFormatError);
    expect(() => encodeName(Array(130).fill('ab').join('.'))).toThrow(/too long/);
  });

  it('follows compression pointers and returns the offset after the first pointer', () => {
    // 12 zero bytes of header, then "example.test" at 12, then "www" + pointer to 12 at 26.
    const msg = Buffer.concat([Buffer.alloc(12), encodeName('example.test'), hex('03777777 c00c'), hex('ff')]);
    expect(decodeName(msg, 12)).toEqual({ name: 'example.test', next: 26 });
    expect(decodeName(msg, 26)).toEqual({ name: 'www.example.test', next: 32 });
  });

  it('rejects pointer loops, pointers out of range, truncated labels and reserved label types', () => {
    expect(() => decodeName(hex('c000'), 0)).toThrow(/loop/);
    expect(() => decodeName(hex('03777777c000'), 0)).toThrow(/loop/);
    expect(() => decodeName(hex('c0ff'), 0)).toThrow(/out of range/);
    expect(() => decodeName(hex('0577'), 0)).toThrow(/past the end/);
    expect(() => decodeName(hex('03777777'), 0)).toThrow(/past the end/);
    expect(() => decodeName(hex('40'), 0)).toThrow(/label type/);
  });
});

describe('dns codec: messages', () => {
  it('encodes a query byte for byte', () => {
    expect(encodeQuery(0x1234, 'example.test', DNS_TYPES.A).toString('hex')).toBe(
      '1234 0100 0001 0000 0000 0000 076578616d706c6504746573740000010001'.replace(/ /g, ''),
    );
  });

  it('decodes a hand-written response with a compressed answer', () => {
    const bytes = hex(`
      abcd 8580 0001 0001 0000 0000
      076578616d706c65 0474657374 00 0001 0001
      c00c 0001 0001 00000e10 0004 c0000250`);
    const m = decodeMessage(bytes);
    expect(m).toMatchObject({ id: 0xabcd, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 0 });
    expect(m.questions).toEqual([{ name: 'example.test', type: 1, class: 1 }]);
    expect(m.answers).toHaveLength(1);
    expect(m.answers[0]).toMatchObject({ name: 'example.test', type: 1, class: 1, ttl: 3600 });
    expect(formatRdata(1, m.answers[0]?.data as Uint8Array)).toBe('192.0.2.80');
  });

  it('rejects truncated messages', () => {
    const full = encodeQuery(1, 'example.test', 1);
    expect(() => decodeMessage(full.subarray(0, 11))).toThrow(/shorter than a header/);
    for (let n = 12; n < full.length; n++) expect(() => decodeMessage(full.subarray(0, n))).toThrow(DnsFormatError);
    const answer = dnsReply(full, { answer: 'asked' });
    expect(() => decodeMessage(answer.subarray(0, answer.length - 1))).toThrow(/record data/);
  });

  it('round-trips any message it encodes', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const name = fc.oneof(
      fc.constant('.'),
      fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.')),
    );
    const record = fc.record({
      name,
      type: fc.integer({ min: 0, max: 65535 }),
      class: fc.integer({ min: 0, max: 65535 }),
      ttl: fc.integer({ min: 0, max: 0xffffffff }),
      data: fc.uint8Array({ maxLength: 40 }),
    });
    const message = fc.record({
      id: fc.integer({ min: 0, max: 65535 }),
      qr: fc.boolean(),
      opcode: fc.integer({ min: 0, max: 15 }),
      aa: fc.boolean(),
      tc: fc.boolean(),
      rd: fc.boolean(),
      ra: fc.boolean(),
      rcode: fc.integer({ min: 0, max: 15 }),
      questions: fc.array(fc.record({ name, type: fc.integer({ min: 0, max: 65535 }), class: fc.integer({ min: 0, max: 65535 }) }), {
        maxLength: 3,
      }),
      answers: fc.array(record, { maxLength: 3 }),
      authorities: fc.array(record, { maxLength: 2 }),
      additionals: fc.array(record, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(message, (m: DnsMessage) => {
        const back = decodeMessage(encodeMessage(m));
        const rec = (r: DnsMessage['answers'][number]) => ({ ...r, data: Buffer.from(r.data).toString('hex') });
        const norm = (x: DnsMessage) => ({
          ...x,
          answers: x.answers.map(rec),
          authorities: x.authorities.map(rec),
          additionals: x.additionals.map(rec),
        });
        expect(norm(back)).toEqual(norm(m));
      }),
    );
  });

  it('never throws anything but DnsFormatError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(DnsFormatError);
        }
      }),
    );
  });

  it('names types and response codes', () => {
    expect(typeName(28)).toBe('AAAA');
    expect(typeName(65)).toBe('TYPE65');
    expect(rcodeName(3)).toBe('NXDOMAIN');
    expect(rcodeName(12)).toBe('RCODE12');
    expect(sameName('WWW.Example.test.', 'www.example.test')).toBe(true);
    expect(sameName('.', '')).toBe(true);
    expect(formatRdata(28, hex('20010db8000000000000000000000001'))).toBe('2001:db8::1');
    expect(formatRdata(16, hex('0568656c6c6f'))).toBe('6 bytes');
  });
});

describe('judgeDnsReply', () => {
  const query = encodeQuery(7, 'www.example.test', DNS_TYPES.A);

  it('ignores what is not the response to the query', () => {
    expect(judgeDnsReply(query.subarray(0, 11), 7, 'www.example.test', 1)).toBeUndefined(); // too short
    expect(judgeDnsReply(dnsReply(query, { answer: 'asked', id: 8 }), 7, 'www.example.test', 1)).toBeUndefined(); // other id
    expect(judgeDnsReply(query, 7, 'www.example.test', 1)).toBeUndefined(); // a query, not a response
    const other = encodeQuery(7, 'other.example.test', DNS_TYPES.A);
    expect(judgeDnsReply(dnsReply(other, { answer: 'asked' }), 7, 'www.example.test', 1)).toBeUndefined(); // other question
  });

  it('accepts a response with the asked type among other answers', () => {
    const reply = decodeMessage(dnsReply(query, { answer: 'asked' }));
    const cname = { name: 'www.example.test', type: DNS_TYPES.CNAME, class: 1, ttl: 1, data: encodeName('web.example.test') };
    const mixed = encodeMessage({ ...reply, answers: [cname, ...reply.answers] });
    expect(judgeDnsReply(mixed, 7, 'WWW.example.test', 1)).toMatchObject({
      up: true,
      reason: 'WWW.example.test A: 1 answer, first 192.0.2.80',
    });
  });
});
