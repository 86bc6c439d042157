/**
 * Property tests: whatever the input text, loadConfig returns either a frozen model or a non-empty, sorted list
 * of errors that each carry a real position (line and column from 1, inside the text) and a path. It never throws.
 * Inputs start from the conf/ examples and are mutated at the data level (deleted keys, values of the wrong type,
 * plausible-but-wrong values that reach the cross-field rules), at the text level (truncation, stray YAML
 * punctuation, broken indentation), or are random YAML, strings and bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';

const CONF = join(import.meta.dirname, '../../../conf');
const TEXTS = readdirSync(CONF)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(join(CONF, f), 'utf8'));
const VALUES = TEXTS.map((t) => parse(t) as unknown);
const NODES = [undefined, 'lvs1', 'lvs2', 'lvs6a', 'nope'];

/** LVSD_FUZZ_SCALE=10 runs ten times as many cases (for a soak run; the default keeps the suite fast). */
const SCALE = Math.max(1, Number(process.env.LVSD_FUZZ_SCALE ?? 1) || 1);
const runs = (n: number) => ({ numRuns: n * SCALE });

let loads = 0;

/** Loads `text` and checks the invariants; returns true so it can be used as a property. */
function wellBehaved(text: string, node?: string): boolean {
  loads++;
  const r = loadConfig(text, { file: 'fuzz.yaml', hostname: 'fuzz-host', ...(node !== undefined ? { node } : {}) });
  if (r.ok) {
    expect(Object.isFrozen(r.config)).toBe(true);
    expect(typeof r.config.node).toBe('string');
    return true;
  }
  expect(r.errors.length).toBeGreaterThan(0);
  const lines = text.split('\n').length;
  let prev: [number, number] = [0, 0];
  for (const e of r.errors) {
    expect(e.file).toBe('fuzz.yaml');
    expect(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines + 1).toBe(true);
    expect(Number.isInteger(e.column) && e.column >= 1).toBe(true);
    expect(typeof e.path === 'string' && e.path.length > 0).toBe(true);
    expect(typeof e.message === 'string' && e.message.length > 0).toBe(true);
    expect(e.line > prev[0] || (e.line === prev[0] && e.column >= prev[1])).toBe(true);
    prev = [e.line, e.column];
  }
  return true;
}

// ----- data-level mutations ------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Seg = string | number;

/** Every path into a value, parents before children. */
function paths(v: unknown, prefix: Seg[] = [], out: Seg[][] = []): Seg[][] {
  const children: [Seg, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : v !== null && typeof v === 'object'
      ? Object.entries(v)
      : [];
  for (const [seg, child] of children) {
    out.push([...prefix, seg]);
    paths(child, [...prefix, seg], out);
  }
  return out;
}

function parentOf(root: unknown, path: Seg[]): { parent: Record<string | number, unknown>; key: Seg } | undefined {
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  if (cur === null || typeof cur !== 'object') return undefined;
  return { parent: cur as Record<string | number, unknown>, key: path[path.length - 1] as Seg };
}

/** Values the schema or the cross-field rules care about: right type, wrong meaning, or wrong type. */
const plausible = fc.constantFrom<Json>(
  '192.0.2.10',
  '192.0.2.10/24',
  '192.0.2.10/24 dev eth1 label eth1:x',
  '2001:db8::10',
  '2001:db8::10/64',
  '198.51.100.11',
  '224.0.0.18',
  'ff02::12',
  '127.0.0.1:9712',
  'eth0',
  'eth1',
  'VI_WEB',
  'VI_1',
  'VI_V6',
  'VG_1',
  'VG_NAT',
  'chk_uplink',
  'chk_nginx',
  'lvs1',
  'lvs2',
  'tcp',
  'udp',
  'sctp',
  'http',
  'https',
  'exec',
  'dns',
  'smtp',
  'dr',
  'nat',
  'tun',
  'gue',
  'ipip',
  'gre',
  'remcsum',
  'csum',
  'sh',
  'mh',
  'wlc',
  'sh-port',
  'mh-fallback',
  'flag-3',
  'MASTER',
  'BACKUP',
  'master',
  'auto',
  'sip',
  'PASS',
  '/usr/bin/true',
  '1.0',
  '200-299',
  '00 ??',
  0,
  1,
  2,
  3,
  24,
  33,
  80,
  255,
  256,
  300,
  8080,
  65535,
  65536,
  -1,
  0.5,
  50,
  true,
  false,
  null,
  [],
  {},
  ['/bin/true'],
  ['VI_WEB', 'VI_WEB'],
  { name: 'eth0', weight: -10 },
  { type: 'tcp' },
  { type: 'udp', require_reply: false, expected_reply: '00' },
  { address: '2001:db8::99' },
  { address: '198.51.100.77', port: 8080 },
  { type: 'gue' },
);

const randomValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: plausible },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const mutation = fc.record({
  op: fc.constantFrom('delete', 'replace', 'replace', 'rename', 'duplicate', 'wrap'),
  pick: fc.nat(),
  value: randomValue,
  key: fc.oneof(
    fc.constantFrom('port', 'address', 'priority', 'fwmark', 'tunnel', 'persistence', 'checks', 'nodes'),
    fc.string({ maxLength: 10 }),
  ),
});

