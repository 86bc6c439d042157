/**
 * The C number parsers ipvsadm relies on (glibc strtol/atoi on LP64), reproduced so that
 * lvsadm accepts and rejects exactly the same argument texts.
 */

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/** Result of {@link strtol}: the value, where parsing stopped, and whether it overflowed. */
export interface StrtolResult {
  readonly value: bigint;
  /** Index of the first character not consumed; 0 when no digits were found. */
  readonly end: number;
  readonly erange: boolean;
}

/** C isspace() in the "C" locale. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** C isdigit(). */
export function isCDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function digitValue(ch: string | undefined): number {
  if (ch === undefined) return 99;
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return 99;
}

/**
 * strtol/strtoul digits parsing: leading white space, an optional sign, then digits of `base`
 * (0 = C rules: 0x hex, 0 octal, else decimal). Returns the unclamped magnitude with its sign.
 */
function parseDigits(s: string, base: number): { neg: boolean; mag: bigint; end: number; any: boolean } {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s[i + 2]) < 16) {
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = s[i] === '0' ? 8 : 10;
  }
  // Digits accumulate in a double while that is exact (below 2^53 / base), then as a bigint.
  let small = 0;
  let mag: bigint | undefined;
  let any = false;
  const limit = Number.MAX_SAFE_INTEGER / b - b;
  for (let d = digitValue(s[i]); d < b; d = digitValue(s[++i])) {
    any = true;
    if (mag === undefined && small < limit) small = small * b + d;
    else mag = (mag ?? BigInt(small)) * BigInt(b) + BigInt(d);
  }
  return { neg, mag: mag ?? BigInt(small), end: i, any };
}

/** glibc strtol(s, &end, base) for a 64-bit long. */
export function strtol(s: string, base = 10): StrtolResult {
  const { neg, mag, end, any } = parseDigits(s, base);
  if (!any) return { value: 0n, end: 0, erange: false };
  const v = neg ? -mag : mag;
  if (v > LONG_MAX) return { value: LONG_MAX, end, erange: true };
  if (v < LONG_MIN) return { value: LONG_MIN, end, erange: true };
  return { value: v, end, erange: false };
}

/** glibc strtoul(s, &end, base) for a 64-bit unsigned long (a minus sign negates modulo 2^64). */
export function strtoul(s: string, base = 10): StrtolResult {
  const { neg, mag, end, any } = parseDigits(s, base);
  if (!any) return { value: 0n, end: 0, erange: false };
  const max = (1n << 64n) - 1n;
  if (mag > max) return { value: max, end, erange: true };
  return { value: neg ? (max + 1n - mag) & max : mag, end, erange: false };
}

const PLAIN_DIGITS = /^[0-9]+$/;

/**
 * ipvsadm's string_to_number: the whole text must be a decimal long within [min, max];
 * returns -1 otherwise.
 */
export function stringToNumber(s: string, min: number, max: number): number {
  // The common case, plain decimal digits (no blanks, sign or overflow): strtol's value is the number.
  if (s.length > 0 && s.length <= 15 && PLAIN_DIGITS.test(s)) {
    const n = Number(s);
    return min <= n && n <= max ? n : -1;
  }
  const r = strtol(s, 10);
  if (r.end === s.length && r.end !== 0 && !r.erange && BigInt(min) <= r.value && r.value <= BigInt(max)) {
    return Number(r.value);
  }
  return -1;
}

/** glibc atoi: (int) strtol(s, NULL, 10), i.e. the low 32 bits as a signed int. */
export function atoi(s: string): number {
  return Number(BigInt.asIntN(32, strtol(s, 10).value));
}
