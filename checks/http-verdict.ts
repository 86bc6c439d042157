/** Pure verdict rules of the http/https checks: accepted status codes, body digest and body regex. */
import { createHash } from 'node:crypto';
import type { CheckResult } from './checker.js';
import { down } from './outcome.js';

/** An inclusive range of accepted status codes (a single code has min === max). */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/** The default accepted statuses, 200-299. */
export const DEFAULT_STATUS: readonly StatusRange[] = [{ min: 200, max: 299 }];

/** True when `status` lies in one of the ranges. */
export function statusAccepted(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}

/** Ranges as people write them: "200-299, 302". */
export function formatStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`)).join(', ');
}

/**
 * Parses "200-299,302" (commas and/or spaces between items) into ranges, or returns an error message.
 * The config schema has its own parser; this one serves the command line.
 */
export function parseStatusRanges(text: string): StatusRange[] | string {
  const items = text.split(/[\s,]+/).filter((s) => s !== '');
  if (items.length === 0) return 'expected at least one status code or range';
  const out: StatusRange[] = [];
  for (const item of items) {
    const m = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/.exec(item);
    if (!m) return `expected a status code 100..599 or a range like 200-299, got "${item}"`;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (min > max) return `range "${item}" starts above its end`;
    out.push({ min, max });
  }
  return out;
}

/** MD5 of `body` in lowercase hex: the digest keepalived's genhash prints and HTTP_GET's `digest` compares. */
export function md5Hex(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

/** What to verify in a body. */
export interface BodyRules {
  /** Lowercase hex MD5 of the whole expected body. */
  readonly digest?: string | undefined;
  readonly regex?: RegExp | undefined;
  readonly regexNoMatch?: boolean | undefined;
}

/** A bounded read of a response body: the first `max_body_bytes` and whether more followed. */
export interface BoundedBody {
  readonly bytes: Buffer;
  readonly truncated: boolean;
}

/** True when the rules need the body at all. */
export function needsBody(rules: BodyRules): boolean {
  return rules.digest !== undefined || rules.regex !== undefined;
}

/**
 * Applies the body rules; undefined when they all pass. A digest never matches a truncated body (the whole
 * body was not seen); a regex is tested against the bounded prefix, decoded as UTF-8.
 */
export function bodyVerdict(rules: BodyRules, body: BoundedBody): CheckResult | undefined {
  if (rules.digest !== undefined) {
    if (body.truncated) {
      return down('DIGEST', `body longer than max_body_bytes (${body.bytes.length}): digest not verifiable`);
    }
    const got = md5Hex(body.bytes);
    if (got !== rules.digest) return down('DIGEST', `body digest ${got} != expected ${rules.digest}`);
  }
  if (rules.regex !== undefined) {
    const matched = rules.regex.test(body.bytes.toString('utf8'));
    const where = body.truncated ? `first ${body.bytes.length} bytes of the body` : 'body';
    if (matched && rules.regexNoMatch) return down('REGEX', `${where} matches /${rules.regex.source}/ (regex_no_match)`);
    if (!matched && !rules.regexNoMatch) return down('REGEX', `${where} does not match /${rules.regex.source}/`);
  }
  return undefined;
}
