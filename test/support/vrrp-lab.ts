/**
 * VRRP daemons in a NetnsLab, for the netns suites that run `lvsd run` and keepalived: start them, collect their
 * log lines and state changes (with the host clock's time of each), look at who holds the VIP, cut and heal the
 * VRRP path with nftables, watch the client's neighbour table and ARP traffic.
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LAB_ADDR, type NetnsLab } from './netns-lab.js';

const execFileP = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LVSD = join(ROOT, 'dist/src/cli/lvsd.js');
export const VIP = LAB_ADDR.frontVip;
export type Director = 'd1' | 'd2';

/** A state change as the daemon reported it; `time` in ms on the host clock (lvsd: its log's, keepalived: arrival). */
export interface StateChange {
  readonly time: number;
  readonly from: string;
  readonly to: string;
  readonly priority?: number;
}

export interface Daemon {
  readonly kind: 'lvsd' | 'keepalived';
  readonly host: Director;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly changes: StateChange[];
}

/** The state a daemon last reported ('initialize' before any). */
export function stateOf(d: Daemon): string {
  return d.changes.at(-1)?.to ?? 'initialize';
}

/** Fails loudly (throws) when a prerequisite of the VRRP netns suites is missing; builds dist. */
export function requireVrrpPrerequisites(tools: readonly string[] = []): void {
  if (!existsSync(join(ROOT, 'build/Release/vrrp_socket.node'))) throw new Error('native addon not built: npm run build');
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      throw new Error(`${tool} is not installed (apt-get install -y ${tool === 'nft' ? 'nftables' : tool})`);
    }
  }
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  stepMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const KEEPALIVED_STATE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

function collect(kind: Daemon['kind'], host: Director, child: ChildProcess): Daemon {
  const d: Daemon = { kind, host, child, lines: [], changes: [] };
  let buf = '';
  const onData = (chunk: Buffer) => {
    const now = Date.now();
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      d.lines.push(line);
      if (kind === 'lvsd') {
        try {
          const j = JSON.parse(line) as { msg?: string; time: number; from: string; to: string; priority: number };
          if (j.msg === 'transition') d.changes.push({ time: j.time, from: j.from, to: j.to, priority: j.priority });
        } catch {
          // not a log line
        }
      } else {
        const m = KEEPALIVED_STATE.exec(line);
        if (m?.[2]) d.changes.push({ time: now, from: stateOf(d), to: m[2].toLowerCase() });
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return d;
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export interface LvsdPairOptions {
  readonly vrid?: number;
  readonly version?: 2 | 3;
  readonly priorities?: { readonly d1: number; readonly d2: number };
  readonly downTimerAdverts?: number;
  readonly garpMasterDelay?: number;
  /** More instance keys, YAML lines indented for the instance mapping. */
  readonly extra?: string;
}

/** Writes an lvsd config for the d1/d2 pair (VIP on the front LAN, ip transport, advert_int 1). */
export function writeLvsdConfig(file: string, o: LvsdPairOptions = {}): string {
  const p = o.priorities ?? { d1: 150, d2: 100 };
  writeFileSync(
    file,
    `nodes:
  d1: { vrrp_instances: { VI_1: { priority: ${p.d1} } } }
  d2: { vrrp_instances: { VI_1: { priority: ${p.d2} } } }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: ${o.vrid ?? 51}
    version: ${o.version ?? 2}
    advert_int: 1
    garp_master_delay: ${o.garpMasterDelay ?? 1}
${o.downTimerAdverts !== undefined ? `    down_timer_adverts: ${o.downTimerAdverts}\n` : ''}${o.extra ?? ''}    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
  );
  return file;
}

/** Starts `lvsd run` on host and waits for its "running" line. */
export async function startLvsd(lab: NetnsLab, host: Director, file: string, track: Daemon[]): Promise<Daemon> {
  const d = collect('lvsd', host, await lab.spawn(host, ['node', LVSD, 'run', '-c', file, '--node', host]));
  track.push(d);
  await waitFor(`lvsd on ${host} running`, () => d.lines.some((l) => l.includes('"msg":"running"')), 15_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${d.lines.join('\n')}`);
  });
  return d;
}

export interface KeepalivedOptions {
  readonly priority: number;
  readonly version?: 2 | 3;
  readonly vrid?: number;
  /** More vrrp_instance lines. */
  readonly extra?: string;
}

/**
 * keepalived's command line for a lab node: VRRP only (-P), in the foreground (-n), logging to the console (-l) in
 * detail (-D), without reading the system's config (-G); config FILE, pid files in DIR named after HOST.
 */
export function keepalivedArgv(file: string, dir: string, host: string): string[] {
  return ['keepalived', '-P', '-n', '-l', '-D', '-G', '-f', file, '-p', join(dir, `k-${host}.pid`), '-r', join(dir, `k-${host}-vrrp.pid`)];
}

/** Starts keepalived (VRRP only, in the foreground, logging to the console) on host; waits for its first state. */
export async function startKeepalived(lab: NetnsLab, host: Director, dir: string, o: KeepalivedOptions, track: Daemon[]): Promise<Daemon> {
  const file = join(dir, `keepalived-${host}.conf`);
  writeFileSync(
    file,
    `global_defs {
  router_id ${host}
  vrrp_version ${o.version ?? 2}
  vrrp_garp_master_delay 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.priority}
  advert_int 1
${o.extra ?? ''}  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}
`,
  );
  const d = collect('keepalived', host, await lab.spawn(host, keepalivedArgv(file, dir, host)));
  track.push(d);
  await waitFor(`keepalived on ${host} started`, () => d.changes.length > 0, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${d.lines.join('\n')}`);
  });
  return d;
}

/** Kills every tracked daemon and removes the VIP from both directors (a killed master leaves it behind). */
export async function stopAll(lab: NetnsLab, track: Daemon[]): Promise<void> {
  for (const d of track.splice(0)) {
    d.child.kill('SIGKILL');
    await exited(d.child);
  }
  for (const h of ['d1', 'd2'] as const) {
    await execFileP('ip', ['-n', lab.ns(h), 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']).catch(() => undefined);
  }
}

/** Whether host has the VIP on eth0 (`ip -n`: no `ip netns exec`, cheap enough to sample every 100 ms). */
export async function hasVip(lab: NetnsLab, host: Director): Promise<boolean> {
  const { stdout } = await execFileP('ip', ['-n', lab.ns(host), '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return stdout.includes(` ${VIP}/`);
}

export async function macOf(lab: NetnsLab, host: Director, ifname = 'eth0'): Promise<string> {
  return (await lab.exec(host, ['cat', `/sys/class/net/${ifname}/address`])).stdout.trim();
}

/** The client's neighbour entry for the VIP (the `ip neigh show` line, '' if none). */
export async function clientNeigh(lab: NetnsLab): Promise<string> {
  return (await execFileP('ip', ['-n', lab.ns('client'), 'neigh', 'show', VIP])).stdout.trim();
}

/** Runs an nftables script inside host, or the lab's switch namespace (`nft -f -`). */
export async function nft(lab: NetnsLab, host: Director | 'sw', script: string): Promise<void> {
  const ns = host === 'sw' ? `${lab.prefix}-sw` : lab.ns(host);
  await new Promise<void>((resolve, reject) => {
    const child = execFile('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], (err, _stdout, stderr) =>
      err ? reject(new Error(`nft in ${host}: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin?.end(script);
  });
}

