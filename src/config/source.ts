/**
 * Reads YAML text into a document that keeps source ranges, plus its plain JavaScript value. Syntax errors,
 * duplicate keys and keys that are not plain scalars come back as positioned problems.
 */
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Path, PathSegment, Problem } from './path.js';
import { isMergePair, pathAtOffset, scalarKey } from './positions.js';

export interface Source {
  readonly text: string;
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

/** Parses one YAML document. `value` is only produced when there are no syntax errors. */
export function parseSource(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false, // reported below, with the path and the first occurrence
    merge: true,
    logLevel: 'silent',
  });
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
