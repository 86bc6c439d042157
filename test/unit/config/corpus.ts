/** Helpers for the invalid-config corpus: each `fixtures/invalid/NAME.yaml` has its exact expected errors in `NAME.expected`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';

export const INVALID_DIR = join(import.meta.dirname, 'fixtures', 'invalid');

export function invalidCases(): string[] {
  return readdirSync(INVALID_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Loads a corpus file and returns its errors as printed by `lvsd check`. A first line `# test: node=X hostname=Y`
 * sets the load options; the hostname defaults to `test-host`.
 */
export function runCase(name: string): { ok: boolean; lines: string[] } {
  const text = readFileSync(join(INVALID_DIR, `${name}.yaml`), 'utf8');
  const directive = /^# test:(.*)$/m.exec(text.split('\n')[0] ?? '');
  const opts: Record<string, string> = {};
  for (const kv of (directive?.[1] ?? '').trim().split(/\s+/).filter(Boolean)) {
    const [k, v] = kv.split('=');
    if (k && v) opts[k] = v;
  }
  const result = loadConfig(text, {
    file: `${name}.yaml`,
    hostname: opts.hostname ?? 'test-host',
    ...(opts.node !== undefined ? { node: opts.node } : {}),
  });
  return { ok: result.ok, lines: result.ok ? [] : result.errors.map(formatConfigError) };
}

export function expectedLines(name: string): string[] {
  return readFileSync(join(INVALID_DIR, `${name}.expected`), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}
