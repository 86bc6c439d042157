/**
 * The only holder of the IPVS handle: keeps the kernel's table equal to the desired one. Level-triggered: a run
 * diffs the latest desired state against what the kernel reported and applies the difference.
 * - Partial runs (services marked dirty by verdicts) start from a microtask, so changes made in one event-loop
 *   turn go to the kernel together. They diff against the kernel's last report as updated by the changes it
 *   acknowledged since (#known), so a verdict costs no read.
 * - Full runs (at start, every `resyncIntervalMs`, after a failure with back-off) list every service and then
 *   read, diff and apply the owned ones a chunk at a time, applying verdicts that came in between chunks; they
 *   repair whatever was changed behind lvsd's back, and handle the sync daemons.
 * IPVS errors never end the process: a refused op is logged, makes #known unknown and brings a full run; a failed
 * read or send (a lost netlink socket) closes the handle, and the next run opens a new one.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { IpvsApi, IpvsOp } from '../ipvs/api.js';
import { listDestinationsOf } from '../ipvs/dest-dump.js';
import type { DaemonConfig, Destination, Service, ServiceKey, SyncState } from '../ipvs/types.js';
import { type DesiredTable, destKey, serviceKeyId } from './desired.js';
import { type DiffResult, type Draining, type ObservedService, diffTables } from './diff.js';
import { type DaemonMismatch, type DesiredDaemons, daemonMismatches, diffDaemons } from './sync-roles.js';

/** Everything the reconciler makes the kernel hold, read afresh at every run. */
export interface DesiredState {
  readonly table: DesiredTable;
  /** Every service the configuration has, by id (whatever `table` was limited to). */
  readonly configured: ReadonlyMap<string, unknown>;
  /** Services lvsd owned that the configuration no longer has: deleted. */
  readonly retired: ReadonlyMap<string, ServiceKey>;
  readonly draining: ReadonlyMap<string, ReadonlyMap<string, Draining>>;
  readonly daemons: DesiredDaemons;
  /** Sync daemon roles lvsd may stop. */
  readonly ownedDaemons: ReadonlySet<SyncState>;
}

/** What one run did. */
export interface RunReport {
  /**
   * start: the first run; resync: the periodic one (what it finds changed was changed behind lvsd: drift); full: a
   * requested one (a reload); retry: a full run after a failure; partial: dirty services.
   */
  readonly kind: 'start' | FullRunKind | 'partial';
  /** Operations sent (0 when the kernel already matched). */
  readonly ops: number;
  readonly failed: number;
  readonly ms: number;
  readonly diff: DiffResult;
  readonly daemonOps: number;
  /** The retired services this run compared (deleted by it when it had no failure). */
  readonly retired: readonly string[];
}

export interface ReconcilerOptions {
  /** Opens an IPVS handle (again after one was lost). */
  readonly open: () => Promise<IpvsApi>;
  /** The desired state; with `ids`, the table need hold only those services (a partial run's). */
  readonly desired: (ids?: ReadonlySet<string>) => DesiredState;
  readonly clock: Clock;
  readonly log: Logger;
  /** Full run interval, ms (default 10 s). */
  readonly resyncIntervalMs?: number;
  /** Back-off after a failure: first delay and cap, ms (default 200 ms .. 10 s). */
  readonly backoffMs?: { readonly min: number; readonly max: number };
  /** Told after each run (the director follows drains and counts ops). */
  readonly onRun?: (report: RunReport) => void;
}

const DEFAULT_RESYNC_MS = 10_000;
const DEFAULT_BACKOFF = { min: 200, max: 10_000 };
/** The kinds of full run. */
export type FullRunKind = 'full' | 'resync' | 'retry';
const FULL_RANK: Readonly<Record<FullRunKind, number>> = { full: 3, resync: 2, retry: 1 };

/** Up to this many dirty services are read one by one; more, with one listing and one framed dump. */
const FEW_SERVICES = 8;
/** A full run reads, diffs and applies this many services at a time, with verdicts applied in between. */
const FULL_RUN_CHUNK = 64;

