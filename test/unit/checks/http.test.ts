import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../../checks/checker.js';
import { createHttpChecker, type HttpCheckOptions } from '../../../checks/http.js';
import { type HttpBehaviour, httpServer, type HttpTestServer } from '../../support/misbehaving/http.js';
import { closedPort } from '../../support/misbehaving/tcp.js';
import { probe, SLACK_MS } from './probe.js';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

const servers: HttpTestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(b: HttpBehaviour, host = '127.0.0.1'): Promise<{ server: HttpTestServer; target: CheckTarget; url: string }> {
  const server = await httpServer(b, host);
  servers.push(server);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { server, target: { address: host, port: server.port }, url: `http://${hostPart}:${server.port}` };
}

const http = (o: Partial<HttpCheckOptions> = {}) => createHttpChecker({ type: 'http', connect_timeout: 0.5, ...o });

describe('http check: request', () => {
  it('is up on 200 and sends GET / HTTP/1.1 with Host address:port and Connection: close', async () => {
    const { server, target, url } = await serve({});
    const { result, ms } = await probe(http(), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `${url}/: status 200` });
    expect(ms).toBeLessThan(SLACK_MS);
    const head = server.requests[0]?.head ?? '';
    expect(head.split('\r\n')[0]).toBe('GET / HTTP/1.1');
    expect(head).toMatch(new RegExp(`^host: 127\\.0\\.0\\.1:${target.port}$`, 'mi'));
    expect(head).toMatch(/^connection: close$/im);
  });

  it('sends method, path and virtualhost as configured', async () => {
    const { server, target } = await serve({});
    const { result } = await probe(http({ method: 'HEAD', path: '/health?full=1', virtualhost: 'www.example.test' }), target, 5000);
    expect(result.up).toBe(true);
    const head = server.requests[0]?.head ?? '';
    expect(head.split('\r\n')[0]).toBe('HEAD /health?full=1 HTTP/1.1');
    expect(head).toMatch(/^host: www\.example\.test$/im);
  });

  it('brackets an IPv6 target in the Host header', async () => {
    const { server, target, url } = await serve({}, '::1');
    const { result } = await probe(http(), target, 5000);
    expect(result).toMatchObject({ up: true, reason: `${url}/: status 200` });
    expect(server.requests[0]?.head).toMatch(new RegExp(`^host: \\[::1\\]:${target.port}$`, 'mi'));
  });

  it('connects from bind_ip', async () => {
    const { target } = await serve({ echoPeer: true });
    const { result } = await probe(http({ bind_ip: '127.0.0.5', regex: '^127\\.0\\.0\\.5:\\d+$' }), target, 5000);
    expect(result).toMatchObject({ up: true, code: 'OK' });
  });
});

describe('http check: status', () => {
  it('is down with STATUS outside the default 200-299', async () => {
    const { target, url } = await serve({ status: 500 });
    const { result, ms } = await probe(http(), target, 5000);
    expect(result).toEqual({ up: false, code: 'STATUS', reason: `${url}/: status 500 not in 200-299` });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('accepts codes and ranges from status_codes', async () => {
    const { target } = await serve({ status: 503 });
    const ranges = [
      { min: 200, max: 200 },
      { min: 500, max: 503 },
    ];
    expect((await probe(http({ status_codes: ranges }), target, 5000)).result.up).toBe(true);
    const { result } = await probe(http({ status_codes: [{ min: 301, max: 301 }] }), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'STATUS', reason: expect.stringMatching(/status 503 not in 301$/) });
  });

  it('judges the status without waiting for a slow body it does not need', async () => {
    const { target } = await serve({ status: 404, bodyDelayMs: 5000 });
    const { result, ms } = await probe(http({ digest: md5('x') }), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'STATUS' });
    expect(ms).toBeLessThan(SLACK_MS);
  });
});

