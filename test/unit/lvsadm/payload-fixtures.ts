/** Fixtures shared by the payload tests (service-payload, dest-payload). */
import type { Stats } from '../../../src/ipvs/types.js';

/** Counters that differ from each other and from those of another `base`. */
export const sampleStats = (base: bigint): Stats => ({
  conns: base + 1n,
  inpkts: base + 2n,
  outpkts: base + 3n,
  inbytes: base + 4n,
  outbytes: base + 5n,
  cps: base + 6n,
  inpps: base + 7n,
  outpps: base + 8n,
  inbps: base + 9n,
  outbps: base + 10n,
});
