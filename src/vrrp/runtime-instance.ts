/**
 * One instance of the VRRP runtime: its transport, its `InstanceIo` and the `VrrpInstance` driving them, with the
 * log lines and events of its transitions, I/O errors and anomalies.
 */
import type { ScriptCredentials } from './io/run-as.js';
import type { AcceptFilterPort, InstanceView, VrrpRuntimeDeps, VrrpRuntimeEvent } from './runtime-types.js';
import { VrrpInstance } from './instance.js';
import { InstanceIo } from './io/instance-io.js';
import type { VrrpTransport } from './io/transport.js';
import type { InstancePlan } from './runtime-plan.js';
import type { SyncGroupLink } from './sync-link.js';

/** What opening an instance needs from the runtime. */
export interface InstanceContext {
  readonly deps: VrrpRuntimeDeps;
  readonly acceptFilter: AcceptFilterPort | undefined;
  /** Who notify programs run as, read at each run (a reload may change it). */
  readonly notifyUser: () => ScriptCredentials | undefined;
  readonly emit: (event: VrrpRuntimeEvent) => void;
}

/** A VRRP instance with the sockets and I/O it runs on. */
export class RuntimeInstance {
  /** The plan it runs with (updated in place by a reload that only changed priority, tracking or notify). */
  plan: InstancePlan;
  /** The sync group it is in: its own tracking fault goes there. */
  group: SyncGroupLink | undefined;
  /** Its own tracking verdict (a sync group member's state shows the group's). */
  ownFault: boolean | undefined;
  #stopped: Promise<void> | undefined;
  #closed = false;

  private constructor(
    plan: InstancePlan,
    readonly inst: VrrpInstance,
    readonly io: InstanceIo,
    readonly transport: VrrpTransport,
  ) {
    this.plan = plan;
  }

  /** Opens the transport and builds the instance, not started. */
  static async open(plan: InstancePlan, ctx: InstanceContext): Promise<RuntimeInstance> {
    const { deps } = ctx;
    const { log } = deps;
    const { name, spec } = plan;
    const vrid = spec.wire.vrid;
    let inst: VrrpInstance | undefined;
    const group = spec.wire.unicast ? undefined : spec.wire.destinations[0];
    const transport = await deps.openTransport({
      kind: plan.transport,
      family: spec.wire.family,
      ifname: plan.interface,
      localAddress: spec.machine.localAddress,
      ...(group !== undefined ? { group } : {}),
      onMessage: (buf, meta) => inst?.receive(buf, meta),
      onError: (err) => log.warn({ instance: name, vrid, err: String(err) }, 'transport error'),
    });
    let io: InstanceIo;
    try {
      io = new InstanceIo({
        name,
        vrid,
        transport,
        addresses: deps.addresses,
        vips: plan.vips,
        log,
        notify: plan.notify,
        runCommand: (argv) => deps.runNotify(argv, ctx.notifyUser()),
        ifInfo: deps.ifInfo,
        announcer: deps.openAnnouncer(),
        ...(ctx.acceptFilter !== undefined ? { acceptFilter: ctx.acceptFilter } : {}),
      });
    } catch (err) {
      transport.close();
      throw err;
    }
    inst = new VrrpInstance(spec, deps.clock, io);
    inst.on((e) => {
      if (e.type === 'transition') {
        log.info({ vrid, instance: name, from: e.from, to: e.to, priority: e.priority }, 'transition');
        ctx.emit({ type: 'transition', instance: name, vrid, from: e.from, to: e.to, priority: e.priority });
      } else if (e.type === 'ioError') {
        const err = e.error instanceof Error ? e.error.stack : String(e.error);
        log.error({ vrid, instance: name, action: e.action, err }, 'I/O error');
      } else if (e.type === 'anomaly') {
        log.warn({ vrid, instance: name, kind: e.kind, detail: e.detail }, 'anomaly');
      }
    });
    return new RuntimeInstance(plan, inst, io, transport);
  }

  get name(): string {
    return this.plan.name;
  }

  /** Resolves once the instance is in `initialize` (at once when it is): call after asking it to stop. */
  whenStopped(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const check = () => {
        if (this.inst.state.name !== 'initialize') return;
        off();
        resolve();
      };
      const off = this.inst.on((e) => (e.type === 'transition' ? check() : undefined));
      check();
    });
    return this.#stopped;
  }

  /** Stops (planned unless `immediate`), waits for it and for its address changes, and closes it. */
  async retire(immediate = false): Promise<void> {
    this.inst.stop({ immediate });
    await this.whenStopped();
    await this.io.idle();
    this.close();
  }

  /** Closes the transport and the announcement sockets (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.transport.close();
    this.io.close();
  }

  view(): InstanceView {
    const s = this.inst.state;
    return {
      name: this.name,
      vrid: this.plan.spec.wire.vrid,
      state: s.name,
      priority: s.effectivePriority,
      fault: s.fault,
      ...(s.name === 'backup' && s.master !== undefined ? { master: s.master.address } : {}),
    };
  }
}
