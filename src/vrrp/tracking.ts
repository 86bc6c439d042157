/**
 * Tracking, pure: what tracked interfaces, vrrp_scripts and track files make of an instance's priority and whether
 * it is in fault, with keepalived's semantics (vrrp_track.c, track_file.c, vrrp_scheduler.c):
 *
 * - Weight 0 means "fault when failing": an interface down, a script failing (or not yet run), a file holding a
 *   non-zero value. `reverse` inverts what failing means (keepalived's `weight N reverse`).
 * - Weight > 0 is added while the object is OK (interface up, script passing); weight < 0 is added (subtracted)
 *   while it fails. A script that has not run yet adds nothing.
 * - A track file adds value × weight (× −1 when reversed), limited to −254..253; −254 or less means fault.
 * - The effective priority is the configured one plus all of that, limited to 1..254. The address owner
 *   (priority 255) is never changed by tracking.
 * - keepalived drops weighted tracking for the owner, and for sync group members (unless `sgroup_tracking_weight`):
 *   `normalizeTracking` applies those rules.
 *
 * Scripts count results like keepalived: `result` runs 0..rise+fall−1 and the script is OK while result ≥ rise.
 * From OK it takes `fall` consecutive failures to fail, from failing `rise` consecutive successes to pass, and the
 * first result after start decides at once (keepalived starts at rise−1: "one success is enough").
 */
import { PRIORITY_MAX_BACKUP, PRIORITY_OWNER } from './constants.js';

/** A tracked object's verdict. `init`: a script that has not finished a run yet. */
export type TrackStatus = 'init' | 'ok' | 'fail';

/** The rise/fall of a vrrp_script. */
export interface ScriptCounting {
  readonly rise: number;
  readonly fall: number;
}

/** Where one script stands. */
export interface ScriptTrackState {
  /** keepalived's result counter, 0..rise+fall−1. */
  readonly result: number;
  readonly status: TrackStatus;
}

/** A script before its first run. */
export function initialScriptState(c: ScriptCounting): ScriptTrackState {
  return { result: c.rise - 1, status: 'init' };
}

/** The state after one run of the script (`ok`: it exited 0; a timeout or signal is a failure). */
export function scriptResult(c: ScriptCounting, s: ScriptTrackState, ok: boolean): ScriptTrackState {
  const top = c.rise + c.fall - 1;
  if (ok) {
    if (s.status !== 'ok' && s.result < c.rise - 1) return { result: s.result + 1, status: s.status };
    return { result: top, status: 'ok' };
  }
  if (s.status === 'ok' && s.result > c.rise) return { result: s.result - 1, status: 'ok' };
  return { result: 0, status: 'fail' };
}

/** A tracked interface: up or down. */
export interface TrackedInterface {
  readonly name: string;
  readonly weight: number;
  readonly reverse?: boolean;
}

/** A tracked vrrp_script. */
export interface TrackedScript extends ScriptCounting {
  readonly name: string;
  readonly weight: number;
  readonly reverse?: boolean;
}

/** A tracked file holding an integer. */
export interface TrackedFile {
  readonly name: string;
  readonly weight: number;
  readonly reverse?: boolean;
}

/** What an instance tracks. */
export interface TrackingConfig {
  /** Configured priority, 1..255. */
  readonly basePriority: number;
  readonly interfaces: readonly TrackedInterface[];
  readonly scripts: readonly TrackedScript[];
  readonly files: readonly TrackedFile[];
}

/** The current observations. A missing interface counts as down, a missing script as not run, a missing file as 0. */
export interface TrackingInputs {
  readonly interfaces: ReadonlyMap<string, boolean>;
  readonly scripts: ReadonlyMap<string, TrackStatus>;
  readonly files: ReadonlyMap<string, number>;
}

/** Why an instance is in fault. */
export type FaultReason =
  | { readonly kind: 'interface'; readonly name: string }
  | { readonly kind: 'script'; readonly name: string; readonly status: TrackStatus }
  | { readonly kind: 'file'; readonly name: string; readonly value: number };

/** What tracking makes of an instance. */
export interface TrackingVerdict {
  /** The effective priority (1..254, or 255 for the owner). */
  readonly priority: number;
  readonly fault: boolean;
  readonly reasons: readonly FaultReason[];
}

/** What a weighted object adds: weight > 0 while OK, weight < 0 while failing; reversed: negated. */
function weighted(weight: number, reverse: boolean | undefined, ok: boolean): number {
  const mult = reverse === true ? -1 : 1;
  if (weight > 0) return ok ? weight * mult : 0;
  return ok ? 0 : weight * mult;
}

/** A weight-0 object faults when it fails (reversed: when it is OK). */
function faults(reverse: boolean | undefined, ok: boolean): boolean {
  return ok === (reverse === true);
}

