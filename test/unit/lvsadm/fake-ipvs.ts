/**
 * An in-memory IpvsApi that answers like the kernel's IPVS (net/netfilter/ipvs/ip_vs_ctl.c):
 * EEXIST / ESRCH / ENOENT where the kernel returns them, ERANGE for thresholds, ENOENT for an
 * unknown scheduler or persistence engine, HASHED in reported flags, destinations listed newest
 * first, protocol services before fwmark services, sync daemon defaults filled in. It records
 * every call so tests can check what lvsadm sent (and that -R used batch()).
 */
import type { IpvsApi, IpvsOp, IpvsOpResult } from '../../../src/ipvs/api.js';
import { canonicalAddress, parseAddress } from '../../../src/ipvs/addr.js';
import type {
  DaemonConfig,
  Destination,
  DestinationSpec,
  Info,
  Service,
  ServiceKey,
  ServiceSpec,
  Stats,
  Timeouts,
} from '../../../src/ipvs/types.js';

/** An error shaped like the client's: `code` is the errno name. */
export function ipvsError(code: string, what: string): Error & { code: string } {
  return Object.assign(new Error(`${what}: ${code}`), { code });
}

const HASHED = 0x2;
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos', 'none']);
const PES = new Set(['sip']);

/** Zeroed counters. */
export const ZERO: Stats = {
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
};

interface DestState {
  spec: DestinationSpec;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: Stats;
}

interface SvcState {
  spec: ServiceSpec;
  stats: Stats;
  dests: DestState[];
}

function keyId(key: ServiceKey): string {
  if ('fwmark' in key) return `fwm/${key.fwmark >>> 0}/${key.family}`;
  return `${key.protocol}/${canonicalAddress(key.address)}/${key.port}`;
}

function destId(address: string, port: number): string {
  return `${canonicalAddress(address)}/${port}`;
}

function familyOfKey(key: ServiceKey): 'ipv4' | 'ipv6' {
  return 'fwmark' in key ? key.family : parseAddress(key.address).family;
}

function isUnicast(address: string): boolean {
  const { family, bytes } = parseAddress(address);
  const b0 = bytes[0] ?? 0;
  if (family === 'ipv4') return b0 !== 0 && b0 < 224;
  return b0 !== 0xff && bytes.some((b) => b !== 0);
}

/** The fake kernel. */
export class FakeIpvs implements IpvsApi {
  info_: Info = { versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 };
  timeouts: Timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  daemons: DaemonConfig[] = [];
  /** Interfaces a sync daemon may use (ENODEV otherwise); undefined accepts any. */
  interfaces: Set<string> | undefined;
  /** Every call, in order, as [method, args]. */
  readonly calls: [string, unknown[]][] = [];
  /** Forces the next calls of a method to fail with a code. */
  readonly failures = new Map<string, string>();
  closed = false;
  private services: SvcState[] = [];

  private record(method: string, args: unknown[]): void {
    this.calls.push([method, args]);
    const code = this.failures.get(method);
    if (code) throw ipvsError(code, method);
  }

  private find(key: ServiceKey): SvcState | undefined {
    const id = keyId(key);
    return this.services.find((s) => keyId(s.spec.key) === id);
  }

  private need(key: ServiceKey, what: string): SvcState {
    const s = this.find(key);
    if (!s) throw ipvsError('ESRCH', what);
    return s;
  }

  private checkService(spec: ServiceSpec, what: string): void {
    if (!SCHEDULERS.has(spec.scheduler)) throw ipvsError('ENOENT', what);
    if (spec.peName && !PES.has(spec.peName)) throw ipvsError('ENOENT', what);
    if (familyOfKey(spec.key) === 'ipv6' && (spec.netmask < 1 || spec.netmask > 128)) throw ipvsError('EINVAL', what);
  }

  private checkDest(svc: SvcState, d: DestinationSpec, what: string): void {
    if (parseAddress(d.address).family !== familyOfKey(svc.spec.key) && d.forwarding !== 'tunnel') throw ipvsError('EINVAL', what);
    if (d.weight < 0) throw ipvsError('ERANGE', what);
    if (d.lowerThreshold > d.upperThreshold) throw ipvsError('ERANGE', what);
    if (d.tunnelType === 'gue' && d.tunnelPort === 0) throw ipvsError('EINVAL', what);
  }

