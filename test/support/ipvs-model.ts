/**
 * One in-memory IPVS for tests, with two faces on the same table:
 *
 *   const model = new IpvsModel();
 *   const api = model.api();                                         // an IpvsApi
 *   const ipvs = await openIpvs({ transport: model.transport() });   // the real netlink client
 *
 * The table answers as ip_vs_ctl.c does (ipvs-model-table.ts). Both faces turn what they receive
 * into the same calls (ipvs-model-calls.ts), so programming through one face and reading through
 * the other works, and the log, the op counters and injected faults see both. What a test does
 * behind the faces' back (drift, connection counts, counters, preloading) is neither logged,
 * counted nor subject to faults.
 */
import type { DaemonConfig, DestinationSpec, ServiceKey, ServiceSpec, Stats } from '../../src/ipvs/types.js';
import { IpvsModelApi } from './ipvs-model-api.js';
import {
  type IpvsCall,
  type IpvsCallRecord,
  type IpvsExecutor,
  type IpvsFace,
  IpvsModelError,
  type IpvsOpKind,
  callArgs,
  isOpKind,
} from './ipvs-model-calls.js';
import { driftOf, type IpvsDrift } from './ipvs-model-drift.js';
import { FaultQueue, type IpvsFault } from './ipvs-model-faults.js';
import { type ConnectionCounts, type DestRef, type IpvsTableOptions, IpvsTable, type LoadedService } from './ipvs-model-table.js';
import { type IpvsTransportOptions, IpvsModelTransport } from './ipvs-model-transport.js';

export type { IpvsCall, IpvsCallKind, IpvsCallRecord, IpvsFace, IpvsOpKind } from './ipvs-model-calls.js';
export { IpvsModelError } from './ipvs-model-calls.js';
export type { IpvsDrift } from './ipvs-model-drift.js';
export type { IpvsFault } from './ipvs-model-faults.js';
export type { ConnectionCounts, DestRef, LoadedService } from './ipvs-model-table.js';
export { KERNEL_SCHEDULERS, ZERO_STATS } from './ipvs-model-table.js';
export type { IpvsTransportOptions } from './ipvs-model-transport.js';
export { IpvsModelApi, IpvsModelTransport };

/** Options of a model (see IpvsTableOptions: schedulers, persistence engines, interfaces, info). */
export type IpvsModelOptions = IpvsTableOptions;

/** State-changing operations received since the last resetCalls(), both faces together. */
export interface IpvsOpCounts {
  /** Every operation received, failed ones included. */
  readonly total: number;
  /** Those that succeeded. */
  readonly applied: number;
  /** Those that failed (kernel errors and injected faults). */
  readonly failed: number;
  /** Operations received, by kind (kinds never received are absent). */
  readonly byKind: Readonly<Partial<Record<IpvsOpKind, number>>>;
}

/** The in-memory IPVS. */
export class IpvsModel implements IpvsExecutor {
  /** Changes behind the faces' back. */
  readonly drift: IpvsDrift;
  private readonly table: IpvsTable;
  private readonly faults = new FaultQueue();
  private log: IpvsCallRecord[] = [];
  private faces: Array<IpvsModelApi | IpvsModelTransport> = [];
  private sockets = 0;

  constructor(options: IpvsModelOptions = {}) {
    this.table = new IpvsTable(options);
    this.drift = driftOf(this.table);
  }

  // The faces.

  /** A new IpvsApi client of the model (like a new socket: closing it leaves the others open). */
  api(): IpvsModelApi {
    return this.open(new IpvsModelApi(this));
  }

  /** A new fake generic netlink socket on the model, for the real client (openIpvs({ transport })). */
  transport(options: IpvsTransportOptions = {}): IpvsModelTransport {
    return this.open(new IpvsModelTransport(this, options, 0x4242 + this.sockets++));
  }

  /** Breaks every open face (see IpvsModelTransport.break and IpvsModelApi.break). */
  breakAll(errno?: number): void {
    for (const face of this.faces) if (!face.closed) face.break(errno);
  }

  private open<F extends IpvsModelApi | IpvsModelTransport>(face: F): F {
    this.faces = [...this.faces.filter((f) => !f.closed), face];
    return face;
  }

  // Faults.

  /** Makes the next matching calls fail (by default: the next state-changing operation, with that errno). */
  failNext(fault: IpvsFault): void {
    this.faults.add(fault);
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** How many calls the armed faults will still fail. */
  get pendingFaults(): number {
    return this.faults.pending;
  }

  // The log and the op counters.

  /** Every call either face received since the last resetCalls(), in order. */
  get calls(): readonly IpvsCallRecord[] {
    return this.log;
  }

  /** Counts of the state-changing operations received since the last resetCalls(). */
  opCounts(): IpvsOpCounts {
    const byKind: Partial<Record<IpvsOpKind, number>> = {};
    let total = 0;
    let failed = 0;
    for (const c of this.log) {
      if (!isOpKind(c.op)) continue;
      total++;
      if (c.error !== undefined) failed++;
      byKind[c.op] = (byKind[c.op] ?? 0) + 1;
    }
    return { total, applied: total - failed, failed, byKind };
  }

  /** Empties the log (and so zeroes the op counters). */
  resetCalls(): void {
    this.log = [];
  }

  // The table, behind the faces' back.

  /** The services and their destinations as specs, in listing order (flags without HASHED). */
  snapshot(): { service: ServiceSpec; dests: DestinationSpec[] }[] {
    return this.table.snapshot();
  }

  /** The sync daemons as listed (master first). */
  daemons(): DaemonConfig[] {
    return this.table.listDaemons();
  }

  /** Replaces the services (no checks), each one's destinations listed in the order given. */
  load(services: readonly LoadedService[]): void {
    this.table.load(services);
  }

  /** Replaces the sync daemons, reported as given (no defaults filled, as an older kernel reports them). */
  loadDaemons(daemons: readonly DaemonConfig[]): void {
    this.table.loadDaemons(daemons);
  }

  /** Sets a destination's connection counts (those given), e.g. to test draining. */
  setConnections(key: ServiceKey, dest: DestRef, counts: Partial<ConnectionCounts>): void {
    this.table.setConnections(key, dest, counts);
  }

  /** Sets counters of a service, or of one of its destinations. */
  setStats(key: ServiceKey, stats: Partial<Stats>, dest?: DestRef): void {
    this.table.setStats(key, stats, dest);
  }

  // For the faces (IpvsExecutor).

  /** Logs `call`, then fails it with a matching armed fault or applies it; throws IpvsModelError. */
  execute(call: IpvsCall, via: IpvsFace): unknown {
    const record: { -readonly [K in keyof IpvsCallRecord]: IpvsCallRecord[K] } = { op: call.op, args: callArgs(call), via };
    this.log.push(record);
    try {
      const fault = this.faults.take(call);
      if (fault !== undefined) throw fault;
      return this.table.apply(call);
    } catch (err) {
      if (err instanceof IpvsModelError) record.error = err.code;
      throw err;
    }
  }

  note(op: 'batch', args: readonly unknown[], via: IpvsFace): void {
    this.log.push({ op, args, via });
  }

  storedService(key: ServiceKey): ServiceSpec | undefined {
    return this.table.storedService(key);
  }
}
