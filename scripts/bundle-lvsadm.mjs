#!/usr/bin/env node
/**
 * Build step (run by `npm run build` after tsc): replaces dist/src/cli/lvsadm.js, tsc's entry
 * point that imports ~60 modules one by one, with a single-file esbuild bundle of the same
 * sources. lvsadm is a short-lived command, run once per ipvsadm-style invocation, and resolving,
 * reading and compiling dozens of ES modules is most of its start-up: measured in the kernel lab
 * (qemu TCG, root over 9p) `lvsadm -v` took 2.6 s from the tsc output and about 1 s bundled, with
 * `node -e 0` at 0.5 s. npm packages (the `netlink` native addon) stay external and resolve from
 * node_modules as before; node built-ins that only some commands need are imported lazily by the
 * sources themselves. The rest of dist/ (lvsd, the library modules) keeps tsc's per-file output.
 */
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
// An other output path may be given (experiments); it must be inside the project so that the
// external packages resolve from its node_modules.
const outfile = process.argv[2] ?? `${root}dist/src/cli/lvsadm.js`;

await build({
  entryPoints: [`${root}src/cli/lvsadm.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
