#!/usr/bin/env node
/**
 * Build step (run by `npm run build` after tsc): lvsadm's executable, dist/src/cli/lvsadm.cjs, from
 * a single-file esbuild bundle of src/cli/lvsadm.ts and what it imports (tsc does not emit that
 * entry point, see tsconfig.build.json). lvsadm is a short-lived command, run once per ipvsadm-style invocation, and resolving,
 * reading and compiling dozens of ES modules is most of its start-up: measured in the kernel lab
 * (qemu TCG, root over 9p) `lvsadm -v` took 2.6 s from the tsc output and about 1 s bundled, with
 * `node -e 0` at 0.5 s. npm packages (the `netlink` native addon) stay external and resolve from
 * node_modules as before; node built-ins that only some commands need are imported lazily by the
 * sources themselves. The rest of dist/ (lvsd, the library modules) keeps tsc's per-file output.
 *
 * Three files come out:
 *   lvsadm-main.cjs        the bundle, as CommonJS (no ES module linking, no CommonJS-in-ESM
 *                          translation)
 *   lvsadm-main.cjs.cache  V8's code cache of it (bytecode: compiling 170 KB of JavaScript is a
 *                          noticeable part of the start-up under emulation), made here with the
 *                          same node binary; V8 checks it (version, flags, source hash) and
 *                          silently compiles from source when it does not fit
 *   lvsadm.cjs             the entry point (the `bin`): a few lines of CommonJS that compile the
 *                          bundle with its cache through vm.Script and run it like CommonJS's
 *                          loader would. CommonJS rather than an ES module stub: in the kernel lab
 *                          the ES module loader alone added 0.1-0.2 s to every start.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
// An other output path may be given (experiments); it must be inside the project so that the
// external packages resolve from its node_modules.
const outfile = process.argv[2] ?? `${root}dist/src/cli/lvsadm.cjs`;
const bundleFile = join(dirname(outfile), `${basename(outfile, '.cjs')}-main.cjs`);

/**
 * The `netlink` package's socket class (netlink/dist/raw.js, a few dozen lines) goes into the bundle, and the native
 * addon it loads through node-gyp-build is required by its path, resolved here with node-gyp-build's own rules and
 * kept relative to the bundle: no node_modules resolution and no prebuild directory search at every start (about
 * 0.1 s of lvsadm's start-up in the kernel lab). The sources load the class with createRequire (see
 * src/netlink/socket-transport.ts), which esbuild cannot follow; that one line becomes a plain require here.
 */
const requireHere = createRequire(import.meta.url);
const netlinkRaw = requireHere.resolve('netlink/dist/raw.js');
const netlinkAddon = requireHere('node-gyp-build').resolve(dirname(dirname(netlinkRaw)));
const SOCKET_TRANSPORT_LOAD = "createRequire(import.meta.url)('netlink/dist/raw.js')";
const BUNDLED_ADDON_DIR = 'const BUNDLED_ADDON_DIR: string | undefined = undefined;';
const netlinkInBundle = {
  name: 'netlink-in-bundle',
  setup(b) {
    b.onLoad({ filter: /src[\\/]netlink[\\/]socket-transport\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(SOCKET_TRANSPORT_LOAD)) throw new Error(`${args.path}: "${SOCKET_TRANSPORT_LOAD}" not found`);
      return { contents: text.replace(SOCKET_TRANSPORT_LOAD, "require('netlink/dist/raw.js')"), loader: 'ts' };
    });
    // lvsd's own addons (netlink_exchange) from build/Release, found the same way (src/native/addon.ts).
    b.onLoad({ filter: /src[\\/]native[\\/]addon\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(BUNDLED_ADDON_DIR)) throw new Error(`${args.path}: "${BUNDLED_ADDON_DIR}" not found`);
      const fromBundle = relative(dirname(bundleFile), `${root}build/Release`);
      const line = `const BUNDLED_ADDON_DIR: string | undefined = __dirname + ${JSON.stringify(`/${fromBundle}`)};`;
      return { contents: text.replace(BUNDLED_ADDON_DIR, line), loader: 'ts' };
    });
    b.onResolve({ filter: /^netlink\/dist\/raw\.js$/ }, () => ({ path: netlinkRaw }));
    b.onResolve({ filter: /^node-gyp-build$/ }, (args) =>
      args.importer === netlinkRaw ? { path: 'addon', namespace: 'netlink-addon' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'netlink-addon' }, () => ({
      // raw.js calls it with its package directory: the answer was found at build time.
      contents: `module.exports = () => require(__dirname + ${JSON.stringify(`/${relative(dirname(bundleFile), netlinkAddon)}`)});`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [`${root}src/cli/lvsadm.ts`],
  plugins: [netlinkInBundle],
  outfile: bundleFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  // createRequire() takes a path as well as a URL: no node:url at start-up.
  define: { 'import.meta.url': '__filename' },
  // import() of a built-in becomes require(): vm.Script code has no dynamic-import callback.
  supported: { 'dynamic-import': false },
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// The hashbang esbuild keeps from the source would be a syntax error inside the wrapper below;
// it becomes a comment (same lines: the source map still fits).
const bundled = readFileSync(bundleFile, 'utf8');
if (bundled.startsWith('#!')) writeFileSync(bundleFile, `//${bundled.slice(2)}`);

/**
 * How the entry point wraps the bundle (CommonJS's own wrapper); the code cache is made from, and
 * only valid for, exactly this text.
 */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

// The cache is made in a child process started like lvsadm (no extra V8 flags, which would
// change the flag hash V8 checks the cache against), without running the bundle.
const made = spawnSync(
  process.execPath,
  [
    '-e',
    `const fs = require('node:fs'), vm = require('node:vm');
     const file = process.argv[1];
     const source = ${JSON.stringify(WRAP_HEAD)} + fs.readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)};
     fs.writeFileSync(file + '.cache', new vm.Script(source, { filename: file }).createCachedData());`,
    bundleFile,
  ],
  { stdio: 'inherit' },
);
if (made.status !== 0) throw new Error(`making the code cache of ${bundleFile} failed (${made.status})`);

const cjsName = basename(bundleFile);
writeFileSync(
  outfile,
  `#!/usr/bin/env node
// lvsadm's entry point, written by scripts/bundle-lvsadm.mjs: runs the CommonJS bundle ${cjsName}
// (the sources: src/cli/lvsadm.ts) compiled with its V8 code cache ${cjsName}.cache, if it fits.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');
const file = \`\${__dirname}/${cjsName}\`;
let cachedData;
try {
  cachedData = readFileSync(\`\${file}.cache\`);
} catch {}
const source = ${JSON.stringify(WRAP_HEAD)} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)};
const run = new Script(source, { filename: file, cachedData }).runInThisContext();
const main = { exports: {}, filename: file, id: file, loaded: false };
run.call(main.exports, main.exports, require('node:module').createRequire(file), main, file, __dirname);
`,
);
chmodSync(outfile, 0o755);
