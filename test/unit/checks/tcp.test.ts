import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckResult } from '../../../checks/checker.js';
import { pendingProbes } from '../../../checks/native-probe.js';
import { createTcpChecker } from '../../../checks/tcp.js';
import { httpServer, type HttpTestServer } from '../../support/misbehaving/http.js';
import { listenTcp, type TestServer } from '../../support/misbehaving/listen.js';
import { closedPort, silentServer } from '../../support/misbehaving/tcp.js';
import { probe, SLACK_MS } from './probe.js';

describe('tcp check on loopback', () => {
  let silent: TestServer;
  let reset: HttpTestServer;
  let silent6: TestServer;
  beforeAll(async () => {
    silent = await silentServer();
    reset = await httpServer({ reset: true });
    silent6 = await silentServer('::1');
  });
  afterAll(async () => {
    for (const s of [silent, reset, silent6]) await s?.close();
  });

  const tcp = createTcpChecker({ connect_timeout: 0.5 });

  it('is up when the connection completes (a server that stays silent)', async () => {
    const { result, ms } = await probe(tcp, { address: '127.0.0.1', port: silent.port }, 2000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `connected to 127.0.0.1:${silent.port}` });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is up over IPv6', async () => {
    const { result } = await probe(tcp, { address: '::1', port: silent6.port }, 2000);
    expect(result).toMatchObject({ up: true, reason: `connected to [::1]:${silent6.port}` });
  });

  // A reset right at accept races the client's connect completion on loopback (either verdict is possible);
  // a server that resets once it gets data is deterministic: the tcp check sends none, so it is up.
  it('is up against a server that resets the connection on data (the handshake completed)', async () => {
    const { result } = await probe(tcp, { address: '127.0.0.1', port: reset.port }, 2000);
    expect(result.up).toBe(true);
  });

  it('is down with ECONNREFUSED on a closed port, at once', async () => {
    const port = await closedPort();
    const { result, ms } = await probe(tcp, { address: '127.0.0.1', port }, 2000);
    expect(result).toEqual({ up: false, code: 'ECONNREFUSED', reason: `connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)` });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('connects from bind_ip/bind_port', async () => {
    const peers: string[] = [];
    const server = await listenTcp(
      net.createServer((s) => {
        peers.push(`${s.remoteAddress}:${s.remotePort}`);
        s.destroy();
      }),
      '127.0.0.1',
    );
    try {
      const port = await closedPort('127.0.0.2');
      const bound = createTcpChecker({ connect_timeout: 1, bind_ip: '127.0.0.2', bind_port: port });
      expect((await probe(bound, { address: '127.0.0.1', port: server.port }, 2000)).result.up).toBe(true);
      const ipOnly = createTcpChecker({ connect_timeout: 1, bind_ip: '127.0.0.3' });
      expect((await probe(ipOnly, { address: '127.0.0.1', port: server.port }, 2000)).result.up).toBe(true);
      await vi.waitFor(() => expect(peers).toHaveLength(2));
      expect(peers[0]).toBe(`127.0.0.2:${port}`);
      expect(peers[1]).toMatch(/^127\.0\.0\.3:\d+$/);
    } finally {
      await server.close();
    }
  });

  it('fails with EADDRNOTAVAIL for a bind_ip this host does not have', async () => {
    const bad = createTcpChecker({ connect_timeout: 1, bind_ip: '192.0.2.77' });
    const { result } = await probe(bad, { address: '127.0.0.1', port: silent.port }, 2000);
    expect(result).toMatchObject({ up: false, code: 'EADDRNOTAVAIL' });
  });

  it('fails with EINVAL for a bind_ip of the other family', async () => {
    const bad = createTcpChecker({ connect_timeout: 1, bind_ip: '::1' });
    const { result } = await probe(bad, { address: '127.0.0.1', port: silent.port }, 2000);
    expect(result).toMatchObject({ up: false, code: 'EINVAL' });
  });

  it('is down with ETIMEDOUT at once when the deadline has already passed', async () => {
    const { result, ms } = await probe(tcp, { address: '127.0.0.1', port: silent.port }, -1);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
    expect(ms).toBeLessThan(50);
  });

  it('in callback form (runner): done once with the same result as check', async () => {
    const runner = tcp.runner;
    if (runner === undefined) throw new Error('the tcp checker has a runner');
    const results: CheckResult[] = [];
    const handle = runner.start({ address: '127.0.0.1', port: silent.port }, Date.now() + 2000, (r) => results.push(r));
    expect(handle).toBeGreaterThan(0);
    await vi.waitFor(() => expect(results.length).toBe(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(results).toEqual([{ up: true, code: 'OK', reason: `connected to 127.0.0.1:${silent.port}` }]);
    runner.abort(handle); // settled already: ignored
    expect(results).toHaveLength(1);
  });

  it('in callback form: abort ends the probe at once with ABORTED, and nothing follows', async () => {
    const runner = tcp.runner;
    if (runner === undefined) throw new Error('the tcp checker has a runner');
    const before = pendingProbes();
    const results: CheckResult[] = [];
    const handle = runner.start({ address: '127.0.0.1', port: silent.port }, Date.now() + 2000, (r) => results.push(r));
    runner.abort(handle);
    expect(results).toEqual([{ up: false, code: 'ABORTED', reason: `aborted while connecting to 127.0.0.1:${silent.port}` }]);
    expect(pendingProbes()).toBe(before);
    await new Promise((r) => setTimeout(r, 50));
    expect(results).toHaveLength(1);
  });

  it('is down with ABORTED when the caller aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const { result } = await probe(tcp, { address: '127.0.0.1', port: silent.port }, 2000, ac.signal);
    expect(result).toMatchObject({ up: false, code: 'ABORTED' });
  });
});