/** A track file's contribution, limited to −254..253 (−254: fault). */
export function fileStatus(f: TrackedFile, value: number): number {
  if (f.weight === 0) return faults(f.reverse, value === 0) ? -254 : 0;
  const v = value * f.weight * (f.reverse === true ? -1 : 1);
  return Math.max(-254, Math.min(253, v));
}

/** Effective priority and fault of an instance from its tracked objects. */
export function evaluateTracking(cfg: TrackingConfig, inputs: TrackingInputs): TrackingVerdict {
  let total = cfg.basePriority;
  const reasons: FaultReason[] = [];
  for (const t of cfg.interfaces) {
    const up = inputs.interfaces.get(t.name) ?? false;
    if (t.weight === 0) {
      if (faults(t.reverse, up)) reasons.push({ kind: 'interface', name: t.name });
    } else total += weighted(t.weight, t.reverse, up);
  }
  for (const t of cfg.scripts) {
    const status = inputs.scripts.get(t.name) ?? 'init';
    if (t.weight === 0) {
      if (status === 'init' || faults(t.reverse, status === 'ok')) reasons.push({ kind: 'script', name: t.name, status });
    } else if (status !== 'init') total += weighted(t.weight, t.reverse, status === 'ok');
  }
  for (const t of cfg.files) {
    const value = inputs.files.get(t.name) ?? 0;
    const st = fileStatus(t, value);
    if (st <= -254) reasons.push({ kind: 'file', name: t.name, value });
    else total += st;
  }
  const priority = cfg.basePriority === PRIORITY_OWNER ? PRIORITY_OWNER : Math.min(PRIORITY_MAX_BACKUP, Math.max(1, total));
  return { priority, fault: reasons.length > 0, reasons };
}

/** What `normalizeTracking` changed, for the log. */
export interface TrackingNote {
  readonly kind: 'interface' | 'script' | 'file';
  readonly name: string;
  readonly change: 'dropped' | 'weight-zeroed';
  readonly because: 'owner' | 'sync-group';
}

/**
 * keepalived's rules for weights that cannot apply (vrrp_complete_instance): the owner (priority 255) and a sync
 * group member (unless the group has `sgroup_tracking_weight`) do not float their priority. Then weighted
 * interfaces are dropped (owner) or tracked with weight 0 (sync group), weighted scripts are dropped, files with
 * the default weight 1 are tracked with weight 0, and other weighted files are dropped.
 */
export function normalizeTracking(
  cfg: TrackingConfig,
  opts: { readonly syncGroup: boolean; readonly syncGroupTrackingWeight?: boolean },
): { readonly config: TrackingConfig; readonly notes: readonly TrackingNote[] } {
  const syncNoWeight = opts.syncGroup && opts.syncGroupTrackingWeight !== true;
  const owner = cfg.basePriority === PRIORITY_OWNER;
  if (!syncNoWeight && !owner) return { config: cfg, notes: [] };
  const because = syncNoWeight ? 'sync-group' : 'owner';
  const notes: TrackingNote[] = [];
  const interfaces: TrackedInterface[] = [];
  for (const t of cfg.interfaces) {
    if (t.weight === 0) interfaces.push(t);
    else if (syncNoWeight) {
      interfaces.push({ ...t, weight: 0 });
      notes.push({ kind: 'interface', name: t.name, change: 'weight-zeroed', because });
    } else notes.push({ kind: 'interface', name: t.name, change: 'dropped', because });
  }
  const scripts: TrackedScript[] = [];
  for (const t of cfg.scripts) {
    if (t.weight === 0) scripts.push(t);
    else notes.push({ kind: 'script', name: t.name, change: 'dropped', because });
  }
  const files: TrackedFile[] = [];
  for (const t of cfg.files) {
    if (t.weight === 0) files.push(t);
    else if (t.weight === 1) {
      files.push({ ...t, weight: 0 });
      notes.push({ kind: 'file', name: t.name, change: 'weight-zeroed', because });
    } else notes.push({ kind: 'file', name: t.name, change: 'dropped', because });
  }
  return { config: { ...cfg, interfaces, scripts, files }, notes };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The value of a track file's text as keepalived reads it (strtol with base 0: leading blanks, a sign, 0x for hex,
 * a leading 0 for octal, digits up to the first other character; no digits reads as 0). Undefined when the number
 * is out of range: keepalived then ignores the update. A missing or empty file reads as 0.
 */
export function parseTrackFileValue(text: string | undefined): number | undefined {
  if (text === undefined) return 0;
  const s = text.slice(0, 127);
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i] as string)) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') {
    if (s[i] === '-') sign = -1;
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  let value = 0;
  let digits = 0;
  for (; i < s.length; i++) {
    const d = Number.parseInt(s[i] as string, base);
    if (Number.isNaN(d)) break;
    value = value * base + d;
    digits++;
    if (value > 2 ** 40) return undefined; // far out of range already
  }
  if (digits === 0) return 0;
  const v = sign * value;
  return v < INT32_MIN || v > INT32_MAX + 1 ? undefined : v;
}
