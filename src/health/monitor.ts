/**
 * Health of the whole configuration: turns the resolved model's virtual servers into scheduled checks, combines
 * check transitions into real server transitions (realserver.ts) and those into quorum and sorry server transitions
 * (virtual-server.ts), and reports them — transitions only; the starting state (and the state after a reload) is
 * read with `snapshot()`.
 *
 * Reload (`load` again) keeps everything that did not change: unchanged checks carry on untouched and changed
 * ones keep their verdict (scheduler.ts), so real servers and quorum do not flap. What a reload reports:
 * - a real server or virtual server that is new: nothing (it is in the snapshot);
 * - an existing real server whose combined state changed (a failing check removed, its weight edited): its
 *   transition; a new check on a real server that is up starts up (as keepalived migrates it), otherwise up
 *   unless alpha;
 * - a real server that was removed while up: `down` ("removed from configuration");
 * - an existing virtual server whose quorum changed (quorum edited, servers added or removed): its transitions;
 *   a removed one: `quorum-down` if its quorum was up, `sorry-off` if its sorry server served.
 *
 * `stop()` is the shutdown: for virtual servers with omega it reports `down` for each real server that is up and
 * then `quorum-down` (keepalived runs the down notifiers on exit only with omega); for the others, nothing.
 */
import type { Checker } from '../../checks/checker.js';
import type { ResolvedCheck, ResolvedRealServer, ResolvedVirtualServer } from '../config/model.js';
import { checkIds, checkTarget, endpointName, realServerKey, stableStringify, virtualServerKey } from './keys.js';
import { type Logger, silentLogger } from '../logger.js';
import { checkParams } from './params.js';
import { type CheckVerdict, type RealServerEvent, RealServerHealth } from './realserver.js';
import { type CheckEvent, CheckScheduler, type ScheduledCheck, type SchedulerOptions } from './scheduler.js';
import {
  desiredPool,
  type PoolDestination,
  type VirtualServerEvent,
  VirtualServerHealth,
  type VirtualServerSettings,
} from './virtual-server.js';

/**
 * Every transition the monitor reports. Each names its virtual server by service key (`key`, what survives a
 * reload or a rename) and by display name (`vs`, for logs).
 */
export type HealthEvent = RealServerEvent | VirtualServerEvent;

export interface HealthMonitorOptions extends SchedulerOptions {
  /** Builds the checker for a check; called for new and changed checks only. */
  readonly checkerFor: (check: ResolvedCheck, rs: ResolvedRealServer, vs: ResolvedVirtualServer) => Checker;
  /** Fast recovery for every check, over each virtual server's `fast_recovery` (see state.ts). */
  readonly fastRecovery?: boolean;
  /** The scheduler's timer slack, ms (default DEFAULT_CHECK_TIMER_SLACK_MS; see scheduler.ts). */
  readonly timerSlackMs?: number;
}

/**
 * The monitor's most timer slack: a check starts at most 10 ms after its time, so checks due close together
 * share a wakeup (at hundreds of checks a second that halves their CPU; a delay_loop is seconds). The scheduler
 * shortens it when checks fall due faster (scheduler.ts).
 */
export const DEFAULT_CHECK_TIMER_SLACK_MS = 10;

/** A real server's state. */
export interface RealServerSnapshot {
  readonly rs: string;
  readonly up: boolean;
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
}

/** A virtual server's state, with the IPVS destinations it should have. */
export interface VirtualServerSnapshot {
  readonly vs: string;
  readonly key: string;
  readonly quorumUp: boolean;
  readonly sorryActive: boolean;
  readonly weightSum: number;
  readonly realServers: readonly RealServerSnapshot[];
  readonly pool: readonly PoolDestination[];
}

interface RsRecord {
  readonly key: string;
  config: ResolvedRealServer;
  readonly health: RealServerHealth;
}

interface VsRecord {
  readonly key: string;
  config: ResolvedVirtualServer;
  readonly health: VirtualServerHealth;
  readonly servers: Map<string, RsRecord>;
}

/** A check's place: its virtual and real server. */
interface Owner {
  readonly vs: VsRecord;
  readonly rs: RsRecord;
}

type Listener = (event: HealthEvent) => void;

function vsSettings(vs: ResolvedVirtualServer): VirtualServerSettings {
  const sorry = vs.sorry_server;
  return {
    name: vs.name,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    omega: vs.omega,
    ...(sorry !== undefined ? { sorryServer: endpointName(sorry.address, sorry.port) } : {}),
  };
}

/** The health monitor. */
export class HealthMonitor {
  readonly scheduler: CheckScheduler;
  readonly #opts: HealthMonitorOptions;
  readonly #log: Logger;
  readonly #vs = new Map<string, VsRecord>();
  readonly #owner = new Map<string, Owner>();
  readonly #listeners = new Set<Listener>();
  #fingerprints = new Map<string, string>();
  /** Fingerprints by (frozen) check object; see #fingerprintOf. */
  readonly #fingerprintCache = new WeakMap<ResolvedCheck, { alpha: boolean; fastRecovery: boolean; fingerprint: string }>();
  #checkers = new Map<string, Checker>();

