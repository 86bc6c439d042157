/**
 * Loads one of lvsd's native addons (src/native/*.cc, built by node-gyp into build/Release of the lvsd package).
 * Where: LVSD_ADDON_DIR when set (code bundled outside the package, e.g. the benchmarks); else the package found by
 * walking up from this module, or, when this code runs from a CommonJS bundle that has no import.meta.url (the test
 * labs' helper processes), from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lvsd package directory at or above `from` (package.json named lvsd, beside binding.gyp). */
function lvsdPackageAbove(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && existsSync(join(dir, 'binding.gyp'))) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'lvsd') return dir;
      } catch {
        // not a readable manifest: keep looking
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The addon directory as the commands' bundles (lvsadm's, lvsd's) know it: scripts/bundle-cli.mjs replaces
 * this line with the path from the bundle's directory, worked out at build time, so that a short command does
 * not search for the package at every start. Undefined everywhere else.
 */
const BUNDLED_ADDON_DIR: string | undefined = undefined;

/** The directory holding the built addons. */
function addonDir(): string {
  const fromEnv = process.env.LVSD_ADDON_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (BUNDLED_ADDON_DIR !== undefined) return BUNDLED_ADDON_DIR;
  const url = (import.meta as { url?: string }).url;
  // A bundle may define import.meta.url as its __filename, a path (the commands', scripts/bundle-cli.mjs).
  const here = url === undefined || url === '' ? undefined : url.startsWith('file:') ? fileURLToPath(url) : url;
  const root = (here ? lvsdPackageAbove(dirname(here)) : undefined) ?? lvsdPackageAbove(process.cwd());
  if (root === undefined)
    throw new Error('lvsd native addon: the lvsd package (binding.gyp) not found; set LVSD_ADDON_DIR or run from the package');
  return join(root, 'build', 'Release');
}

/** The addon `name` (`vrrp_socket`, `tcp_probe`); throws with the command to build it when it is missing. */
export function loadAddon<T>(name: string): T {
  const file = join(addonDir(), `${name}.node`);
  if (!existsSync(file)) throw new Error(`lvsd native addon not built (${file}); run \`npm run build:native\``);
  return createRequire(file)(file) as T;
}
