/** fast-check generators for the IPVS model (canonical address text, kernel-valid ranges). */
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../../src/ipvs/addr.js';
import type { AddressFamily, DaemonConfig, Destination, Info, Service, ServiceKey, Stats, Timeouts } from '../../../src/ipvs/types.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

/** Canonical IPv4 text. */
export const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4);
/** Canonical IPv6 text (glibc inet_ntop form). */
export const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6);
/** An address of either family, with its family. */
export const anyAddress: fc.Arbitrary<{ family: AddressFamily; address: string }> = fc.oneof(
  ipv4.map((address) => ({ family: 'ipv4' as const, address })),
  ipv6.map((address) => ({ family: 'ipv6' as const, address })),
);

const name = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-._'), minLength: min, maxLength: max });

/** A service key of any shape. */
export const serviceKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({ protocol: fc.constantFrom('tcp', 'udp', 'sctp'), address: fc.oneof(ipv4, ipv6), port: u16 }),
  fc.record({ fwmark: fc.integer({ min: 1, max: 0xffffffff }), family: fc.constantFrom('ipv4', 'ipv6') }),
);

const big64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const big32 = fc.bigInt({ min: 0n, max: 2n ** 32n - 1n });

/** Stats as they arrive in *_STATS64. */
export const stats64: fc.Arbitrary<Stats> = fc.record({
  conns: big64,
  inpkts: big64,
  outpkts: big64,
  inbytes: big64,
  outbytes: big64,
  cps: big64,
  inpps: big64,
  outpps: big64,
  inbps: big64,
  outbps: big64,
});

/** Stats as they arrive in *_STATS (32-bit counters except bytes). */
export const stats32: fc.Arbitrary<Stats> = fc.record({
  conns: big32,
  inpkts: big32,
  outpkts: big32,
  inbytes: big64,
  outbytes: big64,
  cps: big32,
  inpps: big32,
  outpps: big32,
  inbps: big32,
  outbps: big32,
});

/** A service as the kernel could report it. */
export const service: fc.Arbitrary<Service> = serviceKey.chain((key) => {
  const v4 = 'fwmark' in key ? key.family === 'ipv4' : !key.address.includes(':');
  return fc.record(
    {
      key: fc.constant(key),
      scheduler: name(1, 15),
      flags: u32,
      timeout: u32,
      netmask: v4 ? u32 : fc.integer({ min: 0, max: 128 }),
      peName: name(1, 16),
      stats: stats32,
      stats64: stats64,
    },
    { requiredKeys: ['key', 'scheduler', 'flags', 'timeout', 'netmask'] },
  );
});

/** A destination as the kernel could report it. */
export const destination: fc.Arbitrary<Destination> = anyAddress.chain(({ family, address }) =>
  fc.record(
    {
      family: fc.constant(family),
      address: fc.constant(address),
      port: u16,
      forwarding: fc.constantFrom('masq', 'local', 'tunnel', 'route', 'bypass'),
      weight: fc.integer({ min: 0, max: 0x7fffffff }),
      upperThreshold: u32,
      lowerThreshold: u32,
      tunnelType: fc.constantFrom('ipip', 'gue', 'gre'),
      tunnelPort: u16,
      tunnelCsum: fc.constantFrom('nocsum', 'csum', 'remcsum'),
      activeConns: u32,
      inactiveConns: u32,
      persistentConns: u32,
      stats: stats32,
      stats64: stats64,
    },
    {
      requiredKeys: [
        'family',
        'address',
        'port',
        'forwarding',
        'weight',
        'upperThreshold',
        'lowerThreshold',
        'tunnelType',
        'tunnelPort',
        'tunnelCsum',
        'activeConns',
        'inactiveConns',
        'persistentConns',
      ],
    },
  ),
);

/** A sync daemon configuration. */
export const daemon: fc.Arbitrary<DaemonConfig> = fc.record(
  {
    state: fc.constantFrom('master', 'backup'),
    mcastIfn: name(0, 15),
    syncId: u32,
    syncMaxlen: u16,
    mcastGroup: fc.oneof(ipv4, ipv6),
    mcastPort: u16,
    mcastTtl: fc.integer({ min: 0, max: 255 }),
  },
  { requiredKeys: ['state', 'mcastIfn', 'syncId'] },
);

/** Timeouts. */
export const timeouts: fc.Arbitrary<Timeouts> = fc.record({ tcp: u32, tcpFin: u32, udp: u32 });

/** GET_INFO contents. */
export const info: fc.Arbitrary<Pick<Info, 'versionCode' | 'connTabSize'>> = fc.record({
  versionCode: u32,
  connTabSize: u32,
});