  constructor(opts: HealthMonitorOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.scheduler = new CheckScheduler({ ...opts, timerSlackMs: opts.timerSlackMs ?? DEFAULT_CHECK_TIMER_SLACK_MS });
    this.scheduler.onTransition((e) => this.#onCheck(e));
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts with, or reloads to, these virtual servers; returns (and reports) the transitions the reload caused. */
  load(virtualServers: readonly ResolvedVirtualServer[]): HealthEvent[] {
    const events: HealthEvent[] = [];
    const specs: ScheduledCheck[] = [];
    const plan: { vs: ResolvedVirtualServer; key: string; servers: { rs: ResolvedRealServer; key: string; ids: string[] }[] }[] = [];

    for (const vs of virtualServers) {
      const key = virtualServerKey(vs);
      const fastRecovery = this.#opts.fastRecovery ?? vs.fast_recovery;
      const oldVs = this.#vs.get(key);
      const servers = vs.real_servers.map((rs) => {
        const rsKey = realServerKey(rs);
        const ids = checkIds(key, rsKey, rs.checks);
        const oldRs = oldVs?.servers.get(rsKey);
        rs.checks.forEach((check, i) => {
          const id = ids[i] as string;
          const fingerprint = this.#fingerprintOf(check, vs.alpha, fastRecovery);
          const existing = this.#owner.get(id) !== undefined && this.scheduler.state(id) !== undefined;
          const unchanged = existing && this.#fingerprints.get(id) === fingerprint;
          specs.push({
            id,
            fingerprint,
            params: checkParams(check, { alpha: vs.alpha, fastRecovery }),
            target: checkTarget(check, rs),
            checker: unchanged ? (this.#checkers.get(id) as Checker) : this.#opts.checkerFor(check, rs, vs),
            ...(!existing && oldRs?.health.view.up ? { initialUp: true } : {}),
          });
        });
        return { rs, key: rsKey, ids };
      });
      plan.push({ vs, key, servers });
    }

    this.scheduler.update(specs);
    this.#fingerprints = new Map(specs.map((s) => [s.id, s.fingerprint]));
    this.#checkers = new Map(specs.map((s) => [s.id, s.checker]));

    const reason = 'configuration reloaded';
    const wanted = new Set(plan.map((p) => p.key));
    for (const [key, rec] of this.#vs) {
      if (wanted.has(key)) continue;
      for (const rs of rec.servers.values()) {
        if (rs.health.view.up) events.push(this.#downEvent(rec, rs, 'removed from configuration'));
      }
      events.push(...rec.health.remove('virtual server removed from configuration'));
      this.#vs.delete(key);
    }

    this.#owner.clear();
    for (const p of plan) {
      const verdicts = (ids: readonly string[]) => ids.map((id) => [id, this.#verdict(id)] as const);
      let rec = this.#vs.get(p.key);
      if (rec === undefined) {
        const servers = new Map<string, RsRecord>();
        for (const s of p.servers) {
          servers.set(s.key, {
            key: s.key,
            config: s.rs,
            health: new RealServerHealth(p.key, p.vs.name, s.key, s.rs.weight, verdicts(s.ids)),
          });
        }
        const members = [...servers.values()].map((r) => [r.key, r.health.view] as const);
        rec = { key: p.key, config: p.vs, health: new VirtualServerHealth(p.key, vsSettings(p.vs), members), servers };
        this.#vs.set(p.key, rec);
      } else {
        const vsRec = rec;
        vsRec.config = p.vs;
        const keep = new Set(p.servers.map((s) => s.key));
        for (const [key, rs] of vsRec.servers) {
          if (keep.has(key)) continue;
          if (rs.health.view.up) events.push(this.#downEvent(vsRec, rs, 'removed from configuration'));
          events.push(...vsRec.health.removeRealServer(key, `${key} removed`));
          vsRec.servers.delete(key);
        }
        for (const s of p.servers) {
          const old = vsRec.servers.get(s.key);
          if (old === undefined) {
            const health = new RealServerHealth(p.key, p.vs.name, s.key, s.rs.weight, verdicts(s.ids));
            vsRec.servers.set(s.key, { key: s.key, config: s.rs, health });
            events.push(...vsRec.health.setRealServer(s.key, health.view, `${s.key} added`));
          } else {
            old.config = s.rs;
            old.health.vs = p.vs.name;
            events.push(...old.health.reconfigure(s.rs.weight, verdicts(s.ids), reason));
            events.push(...vsRec.health.setRealServer(s.key, old.health.view, `${s.key} reconfigured`));
          }
        }
        events.push(...vsRec.health.reconfigure(vsSettings(p.vs), reason));
      }
      for (const s of p.servers) {
        const rs = rec.servers.get(s.key) as RsRecord;
        for (const id of s.ids) this.#owner.set(id, { vs: rec, rs });
      }
    }
    this.#emitAll(events);
    return events;
  }

  /** The state of every virtual server in configuration order, or of those with the given service keys. */
  snapshot(keys?: ReadonlySet<string>): VirtualServerSnapshot[] {
    const recs = keys === undefined ? [...this.#vs.values()] : [...keys].flatMap((k) => this.#vs.get(k) ?? []);
    return recs.map((rec) => {
      const servers = [...rec.servers.values()];
      const sorry = rec.config.sorry_server;
      return {
        vs: rec.config.name,
        key: rec.key,
        quorumUp: rec.health.quorumUp,
        sorryActive: rec.health.sorryActive,
        weightSum: rec.health.weightSum,
        realServers: servers.map((r) => ({
          rs: r.key,
          up: r.health.view.up,
          weight: r.health.view.weight,
          inhibitOnFailure: r.config.inhibit_on_failure,
        })),
        pool: desiredPool(
          servers.map((r) => ({
            address: r.config.address,
            ...(r.config.port !== undefined ? { port: r.config.port } : {}),
            inhibitOnFailure: r.config.inhibit_on_failure,
            view: r.health.view,
          })),
          sorry === undefined
            ? undefined
            : { address: sorry.address, ...(sorry.port !== undefined ? { port: sorry.port } : {}), inhibit: sorry.inhibit },
          rec.health.quorumUp,
        ),
      };
    });
  }

  /**
   * ha_suspend: suspends (or resumes) the checks of the virtual server with service key `key` (virtualServerKey)
   * while this node does not hold its address. Verdicts are kept while suspended; an unknown key is ignored.
   */
  setSuspended(key: string, suspended: boolean): void {
    const rec = this.#vs.get(key);
    if (rec === undefined) return;
    for (const rs of rec.servers.values()) this.scheduler.setSuspended(rs.health.checkIds(), suspended);
  }

  /** Shuts down: stops every check and returns (and reports) the omega transitions. */
  stop(): HealthEvent[] {
    this.scheduler.stop();
    const events: HealthEvent[] = [];
    for (const rec of this.#vs.values()) {
      if (!rec.config.omega) continue;
      for (const rs of rec.servers.values()) {
        if (rs.health.view.up) events.push(this.#downEvent(rec, rs, 'shutting down'));
      }
      events.push(...rec.health.shutdown('shutting down'));
    }
    this.#vs.clear();
    this.#owner.clear();
    this.#fingerprints.clear();
    this.#checkers.clear();
    this.#emitAll(events);
    return events;
  }

  // ----- internals -----------------------------------------------------------------------------------------------

  /**
   * A check's fingerprint (what makes it the same check across reloads), remembered per frozen check object: a reload
   * of an unchanged file hands over the same frozen objects, and ten thousand canonical stringifications are
   * most of what such a reload costs here.
   */
  #fingerprintOf(check: ResolvedCheck, alpha: boolean, fastRecovery: boolean): string {
    const known = this.#fingerprintCache.get(check);
    if (known !== undefined && known.alpha === alpha && known.fastRecovery === fastRecovery) return known.fingerprint;
    const fingerprint = stableStringify({ check, alpha, fastRecovery });
    // Only a frozen object (the resolved model) cannot have changed since.
    if (Object.isFrozen(check)) this.#fingerprintCache.set(check, { alpha, fastRecovery, fingerprint });
    return fingerprint;
  }

  #verdict(id: string): CheckVerdict {
    const s = this.scheduler.state(id);
    return { up: s?.up ?? true, weight: s?.weight };
  }

  #downEvent(vs: VsRecord, rs: RsRecord, reason: string): RealServerEvent {
    return { kind: 'down', key: vs.key, vs: vs.config.name, rs: rs.key, reason, weight: 0 };
  }

  #onCheck(e: CheckEvent): void {
    const owner = this.#owner.get(e.id);
    if (owner === undefined) return;
    const { vs, rs } = owner;
    const rsEvents = rs.health.setCheck(e.id, { up: e.state.up, weight: e.state.weight }, e.reason);
    if (rsEvents.length === 0) return;
    const vsEvents = vs.health.setRealServer(rs.key, rs.health.view, `${rs.key} ${rsEvents[0]?.kind}`);
    this.#emitAll([...rsEvents, ...vsEvents]);
  }

  #emitAll(events: readonly HealthEvent[]): void {
    for (const event of events) {
      this.#log.info({ ...event }, `health: ${event.kind}`);
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (e) {
          this.#log.error({ err: e, event: event.kind }, 'health listener failed');
        }
      }
    }
  }
}
