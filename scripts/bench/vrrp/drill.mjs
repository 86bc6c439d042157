// vrrp benchmark driver (scripts/bench/vrrp.sh runs it, with the netns lab already up): failover drills on an lvsd
// pair and a keepalived pair, the same lab, the ip transport, VRRPv2 advert_int 1 and VRRPv3 advert_int 0.1.
//
// d1 (priority 150) is master, d2 (priority 100) backup; a TCP responder runs in both (responder.mjs, 0.0.0.0), so
// the VIP answers on whichever director holds it; the client probes VIP:7000 every 10 ms (probe.mjs).
// Drills, `rounds` times per implementation and version (a fresh pair each round, implementations alternating):
//   crash    d1's front interface goes down (`ip link set eth0 down` inside d1): d2 must notice the missing adverts.
//            The link goes down half an advert interval after an advert of d1's is seen on the LAN, so both
//            implementations are hit at the same phase of their advert cycle (the gap is then about
//            Master_Down_Interval - interval/2 + takeover latency, instead of varying by a whole interval).
//   planned  d1's daemon gets SIGTERM (lvsd: make-before-break handover; keepalived: priority-0 advert).
// Before each drill the pair must be settled: d1 master holding the VIP, d2 in backup without it, only d1's adverts
// on the LAN, the client's neighbour entry for the VIP on d1's MAC, and 1 s of probes all answered by d1.
// After it: d2 must answer every probe for 1 s; then d1 is restored (link up, or daemon restarted) and preempts.
// Per drill: longest gap between the answers of successful probes, failed probes, takeover time (the first answer
// from d2 after the fault), and the time from d1's last advert to d2's first answer.
//
// Usage: node drill.mjs --prefix P --work DIR [--rounds N (v2, default 3)] [--rounds-v3 N (default 5)]
//                       [--impl lvsd,keepalived] [--versions 2,3]
//                       [--scenarios crash,planned]
// The report goes to standard output (last line: the summary), progress to standard error.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const HERE = fileURLToPath(new URL('.', import.meta.url));
const LVSD = join(ROOT, 'dist/src/cli/lvsd.js');
const VIP = '203.0.113.10';
const PORT = 7000;
const ADDR = { d1: '203.0.113.1', d2: '203.0.113.2' };
const PRIO = { d1: 150, d2: 100 };
const PROBE_INTERVAL_MS = 10;
const PROBE_TIMEOUT_MS = 150;

const { values: opt } = parseArgs({
  options: {
    prefix: { type: 'string' },
    work: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'rounds-v3': { type: 'string', default: '5' },
    impl: { type: 'string', default: 'lvsd,keepalived' },
    versions: { type: 'string', default: '2,3' },
    scenarios: { type: 'string', default: 'crash,planned' },
  },
});
if (!opt.prefix || !opt.work) throw new Error('usage: drill.mjs --prefix P --work DIR [--rounds N]');
const prefix = opt.prefix;
const work = opt.work;
const roundsOf = (version) => Number(version === 2 ? opt.rounds : opt['rounds-v3']);
const impls = opt.impl.split(',');
const versions = opt.versions.split(',').map(Number);
const scenarios = opt.scenarios.split(',');

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`vrrp: ${msg}\n`);
const ns = (host) => `${prefix}-${host}`;
const fmtS = (ms) => (ms === undefined || ms === null ? '-' : (ms / 1000).toFixed(3));

