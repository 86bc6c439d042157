/**
 * Runs the conformance sequences (sequences.json) through the real ipvsadm and through lvsadm on
 * the kernel lab's IPVS, and writes what happened as JSON. Plain ESM, no TypeScript: it runs in
 * the guest as is. test/kernel/lvsadm-conformance.test.ts starts it and compares the two sides.
 *
 *   node test/kernel/conformance/runner.mjs --lvsadm dist/src/cli/lvsadm.cjs --out report.json
 *        [--sequences FILE] [--jobs N] [--only NAME[,NAME...]]
 *
 * For each sequence and each tool: a fresh network namespace (lo up, then the sequence's `setup`
 * lines run as `ip -n NS ...`), each command run in it as `nsenter --net=/run/netns/NS ipvsadm
 * ARGS` with stdin from the command's text (empty otherwise), its stdout, stderr and exit status
 * recorded; then the resulting kernel state, read with the real ipvsadm whichever tool ran
 * (`-S -n`, `-L -n`, `-L --daemon`, `-L --timeout`); then the namespace is deleted. Both tools are
 * invoked under the name `ipvsadm` (ipvsadm prints its argv[0]; lvsadm prints the name it was
 * started as): the real one from PATH, lvsadm through a symlink named ipvsadm in a directory put
 * first on PATH. The environment is the same minimal one for both (PATH, HOME, LANG=C). A command
 * `{ "shell": "..." }` (traffic for the counters, say) runs with bash in the namespace instead.
 * Sequences (and the two tools) run in parallel, `--jobs` at a time, each in its own namespace.
 *
 * The kernel keeps one service table for all namespaces and resumes a multi-message dump by
 * position in it, so a listing taken while another namespace adds or deletes services can repeat
 * or skip entries. Listings (commands with -L/-l/-S and the state reads) therefore run alone;
 * everything else that may change the table (commands, namespace add/del) runs shared.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const here = dirname(fileURLToPath(import.meta.url));
const lvsadm = arg('lvsadm', undefined);
const out = arg('out', undefined);
if (!lvsadm || !out) {
  console.error('usage: runner.mjs --lvsadm PATH --out FILE [--sequences FILE] [--jobs N] [--only NAMES]');
  process.exit(2);
}
const sequencesPath = arg('sequences', join(here, 'sequences.json'));
const jobs = Number(arg('jobs', '3'));
const only = arg('only', undefined)?.split(',');
/** A command must not take longer than this (lvsadm under TCG takes about a second). */
const COMMAND_TIMEOUT_MS = 120_000;

const { sequences } = JSON.parse(readFileSync(sequencesPath, 'utf8'));
const selected = sequences.filter((s) => !only || only.includes(s.name));

const work = mkdtempSync(join(tmpdir(), 'lvsadm-conformance-'));
const lvsadmBin = join(work, 'lvsadm-bin');
spawnSync('mkdir', ['-p', lvsadmBin]);
symlinkSync(resolve(lvsadm), join(lvsadmBin, 'ipvsadm'));
const basePath = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV = {
  ipvsadm: { PATH: basePath, HOME: '/root', LANG: 'C' },
  lvsadm: { PATH: `${lvsadmBin}:${basePath}`, HOME: '/root', LANG: 'C' },
};

/** The argument vector of a command: a string split on blanks, or an explicit array. */
function argvOf(command) {
  if (command.shell !== undefined) return ['bash', '-c', command.shell];
  const args = typeof command === 'object' && !Array.isArray(command) ? command.args : command;
  return typeof args === 'string' ? args.split(/\s+/).filter((w) => w !== '') : args;
}

function stdinOf(command) {
  return typeof command === 'object' && !Array.isArray(command) ? (command.stdin ?? '') : '';
}

const SIGNALS = { SIGSEGV: 11, SIGABRT: 6, SIGPIPE: 13, SIGKILL: 9, SIGTERM: 15, SIGBUS: 7 };

/** Runs a command; resolves to { stdout, stderr, status } with a signal death as 128 + signo (as a shell reports it). */
function run(cmd, args, { env, stdin = '', cwd = work } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (d) => stdout.push(d));
    child.stderr.on('data', (d) => stderr.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = code ?? 128 + (SIGNALS[signal] ?? 0);
      resolvePromise({
        stdout: Buffer.concat(stdout).toString('latin1'),
        stderr: Buffer.concat(stderr).toString('latin1') + (timedOut ? `\n[runner: killed after ${COMMAND_TIMEOUT_MS} ms]` : ''),
        status,
      });
    });
    child.stdin.end(stdin);
  });
}

