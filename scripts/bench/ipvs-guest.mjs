/**
 * The IPVS benchmark's measurements, run inside the kernel lab by scripts/bench/ipvs.sh (plain
 * ESM: the guest runs it with node as is).
 *
 *   node scripts/bench/ipvs-guest.mjs --lvsadm PATH [--services 1000] [--dests 10] [--rounds 3]
 *
 * Each round, in the same boot and kernel: `ipvsadm -R` and `lvsadm -R` each restore the same
 * input into a fresh network namespace (the order alternates between rounds); both tables are
 * checked against the input (`ipvsadm -S -n` must give it back). Then, on the table ipvsadm
 * restored, `-L -n` and `-S -n` are timed with each tool (order alternating too) and lvsadm's
 * output must equal ipvsadm's. Each timing is the wall-clock time of one command, process start
 * included: `nsenter --net=/run/netns/NS TOOL ARGS`, stdin from a file, stdout to a file. The
 * nsenter hop is the same for both tools and is measured on its own (`nsenter ... true`), and so
 * are the start-up costs (`-v` with each tool, which opens IPVS first, and `node -e 0`).
 * Medians over the rounds; the last line is the summary line the task asks for.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreInput } from './ipvs-input.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const lvsadm = arg('lvsadm', undefined);
if (!lvsadm) throw new Error('usage: ipvs-guest.mjs --lvsadm PATH [--services N] [--dests N] [--rounds N]');
const services = Number(arg('services', '1000'));
const dests = Number(arg('dests', '10'));
const rounds = Number(arg('rounds', '3'));

const dir = mkdtempSync(join(tmpdir(), 'ipvs-bench-'));
const inputPath = join(dir, 'input.txt');
const input = restoreInput(services, dests);
writeFileSync(inputPath, input);
const TOOLS = { ipvsadm: ['ipvsadm'], lvsadm: [lvsadm] };

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

let nsCounter = 0;
function freshNamespace() {
  const ns = `ipvs-bench-${process.pid}-${nsCounter++}`;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return ns;
}

/** Runs argv in the namespace, stdin from `stdinPath` (or /dev/null), stdout to a file; returns seconds and the output. */
function timed(ns, argv, stdinPath) {
  const outPath = join(dir, 'out.txt');
  const stdin = openSync(stdinPath ?? '/dev/null', 'r');
  const stdout = openSync(outPath, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, ...argv], { stdio: [stdin, stdout, 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(stdin);
  closeSync(stdout);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (r.stderr !== '') throw new Error(`${argv.join(' ')} printed on stderr: ${r.stderr}`);
  return { seconds, output: readFileSync(outPath, 'utf8') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const times = {
  restore: { ipvsadm: [], lvsadm: [] },
  list: { ipvsadm: [], lvsadm: [] },
  save: { ipvsadm: [], lvsadm: [] },
  startup: { ipvsadm: [], lvsadm: [] },
  node: [],
  nsenter: [],
};
const fmt = (x) => x.toFixed(2);

console.log(`ipvs bench: ${services} services x ${dests} real servers (${input.split('\n').length - 1} restore lines), ${rounds} rounds`);
console.log(`ipvs bench: lvsadm = ${lvsadm}; ipvsadm = ${sh('ipvsadm', ['-v']).trim()}`);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['ipvsadm', 'lvsadm'] : ['lvsadm', 'ipvsadm'];
  const loaded = {};
  for (const tool of order) {
    const ns = freshNamespace();
    const r = timed(ns, [...TOOLS[tool], '-R'], inputPath);
    times.restore[tool].push(r.seconds);
    const saved = sh('nsenter', [`--net=/run/netns/${ns}`, 'ipvsadm', '-S', '-n']);
    // -S lists services in the kernel's hash order: compare as sets of lines.
    const want = input.split('\n').sort().join('\n');
    if (saved.split('\n').sort().join('\n') !== want) throw new Error(`${tool} -R: the restored table differs from the input`);
    loaded[tool] = ns;
    console.log(`round ${round + 1}: ${tool} -R ${fmt(r.seconds)} s`);
  }
  const ns = loaded.ipvsadm;
  times.nsenter.push(timed(ns, ['true']).seconds);
  // Start-up alone, for where the time goes: `-v` (which opens IPVS first, as ipvsadm does) and a bare node.
  times.node.push(timed(ns, [process.execPath, '-e', '0']).seconds);
  for (const tool of order) times.startup[tool].push(timed(ns, [...TOOLS[tool], '-v']).seconds);
  for (const [what, args] of [
    ['list', ['-L', '-n']],
    ['save', ['-S', '-n']],
  ]) {
    const outputs = {};
    for (const tool of order) {
      const r = timed(ns, [...TOOLS[tool], ...args]);
      times[what][tool].push(r.seconds);
      outputs[tool] = r.output;
      console.log(`round ${round + 1}: ${tool} ${args.join(' ')} ${fmt(r.seconds)} s (${r.output.length} bytes)`);
    }
    if (outputs.lvsadm !== outputs.ipvsadm) throw new Error(`${args.join(' ')}: lvsadm's output differs from ipvsadm's`);
  }
  for (const n of Object.values(loaded)) sh('ip', ['netns', 'del', n]);
}
rmSync(dir, { recursive: true, force: true });

const m = (what, tool) => median(times[what][tool]);
const ratio = (what) => m(what, 'lvsadm') / m(what, 'ipvsadm');
console.log('');
console.log(`median of ${rounds} (seconds, process start included; nsenter hop alone: ${fmt(median(times.nsenter))} s)`);
console.log('                 ipvsadm   lvsadm   ratio');
for (const [what, label] of [
  ['restore', `-R (${services}x${dests})`],
  ['list', '-L -n'],
  ['save', '-S -n'],
]) {
  console.log(
    `${label.padEnd(16)} ${fmt(m(what, 'ipvsadm')).padStart(7)}  ${fmt(m(what, 'lvsadm')).padStart(7)}  ${fmt(ratio(what)).padStart(6)}`,
  );
}
const listRatio = Math.max(ratio('list'), ratio('save'));
console.log(
  `${'-v (start-up)'.padEnd(16)} ${fmt(m('startup', 'ipvsadm')).padStart(7)}  ${fmt(m('startup', 'lvsadm')).padStart(7)}  ${fmt(ratio('startup')).padStart(6)}   (node -e 0: ${fmt(median(times.node))})`,
);
console.log(`list ratio = the worse of -L -n and -S -n; targets: restore <= 0.50, list <= 1.00`);
console.log(`ipvs restore ratio ${fmt(ratio('restore'))}, list ratio ${fmt(listRatio)} (lvsadm/ipvsadm, lower is better)`);
