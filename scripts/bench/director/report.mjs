/**
 * The director benchmark's summary, from the guest's results (one JSON line per daemon run; guest.mjs). Each
 * figure is the mean over the rounds of each daemon (the rounds alternate the order, so a change in the host's
 * load weighs on both alike); ratios are lvsd / keepalived of those means. The last line is the summary:
 *   director start ratio S, storm ratio T, reload ratio R, reload ops O, rss M MB
 * S: process start until the kernel holds the whole table. T: failure injected until the kernel reflects every
 * failed real server. R: SIGHUP (unchanged file) until the daemon reports the reload done. O: table changes
 * lvsd sent in its reloads (the most of any round). M: lvsd's peak RSS (VmHWM) in the memory run (checks every
 * --rss-delay-loop seconds), else the most of the main rounds.
 *
 *   node report.mjs RESULTS.jsonl
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const runs = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim().startsWith('{'))
  .map((l) => JSON.parse(l));
if (runs.length === 0) {
  console.error(`director: no results in ${file}`);
  process.exit(1);
}

const of = (daemon) => runs.filter((r) => r.daemon === daemon);
const get = (r, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), r);
const num = (x) => typeof x === 'number' && Number.isFinite(x);
/** The mean, or undefined when a round has no value (it failed or did not finish that phase). */
const mean = (xs) => (xs.length === 0 || !xs.every(num) ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length);
const fmt = (x, digits = 0) => (num(x) ? x.toFixed(digits) : 'n/a');
const ratio = (a, b) => (num(a) && num(b) && a > 0 && b > 0 ? a / b : undefined);

const START = [
  ['start to whole table, ms', 'start.ms'],
  ['  (daemon says programmed, ms after spawn)', 'start.loggedAtMs'],
];
const STEADY = [
  ['steady: daemon CPU, % of one vCPU', 'steady.cpuPercent', 1],
  ['steady: guest CPU busy, % of all vCPUs', 'steady.guestBusyPercent', 1],
  ['steady: checks done per second', 'steady.checksPerSecond', 1],
  ['steady: checks due per second', 'steady.checksExpectedPerSecond', 1],
  ['steady: real servers missing (false downs)', 'steady.missing'],
];
const RELOAD = [
  ['reload (unchanged), ms', 'reload.ms'],
  ['reload: IPVS table changes sent', 'reload.ops'],
  ['reload: IPVS requests (reads too)', 'reload.requests'],
];
const STORM = [
  ['storm: injected -> kernel reflects all, ms', 'storm.allMs'],
  ['storm: injected -> first removal, ms', 'storm.firstMs'],
  ['storm: verdict -> kernel p50, ms', 'storm.verdictToKernelMs.p50', 1],
  ['storm: verdict -> kernel p99, ms', 'storm.verdictToKernelMs.p99', 1],
  ['storm: verdict -> kernel max, ms', 'storm.verdictToKernelMs.max', 1],
  ['storm: last verdict -> all in kernel, ms', 'storm.lastVerdictToAllMs', 1],
  ['storm: log line -> kernel p50, ms', 'storm.logToKernelMs.p50', 1],
  ['storm: log line -> kernel p99, ms', 'storm.logToKernelMs.p99', 1],
  ['storm: removals missing', 'storm.missing'],
  ['storm: removals of live servers', 'storm.wrongRemovals'],
  ['storm: table changes sent', 'storm.mutations'],
];
const MEMORY = [
  ['RSS max after start, MB', 'memory.rssMaxMB', 1],
  ['VmHWM (peak RSS), MB', 'memory.hwmMB', 1],
  ['stop (SIGTERM, table removed), ms', 'stopMs'],
];

/** Per-round columns: a letter per daemon. */
const TAG = { keepalived: 'k', lvsd: 'l', 'lvsd-json': 'j', 'lvsd-b': 'b', 'keepalived-rss': 'k', 'lvsd-rss': 'l' };

/** One table: a column per daemon (means), the ratio of the second to the first, every round's value. */
function table(title, daemons, rows) {
  const present = daemons.filter((d) => of(d).length > 0);
  if (present.length === 0) return;
  console.log(`\n${title}`);
  console.log(`${'figure'.padEnd(46)}${present.map((d) => d.padStart(15)).join('')}${'ratio'.padStart(9)}   per round`);
  for (const [label, path, digits = 0] of rows) {
    const means = present.map((d) => mean(of(d).map((r) => get(r, path))));
    if (present.every((d) => of(d).every((r) => get(r, path) === undefined))) continue;
    const per = present
      .map(
        (d) =>
          `${TAG[d] ?? d[0]}:${of(d)
            .map((r) => fmt(get(r, path), digits))
            .join('/')}`,
      )
      .join(' ');
    const rt = ratio(means[1], means[0]);
    console.log(`${label.padEnd(46)}${means.map((m) => fmt(m, digits).padStart(15)).join('')}${fmt(rt, 2).padStart(9)}   ${per}`);
  }
}

