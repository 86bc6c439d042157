/**
 * Reply patterns of the udp check: hex bytes where `??` matches any byte, spaces between bytes allowed,
 * e.g. "00 01 ?? 7f". A reply matches when it is at least as long as the pattern and its first bytes match
 * (the reply may be longer). Unlike keepalived's UDP_CHECK (nibble wildcards `x`, and a shorter reply compared
 * only over its own length), a wildcard here is a whole byte and a short reply never matches.
 */

/** A compiled pattern: expected byte values, and null where any byte matches. */
export type HexPattern = readonly (number | null)[];

/** Compiles "0a??2c" / "0a ?? 2c"; returns an error message for anything else. An empty string is an empty pattern. */
export function parseHexPattern(text: string): HexPattern | string {
  const compact = text.replace(/ /g, '');
  if (compact.length % 2 !== 0 || !/^(?:[0-9A-Fa-f]{2}|\?\?)*$/.test(compact)) {
    return `expected hex bytes with ?? wildcards like "0a??2c", got ${JSON.stringify(text)}`;
  }
  const out: (number | null)[] = [];
  for (let i = 0; i < compact.length; i += 2) {
    const pair = compact.slice(i, i + 2);
    out.push(pair === '??' ? null : Number.parseInt(pair, 16));
  }
  return out;
}

/** Parses plain hex bytes (no wildcards); returns an error message for anything else. */
export function parseHexBytes(text: string): Buffer | string {
  const p = parseHexPattern(text);
  if (typeof p === 'string') return p.replace(' with ?? wildcards', '');
  if (p.includes(null)) return `expected hex bytes without wildcards, got ${JSON.stringify(text)}`;
  return Buffer.from(p as number[]);
}

/** True when `data` starts with bytes matching the pattern. */
export function matchesHexPattern(pattern: HexPattern, data: Uint8Array): boolean {
  if (data.length < pattern.length) return false;
  return pattern.every((b, i) => b === null || data[i] === b);
}

/** The pattern written back in canonical form ("0a??2c"). */
export function formatHexPattern(pattern: HexPattern): string {
  return pattern.map((b) => (b === null ? '??' : b.toString(16).padStart(2, '0'))).join('');
}

/** Hex of the first `max` bytes of data, for reasons ("0a1b2c..."). */
export function hexPreview(data: Uint8Array, max = 16): string {
  const hex = Buffer.from(data.subarray(0, max)).toString('hex');
  return data.length > max ? `${hex}...` : hex;
}
