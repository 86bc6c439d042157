/**
 * Fuzzing the receive path: random bytes, golden packets mutated (bit flips, byte writes, truncation, extension,
 * with and without a repaired checksum), and well-formed adverts with random fields. Decode must return an advert
 * or a drop reason and never throw; live instances (backup and master, v2/v3, IPv4/IPv6) must never throw, and a
 * packet they drop must change nothing: same state object, no I/O, same timers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { pseudoHeader, vrrpChecksum } from '../../../src/vrrp/checksum.js';
import { type Advert, decode, encode } from '../../../src/vrrp/packet.js';
import { DROP_REASONS } from '../../../src/vrrp/validate.js';
import { type GoldenPacket, goldenAdverts, goldenBytes } from './fixtures/adverts.js';
import { makeInstance, spec } from './helpers.js';

const SCALE = Math.max(1, Number(process.env.LVSD_FUZZ_SCALE ?? 1) || 1);
const RUNS = 100_000 * SCALE;

type Family = 'ipv4' | 'ipv6';
const familyOf = (f: GoldenPacket): Family => (f.srcAddr.includes(':') ? 'ipv6' : 'ipv4');

/** Re-computes the checksum of a (possibly mutated) message, as a forger would. */
function repairChecksum(b: Uint8Array, family: Family, src: string, dst: string): void {
  if (b.length < 8) return;
  b[6] = 0;
  b[7] = 0;
  const v3 = (b[0] as number) >> 4 === 3;
  const c = vrrpChecksum(b, v3 ? pseudoHeader(family, src, dst, b.length) : undefined);
  b[6] = c >> 8;
  b[7] = c & 0xff;
}

interface Sample {
  readonly bytes: Uint8Array;
  readonly family: Family;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly ttl: number | undefined;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
);

const mutatedGolden: fc.Arbitrary<Omit<Sample, 'ttl'>> = fc
  .record({ f: fc.constantFrom(...goldenAdverts), muts: fc.array(mutation, { maxLength: 3 }), repair: fc.boolean() })
  .map(({ f, muts, repair }) => {
    let b = goldenBytes(f);
    for (const m of muts) {
      if (m.kind === 'flip')
        for (const i of m.at) if (b.length > 0) b[(i >> 3) % b.length] = (b[(i >> 3) % b.length] as number) ^ (1 << (i & 7));
      if (m.kind === 'set' && b.length > 0) b[m.at % b.length] = m.value;
      if (m.kind === 'truncate') b = b.slice(0, m.at % (b.length + 1));
      if (m.kind === 'extend') b = new Uint8Array([...b, ...m.extra]);
    }
    const family = familyOf(f);
    if (repair) repairChecksum(b, family, f.srcAddr, f.dstAddr);
    return { bytes: b, family, srcAddr: f.srcAddr, dstAddr: f.dstAddr };
  });

const v4 = fc.constantFrom('192.168.200.16', '192.168.200.17', '10.0.0.1', '203.0.113.5');
const v6 = fc.constantFrom('fe80::1', '2001:db8::10', 'fe80::2');

/** Well-formed adverts with random fields, so the instance-level checks (and the machine) get exercised too. */
const wellFormed: fc.Arbitrary<Omit<Sample, 'ttl'>> = fc
  .record({
    v6: fc.boolean(),
    version: fc.constantFrom(2, 3),
    vrid: fc.oneof(fc.constantFrom(1, 2, 51), fc.integer({ min: 1, max: 255 })),
    priority: fc.oneof(fc.constantFrom(0, 1, 100, 254, 255), fc.integer({ min: 0, max: 255 })),
    n4: fc.array(v4, { minLength: 0, maxLength: 3 }),
    n6: fc.array(v6, { minLength: 1, maxLength: 3 }),
    authType: fc.constantFrom(0, 0, 1, 2, 7),
    adv: fc.constantFrom(1, 2, 100, 50, 4095),
    unicastDst: fc.boolean(),
  })
  .map((r) => {
    const family: Family = r.v6 ? 'ipv6' : 'ipv4';
    const version = r.v6 ? 3 : (r.version as 2 | 3);
    const addresses = r.v6 ? r.n6 : r.version === 3 && r.n4.length === 0 ? ['10.0.0.1'] : r.n4;
    const srcAddr = r.v6 ? 'fe80::a' : '10.0.0.2';
    const dstAddr = r.v6 ? (r.unicastDst ? 'fe80::b' : 'ff02::12') : r.unicastDst ? '10.0.0.9' : '224.0.0.18';
    const advert: Advert =
      version === 2
        ? {
            version,
            vrid: r.vrid,
            priority: r.priority,
            addresses,
            authType: r.authType,
            authData: new Uint8Array(8),
            advertIntSec: Math.min(255, r.adv),
          }
        : { version, vrid: r.vrid, priority: r.priority, addresses, maxAdverIntCs: r.adv };
    return { bytes: encode(advert, { family, srcAddr, dstAddr }), family, srcAddr, dstAddr };
  });

