/**
 * Destination requests naming their service by key only (what a restore sends by the thousand)
 * take a fast path in src/ipvs/requests.ts: the service nest encoded once per key and the
 * destination nest written in place. Its bytes must be those of the general writer, which a
 * service reference with any explicit field takes (flags: 0 is also the default).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeDelDest, encodeNewDest, encodeSetDest } from '../../../src/ipvs/requests.js';
import { destination, serviceKey } from './arbitraries.js';

describe('destination requests by service key', () => {
  test('encode as the general writer does, nested flag or not', () => {
    fc.assert(
      fc.property(serviceKey, destination, fc.boolean(), (key, d, nestedFlag) => {
        for (const encode of [encodeNewDest, encodeSetDest, encodeDelDest]) {
          const fast = encode({ key }, d, { nestedFlag });
          const general = encode({ key, flags: 0 }, d, { nestedFlag });
          expect(fast.payload.toString('hex')).toBe(general.payload.toString('hex'));
          expect(fast.flags).toBe(general.flags);
          // again, from the kept service nest
          expect(encode({ key }, d, { nestedFlag }).payload.equals(fast.payload)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('check the destination the same way', () => {
    const key = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
    const d = { address: '10.0.0.2', port: 80, forwarding: 'masq', weight: 1 } as const;
    for (const bad of [{ port: 70000 }, { weight: -1 }, { upperThreshold: 2 ** 32 }, { tunnelPort: -1 }, { address: 'nope' }]) {
      expect(() => encodeNewDest({ key }, { ...d, ...bad } as never)).toThrow();
      expect(() => encodeNewDest({ key, flags: 0 }, { ...d, ...bad } as never)).toThrow();
    }
  });
});