  /** Sets counters on a service (and optionally on one of its destinations). */
  setStats(key: ServiceKey, stats: Partial<Stats>, dest?: { address: string; port: number; conns?: Partial<DestState> }): void {
    const s = this.need(key, 'setStats');
    if (!dest) {
      s.stats = { ...s.stats, ...stats };
      return;
    }
    const d = s.dests.find((x) => destId(x.spec.address, x.spec.port) === destId(dest.address, dest.port));
    if (!d) throw ipvsError('ENOENT', 'setStats');
    d.stats = { ...d.stats, ...stats };
    Object.assign(d, dest.conns ?? {});
  }

  /** A service to preload, with counters; destinations are listed in the order given. */
  load(
    table: readonly {
      service: ServiceSpec;
      stats?: Partial<Stats>;
      dests?: readonly {
        dest: DestinationSpec;
        activeConns?: number;
        inactiveConns?: number;
        persistentConns?: number;
        stats?: Partial<Stats>;
      }[];
    }[],
  ): void {
    this.services = table.map((t) => ({
      spec: t.service,
      stats: { ...ZERO, ...t.stats },
      dests: (t.dests ?? []).map((d) => ({
        spec: d.dest,
        activeConns: d.activeConns ?? 0,
        inactiveConns: d.inactiveConns ?? 0,
        persistentConns: d.persistentConns ?? 0,
        stats: { ...ZERO, ...d.stats },
      })),
    }));
  }

  /** The services as lvsadm-independent data, for round-trip comparisons. */
  snapshot(): { service: ServiceSpec; dests: DestinationSpec[] }[] {
    return this.services.map((s) => ({ service: s.spec, dests: s.dests.map((d) => d.spec) }));
  }

  async info(): Promise<Info> {
    this.record('info', []);
    return this.info_;
  }

  async listServices(): Promise<Service[]> {
    this.record('listServices', []);
    const proto = this.services.filter((s) => !('fwmark' in s.spec.key));
    const marks = this.services.filter((s) => 'fwmark' in s.spec.key);
    return [...proto, ...marks].map((s) => this.report(s));
  }

  private report(s: SvcState): Service {
    return { ...s.spec, flags: s.spec.flags | HASHED, stats: s.stats, stats64: s.stats };
  }

  async getService(key: ServiceKey): Promise<Service> {
    this.record('getService', [key]);
    return this.report(this.need(key, 'getService'));
  }

  async listDestinations(key: ServiceKey): Promise<Destination[]> {
    this.record('listDestinations', [key]);
    const s = this.find(key);
    if (!s) return [];
    return s.dests.map((d) => ({
      ...d.spec,
      family: parseAddress(d.spec.address).family,
      activeConns: d.activeConns,
      inactiveConns: d.inactiveConns,
      persistentConns: d.persistentConns,
      stats: d.stats,
      stats64: d.stats,
    }));
  }

  async addService(service: ServiceSpec): Promise<void> {
    this.record('addService', [service]);
    if (this.find(service.key)) throw ipvsError('EEXIST', 'addService');
    this.checkService(service, 'addService');
    this.services.push({ spec: { ...service, flags: service.flags & ~HASHED }, stats: ZERO, dests: [] });
  }

  async editService(service: ServiceSpec): Promise<void> {
    this.record('editService', [service]);
    const s = this.need(service.key, 'editService');
    this.checkService(service, 'editService');
    s.spec = { ...service, key: s.spec.key, flags: service.flags & ~HASHED };
  }

  async deleteService(key: ServiceKey): Promise<void> {
    this.record('deleteService', [key]);
    const s = this.need(key, 'deleteService');
    this.services = this.services.filter((x) => x !== s);
  }

