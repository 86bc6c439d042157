/**
 * One real server's health, combined from its checks as keepalived does: the server is up while every one of its
 * checks is up (keepalived counts failed checkers and marks the server alive at zero), so a server without checks
 * is always up. Its weight is the configured weight, unless checks report a dynamic weight (exec checks in dynamic
 * mode): then it is that weight, or the smallest of them when several checks report one. (keepalived adds each
 * dynamic checker's offset from the configured weight instead; both agree for the usual single dynamic check.)
 * Weights are clamped to the IPVS range 0..65535.
 *
 * Only changes are reported: `up` (with the weight), `down` (weight 0), and `weight` while up.
 */

/** What a check contributes: its verdict and its dynamic weight, if it reports one. */
export interface CheckVerdict {
  readonly up: boolean;
  readonly weight: number | undefined;
}

/** The combined state of a real server. `weight` is the weight it carries while up. */
export interface RealServerView {
  readonly up: boolean;
  readonly weight: number;
}

/** A real server's transition. */
export interface RealServerEvent {
  readonly kind: 'up' | 'down' | 'weight';
  /** The virtual server's service key (virtualServerKey: `tcp:192.0.2.10:80`, `fwmark:ipv4:1`). */
  readonly key: string;
  /** The virtual server's display name, for logs. */
  readonly vs: string;
  /** Real server, as address:port. */
  readonly rs: string;
  readonly reason: string;
  /** The weight the server now carries in the pool (0 when down). */
  readonly weight: number;
  /** The check whose result caused the transition, when one did. */
  readonly check?: string;
}

const MAX_WEIGHT = 65535;

const clampWeight = (w: number) => Math.min(MAX_WEIGHT, Math.max(0, Math.trunc(w)));

/** Combines checks into one view: up when all are up; weight as described above. */
export function combineChecks(configuredWeight: number, checks: Iterable<CheckVerdict>): RealServerView {
  let up = true;
  let dynamic: number | undefined;
  for (const c of checks) {
    if (!c.up) up = false;
    if (c.weight !== undefined) dynamic = dynamic === undefined ? c.weight : Math.min(dynamic, c.weight);
  }
  return { up, weight: clampWeight(dynamic ?? configuredWeight) };
}

/** The transition from one view to the next, if any. */
export function diffViews(
  before: RealServerView,
  after: RealServerView,
  ctx: { readonly key: string; readonly vs: string; readonly rs: string; readonly reason: string; readonly check?: string },
): RealServerEvent[] {
  const base = { key: ctx.key, vs: ctx.vs, rs: ctx.rs, reason: ctx.reason, ...(ctx.check !== undefined ? { check: ctx.check } : {}) };
  if (before.up !== after.up) return [after.up ? { kind: 'up', ...base, weight: after.weight } : { kind: 'down', ...base, weight: 0 }];
  if (after.up && before.weight !== after.weight) return [{ kind: 'weight', ...base, weight: after.weight }];
  return [];
}

/** Tracks one real server: feed it its checks' verdicts, get its transitions back. */
export class RealServerHealth {
  /** The virtual server's service key. */
  readonly key: string;
  /** The virtual server's display name (a reload may rename it). */
  vs: string;
  readonly rs: string;
  #configuredWeight: number;
  #checks: Map<string, CheckVerdict>;
  #view: RealServerView;

  /** `key` and `vs`: its virtual server's service key and name; `checks`: each check's id and current verdict. */
  constructor(key: string, vs: string, rs: string, configuredWeight: number, checks: Iterable<readonly [string, CheckVerdict]>) {
    this.key = key;
    this.vs = vs;
    this.rs = rs;
    this.#configuredWeight = configuredWeight;
    this.#checks = new Map(checks);
    this.#view = combineChecks(configuredWeight, this.#checks.values());
  }

  get view(): RealServerView {
    return this.#view;
  }

  get configuredWeight(): number {
    return this.#configuredWeight;
  }

  /** The ids of the checks combined. */
  checkIds(): string[] {
    return [...this.#checks.keys()];
  }

  /** Records a check's new verdict; returns the server's transition, if it changed. Unknown ids are ignored. */
  setCheck(id: string, verdict: CheckVerdict, reason: string): RealServerEvent[] {
    if (!this.#checks.has(id)) return [];
    this.#checks.set(id, { up: verdict.up, weight: verdict.weight });
    return this.#recompute({ reason, check: id });
  }

  /** Reload: a new configured weight and set of checks; returns the transition, if the server changed. */
  reconfigure(configuredWeight: number, checks: Iterable<readonly [string, CheckVerdict]>, reason: string): RealServerEvent[] {
    this.#configuredWeight = configuredWeight;
    this.#checks = new Map(checks);
    return this.#recompute({ reason });
  }

  #recompute(ctx: { reason: string; check?: string }): RealServerEvent[] {
    const before = this.#view;
    this.#view = combineChecks(this.#configuredWeight, this.#checks.values());
    return diffViews(before, this.#view, { key: this.key, vs: this.vs, rs: this.rs, ...ctx });
  }
}
