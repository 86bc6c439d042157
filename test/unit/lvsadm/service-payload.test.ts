/**
 * serviceEntryFromPayload (the listing's undecoded path) against serviceEntry(decodeServiceReply(...)),
 * the general path, on services of every kind the reply builder can encode, and on malformed ones.
 */
import { describe, expect, test } from 'vitest';
import { IpvsError } from '../../../src/ipvs/errors.js';
import { encodeServiceReply } from '../../../src/ipvs/reply-builders.js';
import { decodeServiceReply } from '../../../src/ipvs/replies.js';
import type { Service } from '../../../src/ipvs/types.js';
import { type ServiceEntry, serviceEntry } from '../../../src/lvsadm/entries.js';
import { serviceEntryFromPayload } from '../../../src/lvsadm/service-payload.js';
import { sampleStats as stats } from './payload-fixtures.js';

function fields(e: ServiceEntry): Record<string, unknown> {
  return {
    key: e.key,
    af: e.af,
    protocol: e.protocol,
    addr: Array.from(e.addr),
    port: e.port,
    fwmark: e.fwmark,
    schedName: e.schedName,
    flags: e.flags,
    timeout: e.timeout,
    netmask: e.netmask,
    peName: e.peName,
    stats: e.stats,
  };
}

const base: Service = {
  key: { protocol: 'tcp', address: '10.1.2.3', port: 80 },
  scheduler: 'wlc',
  flags: 0,
  timeout: 0,
  netmask: 0xffffffff,
};

const cases: Array<[string, Service]> = [
  ['plain IPv4 TCP', base],
  [
    'UDP, persistent, netmask, stats',
    { ...base, key: { protocol: 'udp', address: '192.0.2.1', port: 53 }, flags: 3, timeout: 300, netmask: 0xffffff00, stats: stats(0n) },
  ],
  [
    'SCTP with stats64',
    { ...base, key: { protocol: 'sctp', address: '203.0.113.9', port: 0 }, stats: stats(5n), stats64: stats(1n << 40n) },
  ],
  ['a 15-byte scheduler name', { ...base, scheduler: 'abcdefghijklmno' }],
  ['a PE name', { ...base, peName: 'sip' }],
  ['fwmark', { ...base, key: { fwmark: 42, family: 'ipv4' } }],
  ['IPv6', { ...base, key: { protocol: 'tcp', address: '2001:db8::1', port: 443 }, netmask: 64 }],
];

describe('serviceEntryFromPayload', () => {
  test.each(cases)('%s: same entry as the general decoder', (_name, svc) => {
    for (const nestedFlag of [false, true]) {
      const p = encodeServiceReply(svc, { nestedFlag });
      expect(fields(serviceEntryFromPayload(p))).toEqual(fields(serviceEntry(decodeServiceReply(p))));
    }
  });

  test('a malformed message is an IpvsError of listServices, as the general path reports it', () => {
    const p = encodeServiceReply(base);
    // Cut inside the service nest.
    const cut = p.subarray(0, p.length - 6);
    expect(() => serviceEntryFromPayload(cut)).toThrow(IpvsError);
    expect(() => serviceEntryFromPayload(cut)).toThrow(/listServices/);
    const wrongCmd = Buffer.from(p);
    wrongCmd[0] = 2;
    expect(() => serviceEntryFromPayload(wrongCmd)).toThrow(IpvsError);
  });

  test('a scheduler name that is not NUL-terminated or not ASCII goes to the general decoder', () => {
    const p = encodeServiceReply({ ...base, scheduler: 'rr' });
    const i = p.indexOf(Buffer.from('rr\0'));
    const noNul = Buffer.from(p);
    noNul[i + 2] = 0x41;
    expect(() => serviceEntryFromPayload(noNul)).toThrow(IpvsError);
    const latin = Buffer.from(p);
    latin[i] = 0xe9;
    expect(fields(serviceEntryFromPayload(latin))).toEqual(fields(serviceEntry(decodeServiceReply(latin))));
  });
});
