/**
 * Loads one of lvsd's native addons (src/native/*.cc, built by node-gyp into build/Release). The directory is
 * found by walking up from this module to the package root (package.json beside binding.gyp); LVSD_ADDON_DIR names
 * it instead, for code bundled outside the package (the benchmarks).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon `name` (`vrrp_socket`, `tcp_probe`); throws with the command to build it when it is missing. */
export function loadAddon<T>(name: string): T {
  const require = createRequire(import.meta.url);
  let dir = process.env['LVSD_ADDON_DIR'];
  if (dir === undefined || dir === '') {
    dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) break;
      const up = dirname(dir);
      if (up === dir) throw new Error('lvsd native addon: package root (binding.gyp) not found; run `npm run build:native`');
      dir = up;
    }
    dir = join(dir, 'build', 'Release');
  }
  const file = join(dir, `${name}.node`);
  if (!existsSync(file)) throw new Error(`lvsd native addon not built (${file}); run \`npm run build:native\``);
  return require(file) as T;
}