function mutate(base: unknown, muts: { op: string; pick: number; value: Json; key: string }[]): unknown {
  const root = { root: structuredClone(base) };
  for (const m of muts) {
    const all = [['root'] as Seg[], ...paths(root.root).map((p) => ['root', ...p] as Seg[])];
    const path = all[m.pick % all.length] as Seg[];
    const at = parentOf(root, path);
    if (!at) continue;
    const { parent, key } = at;
    const isArray = Array.isArray(parent);
    switch (m.op) {
      case 'delete':
        if (isArray) (parent as unknown[]).splice(key as number, 1);
        else if (key !== 'root') delete parent[key];
        break;
      case 'replace':
        parent[key] = structuredClone(m.value);
        break;
      case 'rename':
        if (!isArray && key !== 'root' && m.key !== '__proto__') {
          parent[m.key] = parent[key];
          delete parent[key];
        }
        break;
      case 'duplicate':
        if (isArray) (parent as unknown[]).splice(key as number, 0, structuredClone(parent[key]));
        break;
      case 'wrap':
        parent[key] = [parent[key]];
        break;
    }
  }
  return root.root;
}

// ----- text-level mutations ------------------------------------------------------------------------------------

const yamlNoise = fc.oneof(
  fc.constantFrom(
    ':',
    ': ',
    '- ',
    '[',
    ']',
    '{',
    '}',
    ',',
    '&a ',
    '*a',
    '*nope',
    '!tag ',
    '!!str ',
    '? ',
    '|',
    '>',
    '#',
    '"',
    "'",
    '\t',
    '\n',
    '  ',
    '%YAML 1.1\n',
    '---\n',
    '...\n',
    '<<: ',
    '@',
    '`',
    '\\',
    '\u0000',
    '\uFEFF',
  ),
  fc.string({ maxLength: 6 }),
);

const textMutation = fc.record({
  op: fc.constantFrom('truncate', 'cut', 'insert', 'dupline', 'indent', 'dedent'),
  pos: fc.nat(),
  len: fc.nat({ max: 40 }),
  noise: yamlNoise,
});

function mutateText(text: string, muts: { op: string; pos: number; len: number; noise: string }[]): string {
  let t = text;
  for (const m of muts) {
    const p = t.length === 0 ? 0 : m.pos % t.length;
    const lines = t.split('\n');
    const li = lines.length === 0 ? 0 : m.pos % lines.length;
    switch (m.op) {
      case 'truncate':
        t = t.slice(0, p);
        break;
      case 'cut':
        t = t.slice(0, p) + t.slice(p + m.len);
        break;
      case 'insert':
        t = t.slice(0, p) + m.noise + t.slice(p);
        break;
      case 'dupline':
        lines.splice(li, 0, lines[li] ?? '');
        t = lines.join('\n');
        break;
      case 'indent':
        lines[li] = `${' '.repeat((m.len % 5) + 1)}${lines[li] ?? ''}`;
        t = lines.join('\n');
        break;
      case 'dedent':
        lines[li] = (lines[li] ?? '').replace(/^ {1,2}/, '');
        t = lines.join('\n');
        break;
    }
  }
  return t;
}

// ----- the properties ------------------------------------------------------------------------------------------

describe('loadConfig never crashes and always positions its errors', () => {
  const example = fc.nat({ max: TEXTS.length - 1 });
  const node = fc.constantFrom(...NODES);

  it(
    'examples with deleted keys, renamed keys and values of the wrong type (1200 runs)',
    () => {
      fc.assert(
        fc.property(example, fc.array(mutation, { minLength: 1, maxLength: 4 }), node, (i, muts, n) => {
          const value = mutate(VALUES[i], muts);
          return wellBehaved(stringify(value, { aliasDuplicateObjects: false }), n);
        }),
        runs(1200),
      );
    },
    60_000 * SCALE,
  );

  it(
    'examples with one leaf set to a plausible value, mostly reaching the cross-field rules (800 runs)',
    () => {
      fc.assert(
        fc.property(example, fc.nat(), plausible, node, (i, pick, v, n) => {
          const value = structuredClone(VALUES[i]);
          const leaves = paths(value).filter((p) => {
            const at = parentOf(value, p);
            const x = at?.parent[at.key];
            return x === null || typeof x !== 'object';
          });
          const at = parentOf(value, leaves[pick % leaves.length] as Seg[]);
          if (at) at.parent[at.key] = structuredClone(v);
          return wellBehaved(stringify(value, { aliasDuplicateObjects: false }), n);
        }),
        runs(800),
      );
    },
    60_000 * SCALE,
  );

  it(
    'examples with broken text: truncation, stray punctuation, bad indentation (1200 runs)',
    () => {
      fc.assert(
        fc.property(example, fc.array(textMutation, { minLength: 1, maxLength: 3 }), node, (i, muts, n) =>
          wellBehaved(mutateText(TEXTS[i] as string, muts), n),
        ),
        runs(1200),
      );
    },
    60_000 * SCALE,
  );

  it(
    'random YAML documents (600 runs)',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }),
            fc.dictionary(
              fc.constantFrom('global', 'vrrp_instances', 'virtual_servers', 'nodes', 'lvs_sync_daemon', 'control'),
              fc.jsonValue({ maxDepth: 3 }),
            ),
          ),
          fc.boolean(),
          (v, flow) => wellBehaved(flow ? JSON.stringify(v) : stringify(v)),
        ),
        runs(600),
      );
    },
    60_000 * SCALE,
  );

  it(
    'random strings and bytes (600 runs)',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
            fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
            fc.array(yamlNoise, { maxLength: 30 }).map((a) => a.join('')),
          ),
          (text) => wellBehaved(text),
        ),
        runs(600),
      );
    },
    60_000 * SCALE,
  );

  it('ran at least 3000 configs', () => {
    expect(loads).toBeGreaterThanOrEqual(3000);
  });
});
