/**
 * The kernel's IPVS state in a lab namespace as the real ipvsadm prints it (never lvsd's own view): the table,
 * its counters, the connection entries and the sync daemons, parsed just enough to compare.
 */
import type { LabHost, NetnsLab } from '../../support/netns-lab.js';

/** One virtual service of `ipvsadm -Ln`: "TCP 203.0.113.10:80 rr" and its destinations, "192.0.2.11:8080 Masq 1". */
export interface ServiceView {
  readonly service: string;
  readonly dests: readonly string[];
}

async function ipvsadm(lab: NetnsLab, host: LabHost, args: string[]): Promise<string> {
  return (await lab.exec(host, ['ipvsadm', ...args])).stdout;
}

/**
 * `ipvsadm -Ln` as services with their destinations (address:port, forwarding, weight; the connection counts,
 * which change with traffic, left out), destinations sorted: the kernel's list order is not part of the state.
 */
export async function table(lab: NetnsLab, host: LabHost): Promise<ServiceView[]> {
  const out: { service: string; dests: string[] }[] = [];
  for (const line of (await ipvsadm(lab, host, ['-Ln'])).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP|FWM) /.test(line)) out.push({ service: f.join(' '), dests: [] });
    else if (line.startsWith('  -> ') && f[1] !== 'RemoteAddress:Port') out.at(-1)?.dests.push(f.slice(1, 4).join(' '));
  }
  for (const s of out) s.dests.sort();
  return out;
}

/** The destination addresses (address:port) of the TCP service on `vip` ("address:port"; empty when it is not there). */
export async function destinations(lab: NetnsLab, host: LabHost, vip: string): Promise<string[]> {
  const s = (await table(lab, host)).find((x) => x.service.startsWith(`TCP ${vip} `));
  return (s?.dests ?? []).map((d) => d.split(' ')[0] as string);
}

/**
 * `ipvsadm -Ln --stats` now: each line's counters (Conns InPkts OutPkts InBytes OutBytes) by its service or
 * destination. Right after traffic these can lag it; see stats().
 */
export async function statsNow(lab: NetnsLab, host: LabHost): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let service = '';
  for (const line of (await ipvsadm(lab, host, ['-Ln', '--stats'])).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP|FWM) /.test(line)) {
      service = `${f[0]} ${f[1]}`;
      out.set(service, f.slice(2).join(' '));
    } else if (line.startsWith('  -> ') && f.length > 2) out.set(`${service} -> ${f[1]}`, f.slice(2).join(' '));
  }
  return out;
}

/** How often the kernel folds its per-CPU counters into what ipvsadm reads (the rate estimator's 2 s timer). */
const STATS_PERIOD_MS = 2000;

/**
 * `ipvsadm -Ln --stats` once the counters have settled: the kernel publishes them every 2 s, so a read right
 * after traffic can lag it. Two reads a period apart that agree are the settled value.
 */
export async function stats(lab: NetnsLab, host: LabHost): Promise<Map<string, string>> {
  let last = await statsNow(lab, host);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, STATS_PERIOD_MS + 200));
    const now = await statsNow(lab, host);
    if (JSON.stringify([...now]) === JSON.stringify([...last])) return now;
    last = now;
  }
  throw new Error(`${host}: ipvsadm --stats still changing after ${5 * STATS_PERIOD_MS} ms`);
}

/** One entry of `ipvsadm -Lnc`. */
export interface ConnView {
  readonly protocol: string;
  readonly state: string;
  readonly source: string;
  readonly virtual: string;
  readonly destination: string;
}

/** `ipvsadm -Lnc`: the connection entries. */
export async function connections(lab: NetnsLab, host: LabHost): Promise<ConnView[]> {
  return (await ipvsadm(lab, host, ['-Lnc']))
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length === 6 && /^(TCP|UDP|SCTP)$/.test(f[0] as string))
    .map(([protocol, , state, source, virtual, destination]) => ({
      protocol: protocol as string,
      state: state as string,
      source: source as string,
      virtual: virtual as string,
      destination: destination as string,
    }));
}

/** `ipvsadm -L --daemon`: the running sync daemons' lines ("master sync daemon (mcast=eth1, syncid=7, ...)"). */
export async function daemons(lab: NetnsLab, host: LabHost): Promise<string[]> {
  return (await ipvsadm(lab, host, ['-L', '--daemon'])).split('\n').filter((l) => l.length > 0);
}

/** The roles of the running sync daemons, sorted ("backup", "master"). */
export async function daemonRoles(lab: NetnsLab, host: LabHost): Promise<string[]> {
  return (await daemons(lab, host)).map((l) => l.split(' ')[0] as string).sort();
}
