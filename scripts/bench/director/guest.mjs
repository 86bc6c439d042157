/**
 * The director benchmark's measurements, inside the kernel lab (started by scripts/bench/director/guest.sh; plain
 * ESM). keepalived -C and lvsd run the same services (configs.mjs wrote both files from one description), one
 * after the other in this boot, on this namespace's IPVS table; the order alternates between rounds.
 *
 * Topology: this namespace (the director) --veth vd/vs, 10.254.0.0/30-- namespace dsrv, where all of
 * 198.18.0.0/15 is local (a `local` route on lo) and one acceptor process (acceptor.c) accepts and closes every
 * connection on 0.0.0.0:80: every real server answers its TCP check. An nftables set in dsrv, empty until the
 * storm, makes the storm's real servers fail: `reject with tcp reset` (--storm reset, the default: the service is
 * down, its host refuses) or `drop` (--storm drop: the host is gone, checks time out).
 *
 * Per daemon and round:
 * 1. start: from spawning the daemon until this namespace's kernel holds the whole table. Polled cheaply: the last
 *    service's destinations over netlink every 20 ms (both daemons program services in configuration order), then
 *    the whole table once from /proc/net/ip_vs to confirm (if not complete yet, /proc every 100 ms).
 * 2. steady: after every real server's first check (warmup + connect_timeout), a window of 30 s: the daemon's CPU
 *    (keepalived: its checker process), the guest's CPU, the checks done (handshakes completed: SYN-ACKs from the
 *    real servers, an nftables counter here) against those due, the table still whole (no false verdicts).
 * 3. reload: SIGHUP with the same file; time until the daemon says it is done (lvsd: its 'reloaded' line's time;
 *    keepalived: its parent's "Reload complete", stamped as it arrives on the pipe); the table changes it sent,
 *    counted from an nlmon capture (every IPVS request to the kernel, whoever sends it) from SIGHUP until 1 s after.
 * 4. storm: the fail set's addresses go into the nftables set at once (one `nft -f`); every IPVS request is
 *    captured on nlmon, and the real servers' resets on the veth. Figures: from the injection until the kernel
 *    has received the last of the storm's DEL_DEST requests ("all"), and per real server from its verdict to its
 *    DEL_DEST. The verdict's time, the same way for both daemons: the reset that answered the round's last failed
 *    attempt (the (retry + 1)-th reset from that address after the injection; --storm reset only), so the latency
 *    includes the checker noticing the failure. Also from the daemon's own log line: lvsd's 'health: down' time;
 *    keepalived's "Removing service" line, stamped as it arrives (it logs, then sends the change, in one call).
 * 5. stop (SIGTERM; both remove the table), `ipvsadm -C`, the fail set emptied.
 * RSS: the daemon's VmRSS every second (max after the start) and VmHWM at the end; keepalived: the checker child.
 * After the rounds, with plan.json's rssDelayLoop (director.sh --rss-delay-loop), a memory run of each daemon:
 * lvsd-rss.yaml / keepalived-rss.conf, the same services checked every rssDelayLoop seconds: start and a 60 s
 * steady window only.
 *
 *   node guest.mjs --work DIR --lvsd PATH [--lvsd-b PATH] [--rounds 2] [--order keepalived,lvsd] [--storm reset|drop]
 *                  [--profile] [--json-start]
 * --lvsd-b: a second lvsd build, daemon `lvsd-b` in --order (e.g. lvsd,lvsd-b), to compare two builds in one boot.
 * DIR holds lvsd.yaml (and lvsd.json with --json-start: one more lvsd start per round, from the same config as
 * JSON text, which lvsd's loader reads through JSON.parse), keepalived.conf, plan.json and the acceptor binary.
 * One JSON line per run goes to stdout and to $LVSD_KERNEL_LAB_OUT/results.jsonl; the daemons' logs and the
 * captures go to $LVSD_KERNEL_LAB_OUT/runs/. --profile: lvsd runs with prof-hook.mjs, which writes a CPU profile
 * per phase on SIGUSR2 ($LVSD_KERNEL_LAB_OUT/prof/RUN/N-PHASE.cpuprofile: start, steady, reload, storm).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ipvsRequests, MUTATING, tcpResets } from './pcap.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const flag = (name) => process.argv.includes(`--${name}`);

const work = resolve(arg('work', ''));
const lvsdPath = resolve(arg('lvsd', ''));
/** A second lvsd build (--lvsd-b PATH), run as daemon `lvsd-b` when the order names it: A/B of a change in one boot. */
const lvsdBPath = arg('lvsd-b') === undefined ? undefined : resolve(arg('lvsd-b'));
const rounds = Number(arg('rounds', '2'));
const order = arg('order', 'keepalived,lvsd').split(',');
const stormMode = arg('storm', 'reset');
const profile = flag('profile');
const jsonStart = flag('json-start');
const out = process.env.LVSD_KERNEL_LAB_OUT ?? '/tmp';
const plan = JSON.parse(readFileSync(join(work, 'plan.json'), 'utf8'));
const runsDir = join(out, 'runs');
mkdirSync(runsDir, { recursive: true });
const hz = 100; // USER_HZ: /proc/PID/stat times are in 1/100 s on Linux/x86
const bootMs = Date.now();
const log = (msg) => process.stderr.write(`director(vm) ${((Date.now() - bootMs) / 1000).toFixed(1)} s: ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The lvsd package's IPVS client (for the start poll), found from lvsd's path (dist/src/cli/lvsd.js). */
const { openIpvs } = await import(resolve(lvsdPath, '../../ipvs/netlink-client.js'));

function must(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// ----- the lab -----------------------------------------------------------------------------------------------

function setup() {
  for (const m of ['ip_vs', 'nlmon', 'veth', 'nf_tables']) spawnSync('modprobe', [m]);
  must('ip', ['link', 'set', 'lo', 'up']);
  must('ip', ['netns', 'add', 'dsrv']);
  must('ip', ['link', 'add', 'vd', 'type', 'veth', 'peer', 'name', 'vs', 'netns', 'dsrv']);
  must('ip', ['addr', 'add', '10.254.0.1/30', 'dev', 'vd']);
  must('ip', ['link', 'set', 'vd', 'up']);
  must('ip', ['-n', 'dsrv', 'link', 'set', 'lo', 'up']);
  must('ip', ['-n', 'dsrv', 'addr', 'add', '10.254.0.2/30', 'dev', 'vs']);
  must('ip', ['-n', 'dsrv', 'link', 'set', 'vs', 'up']);
  // Every address of the real servers' prefix is local in dsrv (no 10,000 addresses to add).
  must('ip', ['-n', 'dsrv', 'route', 'add', 'local', '198.18.0.0/15', 'dev', 'lo']);
  must('ip', ['route', 'add', '198.18.0.0/15', 'via', '10.254.0.2']);
  must('sysctl', ['-qw', 'net.ipv4.ip_local_port_range=1024 65535', 'net.ipv4.tcp_tw_reuse=1']);
  must('ip', ['netns', 'exec', 'dsrv', 'sysctl', '-qw', 'net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535']);
  const verdict = stormMode === 'drop' ? 'drop' : 'reject with tcp reset';
  const rules = [
    'table inet storm {',
    '  set failed { type ipv4_addr; }',
    `  chain in { type filter hook input priority 0; policy accept; ip daddr @failed tcp dport 80 ${verdict}; }`,
    '}',
  ].join('\n');
  writeFileSync(join(runsDir, 'storm-table.nft'), `${rules}\n`);
  must('ip', ['netns', 'exec', 'dsrv', 'nft', '-f', join(runsDir, 'storm-table.nft')]);
  writeFileSync(join(runsDir, 'inject.nft'), `add element inet storm failed { ${plan.failed.join(', ')} }\n`);
  // Checks done = handshakes completed: SYN-ACKs from the real servers arriving here, counted by nftables.
  const counter = [
    'table inet bench {',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    '    ip saddr 198.18.0.0/15 tcp sport 80 tcp flags & (syn | ack) == syn | ack counter',
    '  }',
    '}',
  ].join('\n');
  writeFileSync(join(runsDir, 'counter.nft'), `${counter}\n`);
  must('nft', ['-f', join(runsDir, 'counter.nft')]);
  must('ip', ['link', 'add', 'nlmon0', 'type', 'nlmon']);
  must('ip', ['link', 'set', 'nlmon0', 'up']);
  const acceptor = spawn('ip', ['netns', 'exec', 'dsrv', join(work, 'acceptor'), '80'], { stdio: ['ignore', 'ignore', 'inherit'] });
  acceptor.on('exit', (code) => {
    if (!stopping) log(`acceptor exited (${code})`);
  });
  return acceptor;
}
let stopping = false;

/** The kernel's table, counted from /proc/net/ip_vs (this namespace). */
function procTable() {
  const text = readFileSync('/proc/net/ip_vs', 'utf8');
  let services = 0;
  let dests = -1; // the third header line starts with "  ->" too
  for (const line of text.split('\n')) {
    if (line.startsWith('  ->')) dests++;
    else if (line.startsWith('TCP') || line.startsWith('UDP') || line.startsWith('SCTP') || line.startsWith('FWM')) services++;
  }
  return { services, dests: Math.max(0, dests) };
}

/** Handshakes completed so far (SYN-ACKs from the real servers). */
function handshakes() {
  return Number(/packets (\d+)/.exec(must('nft', ['list', 'chain', 'inet', 'bench', 'in']))?.[1] ?? Number.NaN);
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / hz;
  } catch {
    return Number.NaN;
  }
}

/** The guest's busy and total CPU time (all CPUs), in ticks. */
function guestCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/** VmRSS and VmHWM of a process, MB. */
function memory(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? Number.NaN);
    return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMB: Number.NaN, hwmMB: Number.NaN };
  }
}

/** tcpdump on an interface, writing FILE; resolves once it listens. stop() ends it and tells the drops. */
async function capture(iface, file, filter = []) {
  const p = spawn('tcpdump', ['-i', iface, '-w', file, '-U', '-B', '16384', '-n', ...filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => {
    err += c;
  });
  const exited = new Promise((r) => p.on('exit', r));
  for (let i = 0; i < 300 && !err.includes('listening on'); i++) await sleep(20);
  if (!err.includes('listening on')) throw new Error(`tcpdump on ${iface} did not start: ${err}`);
  return {
    async stop() {
      await sleep(200);
      p.kill('SIGINT');
      await exited;
      return { dropped: Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? 0) };
    },
  };
}

// ----- the daemons -------------------------------------------------------------------------------------------

/** Lines of a file a daemon writes, read as they come (lvsd's JSON log). */
class FileLines {
  #fd;
  #rest = '';
  lines = [];
  constructor(path) {
    this.#fd = openSync(path, 'r');
  }
  read() {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(this.#fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      const parts = (this.#rest + buf.toString('utf8', 0, n)).split('\n');
      this.#rest = parts.pop() ?? '';
      for (const p of parts) this.lines.push(p);
    }
    return this.lines;
  }
  close() {
    closeSync(this.#fd);
  }
}

/** Waits until pred() returns something other than undefined (polled every `every` ms); undefined on timeout. */
async function until(pred, timeoutMs, every = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v !== undefined) return v;
    if (Date.now() > end) return undefined;
    await sleep(every);
  }
}

function lvsdDaemon(dir, configFile, lvsdPath) {
  const stdout = openSync(join(dir, 'lvsd.log'), 'w');
  const stderr = openSync(join(dir, 'lvsd.stderr'), 'w');
  const nodeFlags = (/^#!\/usr\/bin\/env -S node(.*)$/m.exec(readFileSync(lvsdPath, 'utf8').split('\n')[0])?.[1] ?? '').trim().split(/\s+/);
  const argv = ['run', '-c', configFile];
  const t0 = Date.now();
  const profDir = join(out, 'prof', `${dir.split('/').at(-1)}`);
  if (profile) mkdirSync(profDir, { recursive: true });
  const p = profile
    ? spawn('node', [...nodeFlags.filter(Boolean), '--import', join(import.meta.dirname, 'prof-hook.mjs'), lvsdPath, ...argv], {
        stdio: ['ignore', stdout, stderr],
        env: { ...process.env, LVSD_BENCH_PROF_DIR: profDir },
      })
    : spawn(lvsdPath, argv, { stdio: ['ignore', stdout, stderr] });
  let profiles = 0;
  closeSync(stdout);
  closeSync(stderr);
  const exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  const lines = new FileLines(join(dir, 'lvsd.log'));
  /** Parsed log entries with msg === m (time is pino's epoch ms). */
  const entries = (m) =>
    lines
      .read()
      .filter((l) => l.includes(`"msg":"${m}"`))
      .map((l) => JSON.parse(l));
  return {
    name: 'lvsd',
    t0,
    pid: p.pid,
    checkerPid: async () => p.pid,
    exited,
    entries,
    async started() {
      const e = await until(() => entries('IPVS table programmed')[0], 1000);
      return e === undefined ? {} : { internalMs: e.ms, ops: e.ops, loggedAtMs: e.time - t0 };
    },
    reload() {
      const before = entries('reloaded').length;
      const t = Date.now();
      p.kill('SIGHUP');
      return {
        t,
        done: async (timeoutMs) => {
          const e = await until(() => entries('reloaded')[before], timeoutMs, 10);
          if (e === undefined) return undefined;
          const r = entries('reload').at(-1);
          return { at: e.time, internalMs: e.ms, ops: r?.ops, summary: r?.summary };
        },
      };
    },
    /** 'health: down' times by real server address, at or after `since`. */
    downs(since) {
      const m = new Map();
      for (const e of entries('health: down')) {
        if (e.time < since) continue;
        const addr = String(e.rs).replace(/:\d+$/, '');
        if (!m.has(addr)) m.set(addr, e.time);
      }
      return m;
    },
    stop() {
      p.kill('SIGTERM');
      return exited;
    },
    /** --profile: the CPU profile of the phase that just ended, as PROF_DIR/PHASE.cpuprofile. */
    async profile(phase) {
      if (!profile) return;
      const n = ++profiles;
      p.kill('SIGUSR2');
      const file = join(profDir, `lvsd-${n}.cpuprofile`);
      if ((await until(() => (existsSync(file) ? true : undefined), 120_000, 100)) === undefined) log(`no profile for ${phase}`);
      else renameSync(file, join(profDir, `${n}-${phase}.cpuprofile`));
    },
    close: () => lines.close(),
  };
}

function keepalivedDaemon(dir, config) {
  const logPath = join(dir, 'keepalived.log');
  writeFileSync(logPath, '');
  const pidFile = join(dir, 'keepalived.pid');
  const checkersPid = join(dir, 'checkers.pid');
  const t0 = Date.now();
  // -n: no fork; -l: log to the console (stderr) with -G: not to syslog (none in the guest; with the console
  // flag glibc's syslog would fall back to /dev/console, the emulated serial port).
  const p = spawn('keepalived', ['-C', '-n', '-l', '-G', '-f', config, '-p', pidFile, '-c', checkersPid], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  /** Every line, stamped (epoch ms) as it arrives. */
  const lines = [];
  for (const s of [p.stdout, p.stderr]) {
    let rest = '';
    s.on('data', (c) => {
      const t = Date.now();
      const parts = (rest + c.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) lines.push({ t, text });
      appendFileSync(logPath, parts.map((text) => `${t} ${text}\n`).join(''));
    });
  }
  const find = (re, from = 0) => lines.slice(from).find((l) => re.test(l.text));
  return {
    name: 'keepalived',
    t0,
    pid: p.pid,
    async checkerPid() {
      return until(() => {
        try {
          const pid = Number(readFileSync(checkersPid, 'utf8').trim());
          return pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
        } catch {
          return undefined;
        }
      }, 60_000);
    },
    exited,
    async started() {
      const l = await until(() => find(/Startup complete/), 1000);
      return l === undefined ? {} : { loggedAtMs: l.t - t0 };
    },
    reload() {
      const from = lines.length;
      const t = Date.now();
      p.kill('SIGHUP');
      return {
        t,
        done: async (timeoutMs) => {
          const l = await until(() => find(/Reload complete/, from), timeoutMs, 5);
          return l === undefined ? undefined : { at: l.t };
        },
      };
    },
    /** "Removing service [198.18.0.1]:tcp:80 from VS ..." arrival times by address, at or after `since`. */
    downs(since) {
      const m = new Map();
      for (const l of lines) {
        if (l.t < since) continue;
        const x = /(?:Removing|Disabling) service \[([\d.]+)\]/.exec(l.text);
        if (x && !m.has(x[1])) m.set(x[1], l.t);
      }
      return m;
    },
    stop() {
      p.kill('SIGTERM');
      return exited;
    },
    async profile() {},
    close() {},
  };
}

// ----- figures -----------------------------------------------------------------------------------------------

function stats(xs) {
  if (xs.length === 0) return { n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s.at(-1)), min: r(s[0]) };
}

const round1 = (x) => Math.round(x * 10) / 10;

/** Polls until the kernel holds the whole table; the time it did (epoch ms) and how. */
async function waitFullTable(timeoutMs) {
  const ipvs = await openIpvs();
  const key = { protocol: 'tcp', address: plan.lastService.address, port: plan.lastService.port };
  const end = Date.now() + timeoutMs;
  try {
    for (;;) {
      const t = Date.now();
      let n = 0;
      try {
        n = (await ipvs.listDestinations(key)).length;
      } catch {
        n = 0; // the service is not there yet
      }
      if (n >= plan.perService) {
        const whole = procTable();
        if (whole.services >= plan.services && whole.dests >= plan.total) return { at: t, how: 'last service, then /proc' };
        break;
      }
      if (t > end) return undefined;
      await sleep(20);
    }
  } finally {
    await ipvs.close();
  }
  for (;;) {
    const t = Date.now();
    const whole = procTable();
    if (whole.services >= plan.services && whole.dests >= plan.total) return { at: t, how: '/proc' };
    if (t > end) return undefined;
    await sleep(100);
  }
}

/**
 * One daemon run: its start, then the phases asked for (steady, reload, storm), then its stop. `config`: the
 * daemon's file; `delayLoop`: the checks' delay loop in that file.
 */
async function runOne(
  kind,
  round,
  { label = kind, config, phases = ['steady', 'reload', 'storm'], delayLoop = plan.delayLoop, window = 30 },
) {
  const dir = join(runsDir, `${label}-r${round}`);
  mkdirSync(dir, { recursive: true });
  must('ipvsadm', ['-C']);
  must('ip', ['netns', 'exec', 'dsrv', 'nft', 'flush', 'set', 'inet', 'storm', 'failed']);
  const result = { daemon: label, round, services: plan.services, servers: plan.total, delayLoop, fail: plan.fail, stormMode };
  log(`${label} round ${round}: start (${plan.services} x ${plan.perService})`);

  const d = kind === 'keepalived' ? keepalivedDaemon(dir, config) : lvsdDaemon(dir, config, kind === 'lvsd-b' ? lvsdBPath : lvsdPath);
  let dead = false;
  d.exited.then((x) => {
    dead = true;
    if (!stopping && !d.stopping) log(`${label} exited early: ${JSON.stringify(x)}`);
  });
  const full = await waitFullTable(600_000);
  if (full === undefined) throw new Error(`${label}: the table never became whole (${JSON.stringify(procTable())})`);
  result.start = { ms: full.at - d.t0, how: full.how, ...(await d.started()) };
  log(`${label}: whole table after ${result.start.ms} ms`);
  await d.profile('start');

  // Memory, sampled every second from here on.
  const pid = await d.checkerPid();
  let rssMax = 0;
  const sampler = setInterval(() => {
    const m = memory(pid);
    if (m.rssMB > rssMax) rssMax = m.rssMB;
  }, 1000);

  // Steady state: every real server has had its first check; then a window of `window` seconds.
  if (phases.includes('steady')) {
    await sleep((delayLoop + plan.connectTimeout + 1) * 1000);
    const c0 = cpuSeconds(pid);
    const g0 = guestCpu();
    const h0 = handshakes();
    const w0 = Date.now();
    await sleep(window * 1000);
    const secs = (Date.now() - w0) / 1000;
    const g1 = guestCpu();
    const h1 = handshakes();
    const table = procTable();
    result.steady = {
      seconds: round1(secs),
      cpuPercent: round1((100 * (cpuSeconds(pid) - c0)) / secs),
      guestBusyPercent: round1((100 * (g1.busy - g0.busy)) / (g1.total - g0.total)),
      checksPerSecond: round1((h1 - h0) / secs),
      checksExpectedPerSecond: round1(plan.total / delayLoop),
      dests: table.dests,
      missing: plan.total - table.dests,
      ...Object.fromEntries(Object.entries(memory(pid)).map(([k, v]) => [k, round1(v)])),
    };
    log(`${label}: steady ${JSON.stringify(result.steady)}`);
    await d.profile('steady');
  }

  if (phases.includes('reload')) {
    // Reload with the same file.
    const cap = await capture('nlmon0', join(dir, 'reload.pcap'));
    const r = d.reload();
    const done = await r.done(300_000);
    await sleep(1000);
    const { dropped } = await cap.stop();
    const reqs = ipvsRequests(join(dir, 'reload.pcap')).filter((q) => q.ts >= r.t);
    const byCmd = {};
    for (const q of reqs) byCmd[q.name] = (byCmd[q.name] ?? 0) + 1;
    result.reload =
      done === undefined
        ? { ms: null, error: 'no completion line in 300 s' }
        : {
            ms: done.at - r.t,
            ops: reqs.filter((q) => MUTATING.has(q.cmd)).length,
            requests: reqs.length,
            byCmd,
            captureDropped: dropped,
            ...(done.internalMs !== undefined ? { internalMs: done.internalMs, loggedOps: done.ops, summary: done.summary } : {}),
          };
    log(`${label}: reload ${JSON.stringify(result.reload)}`);
    await d.profile('reload');
  }

  if (phases.includes('storm')) {
    // Let checks run again after the reload (keepalived restarts its checkers), then the storm.
    await sleep((delayLoop + plan.connectTimeout + 1) * 1000);
    const before = procTable();
    result.beforeStorm = { dests: before.dests };
    const nl = await capture('nlmon0', join(dir, 'storm.pcap'));
    const rst = await capture('vd', join(dir, 'rst.pcap'), ['src', 'net', '198.18.0.0/15', 'and', 'tcp[tcpflags] & tcp-rst != 0']);
    const tInject0 = Date.now();
    must('ip', ['netns', 'exec', 'dsrv', 'nft', '-f', join(runsDir, 'inject.nft')]);
    const tInject = Date.now();
    const target = plan.total - plan.fail;
    const bound = (delayLoop + (plan.retry + 1) * plan.connectTimeout + plan.retry * plan.delayBeforeRetry) * 1000;
    const seen = await until(
      () => {
        const t = procTable();
        return t.dests <= target ? t : undefined;
      },
      3 * bound + 30_000,
      500,
    );
    await sleep(1000);
    const nlStop = await nl.stop();
    const rstStop = await rst.stop();
    const failed = new Set(plan.failed);
    const dels = new Map();
    const wrong = new Set();
    let mutations = 0;
    for (const q of ipvsRequests(join(dir, 'storm.pcap'))) {
      if (q.ts < tInject0 || !MUTATING.has(q.cmd)) continue;
      mutations++;
      if (q.cmd !== 7 || q.dest?.address === undefined) continue;
      if (!failed.has(q.dest.address)) wrong.add(q.dest.address);
      else if (!dels.has(q.dest.address)) dels.set(q.dest.address, q.ts);
    }
    const kernelTimes = [...dels.values()];
    const resets = new Map();
    for (const x of tcpResets(join(dir, 'rst.pcap'))) {
      if (x.ts < tInject0) continue;
      const list = resets.get(x.src);
      if (list === undefined) resets.set(x.src, [x.ts]);
      else list.push(x.ts);
    }
    // The verdict's reset: the one that answered the round's last attempt, the (retry + 1)-th after the injection
    // (every attempt from then on is refused; after its verdict a checker goes on checking, so later resets may
    // come before a late removal and are not the verdict's).
    const wire = [];
    const verdicts = [];
    for (const [addr, k] of dels) {
      const w = (resets.get(addr) ?? []).filter((t) => t <= k)[plan.retry];
      if (w !== undefined) {
        wire.push(k - w);
        verdicts.push(w);
      }
    }
    const logged = [];
    for (const [addr, t] of d.downs(tInject0)) {
      const k = dels.get(addr);
      if (k !== undefined) logged.push(k - t);
    }
    result.storm = {
      injectMs: tInject - tInject0,
      // Until the last removal: only when every failed real server was removed in the time allowed.
      allMs: dels.size === plan.fail ? round1(Math.max(...kernelTimes) - tInject) : null,
      waitedMs: Date.now() - tInject,
      firstMs: kernelTimes.length > 0 ? round1(Math.min(...kernelTimes) - tInject) : null,
      removed: dels.size,
      missing: plan.fail - dels.size,
      wrongRemovals: wrong.size,
      mutations,
      destsAfter: seen?.dests ?? procTable().dests,
      verdictToKernelMs: stats(wire),
      lastVerdictToAllMs: verdicts.length > 0 ? round1(Math.max(...kernelTimes) - Math.max(...verdicts)) : null,
      logToKernelMs: stats(logged),
      captureDropped: nlStop.dropped + rstStop.dropped,
    };
    log(`${label}: storm ${JSON.stringify(result.storm)}`);
    await d.profile('storm');
  }

  clearInterval(sampler);
  const mem = memory(pid);
  result.memory = { rssMaxMB: round1(Math.max(rssMax, mem.rssMB)), hwmMB: round1(mem.hwmMB) };
  if (kind === 'keepalived') result.memory.parentHwmMB = round1(memory(d.pid).hwmMB);
  result.diedEarly = dead;
  d.stopping = true;
  const s0 = Date.now();
  let timer;
  const stopped = await Promise.race([d.stop(), new Promise((r) => (timer = setTimeout(r, 180_000)))]);
  clearTimeout(timer);
  if (stopped === undefined) {
    log(`${label}: did not stop in 180 s; killing it`);
    spawnSync('kill', ['-KILL', String(d.pid)]);
    await d.exited;
  }
  result.stopMs = Date.now() - s0;
  d.close();
  must('ipvsadm', ['-C']);
  must('ip', ['netns', 'exec', 'dsrv', 'nft', 'flush', 'set', 'inet', 'storm', 'failed']);
  const line = JSON.stringify(result);
  console.log(line);
  appendFileSync(join(out, 'results.jsonl'), `${line}\n`);
  // Connections of this run (TIME_WAIT) and the daemon's leftovers settle before the next run.
  await sleep(2000);
}

const acceptor = setup();
await sleep(500);
log(`lab up: ${plan.services} services x ${plan.perService} real servers, storm ${plan.fail} (${stormMode})`);
try {
  for (let r = 1; r <= rounds; r++) {
    const seq = r % 2 === 1 ? order : [...order].reverse();
    for (const kind of seq) await runOne(kind, r, { config: join(work, kind === 'keepalived' ? 'keepalived.conf' : 'lvsd.yaml') });
    if (jsonStart) await runOne('lvsd', r, { label: 'lvsd-json', config: join(work, 'lvsd.json'), phases: [] });
  }
  // The memory run: the same services checked every rssDelayLoop seconds, start and steady state only.
  if (plan.rssDelayLoop !== undefined) {
    const delayLoop = plan.rssDelayLoop;
    const common = { phases: ['steady'], delayLoop, window: 60 };
    await runOne('keepalived', 1, { ...common, label: 'keepalived-rss', config: join(work, 'keepalived-rss.conf') });
    await runOne('lvsd', 1, { ...common, label: 'lvsd-rss', config: join(work, 'lvsd-rss.yaml') });
  }
} finally {
  stopping = true;
  acceptor.kill('SIGTERM');
}
