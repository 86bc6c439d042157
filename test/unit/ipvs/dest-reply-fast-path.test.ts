/**
 * GET_DEST dump entries take a fast path in src/ipvs/replies.ts (decodeDestReply reads an IPv4
 * destination straight off the bytes, its counters on first use). It must give what the general
 * decoder (decodeDestNest over the attribute set) gives, for any destination and framing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseAttrs } from '../../../src/netlink/attrs.js';
import { DEST_ATTR_NAMES, IPVS_CMD_ATTR } from '../../../src/ipvs/constants.js';
import { decodeDestNest, decodeDestReply } from '../../../src/ipvs/replies.js';
import { encodeDestReply } from '../../../src/ipvs/reply-builders.js';
import { destination } from './arbitraries.js';

function general(payload: Buffer, family?: 'ipv4' | 'ipv6') {
  const top = parseAttrs(payload.subarray(4));
  return decodeDestNest(top.nested(IPVS_CMD_ATTR.DEST, DEST_ATTR_NAMES), family);
}

describe('decodeDestReply fast path', () => {
  test('decodes as the general decoder does', () => {
    fc.assert(
      fc.property(destination, fc.boolean(), (d, nestedFlag) => {
        const payload = encodeDestReply(d, { nestedFlag });
        const fast = decodeDestReply(payload);
        expect(fast).toEqual(general(payload));
        expect(fast).toEqual(d);
        expect(Object.keys(fast).sort()).toEqual(Object.keys(d).sort());
      }),
      { numRuns: 2000 },
    );
  });

  test('falls back to the general decoder (and its errors) on anything unusual', () => {
    const d = {
      family: 'ipv4',
      address: '10.1.2.3',
      port: 80,
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
    } as const;
    const payload = encodeDestReply(d);
    // FWD_METHOD 99: unknown
    const bad = Buffer.from(payload);
    const at = bad.indexOf(Buffer.from([8, 0, 3, 0]), 8); // FWD_METHOD header (len 8, type 3)
    expect(at).toBeGreaterThan(0);
    bad.writeUInt32LE(99, at + 4);
    expect(() => decodeDestReply(bad)).toThrow(/unknown forwarding method 99/);
    // A truncated message
    expect(() => decodeDestReply(payload.subarray(0, payload.length - 3))).toThrow();
  });
});
