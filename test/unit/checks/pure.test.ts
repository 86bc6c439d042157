import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedOutput } from '../../../checks/bounded-output.js';
import { startBudget } from '../../../checks/budget.js';
import { combine } from '../../../checks/combine.js';
import { formatHexPattern, hexPreview, matchesHexPattern, parseHexBytes, parseHexPattern } from '../../../checks/hex-pattern.js';
import { parseResponseHead } from '../../../checks/http10.js';
import { defaultHost } from '../../../checks/http-types.js';
import { bodyVerdict, formatStatusRanges, md5Hex, parseStatusRanges, statusAccepted } from '../../../checks/http-verdict.js';
import { down, fromSocketError, up } from '../../../checks/outcome.js';
import { formatReply, SmtpReplyReader } from '../../../checks/smtp-reply.js';

describe('hex patterns (udp expected_reply)', () => {
  it('parses hex with ?? wildcards and optional spaces', () => {
    expect(parseHexPattern('0a??2c')).toEqual([10, null, 44]);
    expect(parseHexPattern('0A ?? 2c')).toEqual([10, null, 44]);
    expect(parseHexPattern('')).toEqual([]);
    for (const bad of ['0', '0g', '?', '0a?', 'x0', '0a??2']) expect(parseHexPattern(bad)).toMatch(/^expected hex bytes/);
  });

  it('matches replies that start with the pattern and are at least as long', () => {
    const p = parseHexPattern('ca??fe') as (number | null)[];
    expect(matchesHexPattern(p, Buffer.from('ca00fe', 'hex'))).toBe(true);
    expect(matchesHexPattern(p, Buffer.from('caFFfe99', 'hex'))).toBe(true);
    expect(matchesHexPattern(p, Buffer.from('ca00ff', 'hex'))).toBe(false);
    expect(matchesHexPattern(p, Buffer.from('ca00', 'hex'))).toBe(false);
    expect(matchesHexPattern([], Buffer.alloc(0))).toBe(true);
  });

  it('matches any data against its own hex, and ?? everywhere matches anything as long', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 8 }), (data, extra) => {
        const own = parseHexPattern(Buffer.from(data).toString('hex')) as (number | null)[];
        expect(matchesHexPattern(own, Buffer.concat([data, extra]))).toBe(true);
        expect(formatHexPattern(own)).toBe(Buffer.from(data).toString('hex'));
        const wild = parseHexPattern('??'.repeat(data.length)) as (number | null)[];
        expect(matchesHexPattern(wild, data)).toBe(true);
      }),
    );
  });

  it('parses plain payload bytes and previews data', () => {
    expect(parseHexBytes('de ad be ef')).toEqual(Buffer.from('deadbeef', 'hex'));
    expect(parseHexBytes('de??')).toMatch(/without wildcards/);
    expect(hexPreview(Buffer.alloc(20, 1), 4)).toBe('01010101...');
  });
});

describe('http verdict rules', () => {
  it('accepts statuses in the ranges', () => {
    const r = [
      { min: 200, max: 299 },
      { min: 302, max: 302 },
    ];
    expect([199, 200, 250, 299, 300, 302, 303].map((s) => statusAccepted(s, r))).toEqual([false, true, true, true, false, true, false]);
    expect(formatStatusRanges(r)).toBe('200-299, 302');
  });

  it('parses status lists from the command line', () => {
    expect(parseStatusRanges('200-299, 302 404')).toEqual([
      { min: 200, max: 299 },
      { min: 302, max: 302 },
      { min: 404, max: 404 },
    ]);
    expect(parseStatusRanges('')).toMatch(/at least one/);
    expect(parseStatusRanges('299-200')).toMatch(/starts above its end/);
    expect(parseStatusRanges('600')).toMatch(/expected a status code/);
    expect(parseStatusRanges('20x')).toMatch(/expected a status code/);
  });

  it('digests bodies as keepalived genhash prints them (lowercase hex MD5)', () => {
    expect(md5Hex(Buffer.alloc(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe('9e107d9d372bb6826bd81d3542a419d6');
  });

  it('judges bodies: digest over the whole body only, regex over the bounded prefix', () => {
    const body = { bytes: Buffer.from('The quick brown fox jumps over the lazy dog'), truncated: false };
    expect(bodyVerdict({ digest: '9e107d9d372bb6826bd81d3542a419d6' }, body)).toBeUndefined();
    expect(bodyVerdict({ digest: '9e107d9d372bb6826bd81d3542a419d6' }, { ...body, truncated: true })).toMatchObject({ code: 'DIGEST' });
    expect(bodyVerdict({ regex: /lazy/ }, { ...body, truncated: true })).toBeUndefined();
    expect(bodyVerdict({ regex: /cat/ }, body)).toEqual(down('REGEX', 'body does not match /cat/'));
    expect(bodyVerdict({ regex: /fox/, regexNoMatch: true }, body)).toEqual(down('REGEX', 'body matches /fox/ (regex_no_match)'));
    expect(bodyVerdict({}, body)).toBeUndefined();
  });

  it('defaults the Host header to the target, bracketing IPv6 and omitting default ports', () => {
    expect(defaultHost({ address: '192.0.2.1', port: 80 }, false)).toBe('192.0.2.1');
    expect(defaultHost({ address: '192.0.2.1', port: 443 }, false)).toBe('192.0.2.1:443');
    expect(defaultHost({ address: '2001:db8::1', port: 443 }, true)).toBe('[2001:db8::1]');
    expect(defaultHost({ address: '2001:db8::1', port: 8443 }, true)).toBe('[2001:db8::1]:8443');
  });

  it('parses HTTP/1.0 response heads', () => {
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nx-a: 2')).toEqual({
      status: 200,
      headers: { 'content-length': '3', 'x-a': '1, 2' },
    });
    expect(parseResponseHead('HTTP/1.1 204')).toEqual({ status: 204, headers: {} });
    expect(parseResponseHead('HTTP/2 200 OK')).toMatch(/bad status line/);
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nno colon')).toMatch(/bad header line/);
  });
});

describe('smtp replies', () => {
  it('reads single and multi-line replies, however the bytes are split', () => {
    const text = '220-mail.example.test ESMTP\r\n220 ready\r\n250 ok\n';
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 6 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), text.length];
        const r = new SmtpReplyReader();
        const replies = points.slice(1).flatMap((end, i) => r.feed(text.slice(points[i], end)));
        expect(replies).toEqual([
          { code: 220, lines: ['mail.example.test ESMTP', 'ready'] },
          { code: 250, lines: ['ok'] },
        ]);
        expect(r.error).toBeUndefined();
      }),
    );
  });

  it('accepts a bare code, rejects garbage, mixed codes and endless replies', () => {
    expect(new SmtpReplyReader().feed('250\r\n')).toEqual([{ code: 250, lines: [''] }]);
    const g = new SmtpReplyReader();
    expect(g.feed('hello\r\n')).toEqual([]);
    expect(g.error).toBe('bad reply line "hello"');
    const m = new SmtpReplyReader();
    m.feed('250-a\r\n251 b\r\n');
    expect(m.error).toMatch(/changed from 250 to 251/);
    const big = new SmtpReplyReader();
    big.feed(`250-${'x'.repeat(70000)}`);
    expect(big.error).toMatch(/longer than/);
    expect(formatReply({ code: 554, lines: [' no service '] })).toBe('554 no service');
  });
});