const randomBytes: fc.Arbitrary<Omit<Sample, 'ttl'>> = fc
  .record({ bytes: fc.uint8Array({ maxLength: 80 }), v6: fc.boolean() })
  .map(({ bytes, v6 }) => ({
    bytes,
    family: v6 ? ('ipv6' as const) : ('ipv4' as const),
    srcAddr: v6 ? 'fe80::a' : '10.0.0.2',
    dstAddr: v6 ? 'ff02::12' : '224.0.0.18',
  }));

const sample: fc.Arbitrary<Sample> = fc
  .tuple(
    fc.oneof(randomBytes, mutatedGolden, wellFormed),
    fc.oneof(fc.constant(255), fc.constant(undefined), fc.integer({ min: 0, max: 255 })),
  )
  .map(([s, ttl]) => ({ ...s, ttl }));

/** Live instances that some of the samples are valid for. */
function liveInstances() {
  const clock = new FakeClock();
  const v2b = makeInstance(spec('v2b', { localAddress: '192.168.200.1' }, { vips: ['192.168.200.16'] }), clock);
  const v2m = makeInstance(spec('v2m', { priority: 255, localAddress: '192.168.200.1' }, { vips: ['192.168.200.16'] }), clock);
  const v3b = makeInstance(spec('v3b', { version: 3, localAddress: '10.0.0.9' }, { vrid: 1, vips: ['10.0.0.1'] }), clock);
  const v3u = makeInstance(
    spec(
      'v3u',
      { version: 3, priority: 150, localAddress: '10.0.0.9' },
      { vrid: 1, vips: ['10.0.0.1'], unicast: true, destinations: ['10.0.0.2'] },
    ),
    clock,
  );
  const v6b = makeInstance(
    spec('v6b', { version: 3, localAddress: 'fe80::b' }, { vrid: 2, family: 'ipv6', vips: ['fe80::1', '2001:db8::10'] }),
    clock,
  );
  const all = [v2b, v2m, v3b, v3u, v6b];
  for (const x of all) x.inst.start();
  clock.advance(10);
  return { clock, all };
}

describe('receive fuzz', () => {
  it(`${RUNS} random and mutated packets: decode never throws; drops change nothing in live instances`, () => {
    const { all } = liveInstances();
    const reasons = new Set<string>(DROP_REASONS);
    const seen = new Map<string, number>();
    let accepted = 0;
    fc.assert(
      fc.property(sample, (s) => {
        // Plain checks in the hot loop: expect() is slow at this count.
        const d = decode(s.bytes, s);
        if (d.ok ? d.advert.version !== 2 && d.advert.version !== 3 : !reasons.has(d.reason))
          throw new Error(`bad decode ${JSON.stringify(d)}`);
        for (const { inst, io } of all) {
          if (inst.spec.wire.family !== s.family) continue;
          const before = inst.state;
          const calls = io.calls.length;
          const timers = inst.armedTimers.join();
          const r = inst.receive(s.bytes, { srcAddr: s.srcAddr, dstAddr: s.dstAddr, ttl: s.ttl });
          if (r.ok) {
            accepted++;
            continue;
          }
          seen.set(r.reason, (seen.get(r.reason) ?? 0) + 1);
          if (inst.state !== before) throw new Error(`${inst.name}: state changed on a ${r.reason} drop`);
          if (io.calls.length !== calls) throw new Error(`${inst.name}: I/O on a ${r.reason} drop`);
          if (inst.armedTimers.join() !== timers) throw new Error(`${inst.name}: timers changed on a ${r.reason} drop`);
        }
      }),
      { numRuns: RUNS },
    );
    // The generators reach the interesting paths.
    expect(accepted).toBeGreaterThan(100);
    for (const r of [
      'length',
      'ttl',
      'version',
      'type',
      'checksum',
      'vrid-mismatch',
      'auth-type-invalid',
      'interval-mismatch',
      'addr-list-mismatch',
      'dst-mismatch',
    ]) {
      expect(seen.get(r) ?? 0, r).toBeGreaterThan(0);
    }
    // The counters agree with what was seen.
    const counted = all.reduce((n, x) => n + Object.values(x.inst.counters.receive.drops).reduce((a, b) => a + b, 0), 0);
    expect(counted).toBe([...seen.values()].reduce((a, b) => a + b, 0));
  });
});