const first = runs.find((r) => r.daemon === 'lvsd' || r.daemon === 'keepalived') ?? runs[0];
console.log(
  `\ndirector benchmark: ${first.services} services x ${first.servers / first.services} real servers (${first.servers}), ` +
    `tcp checks every ${first.delayLoop} s, storm ${first.fail} (${first.stormMode}); ` +
    `runs: ${[...new Set(runs.map((r) => r.daemon))].map((d) => `${d} ${of(d).length}`).join(', ')}`,
);
table('main rounds (ratio: lvsd / keepalived)', ['keepalived', 'lvsd'], [...START, ...STEADY, ...RELOAD, ...STORM, ...MEMORY]);
table('lvsd from the same config as JSON text (ratio: json / yaml)', ['lvsd', 'lvsd-json'], START);
if (of('lvsd-b').length > 0)
  table('two lvsd builds (ratio: lvsd-b / lvsd)', ['lvsd', 'lvsd-b'], [...START, ...STEADY, ...RELOAD, ...STORM, ...MEMORY]);
const rss = runs.find((r) => r.daemon === 'lvsd-rss' || r.daemon === 'keepalived-rss');
if (rss !== undefined)
  table(
    `memory run: checks every ${rss.delayLoop} s (ratio: lvsd / keepalived)`,
    ['keepalived-rss', 'lvsd-rss'],
    [...START, ...STEADY, ...MEMORY],
  );

const notes = runs.flatMap((r) => [
  ...(r.diedEarly ? [`${r.daemon} round ${r.round} exited before it was stopped`] : []),
  ...(r.steady?.missing > 0 ? [`${r.daemon} round ${r.round}: ${r.steady.missing} real servers missing in the steady state`] : []),
  ...(r.storm?.missing > 0 || r.storm?.wrongRemovals > 0
    ? [`${r.daemon} round ${r.round}: storm removals missing ${r.storm.missing}, of live servers ${r.storm.wrongRemovals}`]
    : []),
  ...(r.storm?.captureDropped > 0 || r.reload?.captureDropped > 0 ? [`${r.daemon} round ${r.round}: a capture dropped packets`] : []),
  ...(r.reload !== undefined && !num(r.reload.ms) ? [`${r.daemon} round ${r.round}: reload not seen to finish`] : []),
  ...(num(r.steady?.checksPerSecond) && r.steady.checksPerSecond < 0.9 * r.steady.checksExpectedPerSecond
    ? [`${r.daemon} round ${r.round}: checks fell behind (${r.steady.checksPerSecond}/s of ${r.steady.checksExpectedPerSecond}/s)`]
    : []),
]);
if (notes.length > 0) console.log('');
for (const n of notes) console.log(`note: ${n}`);

const lv = of('lvsd');
const ka = of('keepalived');
const S = ratio(mean(lv.map((r) => r.start?.ms)), mean(ka.map((r) => r.start?.ms)));
const T = ratio(mean(lv.map((r) => r.storm?.allMs)), mean(ka.map((r) => r.storm?.allMs)));
const R = ratio(mean(lv.map((r) => r.reload?.ms)), mean(ka.map((r) => r.reload?.ms)));
const P = ratio(mean(lv.map((r) => r.storm?.verdictToKernelMs?.p99)), mean(ka.map((r) => r.storm?.verdictToKernelMs?.p99)));
const opsList = lv.map((r) => r.reload?.ops).filter(num);
const O = opsList.length > 0 && opsList.length === lv.length ? Math.max(...opsList) : undefined;
const hwmOf = (list) => list.map((r) => r.memory?.hwmMB).filter(num);
const hwm = hwmOf(of('lvsd-rss')).length > 0 ? hwmOf(of('lvsd-rss')) : hwmOf(lv);
const M = hwm.length > 0 ? Math.max(...hwm) : undefined;
console.log(`\ntargets: start <= 0.5, storm <= 0.5, reload <= 0.5, reload ops 0, rss < 150 MB; storm per-verdict p99 ratio ${fmt(P, 2)}`);
console.log(
  `director start ratio ${fmt(S, 2)}, storm ratio ${fmt(T, 2)}, reload ratio ${fmt(R, 2)}, reload ops ${fmt(O)}, rss ${fmt(M)} MB`,
);
