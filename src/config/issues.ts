/**
 * Turns zod issues into problems an operator can act on: what was expected, what was found, and for unknown keys
 * and misspelt values the closest known spelling.
 */
import type * as z from 'zod';
import type { Path, PathSegment, Problem } from './path.js';
import { CHECK_KEYS, KNOWN_KEYS_MARK } from './schema.js';
import { closest, didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** Looks a path up in plain data. */
export function lookup(data: unknown, path: Path): { exists: boolean; value: unknown } {
  let cur: unknown = data;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number' && seg >= 0 && seg < cur.length) {
      cur = cur[seg];
    } else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, String(seg))) {
      cur = (cur as Record<string, unknown>)[String(seg)];
    } else {
      return { exists: false, value: undefined };
    }
  }
  return { exists: true, value: cur };
}

/** A short description of a value for `got ...`. */
export function describe(v: unknown): string {
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return JSON.stringify(s);
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return Object.keys(v).length === 0 ? 'an empty mapping' : 'a mapping';
  return String(v);
}

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

/** Adds what was found to an `expected ...` message; a missing key says so instead. */
function withFound(message: string, data: unknown, path: Path, suggestFrom?: readonly unknown[]): string {
  if (!message.startsWith('expected ') || message.includes(', got ')) return message;
  const found = lookup(data, path);
  if (!found.exists) {
    const key = path[path.length - 1];
    return typeof key === 'string' ? `missing required key '${key}' (${message})` : message;
  }
  let out = `${message}, got ${describe(found.value)}`;
  if (suggestFrom && typeof found.value === 'string') {
    out += didYouMean(
      found.value,
      suggestFrom.filter((v): v is string => typeof v === 'string'),
    );
  }
  return out;
}

/** The branch of a failed union that matched the value's type, if exactly one did. */
function matchingBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const candidates = errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** For a key that another check type has: which types do. */
function checkTypeHint(key: string, data: unknown, rel: Path): string {
  if (rel[rel.length - 2] !== 'checks') return '';
  const type = (lookup(data, rel).value as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(CHECK_KEYS, type)) return '';
  const owners = Object.keys(CHECK_KEYS).filter((t) => CHECK_KEYS[t]?.includes(key));
  return owners.length > 0 ? `; only ${owners.join(', ')} checks have it` : '';
}

function unknownKeys(issue: Extract<Issue, { code: 'unrecognized_keys' }>, path: Path, data: unknown, rel: Path): Problem[] {
  const known = issue.message.startsWith(KNOWN_KEYS_MARK) ? issue.message.slice(KNOWN_KEYS_MARK.length).split(',').filter(Boolean) : [];
  return issue.keys.map((key) => {
    const guess = closest(key, known);
    let message = `unknown key '${key}'`;
    const hint = checkTypeHint(key, data, rel);
    if (guess !== undefined) message += `; did you mean '${guess}'?`;
    else if (hint) message += hint;
    else if (known.length > 0 && known.length <= 12) message += `; expected one of: ${known.join(', ')}`;
    return { path: [...path, key], atKey: true, message };
  });
}

/** Converts zod issues for `data` (validated at `base` inside the document) into problems. */
export function issuesToProblems(issues: readonly Issue[], data: unknown, base: Path = []): Problem[] {
  const out: Problem[] = [];
  const visit = (issue: Issue, prefix: Path) => {
    const rel = [...prefix, ...toSegments(issue.path)];
    const path = [...base, ...rel];
    switch (issue.code) {
      case 'unrecognized_keys':
        out.push(...unknownKeys(issue, path, data, rel));
        return;
      case 'invalid_key': {
        const key = rel[rel.length - 1];
        const inner = issue.issues[0]?.message ?? 'expected a valid key';
        out.push({ path, atKey: true, message: `invalid key: ${inner}, got ${JSON.stringify(String(key))}` });
        return;
      }
      case 'invalid_union': {
        if (issue.discriminator !== undefined && issue.errors.length === 0 && 'options' in issue) {
          // No option has this discriminator value: the path already ends in the discriminator key.
          const options = issue.options ?? [];
          const what = `expected one of ${options.map((o) => `'${String(o)}'`).join(', ')}`;
          out.push({ path, message: withFound(what, data, rel, options) });
          return;
        }
        const branch = matchingBranch(issue.errors);
        if (branch) {
          for (const sub of branch) visit(sub, rel);
          return;
        }
        out.push({ path, message: withFound(issue.message, data, rel) });
        return;
      }
      case 'invalid_value':
        out.push({ path, message: withFound(issue.message, data, rel, issue.values) });
        return;
      default:
        out.push({ path, message: withFound(issue.message, data, rel) });
    }
  };
  for (const issue of issues) visit(issue, []);
  return out;
}
