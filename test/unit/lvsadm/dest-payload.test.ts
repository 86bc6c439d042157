/**
 * destEntryFromPayload (the listing's undecoded path) against destEntry(decodeDestReply(...)), the
 * general path, on destinations of every kind the reply builder can encode.
 */
import { describe, expect, test } from 'vitest';
import { IpvsError } from '../../../src/ipvs/errors.js';
import { encodeDestReply } from '../../../src/ipvs/reply-builders.js';
import { decodeDestReply } from '../../../src/ipvs/replies.js';
import type { Destination } from '../../../src/ipvs/types.js';
import { destEntryFromPayload } from '../../../src/lvsadm/dest-payload.js';
import { type DestEntry, destEntry } from '../../../src/lvsadm/entries.js';
import { sampleStats as stats } from './payload-fixtures.js';

function fields(e: DestEntry): Record<string, unknown> {
  return {
    af: e.af,
    addr: Array.from(e.addr),
    port: e.port,
    connFlags: e.connFlags,
    weight: e.weight,
    uThreshold: e.uThreshold,
    lThreshold: e.lThreshold,
    activeConns: e.activeConns,
    inactConns: e.inactConns,
    persistConns: e.persistConns,
    tunType: e.tunType,
    tunPort: e.tunPort,
    tunFlags: e.tunFlags,
    stats: e.stats,
  };
}

const base: Destination = {
  family: 'ipv4',
  address: '10.1.2.3',
  port: 8080,
  forwarding: 'masq',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
  activeConns: 0,
  inactiveConns: 0,
  persistentConns: 0,
};

const cases: Destination[] = [
  base,
  { ...base, stats: stats(0n), stats64: stats(0x1_0000_0000n) },
  { ...base, stats: stats(5n) },
  { ...base, address: '255.255.255.255', port: 65535, forwarding: 'route', weight: 0xffffffff, activeConns: 0x80000000 },
  { ...base, address: '0.0.0.0', port: 0, forwarding: 'local', upperThreshold: 7, lowerThreshold: 3, persistentConns: 9 },
  { ...base, forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelCsum: 'remcsum', stats64: stats(1n) },
  { ...base, forwarding: 'tunnel', tunnelType: 'gre', tunnelCsum: 'csum' },
  { ...base, forwarding: 'bypass', inactiveConns: 12 },
  { ...base, family: 'ipv6', address: '2001:db8::1', stats: stats(2n), stats64: stats(3n) },
  { ...base, family: 'ipv6', address: '::ffff:10.0.0.1', port: 443 },
];

describe('destEntryFromPayload', () => {
  test.each(cases.map((d, i) => [i, d] as const))('case %i reads like the general decoder', (_, d) => {
    const payload = encodeDestReply(d);
    const family = d.family;
    expect(fields(destEntryFromPayload(payload, family))).toEqual(fields(destEntry(decodeDestReply(payload, family))));
  });

  test('a malformed entry rejects like listDestinations (an IpvsError)', () => {
    const payload = encodeDestReply(base);
    // Cut inside the DEST nest: the fast path declines, the general decoder throws.
    const cut = payload.subarray(0, payload.length - 6);
    expect(() => destEntryFromPayload(cut, 'ipv4')).toThrow(IpvsError);
  });
});
