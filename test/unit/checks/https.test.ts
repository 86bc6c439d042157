import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../../checks/checker.js';
import { createHttpChecker, type HttpCheckOptions } from '../../../checks/http.js';
import type { TlsConfig } from '../../../checks/tls-options.js';
import { makeTestCerts, TEST_SERVER_NAME, type CertPair, type TestCerts } from '../../support/misbehaving/certs.js';
import { type HttpBehaviour, httpServer, type HttpTestServer } from '../../support/misbehaving/http.js';
import { listenTcp } from '../../support/misbehaving/listen.js';
import { silentServer } from '../../support/misbehaving/tcp.js';
import { probe, SLACK_MS } from './probe.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.remove());

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serveTls(
  pair: CertPair,
  b: HttpBehaviour = {},
  requestCert = false,
): Promise<{ server: HttpTestServer; target: CheckTarget }> {
  const server = await httpServer(b, '127.0.0.1', 0, { key: pair.key, cert: pair.cert, ca: certs.ca.cert, requestCert });
  servers.push(server);
  return { server, target: { address: '127.0.0.1', port: server.port } };
}

const https = (tls: Partial<TlsConfig> = {}, o: Partial<HttpCheckOptions> = {}) =>
  createHttpChecker({ type: 'https', connect_timeout: 1, tls: { verify: false, ...tls }, ...o });

describe('https check: TLS without verification (the default)', () => {
  it('is up against a self-signed certificate, and sends no SNI to an address', async () => {
    const { server, target } = await serveTls(certs.selfSigned);
    const { result } = await probe(https(), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `https://127.0.0.1:${target.port}/: status 200` });
    expect(server.requests[0]?.servername).toBe(false);
  });

  it('sends the configured SNI and checks the body as over http', async () => {
    const { server, target } = await serveTls(certs.expired, { body: 'secure\n' });
    const digest = createHash('md5').update('secure\n').digest('hex');
    const { result } = await probe(https({ sni: TEST_SERVER_NAME }, { digest, virtualhost: TEST_SERVER_NAME }), target, 5000);
    expect(result.up).toBe(true);
    expect(server.requests[0]?.servername).toBe(TEST_SERVER_NAME);
    expect(server.requests[0]?.head).toMatch(/^host: www\.example\.test$/im);
  });

  it('works over HTTP/1.0 too', async () => {
    const { server, target } = await serveTls(certs.good, { http10: true, body: 'x' });
    const { result } = await probe(https({}, { http_version: '1.0', regex: '^x$' }), target, 5000);
    expect(result.up).toBe(true);
    expect(server.requests[0]?.head.split('\r\n')[0]).toBe('GET / HTTP/1.0');
  });
});

describe('https check: certificate verification', () => {
  const verify = (sni?: string) => https({ verify: true, ca_file: certs.ca.certFile, ...(sni ? { sni } : {}) });

  it('is up with a valid chain and name (by SNI, and by the IP address SAN)', async () => {
    const { target } = await serveTls(certs.good);
    expect((await probe(verify(TEST_SERVER_NAME), target, 5000)).result).toMatchObject({ up: true, code: 'OK' });
    expect((await probe(verify(), target, 5000)).result).toMatchObject({ up: true, code: 'OK' });
  });

  it('is down with TLS on a self-signed certificate', async () => {
    const { target } = await serveTls(certs.selfSigned);
    const { result, ms } = await probe(verify(TEST_SERVER_NAME), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT') });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with TLS on an expired certificate', async () => {
    const { target } = await serveTls(certs.expired);
    const { result } = await probe(verify(TEST_SERVER_NAME), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('CERT_HAS_EXPIRED') });
  });

  it('is down with TLS on a certificate for another name', async () => {
    const { target } = await serveTls(certs.mismatched);
    const { result } = await probe(verify(TEST_SERVER_NAME), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID') });
  });

  it('is down with TLS when the CA is not the issuer (system roots)', async () => {
    const { target } = await serveTls(certs.good);
    const { result } = await probe(https({ verify: true, sni: TEST_SERVER_NAME }), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('UNABLE_TO_VERIFY_LEAF_SIGNATURE') });
  });

  it('is down with CONFIG when the ca_file cannot be read', async () => {
    const { target } = await serveTls(certs.good);
    const { result } = await probe(https({ verify: true, ca_file: '/nonexistent/ca.pem' }), target, 5000);
    expect(result).toEqual({ up: false, code: 'CONFIG', reason: 'cannot read tls.ca_file /nonexistent/ca.pem: ENOENT' });
  });
});

describe('https check: client certificates and handshake failures', () => {
  it('presents the client certificate a server requires', async () => {
    const { target } = await serveTls(certs.good, {}, true);
    const withCert = https({ cert_file: certs.client.certFile, key_file: certs.client.keyFile });
    expect((await probe(withCert, target, 5000)).result).toMatchObject({ up: true, code: 'OK' });
  });

  it('is down with TLS without the client certificate the server requires', async () => {
    const { target } = await serveTls(certs.good, {}, true);
    const { result } = await probe(https(), target, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('CERTIFICATE_REQUIRED') });
    const raw10 = await probe(https({}, { http_version: '1.0' }), target, 5000);
    expect(raw10.result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('CERTIFICATE_REQUIRED') });
  });

  it('is down with TLS when the server speaks plain HTTP', async () => {
    const server = await listenTcp(
      net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
      '127.0.0.1',
    );
    servers.push(server);
    const { result } = await probe(https(), { address: '127.0.0.1', port: server.port }, 5000);
    expect(result).toMatchObject({ up: false, code: 'TLS' });
  });

  it('is down with ETIMEDOUT when the server never answers the handshake', async () => {
    const silent = await silentServer();
    servers.push(silent);
    const { result, ms } = await probe(https(), { address: '127.0.0.1', port: silent.port }, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT', reason: expect.stringContaining('connecting to 127.0.0.1') });
    expect(ms).toBeGreaterThanOrEqual(995);
    expect(ms).toBeLessThan(1000 + SLACK_MS);
  });
});
