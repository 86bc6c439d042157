import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastYamlValue, resolvePlain } from '../../../src/config/fast-yaml.js';
import { parseWithLibrary } from '../../../src/config/source.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The property the loader relies on: the fast reader either declines (undefined) or gives exactly the value the
 * YAML library gives, and only for text the library reads without any problem.
 */
function agreesWithLibrary(text: string): { fast: unknown; library: unknown } {
  const fast = fastYamlValue(text);
  const lib = parseWithLibrary(text);
  if (fast !== undefined) {
    expect(lib.problems, `the library has problems with a text the fast reader accepted:\n${text}`).toEqual([]);
    expect(fast, `different values for:\n${text}`).toStrictEqual(lib.value);
  }
  return { fast, library: lib.value };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : yamlFiles(path);
    return name.endsWith('.yaml') || name.endsWith('.yml') ? [path] : [];
  });
}

describe('config: fast YAML reader', () => {
  it('reads every conf/ example itself, as the library does', () => {
    const files = yamlFiles(join(ROOT, 'conf'));
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const { fast } = agreesWithLibrary(readFileSync(file, 'utf8'));
      expect(fast, file).toBeDefined();
    }
  });

  it('agrees with the library on every YAML file of the test suites (or leaves it to it)', () => {
    for (const file of yamlFiles(join(ROOT, 'test'))) agreesWithLibrary(readFileSync(file, 'utf8'));
  });

  it('resolves plain scalars by the YAML 1.2 core schema', () => {
    const cases: [string, unknown][] = [
      ['', null],
      ['~', null],
      ['Null', null],
      ['TRUE', true],
      ['False', false],
      ['yes', 'yes'],
      ['0x1F', 31],
      ['0o17', 15],
      ['0b1', '0b1'],
      ['+12', 12],
      ['-0', -0],
      ['1_000', '1_000'],
      ['1e3', 1000],
      ['1.', 1],
      ['.5', 0.5],
      ['-.INF', -Infinity],
      ['.NaN', Number.NaN],
      ['10.0.0.1', '10.0.0.1'],
      ['2001:db8::1', '2001:db8::1'],
    ];
    for (const [text, value] of cases) expect(resolvePlain(text), text).toStrictEqual(value);
  });

  const accepted: Record<string, string> = {
    'nested maps and sequences': 'a:\n  b: 1\n  c:\n    - x\n    - y: 2\n      z: [1, "two", { k: v }]\nd: ~\n',
    'a sequence at its key indentation': 'list:\n- a\n- b: 1\n  c: 2\nnext: 3\n',
    'comments and blank lines': '# head\n---\na: 1 # one\n\n  # indented comment\nb: "x # not a comment"\nc: a#b\n',
    'quotes and escapes': `a: 'it''s'\nb: "tab\\tq\\" \\u00e9 \\x41"\n"c": 1\n'd e': 2\n`,
    'IPv6 and URLs': 'a: ::1\nb: 2001:db8::10\nc: http://h:80/p?q=1\nd: [fe80::1, 10.0.0.1]\n',
    'empty values': 'a:\nb: ""\nc: []\nd: {}\ne:\n  -\n  - x\n',
    'top level indented': '  a: 1\n  b: 2\n',
  };
  for (const [name, text] of Object.entries(accepted)) {
    it(`reads ${name}`, () => {
      expect(agreesWithLibrary(text).fast).toBeDefined();
    });
  }

  const declined: Record<string, string> = {
    anchor: 'a: &x 1\nb: *x\n',
    'merge key': 'a: {k: 1}\nb:\n  <<: {k: 2}\n',
    tag: 'a: !!str 1\n',
    'block scalar': 'a: |\n  text\n',
    'multi-line plain scalar': 'a: one\n  two\n',
    'multi-line flow': 'a: [1,\n  2]\n',
    'duplicate key': 'a: 1\na: 2\n',
    __proto__: '__proto__: 1\n',
    tab: 'a:\t1\n',
    CRLF: 'a: 1\r\nb: 2\r\n',
    'two documents': 'a: 1\n---\nb: 2\n',
    'a directive': '%YAML 1.2\n---\na: 1\n',
    'numeric key': '80: http\n',
    'key without a blank after the colon': 'a:1\n',
    'a mapping value': 'a: b: c\n',
    'a sequence at the top': '- a\n',
    'a scalar document': 'just text\n',
    'bad indentation': 'a:\n    b: 1\n  c: 2\n',
    'unclosed quote': 'a: "x\n',
    'trailing comma': 'a: [1, 2, ]\n',
    'long key': `${'k'.repeat(1100)}: 1\n`,
    'empty text': '',
  };
  for (const [name, text] of Object.entries(declined)) {
    it(`leaves to the library: ${name}`, () => {
      expect(agreesWithLibrary(text).fast).toBeUndefined();
    });
  }

  it('agrees with the library on generated documents, and on their mutations', () => {
    const scalarTexts = [
      ...['', 'null', '~', 'True', 'false', '0x1F', '0o7', '1e3', '.inf', '-.INF', '.NaN', '+12', '-0', '007', '1_000'],
      ...['2001:db8::1', '::1', 'fe80::', 'a: b', 'a #b', 'a#b', '#x', '- x', '-x', '-', ':x', '?x', '? x', '[x', '{x'],
      ...['&a', '*a', '!t', '|', '>', '%x', '@x', '`x', '"q"', "'q'", "it's", 'x:', 'é', '💥', ' lead', 'trail ', 'a  b'],
      ...[',', 'a,b', '[a, b]', 'a]', 'a}', '{a: 1}', 'a\\nb', '\\', 'a"b', 'http://x:1/', '10.0.0.1', '1.', '.5', '<<'],
      ...['__proto__', 'k', 'key_2', 'a.b', 'a-b', '--', '---', '...', 'x y', 'v #'],
    ];
    const scalar = fc.constantFrom(...scalarTexts);
    const key = fc.constantFrom('a', 'b', 'name', 'port', 'real_servers', '80', 'true', '<<', '__proto__', 'x y', '"q"', "'s'", 'a:b');
    const style = fc.constantFrom<'plain' | 'double' | 'single'>('plain', 'plain', 'double', 'single');
    const written = fc
      .tuple(scalar, style)
      .map(([s, st]) => (st === 'plain' ? s : st === 'double' ? JSON.stringify(s) : `'${s.replaceAll("'", "''")}'`));
    type Tree = string | { map: [string, Tree][] } | { seq: Tree[] } | { flow: string[] };
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        written,
        fc.record({ map: fc.array(fc.tuple(key, tie('tree')), { minLength: 1, maxLength: 4 }) }),
        fc.record({ seq: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ flow: fc.array(written, { maxLength: 3 }) }),
      ),
    }));
    const render = (t: Tree, indent: string, step: string, seqAtKeyIndent: boolean): string[] => {
      if (typeof t === 'string') return [t];
      if ('flow' in t) return [`[${t.flow.join(', ')}]`];
      if ('map' in t) {
        return t.map.flatMap(([k, v]) => {
          const inner = render(v, `${indent}${step}`, step, seqAtKeyIndent);
          if (typeof v === 'string' || 'flow' in v) return [`${indent}${k}: ${inner[0]}`];
          if ('seq' in v && seqAtKeyIndent) return [`${indent}${k}:`, ...render(v, indent, step, seqAtKeyIndent)];
          return [`${indent}${k}:`, ...inner];
        });
      }
      return t.seq.flatMap((v) => {
        if (typeof v === 'string' || 'flow' in v) return [`${indent}- ${render(v, '', step, seqAtKeyIndent)[0]}`];
        const inner = render(v, `${indent}  `, step, seqAtKeyIndent);
        // A mapping item starts on the dash's line (compact form), a nested sequence below it.
        if ('map' in v) return [`${indent}- ${(inner[0] as string).trimStart()}`, ...inner.slice(1)];
        return [`${indent}-`, ...inner];
      });
    };
    const mutation = fc.oneof(
      fc.constant<(lines: string[]) => string[]>((l) => l),
      fc.nat().map((n) => (l: string[]) => l.toSpliced(n % (l.length + 1), 0, '# comment', '')),
      fc.nat().map((n) => (l: string[]) => l.map((x, i) => (i === n % l.length ? ` ${x}` : x))),
      fc.nat().map((n) => (l: string[]) => l.map((x, i) => (i === n % l.length ? x.slice(1) : x))),
      fc.nat().map((n) => (l: string[]) => l.map((x, i) => (i === n % l.length ? `${x} # c` : x))),
      fc.nat().map((n) => (l: string[]) => l.toSpliced(n % l.length, 0, l[n % l.length] as string)),
    );
    fc.assert(
      fc.property(
        fc.record({ map: fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 4 }) }),
        fc.constantFrom('  ', '    '),
        fc.boolean(),
        mutation,
        (doc, step, seqAtKeyIndent, mutate) => {
          const lines = mutate(render(doc, '', step, seqAtKeyIndent));
          agreesWithLibrary(`${lines.join('\n')}\n`);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
