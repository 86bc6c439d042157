import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfig } from '../../../src/config/index.js';
import { parseSource, plainJsonKeys } from '../../../src/config/source.js';

// JSON text takes a fast path (JSON.parse, the YAML document built only for error positions); a trailing YAML
// comment makes the same text invalid JSON, so it goes the YAML way: both must give the same result.
const viaYaml = (json: string) => `${json}\n# yaml`;

function outcome(text: string): unknown {
  const r = loadConfig(text, { file: 't.json', hostname: 'test-host' });
  return r.ok ? { ok: true, config: r.config } : { ok: false, errors: r.errors.map(formatConfigError) };
}

const vs = (realServers: string) =>
  `{"virtual_servers": [{"name": "web", "address": "192.0.2.10", "port": 80, "protocol": "tcp", "scheduler": "rr",
    "real_servers": [${realServers}]}]}`;

describe('config: JSON text', () => {
  const cases: Record<string, string> = {
    valid: vs('{"address": "198.51.100.1", "port": 80, "checks": [{"type": "http", "path": "/h\\u0065alth"}]}'),
    'schema error': vs('{"address": "198.51.100.1", "port": "eighty"}'),
    'duplicate key': vs('{"address": "198.51.100.1", "port": 80, "port": 81}'),
    'duplicate key spelt with an escape': vs('{"address": "198.51.100.1", "port": 80, "p\\u006frt": 81}'),
    __proto__: vs('{"address": "198.51.100.1", "port": 80, "__proto__": {}}'),
    'rule error': vs('{"address": "198.51.100.1", "port": 80}, {"address": "198.51.100.1", "port": 80}'),
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`loads as YAML would: ${name}`, () => {
      expect(outcome(text)).toEqual(outcome(viaYaml(text)));
    });
  }

  it('reports errors with YAML positions', () => {
    const r = loadConfig(cases['duplicate key'] as string, { file: 't.json', hostname: 'test-host' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map(formatConfigError).join('\n')).toMatch(/^t\.json:2:\d+: .*duplicate key 'port'/m);
  });

  it('leaves to YAML what JSON.parse would read differently', () => {
    expect(plainJsonKeys('{"a": {"b": 1}, "c": [{"b": 2}, {"b": 3}], "s": "{\\"a\\": 1, \\"a\\": 2}"}')).toBe(true);
    expect(plainJsonKeys('{"a": 1, "b": {"a": 1, "a": 2}}')).toBe(false);
    expect(plainJsonKeys('{"<<": {"a": 1}}')).toBe(false);
    expect(plainJsonKeys('{"__proto__": 1}')).toBe(false);
    // "<<" goes the YAML way, to be safe about merge keys: quoted, it is a plain key there too.
    const text = '{"base": {"a": 1}, "x": {"<<": {"a": 2}, "b": 3}}';
    expect(parseSource(text).value).toEqual(JSON.parse(text));
  });
});
