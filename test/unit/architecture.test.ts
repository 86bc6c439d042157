/**
 * The import direction between folders, read from the relative imports of every source file:
 *
 *   cli -> director -> {health, vrrp, ipvs, config} -> {netlink, rtnl, native}
 *   cli -> lvsadm -> {ipvs, netlink, native};  health -> checks (the checkers, top level)
 *
 * and the files directly in src/ (clock, errors, ip, logger, ...) are the base layer: anyone may import them, and
 * they import no folder. No cycles between folders, and shipped code (src/, checks/, scripts/) never imports tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const LOWER = ['netlink', 'rtnl', 'native'];

/** The folders each folder may import, besides itself and the base layer; '*' is any. */
const MAY_IMPORT: Readonly<Record<string, readonly string[] | '*'>> = {
  cli: '*',
  director: ['health', 'vrrp', 'ipvs', 'config', 'checks', ...LOWER],
  lvsadm: ['ipvs', 'netlink', 'native'],
  health: ['config', 'checks', ...LOWER],
  vrrp: ['config', ...LOWER],
  ipvs: LOWER,
  config: LOWER,
  checks: ['config', 'netlink', 'native'],
  rtnl: ['netlink', 'native'],
  netlink: ['native'],
  native: [],
  base: [],
};

/** A relative import: the importing file and the file it names, both relative to the repository root. */
interface Import {
  readonly file: string;
  readonly target: string;
}

const SOURCE = /\.(ts|mts|cts)$/;
const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs)$/;

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => pattern.test(f) && !f.endsWith('.d.ts') && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f));
}

/** The relative imports of a file: import and export declarations, dynamic imports and import types. */
function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => ({ file, target: relative(ROOT, resolve(ROOT, dirname(file), spec)) }));
}

/** The layer a path is in: a folder of src/, `base` for a file directly in src/, else its top-level directory. */
function layerOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0] as string;
  return parts.length === 2 ? 'base' : (parts[1] as string);
}

const sourceImports = [...filesUnder('src', SOURCE), ...filesUnder('checks', SOURCE)].flatMap(importsOf);
const crossLayer = sourceImports.filter((i) => layerOf(i.file) !== layerOf(i.target));
const describeImport = (i: Import) => `${i.file} -> ${i.target}`;

/** The folder graph: each layer and the layers it imports. */
function layerGraph(imports: readonly Import[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const i of imports) {
    const from = layerOf(i.file);
    const edges = graph.get(from) ?? new Set<string>();
    edges.add(layerOf(i.target));
    graph.set(from, edges);
  }
  return graph;
}

/** A cycle in a graph, as the list of its nodes with the first repeated at the end; undefined when acyclic. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('architecture', () => {
  it('finds the imports (the parser sees them)', () => {
    expect(sourceImports.length).toBeGreaterThan(200);
    expect(crossLayer).toContainEqual({ file: 'src/health/scheduler.ts', target: 'src/clock.js' });
  });

  it('places every folder of src/ in the rules', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((f) => MAY_IMPORT[f] === undefined)).toEqual([]);
  });

  it('src/ and checks/ import nothing outside them', () => {
    const outside = sourceImports.filter((i) => !/^(src|checks)\//.test(i.target));
    expect(outside.map(describeImport)).toEqual([]);
  });

  it('each folder imports only what the rules allow', () => {
    const forbidden = crossLayer.filter((i) => {
      const allowed = MAY_IMPORT[layerOf(i.file)];
      const target = layerOf(i.target);
      return allowed !== '*' && (allowed === undefined || (target !== 'base' && !allowed.includes(target)));
    });
    expect(forbidden.map(describeImport)).toEqual([]);
  });

  it('the base layer imports no folder', () => {
    const fromBase = crossLayer.filter((i) => layerOf(i.file) === 'base');
    expect(fromBase.map(describeImport)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(findCycle(layerGraph(crossLayer))).toBeUndefined();
  });

  it('the rules themselves have no cycle', () => {
    const rules = new Map(Object.entries(MAY_IMPORT).map(([from, to]) => [from, new Set(to === '*' ? [] : to)] as const));
    expect(findCycle(rules)).toBeUndefined();
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('nothing under src/, checks/ or scripts/ imports from test/', () => {
    const files = [...filesUnder('src', SCRIPT), ...filesUnder('checks', SCRIPT), ...filesUnder('scripts', SCRIPT)];
    const intoTests = files.flatMap(importsOf).filter((i) => i.target.startsWith('test/'));
    expect(intoTests.map(describeImport)).toEqual([]);
  });
});
