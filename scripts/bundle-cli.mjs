#!/usr/bin/env node
/**
 * Build step (run by `npm run build` after tsc): the executables of lvsd's two commands, each from a single-file
 * esbuild bundle of its entry point and what that imports (tsc does not emit those entry points, see
 * tsconfig.build.json). Both are started far more often than they run long: lvsadm once per ipvsadm-style invocation,
 * lvsd by every `check`, by the tests and by each daemon start. Resolving, reading and compiling dozens of ES modules
 * is most of their start-up: in the kernel lab (qemu TCG, root over 9p) `lvsadm -v` took 2.6 s from the tsc output
 * and about 1 s bundled, with `node -e 0` at 0.5 s; loading lvsd's daemon modules (`lvsd run --help`) went from 9.3 s
 * to 6.4 s (medians of 12, another lab running); most of what remained were the yaml and zod packages (about 1 s
 * and 1.5 s to require there), now in the bundle too. The other npm packages stay external and resolve from
 * node_modules as before (but for the `netlink` socket class, below); node built-ins that only some commands need
 * are imported lazily by the sources themselves, and so are lvsd's subcommands (./check.js, ./run.js, ./genhash.js: esbuild turns those dynamic imports
 * into requires of code that runs only when asked for). The rest of dist/ (the library modules and lvsd's subcommand
 * modules, which the tests import) keeps tsc's per-file output.
 *
 * Usage: node scripts/bundle-cli.mjs [lvsadm|lvsd [OUTFILE]]   (no argument: both)
 * OUTFILE (experiments) replaces the command's .cjs entry point; it must be inside the project, so that the external
 * packages resolve from its node_modules.
 *
 * Per command NAME, in dist/src/cli/:
 *   NAME-main.cjs          the bundle, as CommonJS (no ES module linking, no CommonJS-in-ESM translation)
 *   NAME-main.cjs.cache    V8's code cache of it (bytecode: compiling a few hundred KB of JavaScript is a noticeable
 *                          part of the start-up under emulation), made here with the same node binary; V8 checks it
 *                          (version, flags, source hash) and silently compiles from source when it does not fit.
 *                          V8's flags are part of that check, so a command whose hashbang gives node options (lvsd's
 *                          --max-semi-space-size) gets a second cache, NAME-main.cjs.hashbang.cache, made with them:
 *                          `dist/src/cli/lvsd.js` runs with the hashbang's flags, `node dist/src/cli/lvsd.js` without.
 *   NAME.cjs               the CommonJS entry point: a few lines that compile the bundle with the cache that fits the
 *                          process's node options through vm.Script and run it like CommonJS's loader would.
 *                          CommonJS rather than an ES module: in the kernel lab the ES module loader alone added
 *                          0.1-0.2 s to every start. lvsadm's `bin`.
 *   lvsd.js                lvsd's `bin` (an ES module, as every .js of this package, and the path the tests and
 *                          scripts start): it only requires lvsd.cjs.
 *
 * The code cache holds what V8 compiled before it was made. Right after compiling that is little more than the
 * bundle's top level, and lvsd's subcommands (lazily loaded) are functions that V8 would compile at every start: lvsd's
 * cache is therefore made after running the bundle a few harmless times in the child that makes it (`--help`,
 * `run --help` to load the daemon's modules, `check` of an example config), with their output discarded.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * The commands. `warmUp`: argument lists the bundle runs with before its code cache is made (their output discarded;
 * each must end without side effects and without leaving anything running); `esmEntry`: an ES module entry point
 * beside the .cjs one, for a `bin` path that must stay a .js file.
 */
const COMMANDS = {
  lvsadm: { source: 'src/cli/lvsadm.ts', outfile: 'dist/src/cli/lvsadm.cjs', warmUp: [], esmEntry: undefined },
  lvsd: {
    source: 'src/cli/lvsd.ts',
    outfile: 'dist/src/cli/lvsd.cjs',
    warmUp: [['--help'], ['run', '--help'], ['check', '-c', `${root}conf/nat-pair.yaml`, '--node', 'lvs1']],
    esmEntry: 'lvsd.js',
  },
};

/**
 * The files of the bundles that use import.meta, which esbuild leaves empty in CommonJS, and why each is right in a
 * bundle. import.meta.url becomes the bundle's path (__filename, see the build options), which is only right for code
 * that wants a path anywhere in the package, not one relative to its own file. A new use fails the build until it is
 * checked and listed here.
 */
const IMPORT_META_USERS = {
  'src/netlink/socket-transport.ts': 'its one use is replaced (bundleFacts below)',
  'src/native/addon.ts': 'walks up from the path to the package, and takes a path; not reached: BUNDLED_ADDON_DIR is set',
  'src/version.ts': 'reads ../package.json from its own file, wrong from dist/src/cli/; not reached: BUNDLED_VERSION is set',
};

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
const BUNDLED_VERSION = 'const BUNDLED_VERSION: string | undefined = undefined;';

