/**
 * Reads YAML text into a document that keeps source ranges, plus its plain JavaScript value. Syntax errors,
 * duplicate keys and keys that are not plain scalars come back as positioned problems.
 *
 * JSON text (a YAML document too, and what generated configs often are) takes a fast path: JSON.parse gives the
 * value, a scan of the text rules out what YAML would treat differently or report (duplicate keys, `__proto__`,
 * the merge key `<<`), and the YAML document — tens of bytes of nodes and ranges per byte of text, the bulk of a
 * big config's load time and peak memory — is only built if a problem needs a position. Text the fast path is
 * not sure of goes the YAML way. Plain block YAML takes the same way through fast-yaml.ts.
 */
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { fastYamlValue } from './fast-yaml.js';
import type { Path, PathSegment, Problem } from './path.js';
import { isMergePair, pathAtOffset, scalarKey } from './positions.js';

export interface Source {
  readonly text: string;
  /** The YAML document (built on first use for JSON text). */
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export interface ParsedSource {
  readonly source: Source;
  /** The document as plain data; undefined when the YAML is not well-formed. */
  readonly value: unknown;
  readonly problems: Problem[];
}

function offsetOf(node: unknown): number {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? r[0] : 0;
}

/** Duplicate keys (JavaScript would silently keep the last) and collection keys (no JavaScript equivalent). */
function keyProblems(doc: Document.Parsed, lineCounter: LineCounter): Problem[] {
  const problems: Problem[] = [];
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: PathSegment[] };
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (isMergePair(pair)) continue;
        const key = scalarKey(pair.key);
        if (key === undefined) {
          problems.push({ path, offset: offsetOf(pair.key), message: 'expected a plain scalar key, got a list or mapping' });
          continue;
        }
        const first = seen.get(key);
        if (key === '__proto__') {
          // JavaScript gives this key special meaning; the schema layer would drop it silently.
          problems.push({ path: [...path, key], offset: offsetOf(pair.key), message: "key '__proto__' is not allowed" });
        } else if (first !== undefined) {
          problems.push({
            path: [...path, key],
            offset: offsetOf(pair.key),
            message: `duplicate key '${key}' (first defined at line ${lineCounter.linePos(first).line})`,
          });
        } else {
          seen.set(key, offsetOf(pair.key));
        }
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, path: [...path, i] });
      });
    }
  }
  return problems;
}

function parseYaml(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false, // reported below, with the path and the first occurrence
    merge: true,
    logLevel: 'silent',
  });
  return { doc, lineCounter };
}

/** A source whose document is parsed when first needed. */
function lazySource(text: string): Source {
  let parsed: { doc: Document.Parsed; lineCounter: LineCounter } | undefined;
  const get = () => {
    parsed ??= parseYaml(text);
    return parsed;
  };
  return {
    text,
    get doc() {
      return get().doc;
    },
    get lineCounter() {
      return get().lineCounter;
    },
  };
}

/**
 * True when every object key in JSON `text` (already known to be valid JSON) is unique within its object and
 * none is `__proto__` or `<<`: then JSON.parse and YAML read the text alike and keyProblems has nothing to say.
 */
export function plainJsonKeys(text: string): boolean {
  // One set of keys per open object; undefined for an array.
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) break;
        else j++;
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        const keys = stack[stack.length - 1];
        if (keys === undefined || keys.has(key) || key === '__proto__' || key === '<<') return false;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(undefined);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== undefined;
    }
  }
  return true;
}

/** The value of JSON text when the fast path applies (see above), else undefined. */
function jsonValue(text: string): object | undefined {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && plainJsonKeys(text) ? value : undefined;
}

/** Parses one YAML document. `value` is only produced when there are no syntax errors. */
export function parseSource(text: string): ParsedSource {
  const fast = jsonValue(text) ?? fastYamlValue(text);
  if (fast !== undefined) return { source: lazySource(text), value: fast, problems: [] };
  return parseWithLibrary(text);
}

/** parseSource without the fast paths: the YAML library's document, its problems and its value. */
export function parseWithLibrary(text: string): ParsedSource {
  const { doc, lineCounter } = parseYaml(text);
  const source: Source = { text, doc, lineCounter };
  const problems: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const offset = e.pos[0];
    problems.push({ path: pathAtOffset(doc, offset), offset, message: `invalid YAML: ${e.message}` });
  }
  if (doc.errors.length > 0) return { source, value: undefined, problems };
  problems.push(...keyProblems(doc, lineCounter));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    problems.push({ path: [] as Path, offset: 0, message: `invalid YAML: ${(e as Error).message}` });
    return { source, value: undefined, problems };
  }
  return { source, value, problems };
}
