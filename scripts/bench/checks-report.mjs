// Summary of the checks benchmark (scripts/bench/checks.sh): VM_RESULTS.jsonl (keepalived vs lvsd, kernel lab)
// and NATIVE_RESULTS.jsonl (lvsd alone at scale). Prints a table and, last, the one-line summary.
import { readFileSync } from 'node:fs';

const read = (f) => {
  try {
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};
const vm = read(process.argv[2]);
const native = read(process.argv[3]);
const fmt = (v, d = 2) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

console.log('\nkernel lab (qemu TCG), checks every 1 s:');
console.log('  engine      type  servers  window s  checks  checks/s  cpu s   cpu %  cpu s/1000 checks  up');
for (const r of vm) {
  const rate = r.checksPerSecond ?? r.checks / r.seconds;
  console.log(
    `  ${r.engine.padEnd(10)}  ${r.type.padEnd(4)}  ${String(r.servers).padStart(7)}  ${fmt(r.seconds, 1).padStart(8)}  ${String(r.checks).padStart(6)}  ${fmt(rate, 1).padStart(8)}  ${fmt(r.cpuSeconds).padStart(5)}  ${fmt(r.cpuPercentOfOneCore, 1).padStart(5)}  ${fmt(r.cpuPer1000, 3).padStart(17)}  ${r.realServersUp}`,
  );
}
// Each engine's mean over its rounds (the rounds alternate the engines' order: see checks.sh).
const mean = (engine, t) => {
  const runs = vm.filter((r) => r.engine === engine && r.type === t && r.cpuPer1000 > 0);
  return runs.length ? { per1000: runs.reduce((a, r) => a + r.cpuPer1000, 0) / runs.length, rounds: runs.length } : undefined;
};
const ratio = {};
for (const t of ['tcp', 'http']) {
  const k = mean('keepalived', t);
  const l = mean('lvsd', t);
  if (k && l) ratio[t] = l.per1000 / k.per1000;
  if (ratio[t] !== undefined)
    console.log(
      `  ${t}: lvsd ${fmt(l.per1000, 3)} s vs keepalived ${fmt(k.per1000, 3)} s per 1,000 checks (mean of ${l.rounds} and ${k.rounds} rounds): ratio ${fmt(ratio[t])}`,
    );
}

console.log('\nnative, lvsd alone:');
console.log(
  '  type  servers  window s  checks  checks/s  cpu s   cpu %  cpu s/1000  late p50  p99     max ms  timeouts  up    peak rss MB',
);
for (const r of native) {
  console.log(
    `  ${r.type.padEnd(4)}  ${String(r.servers).padStart(7)}  ${fmt(r.seconds, 1).padStart(8)}  ${String(r.checks).padStart(6)}  ${fmt(r.checks / r.seconds, 1).padStart(8)}  ${fmt(r.cpuSeconds).padStart(5)}  ${fmt(r.cpuPercentOfOneCore, 1).padStart(5)}  ${fmt(r.cpuPer1000, 3).padStart(10)}  ${fmt(r.latenessMs.p50, 1).padStart(8)}  ${fmt(r.latenessMs.p99, 1).padStart(6)}  ${fmt(r.latenessMs.max, 1).padStart(6)}  ${String(r.timeouts).padStart(8)}  ${String(r.realServersUp).padStart(4)}  ${fmt(r.peakRssMB, 1).padStart(11)}`,
  );
}
const p99 = native.length ? Math.max(...native.map((r) => r.latenessMs.p99)) : undefined;
const rss = native.length ? Math.max(...native.map((r) => r.peakRssMB)) : undefined;
console.log('');
console.log(
  `checks cpu ratio tcp ${fmt(ratio.tcp)}, http ${fmt(ratio.http)} (lvsd/keepalived, lower is better), p99 late ${fmt(p99, 1)} ms, rss ${fmt(rss, 0)} MB`,
);
