/**
 * The table of the in-memory IPVS model: services, their destinations (counters, connection
 * counts), timeouts and sync daemons, changed and read as net/netfilter/ipvs/ip_vs_ctl.c does
 * (kernel 6.1): the same checks in the same order, the same errno (EEXIST, ESRCH, ENOENT, ERANGE,
 * EINVAL, ENODEV), HASHED in reported flags, sync daemon defaults filled in.
 *
 * Listing order: the kernel lists the services hashed by <protocol, address, port> first, then the
 * fwmark services; within each table the order depends on a hash salted with the namespace's
 * address, so here it is the order of creation. A service's destinations are listed newest first
 * (list_add_rcu at the head of svc->destinations).
 */
import { canonicalAddress, parseAddress } from '../../src/ipvs/addr.js';
import { IP_VS_SVC_F } from '../../src/ipvs/constants.js';
import type {
  AddressFamily,
  DaemonConfig,
  Destination,
  DestinationSpec,
  Info,
  Service,
  ServiceKey,
  ServiceSpec,
  Stats,
  SyncState,
  Timeouts,
} from '../../src/ipvs/types.js';
import { ERRNO } from '../../src/netlink/errno.js';
import { type IpvsCall, IpvsModelError, serviceId } from './ipvs-model-calls.js';

