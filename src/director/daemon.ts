/**
 * One director process: VRRP (when the config has instances), health checks, and the IPVS director (when the
 * config has virtual servers or a sync daemon), wired together, with start, reload and stop. The cli builds the
 * real adapters and turns signals into these calls.
 */
import type { Checker } from '../../checks/checker.js';
import type { Clock } from '../clock.js';
import type { ResolvedCheck, ResolvedConfig, ResolvedRealServer, ResolvedVirtualServer } from '../config/model.js';
import { HealthMonitor } from '../health/index.js';
import type { IpvsApi } from '../ipvs/api.js';
import type { Logger } from '../logger.js';
import { VrrpRuntime, type VrrpRuntimeDeps } from '../vrrp/runtime.js';
import { Director, type NotifyRunner, type ReloadSummary, type VrrpComponent, type VrrpStateName } from './director.js';

export interface DaemonDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Opens IPVS (the first call at start may load the module; see open-ipvs.ts). */
  readonly openIpvs: () => Promise<IpvsApi>;
  readonly checkerFor: (check: ResolvedCheck, rs: ResolvedRealServer, vs: ResolvedVirtualServer) => Checker;
  readonly vrrp: VrrpRuntimeDeps;
  /** Runs quorum and real server notify programs. */
  readonly notify: NotifyRunner;
}

/** Whether a config needs IPVS (a VRRP-only config runs on a kernel without it). */
export function needsIpvs(config: ResolvedConfig): boolean {
  return config.virtual_servers.length > 0 || config.lvs_sync_daemon !== undefined;
}

/** The director's view of the VRRP runtime: instance and group states as MASTER/BACKUP/FAULT/INIT. */
export function vrrpComponent(runtime: VrrpRuntime): VrrpComponent {
  return {
    stateOf(name: string): VrrpStateName | undefined {
      const inst = runtime.state(name);
      if (inst !== undefined) {
        // A leaving master still holds its addresses until its successor is heard.
        if (inst.state === 'master' || inst.state === 'leaving') return 'MASTER';
        if (inst.state === 'backup') return 'BACKUP';
        if (inst.state === 'fault') return 'FAULT';
        return 'INIT';
      }
      const g = runtime.groupState(name);
      if (g === undefined) return undefined;
      return g === 'STOP' ? 'INIT' : g;
    },
    onChange(listener) {
      return runtime.on((e) => {
        if (e.type === 'transition' || e.type === 'syncGroup') listener();
      });
    },
    reload: (config) => runtime.reload(config),
    stop: (o) => runtime.stop(o),
  };
}

/** The running daemon. */
export class DirectorDaemon {
  readonly #deps: DaemonDeps;
  #config: ResolvedConfig;
  #runtime: VrrpRuntime | undefined;
  #director: Director | undefined;
  readonly #health: HealthMonitor;

  private constructor(config: ResolvedConfig, deps: DaemonDeps) {
    this.#deps = deps;
    this.#config = config;
    this.#health = new HealthMonitor({ clock: deps.clock, logger: deps.log, checkerFor: deps.checkerFor });
  }

  /**
   * Starts VRRP, then health and IPVS (adopting what the kernel holds). Rejects, with what was started stopped
   * again, when VRRP cannot start or IPVS cannot be opened.
   */
  static async start(config: ResolvedConfig, deps: DaemonDeps): Promise<DirectorDaemon> {
    const d = new DirectorDaemon(config, deps);
    try {
      if (Object.keys(config.vrrp_instances).length > 0) d.#runtime = await VrrpRuntime.start(config, deps.vrrp);
      if (needsIpvs(config)) await d.#startDirector(config);
    } catch (err) {
      await d.#runtime?.stop({ immediate: true }).catch(() => undefined);
      d.#health.stop();
      throw err;
    }
    deps.log.info(
      { instances: d.#runtime?.instances() ?? [], virtual_servers: config.virtual_servers.length, ipvs: d.#director !== undefined },
      'running',
    );
    return d;
  }

  get config(): ResolvedConfig {
    return this.#config;
  }

  /** The IPVS director, when the config needs one. */
  get director(): Director | undefined {
    return this.#director;
  }

  /** The VRRP runtime, when the config has instances. */
  get vrrp(): VrrpRuntime | undefined {
    return this.#runtime;
  }

  /** Moves to a new, already validated config; see Director.reload and VrrpRuntime.reload. */
  async reload(config: ResolvedConfig): Promise<ReloadSummary | undefined> {
    this.#config = config;
    if (this.#runtime === undefined && Object.keys(config.vrrp_instances).length > 0) {
      this.#runtime = await VrrpRuntime.start(config, this.#deps.vrrp);
      if (this.#director !== undefined)
        this.#deps.log.warn({}, 'VRRP instances added by a reload: ha_suspend and sync roles follow them after a restart');
    }
    if (this.#director !== undefined) return this.#director.reload(config);
    if (this.#runtime !== undefined) await this.#runtime.reload(config);
    if (needsIpvs(config)) {
      const report = await this.#startDirector(config);
      return { added: config.virtual_servers.length, removed: 0, changed: 0, ops: report.ops };
    }
    return undefined;
  }

  /** Stops everything; see Director.stop for `keepIpvs`. */
  async stop(options: { readonly immediate?: boolean; readonly keepIpvs?: boolean } = {}): Promise<void> {
    if (this.#director !== undefined) await this.#director.stop(options);
    else {
      this.#health.stop();
      await this.#runtime?.stop({ immediate: options.immediate ?? false });
    }
  }

  async #startDirector(config: ResolvedConfig) {
    const director = new Director({
      config,
      health: this.#health,
      ...(this.#runtime !== undefined ? { vrrp: vrrpComponent(this.#runtime) } : {}),
      openIpvs: this.#deps.openIpvs,
      clock: this.#deps.clock,
      log: this.#deps.log,
      notify: this.#deps.notify,
    });
    const report = await director.start();
    this.#director = director;
    return report;
  }
}