async function must(cmd, args) {
  const r = await run(cmd, args, { env: ENV.ipvsadm });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A readers-writer lock: any number of `shared` holders, or one `exclusive` holder. A waiting
 * exclusive request blocks new shared ones, so listings are never starved.
 */
class TableLock {
  #shared = 0;
  #exclusive = false;
  #waiting = [];

  async shared(fn) {
    await this.#acquire(false);
    try {
      return await fn();
    } finally {
      this.#shared--;
      this.#wake();
    }
  }

  async exclusive(fn) {
    await this.#acquire(true);
    try {
      return await fn();
    } finally {
      this.#exclusive = false;
      this.#wake();
    }
  }

  #acquire(exclusive) {
    if (this.#canEnter(exclusive) && this.#waiting.length === 0) {
      this.#enter(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolvePromise) => this.#waiting.push({ exclusive, resolve: resolvePromise }));
  }

  #canEnter(exclusive) {
    return !this.#exclusive && (!exclusive || this.#shared === 0);
  }

  #enter(exclusive) {
    if (exclusive) this.#exclusive = true;
    else this.#shared++;
  }

  #wake() {
    while (this.#waiting.length > 0 && this.#canEnter(this.#waiting[0].exclusive)) {
      const next = this.#waiting.shift();
      this.#enter(next.exclusive);
      next.resolve();
    }
  }
}

const table = new TableLock();
/** -L, -l, -S (alone or among other short options) and their long spellings. */
const LISTING_OPTION = /^(?:--list|--save|-[A-Za-z]*[LlS])/;

/** Whether a command lists the table (may dump several messages), so it must run alone. */
function isListing(args) {
  return args.some((a) => LISTING_OPTION.test(a));
}

let nsCounter = 0;

/** One sequence with one tool, in a namespace of its own. */
async function runSequence(seq, tool) {
  const ns = `lvsadm-cf-${process.pid}-${nsCounter++}`;
  const started = Date.now();
  await table.shared(() => must('ip', ['netns', 'add', ns]));
  try {
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const line of seq.setup ?? []) await must('ip', ['-n', ns, ...line.split(/\s+/)]);
    const enter = [`--net=/run/netns/${ns}`];
    const commands = [];
    for (const command of seq.commands) {
      const args = argvOf(command);
      const t = Date.now();
      // A `shell` step (traffic, say) is the same for both tools: run with bash, not compared to anything else.
      const argv = command.shell !== undefined ? args : ['ipvsadm', ...args];
      const lock = command.shell === undefined && isListing(args) ? 'exclusive' : 'shared';
      const r = await table[lock](() =>
        run('nsenter', [...enter, ...argv], {
          env: command.shell !== undefined ? ENV.ipvsadm : ENV[tool],
          stdin: stdinOf(command),
        }),
      );
      commands.push({ args, ...r, ms: Date.now() - t });
    }
    const state = await table.exclusive(() => readState(enter));
    return { commands, state, ms: Date.now() - started };
  } finally {
    // Clear the table first: the kernel removes a deleted namespace's services later, unlocked.
    await table.shared(async () => {
      await run('nsenter', [`--net=/run/netns/${ns}`, 'ipvsadm', '-C'], { env: ENV.ipvsadm });
      await run('ip', ['netns', 'del', ns], { env: ENV.ipvsadm });
    });
  }
}

/** The kernel state of a namespace, read with the real ipvsadm. */
async function readState(enter) {
  const state = {};
  for (const [key, args] of [
    ['save', ['-S', '-n']],
    ['list', ['-L', '-n']],
    ['daemon', ['-L', '--daemon']],
    ['timeout', ['-L', '--timeout']],
  ]) {
    const r = await run('nsenter', [...enter, 'ipvsadm', ...args], { env: ENV.ipvsadm });
    state[key] = r.status === 0 ? r.stdout : `[exit ${r.status}] ${r.stdout}${r.stderr}`;
  }
  return state;
}

const tasks = selected.flatMap((seq) => ['ipvsadm', 'lvsadm'].map((tool) => ({ seq, tool })));
const results = new Map(selected.map((s) => [s.name, { name: s.name, tools: {} }]));
const t0 = Date.now();
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const { seq, tool } = tasks[next++];
    try {
      results.get(seq.name).tools[tool] = await runSequence(seq, tool);
    } catch (err) {
      results.get(seq.name).tools[tool] = { error: String(err?.stack ?? err) };
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
rmSync(work, { recursive: true, force: true });

writeFileSync(out, JSON.stringify({ lvsadm: resolve(lvsadm), ms: Date.now() - t0, sequences: [...results.values()] }, null, 1));
console.log(`conformance runner: ${selected.length} sequences x 2 tools in ${((Date.now() - t0) / 1000).toFixed(1)} s (${jobs} jobs)`);