/**
 * Cuts VRRP between the directors in the front bridge (frames from one director's port to the other's); the client's
 * port still sees both directors' adverts, and everything else (ARP, traffic) still flows.
 */
export async function cutVrrp(lab: NetnsLab): Promise<void> {
  await nft(
    lab,
    'sw',
    `table bridge vrrpcut {
  chain cut { type filter hook forward priority 0; iifname { "d1-0", "d2-0" } oifname { "d1-0", "d2-0" } ip protocol vrrp counter drop; }
}
`,
  );
}

export async function healVrrp(lab: NetnsLab): Promise<void> {
  await nft(lab, 'sw', 'delete table bridge vrrpcut\n');
}

/** A line-by-line watcher of a long-running command in a lab host; lines carry their arrival time. */
export interface Watcher {
  readonly lines: { readonly at: number; readonly text: string }[];
  readonly child: ChildProcess;
}

export async function watch(lab: NetnsLab, host: Parameters<NetnsLab['spawn']>[0], argv: string[]): Promise<Watcher> {
  const child = await lab.spawn(host, argv);
  const w: Watcher = { lines: [], child };
  let buf = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const at = Date.now();
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      w.lines.push({ at, text: buf.slice(0, i) });
      buf = buf.slice(i + 1);
    }
  });
  return w;
}

/**
 * tcpdump of ARP and VRRP on the client's eth0, with the link-layer header and epoch timestamps (host clock);
 * resolves once tcpdump listens.
 */
export async function captureArp(lab: NetnsLab): Promise<Watcher> {
  const argv = ['tcpdump', '-i', 'eth0', '-n', '-e', '-l', '--immediate-mode', '-tt', 'arp or ip proto 112'];
  const w = await watch(lab, 'client', argv);
  let err = '';
  w.child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  await waitFor('tcpdump listening', () => err.includes('listening on'), 10_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${err}`);
  });
  return w;
}

/** Gratuitous ARPs for the VIP in a capture: {time (ms, from tcpdump's -tt), mac}. */
export function gratuitousArps(w: Watcher): { time: number; mac: string }[] {
  const out: { time: number; mac: string }[] = [];
  const vip = VIP.replaceAll('.', '\\.');
  // keepalived puts the broadcast address as target hardware address, which tcpdump shows: "who-has VIP (ff:…) tell".
  const re = new RegExp(`^(\\d+\\.\\d+) ([0-9a-f:]{17}) > ff:ff:ff:ff:ff:ff, .*Request who-has ${vip}(?: \\([0-9a-f:]+\\))? tell ${vip},`);
  for (const { text } of w.lines) {
    const m = re.exec(text);
    if (m?.[1] && m[2]) out.push({ time: Number(m[1]) * 1000, mac: m[2] });
  }
  return out;
}

/** Times (ms, tcpdump's) of the VRRP adverts from `src` in a capture. */
export function advertTimes(w: Watcher, src: string): number[] {
  const re = new RegExp(`^(\\d+\\.\\d+) .* ${src.replaceAll('.', '\\.')} > [0-9.]+: VRRPv[23], Advertisement`);
  const out: number[] = [];
  for (const { text } of w.lines) {
    const m = re.exec(text);
    if (m?.[1]) out.push(Number(m[1]) * 1000);
  }
  return out;
}

/** Skew_Time of VRRPv2 / VRRPv3 at advert_int 1 s, in ms: (256 − priority) / 256 s. */
export function skewMs(priority: number): number {
  return ((256 - priority) * 1000) / 256;
}