describe('http check: body digest and regex', () => {
  it('is up when the MD5 of the body matches the digest (either case)', async () => {
    const { target, url } = await serve({ body: 'hello world\n' });
    const { result } = await probe(http({ digest: md5('hello world\n').toUpperCase() }), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `${url}/: status 200, body ok` });
  });

  it('is down with DIGEST on a different body, naming both digests', async () => {
    const { target, url } = await serve({ body: 'hello world!\n' });
    const want = md5('hello world\n');
    const { result } = await probe(http({ digest: want }), target, 5000);
    expect(result).toEqual({ up: false, code: 'DIGEST', reason: `${url}/: body digest ${md5('hello world!\n')} != expected ${want}` });
  });

  it('digests the decoded body of a chunked response', async () => {
    const body = 'chunk by chunk, '.repeat(100);
    const { target } = await serve({ body, chunked: 7 });
    expect((await probe(http({ digest: md5(body) }), target, 5000)).result).toMatchObject({ up: true });
  });

  it('matches regex against the body, and inverts with regex_no_match', async () => {
    const { target, url } = await serve({ body: '<html>status: green</html>' });
    expect((await probe(http({ regex: 'status: (green|yellow)' }), target, 5000)).result.up).toBe(true);
    const miss = await probe(http({ regex: 'status: red' }), target, 5000);
    expect(miss.result).toEqual({ up: false, code: 'REGEX', reason: `${url}/: body does not match /status: red/` });
    expect((await probe(http({ regex: 'status: red', regex_no_match: true }), target, 5000)).result.up).toBe(true);
    const hit = await probe(http({ regex: 'green', regex_no_match: true }), target, 5000);
    expect(hit.result).toEqual({ up: false, code: 'REGEX', reason: `${url}/: body matches /green/ (regex_no_match)` });
  });

  it('stops reading an endless body at max_body_bytes: regex over the prefix, digest fails', async () => {
    const { target, url } = await serve({ endless: true });
    const regex = await probe(http({ regex: '^a{1000}', max_body_bytes: 65536 }), target, 5000);
    expect(regex.result).toMatchObject({ up: true });
    expect(regex.ms).toBeLessThan(SLACK_MS);
    const miss = await probe(http({ regex: 'b', max_body_bytes: 65536 }), target, 5000);
    expect(miss.result).toEqual({ up: false, code: 'REGEX', reason: `${url}/: first 65536 bytes of the body does not match /b/` });
    const digest = await probe(http({ digest: md5('a'), max_body_bytes: 65536 }), target, 5000);
    expect(digest.result).toEqual({
      up: false,
      code: 'DIGEST',
      reason: `${url}/: body longer than max_body_bytes (65536): digest not verifiable`,
    });
    expect(digest.ms).toBeLessThan(SLACK_MS);
  });

  it('accepts a body of exactly max_body_bytes, and fails one byte more', async () => {
    const { target } = await serve({ body: 'x'.repeat(100) });
    expect((await probe(http({ digest: md5('x'.repeat(100)), max_body_bytes: 100 }), target, 5000)).result.up).toBe(true);
    expect((await probe(http({ digest: md5('x'.repeat(100)), max_body_bytes: 99 }), target, 5000)).result).toMatchObject({
      code: 'DIGEST',
    });
  });

  it('is down with CLOSED when the body ends before its Content-Length', async () => {
    const { target } = await serve({ shortBody: true, body: 'abc' });
    expect((await probe(http({ digest: md5('abc') }), target, 5000)).result).toMatchObject({ up: false, code: 'CLOSED' });
  });
});