/** Runs a command to completion; resolves with stdout (rejects on a non-zero status unless allowFailure). */
function run(argv, { allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('error', reject);
    c.on('close', (code) => {
      if (code === 0 || allowFailure) resolve(out);
      else reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim()}`));
    });
  });
}
const nsRun = (host, argv, o) => run(['ip', 'netns', 'exec', ns(host), ...argv], o);

/** A long-running process in a namespace, its output lines kept (with arrival times) and logged to a file. */
class Proc {
  constructor(host, argv, logName, { stdin = 'ignore' } = {}) {
    this.host = host;
    this.lines = [];
    this.exited = false;
    this.child = spawn('ip', ['netns', 'exec', ns(host), ...argv], { stdio: [stdin, 'pipe', 'pipe'] });
    this.file = createWriteStream(join(work, logName), { flags: 'a' });
    this.exit = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      });
    });
    this.child.on('error', (err) => log(`${logName}: ${err.message}`));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const t = now();
        this.lines.push({ t, line });
        this.file.write(`${t.toFixed(1)} ${line}\n`);
        this.onLine?.(t, line);
      });
    }
  }

  async stop(signal = 'SIGTERM', waitMs = 5_000) {
    if (this.exited) return;
    this.child.kill(signal);
    const timeout = sleep(waitMs).then(() => 'timeout');
    if ((await Promise.race([this.exit, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exit;
    }
  }
}

/** The probe process in the client namespace, spoken to in JSON lines. */
class Probe {
  constructor() {
    this.seq = 0;
    this.pending = new Map();
    this.proc = new Proc(
      'client',
      ['node', join(HERE, 'probe.mjs'), ROOT, VIP, String(PORT), String(PROBE_INTERVAL_MS), String(PROBE_TIMEOUT_MS)],
      'probe.log',
      { stdin: 'pipe' },
    );
    this.ready = new Promise((resolve) => {
      this.proc.onLine = (_t, line) => {
        if (!line.startsWith('{')) return;
        const msg = JSON.parse(line);
        if (msg.ready) resolve();
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p(msg);
        }
      };
    });
  }

  request(cmd) {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  }

  async probes(from, to) {
    return (await this.request({ cmd: 'probes', from, to })).probes;
  }

  async adverts(from, to) {
    return (await this.request({ cmd: 'adverts', from, to })).adverts;
  }
}

/** `ip -batch -` in a namespace, for link changes without a process start each time. */
class IpBatch {
  constructor(host) {
    this.child = spawn('ip', ['-n', ns(host), '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
  }

  cmd(line) {
    this.child.stdin.write(`${line}\n`);
  }

  close() {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The daemons

function lvsdConfig(version, advertInt) {
  const file = join(work, `lvsd-v${version}.yaml`);
  writeFileSync(
    file,
    `nodes:
  d1: { vrrp_instances: { VI_1: { priority: ${PRIO.d1} } } }
  d2: { vrrp_instances: { VI_1: { priority: ${PRIO.d2} } } }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    version: ${version}
    advert_int: ${advertInt}
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
  );
  return file;
}

function keepalivedConfig(host, version, advertInt) {
  const file = join(work, `keepalived-${host}-v${version}.conf`);
  writeFileSync(
    file,
    `global_defs {
  router_id ${host}
  vrrp_version ${version}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${PRIO[host]}
  advert_int ${advertInt}
  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}
`,
  );
  return file;
}

let daemonSeq = 0;

/** One VRRP daemon (lvsd or keepalived) on a director; tracks its state from its log. */
class Daemon {
  constructor(impl, host, version, advertInt) {
    this.impl = impl;
    this.host = host;
    this.version = version;
    this.advertInt = advertInt;
    this.state = 'initialize';
    /** [time, state] of every state change seen in the log. */
    this.changes = [];
    let argv;
    if (impl === 'lvsd') {
      argv = ['node', LVSD, 'run', '-c', lvsdConfig(version, advertInt), '--node', host];
    } else {
      // Pid files of its own: keepalived refuses to start over one a predecessor left behind.
      this.pidFile = join(work, `k-${host}-${++daemonSeq}`);
      const conf = keepalivedConfig(host, version, advertInt);
      argv = ['keepalived', '-P', '-n', '-l', '-D', '-G', '-f', conf, '-p', `${this.pidFile}.pid`, '-r', `${this.pidFile}-vrrp.pid`];
    }
    this.proc = new Proc(host, argv, `${impl}-${host}.log`);
    this.proc.onLine = (t, line) => {
      let to;
      if (impl === 'lvsd') {
        if (line.includes('"msg":"transition"')) to = JSON.parse(line).to;
      } else {
        const m = /Entering (\w+) STATE/.exec(line);
        if (m) to = m[1].toLowerCase();
      }
      if (to !== undefined) {
        this.state = to;
        this.changes.push([t, to]);
      }
    };
  }

  /** When this daemon last entered `state` at or after `since`. */
  entered(state, since) {
    return this.changes.find(([t, s]) => s === state && t >= since)?.[0];
  }

  async stop(signal = 'SIGTERM') {
    await this.proc.stop(signal, 8_000);
    if (this.impl === 'keepalived') {
      // Its VRRP child normally goes with it; make sure (one stopped early in its start may leave it behind).
      const pids = (await run(['ip', 'netns', 'pids', ns(this.host)], { allowFailure: true })).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'keepalived') process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lab state

const macs = {};
async function hasVip(host) {
  return (await nsRun(host, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).includes(` ${VIP}/`);
}
async function clientNeighMac() {
  const out = await nsRun('client', ['ip', 'neigh', 'show', VIP], { allowFailure: true });
  return /lladdr (\S+)/.exec(out)?.[1];
}

/**
 * Waits until d1 is master with the VIP, d2 backup without it, only d1 advertises, the client's neighbour entry
 * points at d1, and 1 s of probes were all answered by d1. Returns the time it took.
 */
async function settle(probe, pair, advMs, what) {
  const start = now();
  const deadline = start + 60_000;
  let neighWrongSince;
  let why = '';
  for (;;) {
    const t = now();
    if (t > deadline) throw new Error(`${what}: the pair did not settle within 60 s (${why})`);
    await sleep(100);
    why = '';
    for (const h of ['d1', 'd2']) {
      const d = pair[h];
      if (d.proc.exited) {
        const tail = d.proc.lines.slice(-5).map((l) => l.line);
        throw new Error(`${what}: ${d.impl} on ${h} exited; its last lines:\n  ${tail.join('\n  ')}`);
      }
    }
    if (pair.d1.state !== 'master') why = `d1 ${pair.d1.state}`;
    else if (pair.d2.state !== 'backup') why = `d2 ${pair.d2.state}`;
    else if (!(await hasVip('d1'))) why = 'VIP not on d1';
    else if (await hasVip('d2')) why = 'VIP on d2';
    if (why) continue;
    const advWindow = Math.max(3 * advMs, 1_000);
    const adv = await probe.adverts(t - advWindow, t);
    if (adv.some(([, src, prio]) => src !== ADDR.d1 || prio !== PRIO.d1) || adv.length < 2) {
      why = `adverts in the last ${advWindow} ms: ${adv.length}, not all from d1 at priority ${PRIO.d1}`;
      continue;
    }
    const pr = await probe.probes(t - 1_200, t - 200);
    if (pr.length < 80 || pr.some(([, , ok, who]) => !ok || who !== 'd1')) {
      why = `probes in the last second: ${pr.length}, ${pr.filter((p) => !p[2]).length} failed, ${pr.filter((p) => p[3] === 'd2').length} by d2`;
      continue;
    }
    if ((await clientNeighMac()) !== macs.d1) {
      // Settled but for the client's neighbour entry: the daemons should have fixed it by now (GARP).
      neighWrongSince ??= t;
      why = 'client neighbour entry not on d1';
      if (t - neighWrongSince > 3_000) {
        log(`${what}: client neighbour entry for the VIP still not on d1 after 3 s; deleting it`);
        await nsRun('client', ['ip', 'neigh', 'del', VIP, 'dev', 'eth0'], { allowFailure: true });
        neighWrongSince = undefined;
      }
      continue;
    }
    return now() - start;
  }
}

/** Waits until 1 s of probes were all answered by d2; returns false on timeout. */
async function waitServedBy(probe, host, timeoutMs) {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    await sleep(100);
    const t = now();
    const pr = await probe.probes(t - 1_200, t - 200);
    if (pr.length >= 80 && pr.every(([, , ok, who]) => ok && who === host)) return true;
  }
  return false;
}

/**
 * The figures of one drill from the probes of its window. Gaps are measured between the answers (completion times)
 * of successful probes: a probe held up somewhere (in a director's neighbour queue, say) and answered within its
 * timeout succeeds, but only counts from when its answer came.
 */
function analyse(probes, tFault, lastAdvert) {
  const ok = probes.filter((p) => p[2]).sort((a, b) => a[1] - b[1]);
  let maxGap = 0;
  for (let i = 1; i < ok.length; i++) maxGap = Math.max(maxGap, ok[i][1] - ok[i - 1][1]);
  const failed = probes.filter((p) => !p[2]).length;
  const firstD2 = ok.find(([, e, , who]) => who === 'd2' && e >= tFault)?.[1];
  const fails = probes
    .filter((p) => !p[2])
    .map((p) => p[0] - tFault)
    .sort((a, b) => a - b);
  return {
    failSpanMs: fails.length > 0 ? [Math.round(fails[0]), Math.round(fails.at(-1))] : undefined,
    gapMs: maxGap,
    failed,
    takeoverMs: firstD2 !== undefined ? firstD2 - tFault : undefined,
    afterAdvertMs: firstD2 !== undefined && lastAdvert !== undefined ? firstD2 - lastAdvert : undefined,
    probes: probes.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Drills

async function drill(probe, pair, impl, version, advMs, scenario, round) {
  const what = `${impl} v${version} ${scenario} #${round}`;
  const settledIn = await settle(probe, pair, advMs, what);
  // Hit d1 half an advert interval after one of its adverts (the same phase for both implementations); when this
  // process hears of the advert too late (a loaded machine), let it pass and wait for the next one.
  const delayMs = advMs / 2;
  const tolerance = Math.max(5, advMs / 50);
  let fire;
  for (let attempt = 1; ; attempt++) {
    fire = await probe.request({ cmd: 'fire', src: ADDR.d1, delayMs, timeoutMs: 5 * advMs + 1_000 });
    if (fire.error) throw new Error(`${what}: ${fire.error}`);
    if (now() - fire.advertAt <= delayMs + tolerance || attempt >= 20) break;
  }
  const d1Batch = pair.batch;
  const tFault = now();
  if (scenario === 'crash') d1Batch.cmd('link set dev eth0 down');
  else pair.d1.proc.child.kill('SIGTERM');
  const served = await waitServedBy(probe, 'd2', version === 2 ? 15_000 : 8_000);
  const tEnd = now() - 200;
  const adv = await probe.adverts(tFault - 5_000, tFault);
  const lastAdvert = adv.filter(([, src, prio]) => src === ADDR.d1 && prio > 0).at(-1)?.[0];
  const r = analyse(await probe.probes(tFault - 1_000, tEnd), tFault, lastAdvert);
  const masterAt = pair.d2.entered('master', tFault);
  const stalls = (await probe.request({ cmd: 'stalls', from: tFault - 1_000, to: tEnd + 200 })).stalls;
  const stallMs = stalls.reduce((a, x) => Math.max(a, x[1]), 0);
  const result = {
    impl,
    version,
    scenario,
    round,
    served,
    ...r,
    d2MasterMs: masterAt !== undefined ? masterAt - tFault : undefined,
    phaseMs: tFault - fire.advertAt,
    settledInMs: settledIn,
    proberStallMs: stallMs,
    tFault,
    lastAdvert,
  };
  log(
    `${what}: gap ${fmtS(r.gapMs)} s, failed ${r.failed}/${r.probes}, takeover ${fmtS(r.takeoverMs)} s` +
      ` (d2 master after ${fmtS(result.d2MasterMs)} s; first d2 answer ${fmtS(r.afterAdvertMs)} s after d1's last advert;` +
      ` fault ${result.phaseMs.toFixed(0)} ms after it; failures from ${r.failSpanMs?.[0] ?? '-'} to ${r.failSpanMs?.[1] ?? '-'} ms)${stallMs > 0 ? `; the prober itself stalled up to ${stallMs.toFixed(0)} ms` : ''}${served ? '' : ' NOT SERVED BY d2'}`,
  );
  // Restore d1.
  if (scenario === 'crash') {
    d1Batch.cmd('link set dev eth0 up');
  } else {
    const ex = await Promise.race([pair.d1.proc.exit, sleep(10_000).then(() => undefined)]);
    if (ex === undefined) {
      log(`${what}: d1's daemon did not exit within 10 s of SIGTERM; killing it`);
      await pair.d1.stop('SIGKILL');
    } else if (ex.code !== 0) log(`${what}: d1's daemon exited with ${ex.code ?? ex.signal}`);
    if (await hasVip('d1')) log(`${what}: the VIP is still on d1 after its daemon stopped`);
    pair.d1 = new Daemon(impl, 'd1', version, pair.d1.advertInt);
  }
  return result;
}

const median = (xs) => {
  const v = xs.filter((x) => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
};

async function main() {
  for (const h of ['d1', 'd2']) macs[h] = (await nsRun(h, ['cat', '/sys/class/net/eth0/address'])).trim();
  // A probe every 10 ms for minutes: plenty of ports, reuse of TIME_WAIT ones. No ICMP redirects from the
  // directors (a director forwarding a packet for the VIP it just gave up would teach the client a route).
  await nsRun('client', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65000', 'net.ipv4.tcp_tw_reuse=1']);
  for (const h of ['d1', 'd2']) {
    await nsRun(h, ['sysctl', '-qw', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
  }
  const responders = ['d1', 'd2'].map((h) => new Proc(h, ['node', join(HERE, 'responder.mjs'), h, String(PORT)], `responder-${h}.log`));
  const probe = new Probe();
  await probe.ready;
  const results = [];
  try {
    for (const version of versions) {
      const advertInt = version === 2 ? 1 : 0.1;
      const advMs = advertInt * 1000;
      for (let round = 1; round <= roundsOf(version); round++) {
        // A fresh pair per implementation and round, alternating which goes first: a machine whose load drifts
        // (a shared one) weighs on both alike.
        for (const impl of round % 2 === 1 ? impls : [...impls].reverse()) {
          log(`${impl} pair, VRRPv${version}, advert_int ${advertInt}, round ${round}: starting (load ${loadavg()})`);
          // d2 first, then d1: d1 preempts as it will after every drill.
          const d2 = new Daemon(impl, 'd2', version, advertInt);
          await sleep(300);
          const pair = { d1: new Daemon(impl, 'd1', version, advertInt), d2, batch: new IpBatch('d1') };
          try {
            for (const scenario of scenarios) {
              results.push(await drill(probe, pair, impl, version, advMs, scenario, round));
            }
          } finally {
            pair.batch.cmd('link set dev eth0 up');
            pair.batch.close();
            await Promise.all([pair.d1.stop(), pair.d2.stop()]);
            for (const h of ['d1', 'd2']) await nsRun(h, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFailure: true });
            await nsRun('client', ['ip', 'neigh', 'del', VIP, 'dev', 'eth0'], { allowFailure: true });
            await sleep(300);
          }
        }
      }
    }
  } finally {
    probe.proc.child.stdin.end();
    for (const r of responders) r.child.kill('SIGTERM');
  }
  writeFileSync(join(work, 'results.json'), JSON.stringify(results, null, 1));
  report(results);
}

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function report(results) {
  const out = [];
  const p = (s) => out.push(s);
  p(`vrrp failover drills: lvsd vs keepalived ${execVersion()}, ip transport, d1 priority ${PRIO.d1} -> d2 priority ${PRIO.d2},`);
  p(
    `  probes every ${PROBE_INTERVAL_MS} ms (TCP connect + request, ${PROBE_TIMEOUT_MS} ms timeout), ${versions.map((v) => `${roundsOf(v)} round(s) per v${v} scenario`).join(', ')}: median [min-max]`,
  );
  p("  crash: d1 eth0 link down, half an advert interval after a d1 advert; planned: SIGTERM to d1's daemon");
  p('  gap: longest time between answers to successful probes; takeover: fault to the first answer from d2;');
  p("  after-advert: d1's last advert to d2's first answer (Master_Down_Interval + takeover latency)");
  p('');
  const head = ['scenario', 'impl', 'gap s', 'failed', 'takeover s', 'after-advert s', 'd2 master s'];
  const rows = [head];
  const fmtRange = (xs, f) => {
    const v = xs.filter((x) => x !== undefined && Number.isFinite(x));
    if (v.length === 0) return '-';
    return v.length === 1 ? f(v[0]) : `${f(median(v))} [${f(Math.min(...v))}-${f(Math.max(...v))}]`;
  };
  const sec = (ms) => (ms / 1000).toFixed(3);
  const int = (x) => String(Math.round(x));
  const med = {};
  for (const version of versions) {
    for (const scenario of scenarios) {
      const label = `v${version} adv ${version === 2 ? '1' : '0.1'} ${scenario === 'crash' ? 'link down' : 'SIGTERM'}`;
      for (const impl of impls) {
        const rs = results.filter((r) => r.version === version && r.scenario === scenario && r.impl === impl);
        if (rs.length === 0) continue;
        med[`${impl} ${version} ${scenario}`] = { gap: median(rs.map((r) => r.gapMs)), failed: rs.reduce((a, r) => a + r.failed, 0) };
        rows.push([
          label,
          impl,
          fmtRange(
            rs.map((r) => r.gapMs),
            sec,
          ),
          `${fmtRange(
            rs.map((r) => r.failed),
            int,
          )} (${rs.map((r) => r.failed).join(',')})`,
          fmtRange(
            rs.map((r) => r.takeoverMs),
            sec,
          ),
          fmtRange(
            rs.map((r) => r.afterAdvertMs),
            sec,
          ),
          fmtRange(
            rs.map((r) => r.d2MasterMs),
            sec,
          ),
        ]);
      }
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    p(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  const stalled = results.filter((r) => r.proberStallMs > 50);
  if (stalled.length > 0) {
    p(
      `note: in ${stalled.length} drill(s) the prober's own event loop stalled over 50 ms (a loaded machine): ${stalled
        .map((r) => `${r.impl} v${r.version} ${r.scenario} #${r.round} (${r.proberStallMs.toFixed(0)} ms)`)
        .join(', ')}`,
    );
  }
  const unserved = results.filter((r) => !r.served);
  if (unserved.length > 0)
    p(`WARNING: ${unserved.length} drill(s) where d2 never served cleanly for 1 s (gap counted to the end of the wait)`);
  p('');
  const ratios = [];
  for (const version of versions) {
    const l = med[`lvsd ${version} crash`]?.gap;
    const k = med[`keepalived ${version} crash`]?.gap;
    if (l !== undefined && k !== undefined && k > 0) {
      ratios.push({ version, ratio: l / k, diffMs: l - k });
      p(`crash gap ratio v${version} (lvsd/keepalived, medians): ${sec(l)} / ${sec(k)} = ${(l / k).toFixed(3)}`);
    }
  }
  const worst = ratios.reduce((a, r) => (a === undefined || r.ratio > a.ratio ? r : a), undefined);
  const sum = (impl) =>
    impls.includes(impl) && scenarios.includes('planned')
      ? versions.reduce((a, v) => a + (med[`${impl} ${v} planned`]?.failed ?? 0), 0)
      : 'n/a';
  const P = sum('lvsd');
  const K = sum('keepalived');
  const C = worst?.ratio;
  if (worst !== undefined)
    p(
      `C = the worse of the ${ratios.map((r) => `v${r.version}`).join(' and ')} link-down ratios (v${worst?.version ?? '-'}); target C <= 1.0: ${C !== undefined && C <= 1 ? 'met' : 'NOT met'}`,
    );
  if (worst !== undefined) {
    const d = worst.diffMs;
    const within = Math.abs(d) < PROBE_INTERVAL_MS;
    p(
      `  (lvsd ${d >= 0 ? 'slower' : 'faster'} by ${Math.abs(d).toFixed(1)} ms there: ${within ? 'within' : 'beyond'} the ${PROBE_INTERVAL_MS} ms probe resolution)`,
    );
  }
  p(
    `planned stop (SIGTERM) failed probes, summed over every round of both versions: lvsd ${P}, keepalived ${K}; target lvsd 0: ${P === 0 ? 'met' : 'NOT met'}`,
  );
  p(`load average at the end: ${loadavg()} (2 cores, shared)`);
  p(
    `vrrp crash ratio ${C === undefined ? 'n/a' : C.toFixed(2)} (lvsd/keepalived), planned-stop failed probes lvsd ${P} vs keepalived ${K}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

function execVersion() {
  try {
    return /Keepalived (v[\d.]+)/.exec(readFileSync(join(work, 'keepalived.version'), 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

await main();