/** A read or send that threw: the socket is taken as lost (message: what was being done). */
class LostSocket extends Error {}

async function readOrLose<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new LostSocket(what, { cause: err });
  }
}

/** The service an op is about (undefined for the daemon and global ops). */
function opServiceId(op: IpvsOp): string | undefined {
  switch (op.op) {
    case 'addService':
    case 'editService':
      return serviceKeyId(op.service.key);
    case 'deleteService':
    case 'addDestination':
    case 'editDestination':
    case 'deleteDestination':
      return serviceKeyId(op.key);
    default:
      return undefined;
  }
}

/** What a run did so far, over its steps. */
class RunTally {
  ops = 0;
  failed = 0;
  daemonOps = 0;
  readonly opList: IpvsOp[] = [];
  readonly differences: DiffResult['differences'] = [];
  readonly foreign: string[] = [];
  readonly drained: DiffResult['drained'][number][] = [];
  readonly retired: string[] = [];
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as Error & { code?: string }).code ?? '');
}

/** The reconciler. */
export class Reconciler {
  readonly #o: ReconcilerOptions;
  #ipvs: IpvsApi | undefined;
  #dirty = new Set<string>();
  #fullPending: FullRunKind | undefined;
  #daemonsPending = false;
  #running: Promise<void> | undefined;
  #scheduled = false;
  #stopped = false;
  #resyncTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #backoff = 0;
  /** After a failure, runs wait for the retry timer (no tight loop against a broken socket). */
  #holding = false;
  /**
   * The kernel's table as last read by a full run, with every acknowledged change applied since; undefined until
   * the first full read and after a failed op or read (then partial runs read the kernel until the next full run).
   */
  #known: Map<string, ObservedService> | undefined;
  /** During a full run: what it has read so far (services of the chunks done), kept up to date like #known. */
  #fresh: { map: Map<string, ObservedService>; read: Set<string> } | undefined;
  /** Foreign services already logged, so each is logged once. */
  readonly #foreignLogged = new Set<string>();
  /** Sync daemon settings the kernel did not take, by role: not retried until the desired settings change. */
  readonly #refusedDaemons = new Map<SyncState, string>();
  /** Totals since start. */
  readonly totals = { runs: 0, ops: 0, failedOps: 0, failedRuns: 0 };

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  /** Opens IPVS and runs the first full reconciliation (adoption of what the kernel already has). */
  async start(): Promise<RunReport> {
    const first = (async () => {
      this.#ipvs = await this.#o.open();
      return this.#runOnce('start');
    })();
    // Changes that come in meanwhile wait for this run (one run in flight, always).
    this.#running = first.then(
      () => undefined,
      () => undefined,
    );
    try {
      const report = await first;
      this.#armResync();
      return report;
    } finally {
      this.#running = undefined;
      this.#kick();
    }
  }

  /** These services changed: reconcile them soon (in a microtask, or after the run in flight). */
  markDirty(ids: Iterable<string>): void {
    for (const id of ids) this.#dirty.add(id);
    this.#schedule();
  }

  /** Reconcile everything soon; when several are pending, the run counts as the highest kind (full, resync, retry). */
  requestFull(kind: FullRunKind = 'full'): void {
    if (this.#fullPending === undefined || FULL_RANK[kind] > FULL_RANK[this.#fullPending]) this.#fullPending = kind;
    this.#schedule();
  }

  /** The sync daemons' desired roles changed. */
  daemonsChanged(): void {
    this.#daemonsPending = true;
    this.#schedule();
  }

  /** Resolves when no run is in flight or pending (a run held back until a retry does not count). */
  async idle(): Promise<void> {
    await new Promise<void>((r) => queueMicrotask(r));
    while (this.#running !== undefined || this.#scheduled) {
      await (this.#running ?? Promise.resolve());
      await new Promise<void>((r) => queueMicrotask(r));
    }
  }

  /** Runs `fn` with the handle (opening one if needed), for the director's stop-time cleanup. */
  async withIpvs<T>(fn: (ipvs: IpvsApi) => Promise<T>): Promise<T> {
    await this.idle();
    this.#ipvs ??= await this.#o.open();
    return fn(this.#ipvs);
  }

  /** Starts no more runs (timers cleared; the run in flight completes); the handle stays open for withIpvs. */
  async halt(): Promise<void> {
    this.#stopped = true;
    this.#clearTimers();
    await this.#running;
  }

  /** Stops the timers and closes the handle after the run in flight. */
  async stop(): Promise<void> {
    await this.halt();
    await this.#ipvs?.close().catch(() => undefined);
    this.#ipvs = undefined;
  }

  // ----- internals -------------------------------------------------------------------------------------------

  #schedule(): void {
    if (this.#stopped || this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#running === undefined) this.#kick();
    });
  }

  #kick(): void {
    if (this.#stopped || this.#running !== undefined || this.#holding) return;
    if (this.#fullPending === undefined && this.#dirty.size === 0 && !this.#daemonsPending) return;
    // Health changes go before a periodic resync: a full run of a large table takes long, and a verdict must not
    // wait for it.
    const kind = this.#fullPending === 'resync' && this.#dirty.size > 0 ? 'partial' : (this.#fullPending ?? 'partial');
    this.#running = this.#runOnce(kind)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.#running = undefined;
        // The interval runs from the end of the full run that served the resync, so resyncs never run back to back.
        if (kind !== 'partial' && this.#resyncTimer === undefined) this.#armResync();
        this.#kick();
      });
  }

  #armResync(): void {
    if (this.#stopped) return;
    if (this.#resyncTimer !== undefined) this.#o.clock.clearTimer(this.#resyncTimer);
    this.#resyncTimer = this.#o.clock.setTimer(() => {
      this.#resyncTimer = undefined;
      this.requestFull('resync');
    }, this.#o.resyncIntervalMs ?? DEFAULT_RESYNC_MS);
  }

  #clearTimers(): void {
    if (this.#resyncTimer !== undefined) this.#o.clock.clearTimer(this.#resyncTimer);
    if (this.#retryTimer !== undefined) this.#o.clock.clearTimer(this.#retryTimer);
    this.#resyncTimer = undefined;
    this.#retryTimer = undefined;
  }

  /** A failure: full run again after the back-off (doubling up to its cap). */
  #retryLater(): void {
    this.totals.failedRuns++;
    const b = this.#o.backoffMs ?? DEFAULT_BACKOFF;
    this.#backoff = this.#backoff === 0 ? b.min : Math.min(b.max, this.#backoff * 2);
    if (this.#retryTimer !== undefined || this.#stopped) return;
    this.#holding = true;
    this.#retryTimer = this.#o.clock.setTimer(() => {
      this.#retryTimer = undefined;
      this.#holding = false;
      this.requestFull('retry');
    }, this.#backoff);
  }

  async #runOnce(kind: RunReport['kind']): Promise<RunReport> {
    const started = this.#o.clock.now();
    const full = kind !== 'partial';
    if (full) this.#fullPending = undefined;
    const withDaemons = full || this.#daemonsPending;
    this.#daemonsPending = false;
    let ipvs: IpvsApi;
    try {
      this.#ipvs ??= await this.#o.open();
      ipvs = this.#ipvs;
    } catch (err) {
      this.#o.log.error({ err: String(err) }, 'IPVS: cannot open the netlink socket; retrying');
      this.#retryLater();
      if (kind === 'start') throw err;
      return this.#emptyReport(kind, started);
    }
    const acc = new RunTally();
    try {
      if (full) await this.#fullSteps(ipvs, acc);
      else await this.#partialStep(ipvs, acc);
      if (withDaemons) {
        const want = this.#o.desired(new Set());
        const daemonOps = this.#daemonOps(want, await ipvs.listDaemons());
        acc.daemonOps += daemonOps.length;
        await this.#apply(ipvs, daemonOps, acc);
        if (daemonOps.length > 0) await this.#checkDaemons(ipvs, want.daemons);
      }
    } catch (err) {
      if (!(err instanceof LostSocket)) throw err;
      // A read or a send that fails is not a refused op: the socket is likely gone. Start over on a new one.
      this.#known = undefined;
      this.#o.log.error({ err: String(err.cause) }, `IPVS: ${err.message} failed; reopening the netlink socket`);
      this.#ipvs = undefined;
      await ipvs.close().catch(() => undefined);
      this.#retryLater();
      if (kind === 'start') throw err.cause;
      return this.#emptyReport(kind, started);
    }
    this.totals.runs++;
    this.totals.ops += acc.ops;
    this.totals.failedOps += acc.failed;
    if (acc.failed > 0) this.#retryLater();
    else if (full) this.#backoff = 0;
    const report: RunReport = {
      kind,
      ops: acc.ops,
      failed: acc.failed,
      ms: this.#o.clock.now() - started,
      diff: { ops: acc.opList, differences: acc.differences, foreign: acc.foreign, drained: acc.drained },
      daemonOps: acc.daemonOps,
      retired: acc.retired,
    };
    this.#o.onRun?.(report);
    return report;
  }

  /**
   * A full run: one listing of every service, then the owned services a chunk at a time (read, diff against the
   * desired state of that moment, apply), with the verdicts that came in meanwhile applied between chunks, so a
   * large table's resync never holds a verdict back for long. Afterwards #known is what this run read, with every
   * acknowledged change since.
   */
  async #fullSteps(ipvs: IpvsApi, acc: RunTally): Promise<void> {
    const services = await readOrLose('reading the table', () => ipvs.listServices());
    // Which services are lvsd's; each chunk's desired state is built when it is diffed.
    const { configured, retired } = this.#o.desired(new Set());
    const byId = new Map(services.map((s) => [serviceKeyId(s.key), s]));
    const fresh = new Map<string, ObservedService>();
    for (const [id, service] of byId) {
      if (configured.has(id) || retired.has(id)) continue;
      fresh.set(id, { service, dests: [] });
      if (this.#foreignLogged.has(id)) continue;
      this.#foreignLogged.add(id);
      acc.foreign.push(id);
      this.#o.log.info({ vs: id }, 'IPVS service not in the configuration: left alone');
    }
    // Services to add or keep first, retired ones (deleted) last.
    const ids = [...configured.keys(), ...[...retired.keys()].filter((id) => !configured.has(id))];
    this.#fresh = { map: fresh, read: new Set() };
    try {
      for (let i = 0; i < ids.length; i += FULL_RUN_CHUNK) {
        const chunk = new Set(ids.slice(i, i + FULL_RUN_CHUNK));
        const present = [...chunk].flatMap((id) => byId.get(id) ?? []);
        const dests = await readOrLose('reading the table', () =>
          listDestinationsOf(
            ipvs,
            present.map((s) => s.key),
          ),
        );
        const observed = new Map(present.map((service, j) => [serviceKeyId(service.key), { service, dests: dests[j] ?? [] }]));
        for (const [id, o] of observed) fresh.set(id, o);
        for (const id of chunk) this.#fresh.read.add(id);
        await this.#diffAndApply(ipvs, acc, chunk, observed);
        if (this.#dirty.size > 0) await this.#partialStep(ipvs, acc);
      }
    } finally {
      this.#fresh = undefined;
    }
    this.#known = acc.failed === 0 ? fresh : undefined;
  }

  /** The dirty services: diffed against #known (or read, when it is not known), and applied. */
  async #partialStep(ipvs: IpvsApi, acc: RunTally): Promise<void> {
    const dirty = this.#dirty;
    this.#dirty = new Set();
    if (dirty.size === 0) return;
    const want = this.#o.desired(dirty);
    let observed = this.#fromKnown(dirty, want);
    if (observed === undefined) {
      try {
        observed = await readOrLose('reading the table', () => this.#readSome(ipvs, dirty, want));
      } catch (err) {
        for (const id of dirty) this.#dirty.add(id);
        throw err;
      }
    }
    await this.#diffAndApply(ipvs, acc, dirty, observed, want);
  }

  /** Diffs `ids` (desired now) against `observed` and applies the difference. */
  async #diffAndApply(
    ipvs: IpvsApi,
    acc: RunTally,
    ids: ReadonlySet<string>,
    observed: Map<string, ObservedService>,
    wantNow?: DesiredState,
  ): Promise<void> {
    const want = wantNow ?? this.#o.desired(ids);
    const table = new Map([...want.table].filter(([id]) => ids.has(id)));
    const retired = new Map([...want.retired].filter(([id]) => ids.has(id) && !want.table.has(id)));
    const diff = diffTables({ desired: table, observed, retired, draining: want.draining, now: this.#o.clock.now() });
    acc.differences.push(...diff.differences);
    acc.drained.push(...diff.drained);
    acc.retired.push(...retired.keys());
    await this.#apply(ipvs, diff.ops, acc);
  }

  /** Sends ops in one batch; acknowledged ones update what is known, a refused one makes it unknown. */
  async #apply(ipvs: IpvsApi, ops: IpvsOp[], acc: RunTally): Promise<void> {
    if (ops.length === 0) return;
    acc.ops += ops.length;
    acc.opList.push(...ops);
    const results = await readOrLose('sending changes', () => ipvs.batch(ops));
    results.forEach((r, i) => {
      const op = ops[i] as IpvsOp;
      if (r.ok) {
        this.#learn(op, this.#known);
        if (this.#fresh?.read.has(opServiceId(op) ?? '')) this.#learn(op, this.#fresh.map);
        return;
      }
      this.#known = undefined;
      acc.failed++;
      this.#o.log.error({ op: op.op, code: r.error.code, err: r.error.message }, 'IPVS operation failed');
    });
  }

  #emptyReport(kind: RunReport['kind'], started: number): RunReport {
    return {
      kind,
      ops: 0,
      failed: 0,
      ms: this.#o.clock.now() - started,
      diff: { ops: [], differences: [], foreign: [], drained: [] },
      daemonOps: 0,
      retired: [],
    };
  }

  /**
   * The dirty services as the kernel last reported them (#known, or a full run's newer read), or undefined when
   * that is not known or not enough: before the first full read, after a failure, or when a service is draining
   * (its connection counts must be fresh).
   */
  #fromKnown(ids: ReadonlySet<string>, want: DesiredState): Map<string, ObservedService> | undefined {
    const known = this.#known;
    const fresh = this.#fresh;
    const out = new Map<string, ObservedService>();
    for (const id of ids) {
      if (want.draining.has(id)) return undefined;
      // A full run in progress has read this service already: that is the newer report.
      const source = fresh?.read.has(id) ? fresh.map : known;
      if (source === undefined) return undefined;
      const have = source.get(id);
      if (have !== undefined) out.set(id, have);
    }
    return out;
  }

  /** Applies an acknowledged op to a map of what the kernel holds. */
  #learn(op: IpvsOp, known: Map<string, ObservedService> | undefined): void {
    if (known === undefined) return;
    const update = (key: ServiceKey, change: (have: ObservedService) => ObservedService | undefined) => {
      const id = serviceKeyId(key);
      const have = known.get(id);
      if (have === undefined) return;
      const next = change(have);
      if (next === undefined) known.delete(id);
      else known.set(id, next);
    };
    const sameDest = (a: { address: string; port: number }) => {
      const k = destKey(a);
      return (d: Destination) => destKey(d) === k;
    };
    switch (op.op) {
      case 'addService':
        known.set(serviceKeyId(op.service.key), { service: op.service, dests: [] });
        break;
      case 'editService':
        update(op.service.key, (have) => ({ ...have, service: { ...have.service, ...op.service } }));
        break;
      case 'deleteService':
        update(op.key, () => undefined);
        break;
      case 'addDestination':
        update(op.key, (have) => ({
          ...have,
          dests: [
            ...have.dests,
            {
              ...op.dest,
              family: op.dest.address.includes(':') ? 'ipv6' : 'ipv4',
              activeConns: 0,
              inactiveConns: 0,
              persistentConns: 0,
            },
          ],
        }));
        break;
      case 'editDestination': {
        const match = sameDest(op.dest);
        update(op.key, (have) => ({ ...have, dests: have.dests.map((d) => (match(d) ? { ...d, ...op.dest } : d)) }));
        break;
      }
      case 'deleteDestination': {
        const match = sameDest(op.dest);
        update(op.key, (have) => ({ ...have, dests: have.dests.filter((d) => !match(d)) }));
        break;
      }
      default:
        break;
    }
  }

  /**
   * The named services (absent ones are simply not in the result): a few one by one, many (a storm of verdicts)
   * with one service listing and one framed dump, whatever their number.
   */
  async #readSome(ipvs: IpvsApi, ids: ReadonlySet<string>, want: DesiredState): Promise<Map<string, ObservedService>> {
    const out = new Map<string, ObservedService>();
    if (ids.size > FEW_SERVICES) {
      const services = (await ipvs.listServices()).filter((s) => ids.has(serviceKeyId(s.key)));
      const dests = await listDestinationsOf(
        ipvs,
        services.map((s) => s.key),
      );
      services.forEach((service, i) => {
        out.set(serviceKeyId(service.key), { service, dests: dests[i] ?? [] });
      });
      return out;
    }
    for (const id of ids) {
      const key = want.table.get(id)?.spec.key ?? want.retired.get(id);
      if (key === undefined) continue;
      let service: Service;
      let dests: Destination[];
      try {
        service = await ipvs.getService(key);
        dests = await ipvs.listDestinations(key);
      } catch (err) {
        if (isErrno(err, 'ESRCH', 'ENOENT')) continue;
        throw err;
      }
      out.set(id, { service, dests });
    }
    return out;
  }

  #daemonOps(want: DesiredState, running: readonly DaemonConfig[]): IpvsOp[] {
    // A role whose settings the kernel refused stays as it is until the desired settings change.
    for (const [state, fingerprint] of this.#refusedDaemons) {
      const w = want.daemons.get(state);
      if (w === undefined || JSON.stringify(w) !== fingerprint) this.#refusedDaemons.delete(state);
    }
    const wantNow = new Map([...want.daemons].filter(([state]) => !this.#refusedDaemons.has(state)));
    const ownedNow = new Set([...want.ownedDaemons].filter((s) => !this.#refusedDaemons.has(s)));
    const ops = diffDaemons(wantNow, running, ownedNow);
    for (const op of ops) {
      if (op.op === 'startDaemon') this.#o.log.info({ role: op.daemon.state, mcast_interface: op.daemon.mcastIfn }, 'sync daemon start');
      if (op.op === 'stopDaemon') this.#o.log.info({ role: op.state }, 'sync daemon stop');
    }
    return ops;
  }

  /** After starting daemons: a setting the kernel reports differently was not taken (an older kernel). */
  async #checkDaemons(ipvs: IpvsApi, want: DesiredDaemons): Promise<void> {
    let running: DaemonConfig[];
    try {
      running = await ipvs.listDaemons();
    } catch {
      return;
    }
    for (const d of running) {
      const w = want.get(d.state);
      if (w === undefined) continue;
      const mismatches: DaemonMismatch[] = daemonMismatches(w, d);
      if (mismatches.length === 0) continue;
      this.#refusedDaemons.set(d.state, JSON.stringify(w));
      for (const m of mismatches) {
        this.#o.log.error(
          { role: m.state, setting: `lvs_sync_daemon.${m.setting}`, want: m.want, have: m.have },
          `the kernel did not take lvs_sync_daemon.${m.setting} (it reports ${String(m.have ?? 'nothing')}): it may not support this setting`,
        );
      }
    }
  }
}
