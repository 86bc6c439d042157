import { afterEach, describe, expect, it } from 'vitest';
import { createUdpChecker, type UdpCheckOptions } from '../../../checks/udp.js';
import { closedUdpPort, type UdpBehaviour, udpServer, type UdpTestServer } from '../../support/misbehaving/udp.js';
import { probe, SLACK_MS } from './probe.js';

const servers: UdpTestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function serve(b: UdpBehaviour, host = '127.0.0.1') {
  const s = await udpServer(b, host);
  servers.push(s);
  return { server: s, target: { address: host, port: s.port }, where: host.includes(':') ? `[${host}]:${s.port}` : `${host}:${s.port}` };
}
const udp = (o: Partial<UdpCheckOptions> = {}) => createUdpChecker({ connect_timeout: 0.5, ...o });

describe('udp check with an expected reply', () => {
  it('sends the payload and is up when the reply matches the pattern', async () => {
    const { server, target, where } = await serve({ kind: 'reply', hex: 'cafe01020304' });
    const { result, ms } = await probe(udp({ payload: 'de ad be ef', expected_reply: 'ca fe ?? 02' }), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `${where} replied (6 bytes)` });
    expect(ms).toBeLessThan(SLACK_MS);
    expect(server.received[0]?.toString('hex')).toBe('deadbeef');
  });

  it('is down with REPLY when the reply does not match or is shorter than the pattern', async () => {
    const { target, where } = await serve({ kind: 'reply', hex: 'cafe' });
    expect((await probe(udp({ expected_reply: 'cafe??' }), target, 5000)).result).toEqual({
      up: false,
      code: 'REPLY',
      reason: `${where} replied cafe, expected cafe??`,
    });
    expect((await probe(udp({ expected_reply: 'beef' }), target, 5000)).result).toMatchObject({ code: 'REPLY' });
  });

  it('is down with ETIMEDOUT when no reply comes (require_reply defaults to true)', async () => {
    const { target, where } = await serve({ kind: 'silent' });
    const { result, ms } = await probe(udp({ expected_reply: '00' }), target, 5000);
    expect(result).toEqual({ up: false, code: 'ETIMEDOUT', reason: `no reply from ${where} within 500 ms` });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('works over IPv6 with an empty payload', async () => {
    const { server, target } = await serve({ kind: 'echo' }, '::1');
    expect((await probe(udp({ require_reply: true }), target, 5000)).result).toMatchObject({ up: true });
    expect(server.received[0]?.length).toBe(0);
  });
});

describe('udp check without require_reply', () => {
  it('is up after the timeout when nothing answers and no ICMP error comes', async () => {
    const { target, where } = await serve({ kind: 'silent' });
    const { result, ms } = await probe(udp({ payload: '00' }), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `no reply and no ICMP port unreachable from ${where} within 500 ms` });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('is up at once on any reply', async () => {
    const { target } = await serve({ kind: 'echo' });
    const { result, ms } = await probe(udp({ payload: '00' }), target, 5000);
    expect(result.up).toBe(true);
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with ECONNREFUSED at once on ICMP port unreachable', async () => {
    const port = await closedUdpPort();
    const { result, ms } = await probe(udp({ payload: '00' }), { address: '127.0.0.1', port }, 5000);
    expect(result).toEqual({ up: false, code: 'ECONNREFUSED', reason: `udp 127.0.0.1:${port}: connection refused (ECONNREFUSED)` });
    expect(ms).toBeLessThan(SLACK_MS);
  });
});