describe('http check: failures and timing (connect_timeout 0.5 s)', () => {
  it('is down with ECONNREFUSED on a closed port, at once', async () => {
    const port = await closedPort();
    const { result, ms } = await probe(http(), { address: '127.0.0.1', port }, 5000);
    expect(result).toMatchObject({ up: false, code: 'ECONNREFUSED' });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with ECONNRESET when the server resets', async () => {
    const { target } = await serve({ reset: true });
    const { result, ms } = await probe(http(), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ECONNRESET' });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with PROTOCOL on a reply that is not HTTP', async () => {
    const { target } = await serve({ raw: 'SSH-2.0-OpenSSH_9.6\r\n\r\n' });
    const { result } = await probe(http(), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'PROTOCOL', reason: expect.stringContaining('malformed response') });
  });

  it('is down with ETIMEDOUT after the timeout against a silent server', async () => {
    const { target, url } = await serve({ silent: true });
    const { result, ms } = await probe(http(), target, 5000);
    expect(result).toEqual({
      up: false,
      code: 'ETIMEDOUT',
      reason: `timed out after 500 ms waiting for the response headers of ${url.slice(7)}`,
    });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('is down with ETIMEDOUT when the headers come slower than the timeout', async () => {
    const { target } = await serve({ headerDelayMs: 3000 });
    const { result, ms } = await probe(http(), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT', reason: expect.stringContaining('waiting for the response headers') });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('is down with ETIMEDOUT when a needed body comes slower than the timeout', async () => {
    const { target } = await serve({ bodyDelayMs: 3000 });
    const { result, ms } = await probe(http({ regex: 'ok' }), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT', reason: expect.stringContaining('reading the body') });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('does not wait for a slow body it does not need', async () => {
    const { target } = await serve({ bodyDelayMs: 3000 });
    const { result, ms } = await probe(http(), target, 5000);
    expect(result.up).toBe(true);
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('honours a caller deadline shorter than connect_timeout', async () => {
    const { target } = await serve({ silent: true });
    const { result, ms } = await probe(http({ connect_timeout: 5 }), target, 300);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(300 + SLACK_MS);
  });

  it('is down with ABORTED when the caller aborts mid-request', async () => {
    const { target } = await serve({ silent: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { result, ms } = await probe(http({ connect_timeout: 5 }), target, 5000, ac.signal);
    expect(result).toMatchObject({ up: false, code: 'ABORTED' });
    expect(ms).toBeLessThan(100 + SLACK_MS);
  });
});

describe('http check: HTTP/1.0', () => {
  const http10 = (o: Partial<HttpCheckOptions> = {}) => http({ http_version: '1.0', ...o });

  it('sends an HTTP/1.0 request line and reads a body delimited by the end of the connection', async () => {
    const { server, target } = await serve({ http10: true, body: 'old school\n' });
    const { result } = await probe(http10({ digest: md5('old school\n'), virtualhost: 'www.example.test' }), target, 5000);
    expect(result).toMatchObject({ up: true, code: 'OK' });
    const head = server.requests[0]?.head ?? '';
    expect(head.split('\r\n')[0]).toBe('GET / HTTP/1.0');
    expect(head).toMatch(/^Host: www\.example\.test$/m);
  });

  it('reads a Content-Length body from an HTTP/1.1 server', async () => {
    const { target } = await serve({ body: 'sized' });
    expect((await probe(http10({ digest: md5('sized') }), target, 5000)).result.up).toBe(true);
  });

  it('judges status, regex and bounded endless bodies as HTTP/1.1 does', async () => {
    const wrong = await serve({ status: 503, http10: true });
    expect((await probe(http10(), wrong.target, 5000)).result).toMatchObject({ up: false, code: 'STATUS' });
    const endless = await serve({ endless: true, http10: true });
    const r = await probe(http10({ digest: md5('a'), max_body_bytes: 4096 }), endless.target, 5000);
    expect(r.result).toMatchObject({ up: false, code: 'DIGEST', reason: expect.stringContaining('longer than max_body_bytes (4096)') });
    expect((await probe(http10({ regex: '^a+$', max_body_bytes: 4096 }), endless.target, 5000)).result.up).toBe(true);
  });

  it('fails a chunked reply with PROTOCOL, a short body with CLOSED, a silent server with ETIMEDOUT', async () => {
    const chunked = await serve({ chunked: 3 });
    expect((await probe(http10({ regex: 'ok' }), chunked.target, 5000)).result).toMatchObject({ code: 'PROTOCOL' });
    const short = await serve({ shortBody: true });
    expect((await probe(http10({ regex: 'ok' }), short.target, 5000)).result).toMatchObject({ code: 'CLOSED' });
    const silent = await serve({ silent: true });
    const { result, ms } = await probe(http10(), silent.target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT', reason: expect.stringContaining('waiting for the response headers') });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('reports a reset as ECONNRESET and garbage as PROTOCOL', async () => {
    const reset = await serve({ reset: true });
    expect((await probe(http10(), reset.target, 5000)).result).toMatchObject({ code: 'ECONNRESET' });
    const garbage = await serve({ raw: 'hello\r\n\r\n' });
    expect((await probe(http10(), garbage.target, 5000)).result).toMatchObject({ code: 'PROTOCOL' });
  });
});
