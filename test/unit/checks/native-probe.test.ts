/**
 * The native probe (checks/native-probe.ts, src/native/tcp_probe.cc) through the status-only plain-http check, against
 * a raw TCP server on loopback that writes canned bytes on a schedule: interim responses in one read and across
 * reads (the probe pauses and resumes), heads split across writes, closes before and inside a head, an oversized head,
 * malformed heads; and that no probe is left under way afterwards.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpChecker } from '../../../checks/http.js';
import { headStatus } from '../../../checks/http-plain.js';
import { cancelProbe, pendingProbes, ProbeEvent, startProbe } from '../../../checks/native-probe.js';
import { MAX_HEAD_BYTES } from '../../../checks/http10.js';
import { probe, SLACK_MS } from './probe.js';

/** What the server does once the request has arrived: writes (after a delay, ms), then closes or stays open. */
type Step = { readonly write: string | Buffer; readonly afterMs?: number } | { readonly close: true; readonly afterMs?: number };

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function scripted(steps: readonly Step[]): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', async () => {
      for (const step of steps) {
        if (step.afterMs) await new Promise((r) => setTimeout(r, step.afterMs));
        if (socket.destroyed) return;
        if ('write' in step) socket.write(step.write);
        else socket.end();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

const plain = (o: { http_version?: '1.0' | '1.1' } = {}) => createHttpChecker({ type: 'http', connect_timeout: 0.5, ...o });
const at = (port: number) => ({ address: '127.0.0.1', port });
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';

describe('native probe: plain-http heads', () => {
  it('skips an interim 100 that arrives with the final head in one read', async () => {
    const port = await scripted([{ write: `HTTP/1.1 100 Continue\r\n\r\n${OK}` }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({ up: true, code: 'OK', reason: `http://127.0.0.1:${port}/: status 200` });
  });

  it('pauses at an interim head and resumes for the final one that comes later', async () => {
    const port = await scripted([
      { write: 'HTTP/1.1 102 Processing\r\nA: b\r\n\r\n' },
      { write: 'HTTP/1.1 503 Busy\r\n\r\n', afterMs: 80 },
    ]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({ up: false, code: 'STATUS', reason: `http://127.0.0.1:${port}/: status 503 not in 200-299` });
  });

  it('times out waiting for the final head after an interim one', async () => {
    const port = await scripted([{ write: 'HTTP/1.1 100 Continue\r\n\r\n' }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({
      up: false,
      code: 'ETIMEDOUT',
      reason: `timed out after 500 ms waiting for the response headers of 127.0.0.1:${port}`,
    });
    expect(r.ms).toBeGreaterThanOrEqual(490);
    expect(r.ms).toBeLessThan(500 + SLACK_MS);
  });

  it('reports a close after an interim head as a close without a response', async () => {
    const port = await scripted([{ write: 'HTTP/1.1 100 Continue\r\n\r\n' }, { close: true, afterMs: 30 }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({ up: false, code: 'CLOSED', reason: `127.0.0.1:${port} closed the connection without a response` });
  });

  it('judges a 1xx as final over HTTP/1.0', async () => {
    const port = await scripted([{ write: 'HTTP/1.0 100 Continue\r\n\r\n' }]);
    const r = await probe(plain({ http_version: '1.0' }), at(port), 2000);
    expect(r.result).toEqual({ up: false, code: 'STATUS', reason: `http://127.0.0.1:${port}/: status 100 not in 200-299` });
  });

  it('fails a malformed interim head with PROTOCOL at once', async () => {
    const port = await scripted([{ write: 'HTTP/1.1 100 Continue\r\nno colon\r\n\r\n' }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({ up: false, code: 'PROTOCOL', reason: `127.0.0.1:${port}: malformed response: bad header line "no colon"` });
    expect(r.ms).toBeLessThan(SLACK_MS);
  });

  it('reads a head written a few bytes at a time', async () => {
    const port = await scripted([...OK].map((c, i) => ({ write: c, afterMs: i % 8 === 0 ? 5 : 0 })));
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toMatchObject({ up: true, code: 'OK' });
  });

  it('tells a close before any byte from a close inside the head', async () => {
    const none = await scripted([{ close: true }]);
    const half = await scripted([{ write: 'HTTP/1.1 200 OK\r\nServer: x' }, { close: true, afterMs: 20 }]);
    expect((await probe(plain(), at(none), 2000)).result).toEqual({
      up: false,
      code: 'CLOSED',
      reason: `127.0.0.1:${none} closed the connection without a response`,
    });
    expect((await probe(plain(), at(half), 2000)).result).toEqual({
      up: false,
      code: 'CLOSED',
      reason: `127.0.0.1:${half} closed the connection in the middle of the response headers`,
    });
  });

  it('fails a head longer than MAX_HEAD_BYTES with PROTOCOL without reading on', async () => {
    const line = `X-Filler: ${'y'.repeat(1000)}\r\n`;
    const port = await scripted([{ write: `HTTP/1.1 200 OK\r\n${line.repeat(Math.ceil((MAX_HEAD_BYTES * 2) / line.length))}` }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toEqual({ up: false, code: 'PROTOCOL', reason: `response head of 127.0.0.1:${port} exceeds ${MAX_HEAD_BYTES} bytes` });
  });

  it('judges the head of a response whose body never ends, at once', async () => {
    const port = await scripted([{ write: `HTTP/1.1 200 OK\r\n\r\n${'z'.repeat(100_000)}` }]);
    const r = await probe(plain(), at(port), 2000);
    expect(r.result).toMatchObject({ up: true, code: 'OK' });
    expect(r.ms).toBeLessThan(SLACK_MS);
  });

  it('leaves no probe under way', async () => {
    const port = await scripted([{ write: 'HTTP/1.1 100 Continue\r\n\r\n' }]);
    const checker = plain();
    const aborted = new AbortController();
    const pending = probe(checker, at(port), 2000, aborted.signal);
    await new Promise((r) => setTimeout(r, 50));
    aborted.abort();
    expect((await pending).result).toMatchObject({ up: false, code: 'ABORTED' });
    await Promise.all(Array.from({ length: 50 }, () => probe(checker, at(port), 100)));
    expect(pendingProbes()).toBe(0);
  });

  it('keeps the id of a cancelled probe away from the probe that reuses its slot', async () => {
    const port = await scripted([{ write: OK, afterMs: 30 }]);
    const spec = { address: '127.0.0.1', port, timeoutMs: 1000, request: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') };
    const first = startProbe(spec, () => {
      throw new Error('a cancelled probe got an event');
    });
    cancelProbe(first);
    let second = 0;
    const event = new Promise<number>((resolve) => {
      second = startProbe(spec, (e) => resolve(e));
    });
    expect(second & 0xfffff).toBe(first & 0xfffff);
    expect(second).not.toBe(first);
    cancelProbe(first); // stale: must leave the second alone
    expect(await event).toBe(ProbeEvent.STATUS);
    expect(pendingProbes()).toBe(0);
  });
});

describe('native probe: which heads the addon judges itself (STATUS) and which it hands over (HEAD)', () => {
  // headStatus (JavaScript) is the reference: the addon may report a status only where headStatus gives the same one.
  const heads = [
    'HTTP/1.1 200 OK',
    'HTTP/1.0 404 Not Found\r\nServer: x\r\nContent-Length: 3',
    'HTTP/1.1 503',
    'HTTP/1.1 100 Continue',
    'HTTP/1.1 599 x',
    'HTTP/1.1 600 x',
    'HTTP/1.1 099 x',
    'HTTP/1.2 200 OK',
    'HTTP/1.1  200 OK',
    'HTTP/1.1 200OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 200 O\rK',
    'HTTP/1.1 200 O\nK',
    'HTTP/1.1 200 caf\xe9',
    'HTTP/2 200 OK',
    'SSH-2.0-OpenSSH_9.6',
    'HTTP/1.1 200 OK\r\nno colon here',
    'HTTP/1.1 200 OK\r\n: empty name',
    'HTTP/1.1 200 OK\r\nA: 1\r\nB:2\r\nC :3',
    'HTTP/1.1 200 OK\r\nA: 1\nB 2',
    'HTTP/1.1 200 OK\r\nA\r\nB: 2',
  ];
  for (const head of heads) {
    it(`${JSON.stringify(head.slice(0, 40))}`, async () => {
      const port = await scripted([{ write: Buffer.from(`${head}\r\n\r\n`, 'latin1') }]);
      const got = await new Promise<{ event: number; value: number; data: string | null }>((resolve) => {
        const id = startProbe(
          { address: '127.0.0.1', port, timeoutMs: 1000, request: Buffer.from('GET / HTTP/1.0\r\n\r\n'), skipInterim: false },
          (event, value, data) => resolve({ event, value, data }),
        );
        expect(id).toBeGreaterThan(0);
      });
      const reference = headStatus(head);
      if (got.event === ProbeEvent.STATUS) {
        expect(got).toEqual({ event: ProbeEvent.STATUS, value: reference, data: null });
      } else {
        expect(got.event).toBe(ProbeEvent.HEAD);
        expect(got.data).toBe(`${head}\r\n\r\n`);
      }
      // Every well-formed head in this list is judged by the addon.
      if (typeof reference === 'number') expect(got.event).toBe(ProbeEvent.STATUS);
    });
  }
});
