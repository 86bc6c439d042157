/**
 * Maps document paths to source offsets in a parsed YAML document, and back. Aliases and `<<` merge keys are
 * followed, so a path into the JavaScript value (what the schema sees) finds the node that produced it.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Path, PathSegment } from './path.js';

type AnyDoc = Document.Parsed | Document;

/** Where a problem points: at a value (the default), or at the key naming it (unknown and duplicate keys). */
export type Anchor = 'value' | 'key';

function deref(doc: AnyDoc, node: unknown): unknown {
  for (let i = 0; i < 64 && isAlias(node); i++) node = node.resolve(doc as Document);
  return node;
}

/** The JavaScript object key a YAML scalar key turns into. */
export function scalarKey(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (typeof v === 'symbol') return undefined;
  if (v === null || v === undefined) return '';
  return String(v);
}

export function isMergePair(pair: Pair): boolean {
  return isScalar(pair.key) && typeof pair.key.value === 'symbol';
}

/** Finds the pair for `key` in a mapping, looking through `<<` merges (own keys win, as in toJS). */
function findPair(doc: AnyDoc, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  let merged: Pair | undefined;
  for (const pair of map.items) {
    if (scalarKey(pair.key) === key) return pair;
    if (merged === undefined && depth < 16 && isMergePair(pair)) {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const s of sources) {
        const m = deref(doc, s);
        if (isMap(m)) {
          merged = findPair(doc, m, key, depth + 1);
          if (merged) break;
        }
      }
    }
  }
  return merged;
}

function start(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const r = (node as Node).range;
    if (r) return r[0];
  }
  return undefined;
}

export interface Located {
  /** Offset into the source text. */
  readonly offset: number;
  /** False when the path leads somewhere that does not exist in the source; offset is then its nearest parent. */
  readonly found: boolean;
}

/** The source offset of the node at `path`, or of its key; missing parts resolve to the nearest existing parent. */
export function locate(doc: AnyDoc, path: Path, anchor: Anchor = 'value'): Located {
  let node: unknown = deref(doc, doc.contents);
  let offset = start(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg: PathSegment = path[i] as PathSegment;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, node, String(seg));
      if (!pair) return { offset, found: false };
      const keyOffset = start(pair.key) ?? offset;
      if (last && anchor === 'key') return { offset: keyOffset, found: true };
      const value = deref(doc, pair.value);
      const valueOffset = start(value);
      if (value === null || valueOffset === undefined) return { offset: keyOffset, found: last };
      node = value;
      offset = valueOffset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = deref(doc, node.items[seg]);
      const itemOffset = start(item);
      if (itemOffset === undefined) return { offset, found: false };
      node = item;
      offset = itemOffset;
    } else {
      return { offset, found: false };
    }
  }
  return { offset, found: true };
}

function contains(node: unknown, offset: number): boolean {
  if (!node || typeof node !== 'object' || !('range' in node)) return false;
  const r = (node as Node).range;
  return !!r && r[0] <= offset && offset < Math.max(r[1], r[0] + 1);
}

/** The path of the innermost node around `offset` (used to give syntax errors a path). */
export function pathAtOffset(doc: AnyDoc, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (let guard = 0; guard < 10_000; guard++) {
    if (isMap(node)) {
      // A pair spans from its key to the end of its value (tags and anchors sit in between).
      const pair = node.items.find((p) => {
        const from = (p.key as Node | null)?.range?.[0] ?? (p.value as Node | null)?.range?.[0];
        const to = (p.value as Node | null)?.range?.[1] ?? (p.key as Node | null)?.range?.[1];
        return from !== undefined && to !== undefined && from <= offset && offset < Math.max(to, from + 1);
      });
      const key = pair ? scalarKey(pair.key) : undefined;
      if (!pair || key === undefined) return path;
      path.push(key);
      if (!contains(pair.value, offset)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const idx = node.items.findIndex((it) => contains(it, offset));
      if (idx < 0) return path;
      path.push(idx);
      node = node.items[idx];
    } else {
      return path;
    }
  }
  return path;
}
