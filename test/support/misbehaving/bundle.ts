/**
 * Bundles a TypeScript entry point (and everything it imports, undici included) into one CommonJS file that
 * plain `node` runs: for processes started outside vitest, e.g. inside lab namespaces. Uses the esbuild that
 * vitest (vite) brings along.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Entry points that can be bundled, relative to this directory. */
export const ENTRIES = {
  serve: fileURLToPath(new URL('./serve.ts', import.meta.url)),
  checkRunner: fileURLToPath(new URL('./check-runner.ts', import.meta.url)),
} as const;

/** A directory of bundles; remove() deletes it. */
export interface Bundles {
  readonly files: Record<keyof typeof ENTRIES, string>;
  remove(): void;
}

/** Bundles every entry into a fresh temporary directory. */
export async function bundleAll(): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bundle-'));
  const files = {} as Record<keyof typeof ENTRIES, string>;
  for (const [name, entry] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]) {
    const outfile = join(dir, `${name}.cjs`);
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
    files[name] = outfile;
  }
  return { files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
