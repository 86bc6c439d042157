import { afterEach, describe, expect, it } from 'vitest';
import { createDnsChecker, type DnsCheckOptions } from '../../../checks/dns.js';
import { type DnsBehaviour, dnsServer, type DnsTestServer } from '../../support/misbehaving/dns.js';
import { closedUdpPort } from '../../support/misbehaving/udp.js';
import { probe, SLACK_MS } from './probe.js';

const servers: DnsTestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function serve(b: DnsBehaviour, host = '127.0.0.1') {
  const s = await dnsServer(b, host);
  servers.push(s);
  return { server: s, target: { address: host, port: s.port } };
}
const dns = (o: Partial<DnsCheckOptions> = {}) =>
  createDnsChecker({ connect_timeout: 0.5, query_type: 'A', query_name: 'www.example.test', ...o });

describe('dns check', () => {
  it('is up on NOERROR with an answer of the asked type', async () => {
    const { server, target } = await serve('ok');
    const { result, ms } = await probe(dns(), target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: 'www.example.test A: 1 answer, first 192.0.2.80' });
    expect(ms).toBeLessThan(SLACK_MS);
    // A recursive query for the name and type.
    const q = server.queries[0] as Buffer;
    expect(q.readUInt16BE(2)).toBe(0x0100);
    expect(q.subarray(12).toString('latin1')).toBe('\x03www\x07example\x04test\x00\x00\x01\x00\x01');
  });

  it('asks AAAA over IPv6, and SOA of the root by default', async () => {
    const { target } = await serve('ok', '::1');
    expect((await probe(dns({ query_type: 'AAAA' }), target, 5000)).result).toMatchObject({
      up: true,
      reason: 'www.example.test AAAA: 1 answer, first 2001:db8::80',
    });
    const soa = await serve('ok');
    const dflt = createDnsChecker({ connect_timeout: 0.5 });
    expect((await probe(dflt, soa.target, 5000)).result).toMatchObject({ up: true, reason: '. SOA: 1 answer, first 4 bytes' });
    expect((soa.server.queries[0] as Buffer).subarray(12).toString('hex')).toBe('0000060001');
  });

  it('is down with NXDOMAIN, SERVFAIL, RCODE', async () => {
    expect((await probe(dns(), (await serve('nxdomain')).target, 5000)).result).toEqual({
      up: false,
      code: 'NXDOMAIN',
      reason: 'www.example.test A: NXDOMAIN',
    });
    expect((await probe(dns(), (await serve('servfail')).target, 5000)).result).toEqual({
      up: false,
      code: 'SERVFAIL',
      reason: 'www.example.test A: SERVFAIL',
    });
    expect((await probe(dns(), (await serve('refused')).target, 5000)).result).toEqual({
      up: false,
      code: 'RCODE',
      reason: 'www.example.test A: REFUSED',
    });
  });

  it('is down with NOANSWER on an empty answer or an answer of another type', async () => {
    expect((await probe(dns(), (await serve('empty')).target, 5000)).result).toEqual({
      up: false,
      code: 'NOANSWER',
      reason: 'www.example.test A: no A record in the answer',
    });
    expect((await probe(dns(), (await serve('wrong-type')).target, 5000)).result).toEqual({
      up: false,
      code: 'NOANSWER',
      reason: 'www.example.test A: no A record in the answer (only TXT)',
    });
  });

  it('is down with PROTOCOL on a malformed response', async () => {
    expect((await probe(dns(), (await serve('garbage')).target, 5000)).result).toMatchObject({ up: false, code: 'PROTOCOL' });
  });

  it('ignores a response with another id: times out, or takes the right one that follows', async () => {
    const { result, ms } = await probe(dns(), (await serve('wrong-id')).target, 5000);
    expect(result).toMatchObject({
      up: false,
      code: 'ETIMEDOUT',
      reason: expect.stringContaining('waiting for the DNS response of 127.0.0.1:'),
    });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
    const later = await probe(dns(), (await serve('wrong-id-then-ok')).target, 5000);
    expect(later.result).toMatchObject({ up: true });
    expect(later.ms).toBeGreaterThanOrEqual(45);
  });

  it('is down with ETIMEDOUT against a silent server, ECONNREFUSED on a closed port', async () => {
    const { result, ms } = await probe(dns(), (await serve('silent')).target, 5000);
    expect(result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
    const port = await closedUdpPort();
    const refused = await probe(dns(), { address: '127.0.0.1', port }, 5000);
    expect(refused.result).toMatchObject({ up: false, code: 'ECONNREFUSED' });
    expect(refused.ms).toBeLessThan(SLACK_MS);
  });

  it('sends from bind_ip/bind_port', async () => {
    const { server, target } = await serve('ok');
    const port = await closedUdpPort('127.0.0.4');
    expect((await probe(dns({ bind_ip: '127.0.0.4', bind_port: port }), target, 5000)).result.up).toBe(true);
    expect(server.queries).toHaveLength(1);
  });
});