/** Zeroed counters. */
export const ZERO_STATS: Stats = {
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

/** The scheduler modules of a stock kernel ("none" is always accepted: no scheduler). */
export const KERNEL_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;

/** Options of the table. */
export interface IpvsTableOptions {
  /** Schedulers that load (others: ENOENT); default {@link KERNEL_SCHEDULERS}. */
  readonly schedulers?: readonly string[];
  /** Persistence engines that load (others: ENOENT); default ['sip']. */
  readonly persistenceEngines?: readonly string[];
  /**
   * Network interfaces a sync daemon may use, name → MTU (others: ENODEV). By default every name
   * exists with MTU 1500. A backup's default sync_maxlen is clamp(MTU, 1500, 65535) - headers.
   */
  readonly interfaces?: Readonly<Record<string, number>>;
  /** What GET_INFO answers; default version 1.2.1, 4096 connection buckets. */
  readonly info?: Info;
}

/** Connection counts of a destination. */
export interface ConnectionCounts {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
}

/** A service to preload with {@link IpvsTable.load}, its destinations listed in the order given. */
export interface LoadedService {
  readonly service: ServiceSpec;
  readonly stats?: Partial<Stats>;
  readonly dests?: readonly ({ readonly dest: DestinationSpec; readonly stats?: Partial<Stats> } & Partial<ConnectionCounts>)[];
}

/** A destination named by its address and port. */
export type DestRef = Pick<DestinationSpec, 'address' | 'port'>;

interface DestRecord {
  spec: DestinationSpec;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  family: AddressFamily;
  stats: Stats;
}

interface ServiceRecord {
  spec: ServiceSpec;
  family: AddressFamily;
  stats: Stats;
  /** In order of creation; listed in reverse. */
  dests: Map<string, DestRecord>;
}

const HASHED = IP_VS_SVC_F.HASHED;
/** Debian's kernels run at HZ = 250: ip_vs_set_timeout accepts up to INT_MAX / HZ seconds. */
const MAX_TIMEOUT = Math.floor(0x7fffffff / 250);
const DEFAULT_INFO: Info = { versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 };

function destId(address: string, port: number): string {
  return `${canonicalAddress(address)}/${port}`;
}

function keyFamily(key: ServiceKey): AddressFamily {
  return 'fwmark' in key ? key.family : parseAddress(key.address).family;
}

/** The key as the kernel reports it: canonical address text. */
function canonicalKey(key: ServiceKey): ServiceKey {
  if ('fwmark' in key) return { fwmark: key.fwmark, family: key.family };
  return { protocol: key.protocol, address: canonicalAddress(key.address), port: key.port };
}

/** Only the fields of a ServiceSpec (a listed Service carries more), without an empty PE name. */
function serviceSpecOf(s: ServiceSpec): ServiceSpec {
  const spec = {
    key: canonicalKey(s.key),
    scheduler: s.scheduler,
    flags: (s.flags & ~HASHED) >>> 0,
    timeout: s.timeout,
    netmask: s.netmask,
  };
  return s.peName ? { ...spec, peName: s.peName } : spec;
}

/** Only the fields of a DestinationSpec (a listed Destination carries more). */
function destSpecOf(d: DestinationSpec): DestinationSpec {
  return {
    address: canonicalAddress(d.address),
    port: d.port,
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
    tunnelType: d.tunnelType,
    tunnelPort: d.tunnelPort,
    tunnelCsum: d.tunnelCsum,
  };
}

/** IPVS_*_ATTR_STATS: the kernel's u32 casts of everything but the byte counters. */
function stats32(s: Stats): Stats {
  if (s === ZERO_STATS) return s;
  const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
  return {
    ...s,
    conns: u32(s.conns),
    inpkts: u32(s.inpkts),
    outpkts: u32(s.outpkts),
    cps: u32(s.cps),
    inpps: u32(s.inpps),
    outpps: u32(s.outpps),
    inbps: u32(s.inbps),
    outbps: u32(s.outbps),
  };
}

/** What ip_vs_new_dest accepts: IPv4 unicast or local (not 0/8, multicast, broadcast); IPv6 unicast, not link-local. */
function isUnicast(address: string): boolean {
  const { family, bytes } = parseAddress(address);
  const b0 = bytes[0] ?? 0;
  if (family === 'ipv4') return b0 !== 0 && !(b0 >= 224 && b0 <= 239) && !bytes.every((b) => b === 0xff);
  const linkLocal = b0 === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80;
  return b0 !== 0xff && !linkLocal && bytes.some((b) => b !== 0);
}

function isMulticast(address: string): boolean {
  const { family, bytes } = parseAddress(address);
  const b0 = bytes[0] ?? 0;
  return family === 'ipv4' ? b0 >= 224 && b0 <= 239 : b0 === 0xff;
}

/**
 * A destination as the kernel reports it. Built field by field: an object spread followed by more
 * fields costs microseconds in V8, which a listing of 10,000 servers (test/profile) notices.
 */
function reportDest(d: DestRecord): Destination {
  const s = d.spec;
  return {
    address: s.address,
    port: s.port,
    forwarding: s.forwarding,
    weight: s.weight,
    upperThreshold: s.upperThreshold,
    lowerThreshold: s.lowerThreshold,
    tunnelType: s.tunnelType,
    tunnelPort: s.tunnelPort,
    tunnelCsum: s.tunnelCsum,
    family: d.family,
    activeConns: d.activeConns,
    inactiveConns: d.inactiveConns,
    persistentConns: d.persistentConns,
    stats: stats32(d.stats),
    stats64: d.stats,
  };
}

const fail = (errno: number): never => {
  throw new IpvsModelError(errno);
};

/** The table and the kernel's rules for changing it. Every failure throws {@link IpvsModelError}. */
export class IpvsTable {
  info: Info;
  private timeouts: Timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  private readonly services = new Map<string, ServiceRecord>();
  private readonly daemons = new Map<SyncState, DaemonConfig>();
  private readonly schedulers: ReadonlySet<string>;
  private readonly engines: ReadonlySet<string>;

  constructor(private readonly options: IpvsTableOptions = {}) {
    this.info = options.info ?? DEFAULT_INFO;
    this.schedulers = new Set(options.schedulers ?? KERNEL_SCHEDULERS);
    this.engines = new Set(options.persistenceEngines ?? ['sip']);
  }

  /** Applies one call; returns what a read returns. */
  apply(call: IpvsCall): unknown {
    switch (call.op) {
      case 'info':
        return { ...this.info };
      case 'listServices':
        return this.listServices();
      case 'getService':
        return this.getService(call.key);
      case 'listDestinations':
        return this.listDestinations(call.key);
      case 'getTimeouts':
        return { ...this.timeouts };
      case 'listDaemons':
        return this.listDaemons();
      case 'addService':
        return this.addService(call.service);
      case 'editService':
        return this.editService(call.service);
      case 'deleteService':
        return this.deleteService(call.key);
      case 'addDestination':
        return this.addDestination(call.key, call.dest);
      case 'editDestination':
        return this.editDestination(call.key, call.dest);
      case 'deleteDestination':
        return this.deleteDestination(call.key, call.dest);
      case 'zero':
        return this.zero(call.key);
      case 'flush':
        return this.flush();
      case 'setTimeouts':
        return this.setTimeouts(call.timeouts);
      case 'startDaemon':
        return this.startDaemon(call.daemon);
      case 'stopDaemon':
        return this.stopDaemon(call.state);
    }
  }

  // Reads.

  /** The stored service of `key` (flags without HASHED), if any. */
  storedService(key: ServiceKey): ServiceSpec | undefined {
    return this.services.get(serviceId(key))?.spec;
  }

  /** The stored destination, if any. */
  storedDestination(key: ServiceKey, dest: DestRef): DestinationSpec | undefined {
    return this.services.get(serviceId(key))?.dests.get(destId(dest.address, dest.port))?.spec;
  }

  listServices(): Service[] {
    return this.ordered().map((s) => this.report(s));
  }

  getService(key: ServiceKey): Service {
    return this.report(this.need(key));
  }

  /** A missing service has no destinations (the kernel's dump is empty, no error). */
  listDestinations(key: ServiceKey): Destination[] {
    const s = this.services.get(serviceId(key));
    if (s === undefined) return [];
    return [...s.dests.values()].reverse().map(reportDest);
  }

  /** Master first, then backup. */
  listDaemons(): DaemonConfig[] {
    return (['master', 'backup'] as const).flatMap((state) => {
      const d = this.daemons.get(state);
      return d === undefined ? [] : [{ ...d }];
    });
  }

  /** The services and their destinations as specs, in listing order. */
  snapshot(): { service: ServiceSpec; dests: DestinationSpec[] }[] {
    return this.ordered().map((s) => ({ service: s.spec, dests: [...s.dests.values()].reverse().map((d) => d.spec) }));
  }

  private ordered(): ServiceRecord[] {
    const all = [...this.services.values()];
    return [...all.filter((s) => !('fwmark' in s.spec.key)), ...all.filter((s) => 'fwmark' in s.spec.key)];
  }

  private report(s: ServiceRecord): Service {
    const { key, scheduler, flags, timeout, netmask, peName } = s.spec;
    const reported = { key, scheduler, flags: (flags | HASHED) >>> 0, timeout, netmask, stats: stats32(s.stats), stats64: s.stats };
    return peName === undefined ? reported : { ...reported, peName };
  }

  private need(key: ServiceKey): ServiceRecord {
    return this.services.get(serviceId(key)) ?? fail(ERRNO.ESRCH);
  }

  // Services (ip_vs_add_service, ip_vs_edit_service, ip_vs_del_service).

  addService(spec: ServiceSpec): void {
    const id = serviceId(spec.key);
    if (this.services.has(id)) fail(ERRNO.EEXIST);
    this.checkService(spec);
    this.services.set(id, { spec: serviceSpecOf(spec), family: keyFamily(spec.key), stats: ZERO_STATS, dests: new Map() });
  }

  /** Scheduler, persistence engine and PE are replaced (an absent PE name removes the PE). */
  editService(spec: ServiceSpec): void {
    const s = this.need(spec.key);
    this.checkService(spec);
    s.spec = { ...serviceSpecOf(spec), key: s.spec.key };
  }

  deleteService(key: ServiceKey): void {
    this.need(key);
    this.services.delete(serviceId(key));
  }

  private checkService(spec: ServiceSpec): void {
    if (spec.scheduler !== 'none' && !this.schedulers.has(spec.scheduler)) fail(ERRNO.ENOENT);
    if (spec.peName && !this.engines.has(spec.peName)) fail(ERRNO.ENOENT);
    if (keyFamily(spec.key) === 'ipv6' && (spec.netmask < 1 || spec.netmask > 128)) fail(ERRNO.EINVAL);
  }

  // Destinations (ip_vs_genl_set_cmd's family checks, ip_vs_add_dest, ip_vs_edit_dest, ip_vs_del_dest).

  addDestination(key: ServiceKey, dest: DestinationSpec): void {
    const s = this.need(key);
    const family = this.checkDest(s, dest);
    const id = destId(dest.address, dest.port);
    if (s.dests.has(id)) fail(ERRNO.EEXIST);
    if (!isUnicast(dest.address)) fail(ERRNO.EINVAL);
    s.dests.set(id, { spec: destSpecOf(dest), family, activeConns: 0, inactiveConns: 0, persistentConns: 0, stats: ZERO_STATS });
  }

  /** Every configurable field is replaced; counters and connections stay. */
  editDestination(key: ServiceKey, dest: DestinationSpec): void {
    const s = this.need(key);
    this.checkDest(s, dest);
    const d = s.dests.get(destId(dest.address, dest.port)) ?? fail(ERRNO.ENOENT);
    d.spec = destSpecOf(dest);
  }

  deleteDestination(key: ServiceKey, dest: DestRef): void {
    const s = this.need(key);
    if (!s.dests.delete(destId(dest.address, dest.port))) fail(ERRNO.ENOENT);
  }

  private checkDest(s: ServiceRecord, d: DestinationSpec): AddressFamily {
    const family = parseAddress(d.address).family;
    // Mixed families: only tunnels, and never while a sync daemon runs.
    if (family !== s.family && (this.daemons.size > 0 || d.forwarding !== 'tunnel')) fail(ERRNO.EINVAL);
    if (d.weight < 0) fail(ERRNO.ERANGE);
    if (d.lowerThreshold >>> 0 > d.upperThreshold >>> 0) fail(ERRNO.ERANGE);
    if (d.tunnelType === 'gue' && d.tunnelPort === 0) fail(ERRNO.EINVAL);
    return family;
  }

  // Counters, flush, timeouts.

  /** Zeroes counters and rates of one service and its destinations, or of all when key is omitted. */
  zero(key?: ServiceKey): void {
    for (const s of key === undefined ? this.services.values() : [this.need(key)]) {
      s.stats = ZERO_STATS;
      for (const d of s.dests.values()) d.stats = ZERO_STATS;
    }
  }

  /** Deletes every service (the sync daemons and timeouts stay). */
  flush(): void {
    this.services.clear();
  }

  /** 0 keeps a timeout; a value out of 0..INT_MAX/HZ is EINVAL. */
  setTimeouts(t: Timeouts): void {
    if ([t.tcp, t.tcpFin, t.udp].some((v) => v < 0 || v > MAX_TIMEOUT)) fail(ERRNO.EINVAL);
    const was = this.timeouts;
    this.timeouts = { tcp: t.tcp || was.tcp, tcpFin: t.tcpFin || was.tcpFin, udp: t.udp || was.udp };
  }

  // Sync daemons (ip_vs_genl_new_daemon, start_sync_thread, stop_sync_thread).

  startDaemon(d: DaemonConfig): void {
    if (d.mcastGroup !== undefined && !isMulticast(d.mcastGroup)) fail(ERRNO.EINVAL);
    if (this.hasMixedFamilyDests()) fail(ERRNO.EINVAL);
    const mtu = this.options.interfaces === undefined ? 1500 : (this.options.interfaces[d.mcastIfn] ?? fail(ERRNO.ENODEV));
    const group = d.mcastGroup === undefined ? '224.0.0.81' : canonicalAddress(d.mcastGroup);
    const headers = parseAddress(group).family === 'ipv6' ? 40 + 8 : 20 + 8;
    const backup = d.state === 'backup';
    const maxlen = d.syncMaxlen
      ? Math.min(Math.max(d.syncMaxlen, backup ? 1024 : 1), 65535 - headers)
      : (backup ? Math.min(Math.max(mtu, 1500), 65535) : 1500) - headers;
    if (this.daemons.has(d.state)) fail(ERRNO.EEXIST);
    this.daemons.set(d.state, {
      state: d.state,
      mcastIfn: d.mcastIfn,
      syncId: d.syncId,
      syncMaxlen: maxlen,
      mcastGroup: group,
      mcastPort: d.mcastPort || 8848,
      mcastTtl: d.mcastTtl || 1,
    });
  }

  stopDaemon(state: SyncState): void {
    if (!this.daemons.delete(state)) fail(ERRNO.ESRCH);
  }

  private hasMixedFamilyDests(): boolean {
    for (const s of this.services.values()) for (const d of s.dests.values()) if (d.family !== s.family) return true;
    return false;
  }

  // Test setup: what no IPVS command does.

  /** Replaces the services with `services` (no checks), each one's destinations listed in the order given. */
  load(services: readonly LoadedService[]): void {
    this.services.clear();
    for (const t of services) {
      const dests = new Map<string, DestRecord>();
      for (const d of [...(t.dests ?? [])].reverse()) {
        dests.set(destId(d.dest.address, d.dest.port), {
          spec: destSpecOf(d.dest),
          family: parseAddress(d.dest.address).family,
          activeConns: d.activeConns ?? 0,
          inactiveConns: d.inactiveConns ?? 0,
          persistentConns: d.persistentConns ?? 0,
          stats: { ...ZERO_STATS, ...d.stats },
        });
      }
      const spec = serviceSpecOf(t.service);
      this.services.set(serviceId(spec.key), { spec, family: keyFamily(spec.key), stats: { ...ZERO_STATS, ...t.stats }, dests });
    }
  }

  /** Replaces the sync daemons with `daemons`, reported as given (no defaults filled, as an older kernel). */
  loadDaemons(daemons: readonly DaemonConfig[]): void {
    this.daemons.clear();
    for (const d of daemons) this.daemons.set(d.state, { ...d });
  }

  /** Sets counters of a service, or of one of its destinations. */
  setStats(key: ServiceKey, stats: Partial<Stats>, dest?: DestRef): void {
    const s = this.need(key);
    if (dest === undefined) {
      s.stats = { ...s.stats, ...stats };
      return;
    }
    const d = s.dests.get(destId(dest.address, dest.port)) ?? fail(ERRNO.ENOENT);
    d.stats = { ...d.stats, ...stats };
  }

  /** Sets the connection counts of a destination (those given). */
  setConnections(key: ServiceKey, dest: DestRef, counts: Partial<ConnectionCounts>): void {
    const d = this.need(key).dests.get(destId(dest.address, dest.port)) ?? fail(ERRNO.ENOENT);
    if (counts.activeConns !== undefined) d.activeConns = counts.activeConns;
    if (counts.inactiveConns !== undefined) d.inactiveConns = counts.inactiveConns;
    if (counts.persistentConns !== undefined) d.persistentConns = counts.persistentConns;
  }
}