/** `text` with `marker` (which must be there) replaced. */
function replaceIn(path, text, marker, by) {
  if (!text.includes(marker)) throw new Error(`${path}: "${marker}" not found`);
  return text.replace(marker, by);
}

/** The plugin that puts netlink's socket class, and the paths of the native addons and the version, in a bundle. */
function bundleFacts(bundleFile) {
  const fromBundle = (path) => `/${relative(dirname(bundleFile), path)}`;
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  if (manifest.name !== 'lvsd' || typeof manifest.version !== 'string') throw new Error(`${root}package.json: not lvsd's`);
  return {
    name: 'bundle-facts',
    setup(b) {
      b.onLoad({ filter: /src[\\/]netlink[\\/]socket-transport\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        return { contents: replaceIn(args.path, text, SOCKET_TRANSPORT_LOAD, "require('netlink/dist/raw.js')"), loader: 'ts' };
      });
      // lvsd's own addons (netlink_exchange, vrrp_socket, tcp_probe) from build/Release, found the same way (src/native/addon.ts).
      b.onLoad({ filter: /src[\\/]native[\\/]addon\.ts$/ }, (args) => {
        const line = `const BUNDLED_ADDON_DIR: string | undefined = __dirname + ${JSON.stringify(fromBundle(`${root}build/Release`))};`;
        return { contents: replaceIn(args.path, readFileSync(args.path, 'utf8'), BUNDLED_ADDON_DIR, line), loader: 'ts' };
      });
      // The version (src/version.ts) as package.json says at build time: its paths from the source file do not fit
      // the bundle's directory, and a short command need not read package.json.
      b.onLoad({ filter: /src[\\/]version\.ts$/ }, (args) => {
        const line = `const BUNDLED_VERSION: string | undefined = ${JSON.stringify(manifest.version)};`;
        return { contents: replaceIn(args.path, readFileSync(args.path, 'utf8'), BUNDLED_VERSION, line), loader: 'ts' };
      });
      b.onResolve({ filter: /^netlink\/dist\/raw\.js$/ }, () => ({ path: netlinkRaw }));
      b.onResolve({ filter: /^node-gyp-build$/ }, (args) =>
        args.importer === netlinkRaw ? { path: 'addon', namespace: 'netlink-addon' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'netlink-addon' }, () => ({
        // raw.js calls it with its package directory: the answer was found at build time.
        contents: `module.exports = () => require(__dirname + ${JSON.stringify(fromBundle(netlinkAddon))});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * How the entry point wraps the bundle (CommonJS's own wrapper); the code cache is made from, and
 * only valid for, exactly this text.
 */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/** The node options of a source's hashbang (`#!/usr/bin/env node` or `#!/usr/bin/env -S node FLAGS`). */
function hashbangOf(path) {
  const line = readFileSync(path, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env (?:-S )?node((?: +-\S+)*) *$/.exec(line);
  if (!m) throw new Error(`${path}: the first line must be a hashbang running node, not "${line}"`);
  return { line, flags: m[1].split(' ').filter(Boolean) };
}

async function bundle(name, outfile) {
  const { source, warmUp, esmEntry } = COMMANDS[name];
  const bundleFile = join(dirname(outfile), `${basename(outfile, '.cjs')}-main.cjs`);
  const hashbang = hashbangOf(`${root}${source}`);

  const result = await build({
    entryPoints: [`${root}${source}`],
    plugins: [bundleFacts(bundleFile)],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // yaml and zod, pure JavaScript that every config load needs, go into the bundle: required from node_modules
    // they took about 1 s and 1.5 s of each start in the kernel lab (some 170 files over 9p). The others stay
    // external: pino (loaded by run only), undici (loaded lazily by https checks), netlink (see above).
    external: ['pino', 'pino/*', 'undici', 'undici/*', 'netlink', 'netlink/*'],
    // createRequire() takes a path as well as a URL: no node:url at start-up. See IMPORT_META_USERS.
    define: { 'import.meta.url': '__filename' },
    // import() becomes require(): vm.Script code has no dynamic-import callback (and lvsd's lazily loaded subcommands
    // become code in the bundle, run on first use).
    supported: { 'dynamic-import': false },
    metafile: true,
    absWorkingDir: root,
    write: false,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // import.meta in the code (comments aside) of files not checked yet fails the build before anything is written.
  const unchecked = [];
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input in IMPORT_META_USERS || !/\.[cm]?[jt]s$/.test(input) || !existsSync(`${root}${input}`)) continue;
    const { code } = await transform(readFileSync(`${root}${input}`, 'utf8'), { loader: /\.[cm]?ts$/.test(input) ? 'ts' : 'js' });
    if (/\bimport\.meta\b/.test(code)) unchecked.push(input);
  }
  if (unchecked.length > 0) {
    throw new Error(
      `${name}: import.meta in ${unchecked.join(', ')}: it is the bundle's path there (${relative(root, bundleFile)}); ` +
        'check what each use expects and list the file in IMPORT_META_USERS (scripts/bundle-cli.mjs)',
    );
  }
  for (const { path, text } of result.outputFiles) {
    // The hashbang esbuild keeps from the source would be a syntax error inside the wrapper below;
    // it becomes a comment (same lines: the source map still fits).
    writeFileSync(path, path === bundleFile && text.startsWith('#!') ? `//${text.slice(2)}` : text);
  }

  // One cache per set of node options the command is started with: none (`node FILE`), and its hashbang's. Each is
  // made in a child process started with exactly those options (others would change the flag hash V8 checks the
  // cache against); the child runs the bundle with the warm-up arguments first (output discarded), so that what
  // they compiled is in the cache too.
  const variants = [{ flags: [], cache: `${basename(bundleFile)}.cache` }];
  if (hashbang.flags.length > 0) variants.push({ flags: hashbang.flags, cache: `${basename(bundleFile)}.hashbang.cache` });
  for (const { flags, cache } of variants) {
    const made = spawnSync(
      process.execPath,
      [
        ...flags,
        '-e',
        `const fs = require('node:fs'), vm = require('node:vm'), { createRequire } = require('node:module');
         const [file, cacheFile, warmUp] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
         const source = ${JSON.stringify(WRAP_HEAD)} + fs.readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)};
         const script = new vm.Script(source, { filename: file });
         const save = () => fs.writeFileSync(cacheFile, script.createCachedData());
         if (warmUp.length === 0) save();
         else {
           process.stdout.write = process.stderr.write = () => true;
           let done = 0;
           const run = () => {
             process.argv = [process.argv[0], file, ...warmUp[done++]];
             const main = { exports: {}, filename: file, id: file, loaded: false };
             script.runInThisContext().call(main.exports, main.exports, createRequire(file), main, file, require('node:path').dirname(file));
           };
           // Each run's main() is asynchronous: the next one starts when the event loop has nothing left of it (from
           // the loop, which would not go round again for a run that only schedules promise jobs).
           process.on('beforeExit', () => {
             if (done < warmUp.length) setImmediate(run);
             else if (done++ === warmUp.length) {
               process.exitCode = 0;
               save();
             }
           });
           run();
         }`,
        bundleFile,
        join(dirname(bundleFile), cache),
        JSON.stringify(warmUp),
      ],
      { stdio: 'inherit' },
    );
    if (made.status !== 0) throw new Error(`making the code cache ${cache} failed (${made.status})`);
  }

  const cjsName = basename(bundleFile);
  // The caches, those made with more node options first: the first whose options the process was started with.
  const caches = variants.map(({ flags, cache }) => [flags, cache]).reverse();
  writeFileSync(
    outfile,
    `${hashbang.line}
// ${name}'s entry point, written by scripts/bundle-cli.mjs: runs the CommonJS bundle ${cjsName}
// (the sources: ${source}) compiled with its V8 code cache for the process's node options, if it fits.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');
const file = \`\${__dirname}/${cjsName}\`;
const caches = ${JSON.stringify(caches)};
const [, cache] = caches.find(([flags]) => flags.every((flag) => process.execArgv.includes(flag)));
let cachedData;
try {
  cachedData = readFileSync(\`\${__dirname}/\${cache}\`);
} catch {}
const source = ${JSON.stringify(WRAP_HEAD)} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)};
const run = new Script(source, { filename: file, cachedData }).runInThisContext();
const main = { exports: {}, filename: file, id: file, loaded: false };
run.call(main.exports, main.exports, require('node:module').createRequire(file), main, file, __dirname);
`,
  );
  chmodSync(outfile, 0o755);

  if (esmEntry !== undefined) {
    const entry = join(dirname(outfile), esmEntry);
    writeFileSync(
      entry,
      `${hashbang.line}
// ${name}'s \`bin\`, written by scripts/bundle-cli.mjs: this package's .js files are ES modules, and this one only
// hands over to the CommonJS entry point ${basename(outfile)}, which runs the bundle (the sources: ${source}).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./${basename(outfile)}');
`,
    );
    chmodSync(entry, 0o755);
    // tsc's output of the entry point, from before it was bundled.
    rmSync(`${entry}.map`, { force: true });
  }
}

const [only, out] = process.argv.slice(2);
if (only !== undefined && !(only in COMMANDS)) throw new Error(`usage: bundle-cli.mjs [${Object.keys(COMMANDS).join('|')} [OUTFILE]]`);
for (const name of only === undefined ? Object.keys(COMMANDS) : [only]) {
  await bundle(name, out ?? `${root}${COMMANDS[name].outfile}`);
}
