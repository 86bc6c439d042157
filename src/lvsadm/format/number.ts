/**
 * print_largenum: a counter in a 9-column field, scaled to K/M/G/T (decimal) once it no longer
 * fits, or in full with --exact (always at least one leading space).
 */
import { padLeft } from '../c/printf.js';

/** The text print_largenum prints for `n` (no trailing newline). */
export function largeNumber(n: bigint, exact: boolean): string {
  if (exact) {
    const s = n.toString();
    return padLeft(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (n < 100000000n) return padLeft(n.toString(), 9);
  if (n < 1000000000n) return `${padLeft((n / 1000n).toString(), 8)}K`;
  if (n < 100000000000n) return `${padLeft((n / 1000000n).toString(), 8)}M`;
  if (n < 100000000000000n) return `${padLeft((n / 1000000000n).toString(), 8)}G`;
  return `${padLeft((n / 1000000000000n).toString(), 8)}T`;
}
