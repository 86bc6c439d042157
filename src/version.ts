import { readFileSync } from 'node:fs';

/**
 * The version as lvsd's bundle knows it: scripts/bundle-cli.mjs replaces this line with package.json's version at
 * build time (the bundle, dist/src/cli/lvsd-main.cjs, is where the paths below miss package.json, and a short
 * command need not read it). Undefined everywhere else.
 */
const BUNDLED_VERSION: string | undefined = undefined;

/** lvsd's version, read once from package.json (works from src/ under vitest and from dist/src/). */
export const VERSION: string =
  BUNDLED_VERSION ??
  (() => {
    for (const rel of ['../package.json', '../../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'lvsd' && pkg.version) return pkg.version;
      } catch {
        // try the next candidate
      }
    }
    return '0.0.0';
  })();
