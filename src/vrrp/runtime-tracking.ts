/**
 * The runtime's tracked objects: the link monitor, the vrrp_script runners and the track file watchers, with the
 * observations they feed to `evaluateTracking`. Any change calls `onChange` (the runtime re-evaluates its instances).
 *
 * A reload goes in two steps: `prepare` opens what the new plan needs and the current sources lack (a link monitor
 * for new interfaces, watchers for new or moved files) without using it yet, and `commit` swaps them in and
 * reconciles the scripts. An unchanged script keeps its runner and verdict, an unchanged file its watcher and value,
 * so a reload makes nothing flap; a changed script's last verdict stands until its new runner's first one.
 */
import { type ScriptPlan, type VrrpPlan, sameScript } from './runtime-plan.js';
import type { LinkStates, VrrpRuntimeDeps } from './runtime-types.js';
import { ScriptRunner } from './script-runner.js';
import { TrackFileWatcher } from './track-file.js';
import type { TrackStatus, TrackingInputs } from './tracking.js';

/** What `prepare` opened, not in use until `commit`. */
export interface PreparedTracking {
  /** A monitor of every interface the plan follows, when the current one lacks some. */
  readonly links: LinkStates | undefined;
  /** Watchers of the files that are new or whose path changed, started (their first value read). */
  readonly files: ReadonlyMap<string, TrackFileWatcher>;
}

type TrackingDeps = Pick<VrrpRuntimeDeps, 'clock' | 'log' | 'openLinks' | 'runCheckScript' | 'trackFileFs'>;

interface RunningScript {
  readonly plan: ScriptPlan;
  readonly runner: ScriptRunner;
  started: boolean;
}

/** The tracked objects of the runtime and what they currently say. */
export class TrackingSources {
  #links: LinkStates | undefined;
  #linkNames = new Set<string>();
  readonly #files = new Map<string, TrackFileWatcher>();
  readonly #fileValues = new Map<string, number>();
  readonly #scripts = new Map<string, RunningScript>();
  readonly #scriptStatus = new Map<string, TrackStatus>();

  constructor(
    readonly deps: TrackingDeps,
    readonly onChange: () => void,
  ) {}

  /** The current observations. */
  inputs(): TrackingInputs {
    return { interfaces: this.#links?.states ?? new Map(), scripts: this.#scriptStatus, files: this.#fileValues };
  }

  /** Opens the file watchers and link monitor `plan` needs beyond the current ones (closed again on failure). */
  async prepare(plan: Pick<VrrpPlan, 'links' | 'files'>): Promise<PreparedTracking> {
    const files = new Map<string, TrackFileWatcher>();
    try {
      for (const [name, path] of plan.files) {
        if (this.#files.get(name)?.opts.path === path) continue;
        const w = this.#watcher(name, path);
        files.set(name, w);
        await w.start();
      }
      const missing = this.#links === undefined || plan.links.some((n) => !this.#linkNames.has(n));
      const links = missing ? await this.deps.openLinks(plan.links) : undefined;
      return { links, files };
    } catch (err) {
      for (const w of files.values()) w.stop();
      throw err;
    }
  }

  /** Closes what `prepare` opened (the reload did not go ahead). */
  discard(prepared: PreparedTracking): void {
    prepared.links?.close();
    for (const w of prepared.files.values()) w.stop();
  }

  /** Puts `prepared` in use and reconciles the scripts with `plan` (new runners start with `startScripts`). */
  commit(prepared: PreparedTracking, plan: Pick<VrrpPlan, 'links' | 'files' | 'scripts'>): void {
    if (prepared.links !== undefined) {
      this.#links?.close();
      const links = prepared.links;
      this.#links = links;
      this.#linkNames = new Set(plan.links);
      links.on((name, up) => {
        if (this.#links !== links) return;
        this.deps.log.info({ interface: name, up }, 'link');
        this.onChange();
      });
    }
    for (const [name, w] of this.#files) {
      if (plan.files.has(name) && !prepared.files.has(name)) continue;
      w.stop();
      this.#files.delete(name);
      this.#fileValues.delete(name);
    }
    for (const [name, w] of prepared.files) {
      this.#files.set(name, w);
      this.#fileValues.set(name, w.value);
    }
    for (const [name, s] of this.#scripts) {
      const next = plan.scripts.get(name);
      if (sameScript(s.plan, next)) continue;
      s.runner.stop();
      this.#scripts.delete(name);
      if (next === undefined) this.#scriptStatus.delete(name);
    }
    for (const [name, p] of plan.scripts) {
      if (!this.#scripts.has(name)) this.#scripts.set(name, { plan: p, runner: this.#runner(p), started: false });
    }
  }

  /** Starts the script runners not started yet. */
  startScripts(): void {
    for (const s of this.#scripts.values()) {
      if (s.started) continue;
      s.started = true;
      s.runner.start();
    }
  }

  /** Stops everything. */
  close(): void {
    for (const s of this.#scripts.values()) s.runner.stop();
    this.#scripts.clear();
    for (const w of this.#files.values()) w.stop();
    this.#files.clear();
    this.#links?.close();
    this.#links = undefined;
  }

  #watcher(name: string, path: string): TrackFileWatcher {
    const { clock, log, trackFileFs } = this.deps;
    const w: TrackFileWatcher = new TrackFileWatcher({
      name,
      path,
      clock,
      ...(trackFileFs !== undefined ? { fs: trackFileFs } : {}),
      onChange: (value) => {
        if (this.#files.get(name) !== w) return;
        this.#fileValues.set(name, value);
        log.info({ trackFile: name, value }, 'track file');
        this.onChange();
      },
      onWarning: (message, detail) => log.warn(detail, message),
    });
    return w;
  }

  #runner(p: ScriptPlan): ScriptRunner {
    const { clock, log, runCheckScript } = this.deps;
    const runner: ScriptRunner = new ScriptRunner({
      name: p.name,
      rise: p.rise,
      fall: p.fall,
      intervalMs: p.intervalMs,
      timeoutMs: p.timeoutMs,
      clock,
      run: (signal) => runCheckScript(p.argv, p.user, signal),
      onChange: (status) => {
        if (this.#scripts.get(p.name)?.runner !== runner) return;
        this.#scriptStatus.set(p.name, status);
        log.info({ script: p.name, status }, 'vrrp_script');
        this.onChange();
      },
    });
    return runner;
  }
}
