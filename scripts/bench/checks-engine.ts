/**
 * lvsd's checker engine under load, for the checks benchmark (scripts/bench/checks.sh): a HealthMonitor (the
 * scheduler, createChecker's checkers and the real-server/virtual-server bookkeeping, as lvsd runs them) loaded
 * from a generated config of one virtual server with COUNT real servers, each with one `tcp` or `http` check,
 * delay_loop 1 s, connect_timeout 3 s, warmup 1 s. After WARMUP seconds it measures for SECONDS seconds:
 * process CPU (user+system), attempts started and their lateness against their schedule (p50/p99/max), and —
 * when the target server's counter file is given — the connections the server accepted in the window; at the
 * end, peak RSS and how many real servers are up. Prints one JSON object.
 *
 * Real server i (0-based) is PREFIX.(i/250|0).(i%250+1), e.g. 198.18.0.1 ... 198.18.1.250 for 500.
 *
 *   node checks-engine.mjs --type tcp|http --prefix 198.18 --count 500 --port 80 --warmup 8 --seconds 30 \
 *     [--stats /tmp/server.json] [--out result.json] [--ready FILE (written once the checks are scheduled)]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createChecker } from '../../checks/index.js';
import { loadConfig } from '../../src/config/load.js';
import { HealthMonitor } from '../../src/health/monitor.js';

function opt(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const type = opt('type', 'tcp');
const prefix = opt('prefix', '198.18');
const count = Number(opt('count', '500'));
const port = Number(opt('port', '80'));
const warmupS = Number(opt('warmup', '8'));
const seconds = Number(opt('seconds', '30'));
const statsFile = opt('stats', '');
const outFile = opt('out', '');
const readyFile = opt('ready', '');
const lingerS = Number(opt('linger', '0'));
const dumpFile = opt('dump', ''); // debugging: "startedAt lateness" per attempt in the window
const dump: string[] = [];
let usr2 = false;
let lingerEnd: (() => void) | undefined;
process.on('SIGUSR2', () => {
  usr2 = true;
  lingerEnd?.();
});

const address = (i: number) => `${prefix}.${(i / 250) | 0}.${(i % 250) + 1}`;
const check = type === 'http' ? { type: 'http', path: '/' } : { type: 'tcp' };
const config = {
  global: { router_id: 'bench' },
  virtual_servers: [
    {
      name: 'bench',
      address: '10.255.0.1',
      port,
      protocol: 'tcp',
      scheduler: 'rr',
      alpha: true,
      delay_loop: 1,
      connect_timeout: 3,
      retry: 1,
      delay_before_retry: 1,
      warmup: 1,
      real_servers: Array.from({ length: count }, (_, i) => ({ address: address(i), port, checks: [check] })),
    },
  ],
};
const loaded = loadConfig(JSON.stringify(config), { file: 'bench.json' });
if (!loaded.ok) {
  console.error(loaded.errors.map((e) => String(e)).join('\n'));
  process.exit(2);
}

const rssAfterLoadMB = +(process.memoryUsage().rss / 1048576).toFixed(1);
const lateness: number[] = [];
let measuring = false;
const monitor = new HealthMonitor({
  checkerFor: (c) => createChecker(c),
  onAttempt: (s) => {
    if (measuring) {
      lateness.push(s.startedAt - s.scheduledAt);
      if (dumpFile) dump.push(`${s.startedAt.toFixed(1)} ${(s.startedAt - s.scheduledAt).toFixed(1)}`);
    }
  },
});
monitor.load(loaded.config.virtual_servers);
if (readyFile) writeFileSync(readyFile, `${process.pid}\n`);

const serverCount = (): { t: number; accepted: number } | undefined => {
  if (!statsFile) return undefined;
  try {
    return JSON.parse(readFileSync(statsFile, 'utf8')) as { t: number; accepted: number };
  } catch {
    return undefined;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await sleep(warmupS * 1000);
measuring = true;
const s0 = serverCount();
const attempts0 = monitor.scheduler.stats().attempts;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await sleep(seconds * 1000);
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - t0) / 1000;
const s1 = serverCount();
measuring = false;
const stats = monitor.scheduler.stats();
const attempts = stats.attempts - attempts0;
const snap = monitor.snapshot();
const up = snap.reduce((n, vs) => n + vs.realServers.filter((r) => r.up).length, 0);
const text = JSON.stringify(buildResult());
if (outFile) writeFileSync(outFile, `${text}\n`);
if (dumpFile) writeFileSync(dumpFile, `${dump.join('\n')}\n`);
console.log(text);
// Keep checking (so an outside observer's window can close) until SIGUSR2 or --linger seconds.
if (lingerS > 0 && !usr2) {
  await new Promise<void>((r) => {
    lingerEnd = r;
    setTimeout(r, lingerS * 1000);
  });
}
monitor.stop();
process.exit(0);

function buildResult() {
  lateness.sort((a, b) => a - b);
  const pct = (p: number) => lateness[Math.min(lateness.length - 1, Math.floor((p / 100) * lateness.length))] ?? 0;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const served = s0 && s1 ? s1.accepted - s0.accepted : undefined;
  const checks = served ?? attempts;
  const result = {
    engine: 'lvsd',
    type,
    servers: count,
    seconds: +elapsed.toFixed(2),
    attempts,
    attemptsPerSecond: +(attempts / elapsed).toFixed(1),
    serverAccepted: served,
    checks,
    cpuSeconds: +cpuS.toFixed(3),
    cpuUserSeconds: +(cpu.user / 1e6).toFixed(3),
    cpuSystemSeconds: +(cpu.system / 1e6).toFixed(3),
    cpuPer1000: +((cpuS * 1000) / Math.max(1, checks)).toFixed(4),
    cpuPercentOfOneCore: +((100 * cpuS) / elapsed).toFixed(1),
    latenessMs: { p50: +pct(50).toFixed(2), p99: +pct(99).toFixed(2), max: +pct(100).toFixed(2) },
    timeouts: stats.timeouts,
    realServersUp: up,
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    rssAfterConfigMB: rssAfterLoadMB,
    rssEndMB: +(process.memoryUsage().rss / 1048576).toFixed(1),
    heapUsedEndMB: +(process.memoryUsage().heapUsed / 1048576).toFixed(1),
  };
  return result;
}
