import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runGenhash } from '../../../src/cli/genhash.js';
import { makeTestCerts, TEST_SERVER_NAME, type TestCerts } from '../../support/misbehaving/certs.js';
import { httpServer, type HttpTestServer } from '../../support/misbehaving/http.js';
import { closedPort } from '../../support/misbehaving/tcp.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

async function genhash(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runGenhash(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('lvsd genhash', () => {
  let plain: HttpTestServer;
  let chunked: HttpTestServer;
  let missing: HttpTestServer;
  let tlsServer: HttpTestServer;
  let certs: TestCerts;
  beforeAll(async () => {
    certs = makeTestCerts();
    plain = await httpServer({ body: 'hello world\n' });
    chunked = await httpServer({ body: 'chunked body '.repeat(50), chunked: 10 });
    missing = await httpServer({ status: 404, body: 'nope' });
    tlsServer = await httpServer({ body: 'secret\n' }, '127.0.0.1', 0, { key: certs.good.key, cert: certs.good.cert });
  });
  afterAll(async () => {
    for (const s of [plain, chunked, missing, tlsServer]) await s?.close();
    certs?.remove();
  });

  it('prints the MD5 of the body as one line of lowercase hex, as the check computes it', async () => {
    expect(await genhash(`http://127.0.0.1:${plain.port}/index.html?x=1`)).toEqual({
      code: 0,
      stdout: `${md5('hello world\n')}\n`,
      stderr: '',
    });
    expect(plain.requests.at(-1)?.head.split('\r\n')[0]).toBe('GET /index.html?x=1 HTTP/1.1');
    expect((await genhash(`http://127.0.0.1:${chunked.port}/`)).stdout).toBe(`${md5('chunked body '.repeat(50))}\n`);
  });

  it('sends the virtualhost and the HTTP version asked for', async () => {
    await genhash('-V', 'www.example.test', '-P', '1.0', `http://127.0.0.1:${plain.port}/`);
    const head = plain.requests.at(-1)?.head ?? '';
    expect(head.split('\r\n')[0]).toBe('GET / HTTP/1.0');
    expect(head).toMatch(/^Host: www\.example\.test$/m);
  });

  it('fetches over https, verifying with a CA file when asked', async () => {
    const url = `https://127.0.0.1:${tlsServer.port}/`;
    expect((await genhash(url)).stdout).toBe(`${md5('secret\n')}\n`);
    expect((await genhash('--verify', '--ca-file', certs.ca.certFile, '--sni', TEST_SERVER_NAME, url)).stdout).toBe(`${md5('secret\n')}\n`);
    const r = await genhash('--verify', url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lvsd genhash: .*TLS: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('notes a status outside 200-299 but prints the digest', async () => {
    const r = await genhash(`http://127.0.0.1:${missing.port}/`);
    expect(r).toEqual({ code: 0, stdout: `${md5('nope')}\n`, stderr: 'lvsd genhash: note: status 404 (outside 200-299)\n' });
  });

  it('prints status, headers and length with --verbose', async () => {
    const r = await genhash('-v', `http://127.0.0.1:${plain.port}/`);
    expect(r.stderr).toMatch(/^status 200\n {2}content-length: 12\n {2}connection: close\nbody 12 bytes\n$/);
  });

  it('fails (1) on a body over --max-body-bytes and on a connection error', async () => {
    const big = await genhash('--max-body-bytes', '5', `http://127.0.0.1:${plain.port}/`);
    expect(big).toEqual({
      code: 1,
      stdout: '',
      stderr: "lvsd genhash: body longer than 5 bytes (raise --max-body-bytes and the check's max_body_bytes)\n",
    });
    const port = await closedPort();
    const refused = await genhash(`http://127.0.0.1:${port}/`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`lvsd genhash: connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
  });

  it('rejects bad usage with status 2', async () => {
    for (const argv of [
      [],
      ['ftp://x/'],
      ['not a url'],
      ['-P', '2', 'http://x/'],
      ['-t', '0', 'http://x/'],
      ['--bogus', 'http://x/'],
      ['http://a/', 'http://b/'],
    ]) {
      const r = await genhash(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^lvsd genhash: .*\n\nUsage: lvsd genhash/);
    }
    expect((await genhash('--help')).stdout).toMatch(/^Usage: lvsd genhash \[options\] URL/);
  });
});
