/**
 * The few printf behaviours lvsadm needs, measured in bytes like C does (names may be UTF-8).
 */

/** Byte length of a string once encoded as UTF-8. */
export function byteLength(s: string): number {
  // ASCII (nearly every field printed): one byte per unit, without a call into Buffer.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** printf("%-Ns"): left-justified in a field of `width` bytes. */
export function padRight(s: string, width: number): string {
  if (s.length >= width) return s; // at least as many bytes as units
  const len = byteLength(s);
  return len >= width ? s : s + ' '.repeat(width - len);
}

/** printf("%Ns"): right-justified in a field of `width` bytes. */
export function padLeft(s: string, width: number): string {
  if (s.length >= width) return s;
  const len = byteLength(s);
  return len >= width ? s : ' '.repeat(width - len) + s;
}

/** Cuts a string to at most `max` bytes, like writing a NUL at buf[max]. */
export function truncateBytes(s: string, max: number): string {
  // A UTF-16 unit takes at most 3 bytes in UTF-8.
  if (s.length * 3 <= max) return s;
  // Short enough in bytes (ASCII: one per unit): no encoding needed.
  if (s.length <= max && byteLength(s) <= max) return s;
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= max ? s : buf.subarray(0, max).toString('utf8');
}

/** printf("%d") of a value held in a C int: the low 32 bits, signed. */
export function cInt(n: number): number {
  return n | 0;
}

/** printf("%u") of a value held in a C unsigned int: the low 32 bits, unsigned. */
export function cUint(n: number): number {
  return n >>> 0;
}

/** printf("%02d"). */
export function zeroPad2(n: number): string {
  return n < 0 ? `-${-n}` : String(n).padStart(2, '0');
}