  async addDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    this.record('addDestination', [key, dest]);
    const s = this.need(key, 'addDestination');
    this.checkDest(s, dest, 'addDestination');
    if (s.dests.some((d) => destId(d.spec.address, d.spec.port) === destId(dest.address, dest.port))) {
      throw ipvsError('EEXIST', 'addDestination');
    }
    if (!isUnicast(dest.address)) throw ipvsError('EINVAL', 'addDestination');
    s.dests.unshift({ spec: dest, activeConns: 0, inactiveConns: 0, persistentConns: 0, stats: ZERO });
  }

  async editDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    this.record('editDestination', [key, dest]);
    const s = this.need(key, 'editDestination');
    this.checkDest(s, dest, 'editDestination');
    const d = s.dests.find((x) => destId(x.spec.address, x.spec.port) === destId(dest.address, dest.port));
    if (!d) throw ipvsError('ENOENT', 'editDestination');
    d.spec = dest;
  }

  async deleteDestination(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): Promise<void> {
    this.record('deleteDestination', [key, dest]);
    const s = this.need(key, 'deleteDestination');
    const before = s.dests.length;
    s.dests = s.dests.filter((x) => destId(x.spec.address, x.spec.port) !== destId(dest.address, dest.port));
    if (s.dests.length === before) throw ipvsError('ENOENT', 'deleteDestination');
  }

  async zero(key?: ServiceKey): Promise<void> {
    this.record('zero', key ? [key] : []);
    const targets = key ? [this.need(key, 'zero')] : this.services;
    for (const s of targets) {
      s.stats = ZERO;
      for (const d of s.dests) d.stats = ZERO;
    }
  }

  async flush(): Promise<void> {
    this.record('flush', []);
    this.services = [];
  }

  async getTimeouts(): Promise<Timeouts> {
    this.record('getTimeouts', []);
    return this.timeouts;
  }

  async setTimeouts(t: Timeouts): Promise<void> {
    this.record('setTimeouts', [t]);
    if ([t.tcp, t.tcpFin, t.udp].some((v) => v < 0 || v > 2147483)) throw ipvsError('EINVAL', 'setTimeouts');
    this.timeouts = { tcp: t.tcp || this.timeouts.tcp, tcpFin: t.tcpFin || this.timeouts.tcpFin, udp: t.udp || this.timeouts.udp };
  }

  async listDaemons(): Promise<DaemonConfig[]> {
    this.record('listDaemons', []);
    return [...this.daemons].sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
  }

  async startDaemon(d: DaemonConfig): Promise<void> {
    this.record('startDaemon', [d]);
    if (this.daemons.some((x) => x.state === d.state)) throw ipvsError('EEXIST', 'startDaemon');
    if (this.interfaces && !this.interfaces.has(d.mcastIfn)) throw ipvsError('ENODEV', 'startDaemon');
    this.daemons.push({
      state: d.state,
      mcastIfn: d.mcastIfn,
      syncId: d.syncId,
      syncMaxlen: d.syncMaxlen ?? 1472,
      mcastGroup: d.mcastGroup ?? '224.0.0.81',
      mcastPort: d.mcastPort ?? 8848,
      mcastTtl: d.mcastTtl ?? 1,
    });
  }

  async stopDaemon(state: DaemonConfig['state']): Promise<void> {
    this.record('stopDaemon', [state]);
    if (!this.daemons.some((x) => x.state === state)) throw ipvsError('ESRCH', 'stopDaemon');
    this.daemons = this.daemons.filter((x) => x.state !== state);
  }

  async batch(ops: readonly IpvsOp[], options?: { stopOnError?: boolean }): Promise<IpvsOpResult[]> {
    this.calls.push(['batch', [ops.length]]);
    const out: IpvsOpResult[] = [];
    let stopped = false;
    for (const op of ops) {
      if (stopped) {
        out.push({ ok: false, error: ipvsError('ECANCELED', op.op) });
        continue;
      }
      try {
        await this.apply(op);
        out.push({ ok: true });
      } catch (err) {
        out.push({ ok: false, error: err as Error & { code: string } });
        if (options?.stopOnError) stopped = true;
      }
    }
    return out;
  }

  private apply(op: IpvsOp): Promise<void> {
    switch (op.op) {
      case 'addService':
        return this.addService(op.service);
      case 'editService':
        return this.editService(op.service);
      case 'deleteService':
        return this.deleteService(op.key);
      case 'addDestination':
        return this.addDestination(op.key, op.dest);
      case 'editDestination':
        return this.editDestination(op.key, op.dest);
      case 'deleteDestination':
        return this.deleteDestination(op.key, op.dest);
      case 'zero':
        return op.key ? this.zero(op.key) : this.zero();
      case 'flush':
        return this.flush();
      case 'setTimeouts':
        return this.setTimeouts(op.timeouts);
      case 'startDaemon':
        return this.startDaemon(op.daemon);
      case 'stopDaemon':
        return this.stopDaemon(op.state);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