describe('combine (several checks of one real server)', () => {
  it('is up only when all are up, with the smallest dynamic weight', () => {
    expect(combine([])).toEqual({ up: true, code: 'OK', reason: 'no checks' });
    expect(combine([up('a'), up('b', { weight: 5 }), up('c', { weight: 3 })])).toEqual({
      up: true,
      code: 'OK',
      reason: 'a; b; c',
      weight: 3,
    });
    expect(combine([up('a'), down('ETIMEDOUT', 'slow'), down('STATUS', 'status 500')])).toEqual({
      up: false,
      code: 'ETIMEDOUT',
      reason: 'slow; status 500',
    });
  });
});

describe('bounded output', () => {
  it('keeps the first bytes up to the limit and counts the rest', () => {
    const o = new BoundedOutput(10);
    o.push(Buffer.from('\n\n  hello\nworld'));
    o.push(Buffer.from('more'));
    expect(o.text()).toBe('\n\n  hello\n\n[... 9 more bytes discarded]');
    expect(o.droppedBytes).toBe(9);
    expect(o.firstLine()).toBe('hello');
    const long = new BoundedOutput();
    long.push(Buffer.from('x'.repeat(300)));
    expect(long.firstLine(20)).toBe(`${'x'.repeat(17)}...`);
  });
});

describe('budget', () => {
  it('ends at the earlier of the deadline and its own limit, and reports why', async () => {
    const b = startBudget(new AbortController().signal, Date.now() + 10_000, 50);
    expect(b.deadline - b.started).toBe(50);
    await new Promise((r) => b.signal.addEventListener('abort', r));
    expect(b.ended()).toBe('timeout');
    expect(b.endResult('waiting')).toEqual(down('ETIMEDOUT', 'timed out after 50 ms waiting'));
    b.dispose();
  });

  it('ends as aborted when the caller aborts, and starts ended for a past deadline', () => {
    const ac = new AbortController();
    const b = startBudget(ac.signal, Date.now() + 10_000);
    ac.abort();
    expect(b.ended()).toBe('aborted');
    expect(b.endResult('x')).toEqual(down('ABORTED', 'aborted while x'));
    b.dispose();
    const past = startBudget(new AbortController().signal, Date.now() - 1);
    expect(past.ended()).toBe('timeout');
    expect(past.remaining()).toBe(0);
  });
});

describe('errors to codes', () => {
  it('keeps known errnos, marks TLS errors, and folds the rest into ESOCKET', () => {
    const err = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
    expect(fromSocketError(err('ECONNREFUSED'), 'connect to x')).toEqual(
      down('ECONNREFUSED', 'connect to x: connection refused (ECONNREFUSED)'),
    );
    expect(fromSocketError(err('CERT_HAS_EXPIRED', 'certificate has expired'), 'c')).toEqual(
      down('TLS', 'c: TLS: CERT_HAS_EXPIRED: certificate has expired'),
    );
    expect(fromSocketError(err('ERR_SSL_WRONG_VERSION_NUMBER'), 'c')).toMatchObject({ code: 'TLS' });
    expect(fromSocketError(err('EMFILE', 'too many open files'), 'c')).toEqual(down('ESOCKET', 'c: EMFILE: too many open files'));
  });
});
