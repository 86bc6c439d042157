/**
 * Running one parsed command against IPVS, as process_options' dispatch does: listings and save
 * print; modifying commands send one request and print ipvs_strerror() on failure. The outcome
 * distinguishes a command's result (0 or -1, which continues a restore) from an exit().
 */
import { applyOp, kernelOp } from './kernel.js';
import type { CommandEntry } from './model.js';
import { listAll, listConnections, listDaemon, listService, listTimeout, type Session } from './show.js';
import { errnoOf, type IpvsFunc, ipvsStrerror } from './strerror.js';

/** A command's outcome: its return value, or a process exit. */
export type Outcome = { readonly kind: 'result'; readonly value: 0 | -1 } | { readonly kind: 'exit'; readonly status: number };

/** The exit status of an outcome when it is the last thing the program does. */
export function exitStatus(o: Outcome): number {
  return o.kind === 'exit' ? o.status : o.value === 0 ? 0 : 255;
}

const OK: Outcome = { kind: 'result', value: 0 };

function listingOutcome(status: number): Outcome {
  return status === 0 ? OK : { kind: 'exit', status };
}

/** The listing or save a list/save command asks for. */
export async function runListing(s: Session, e: CommandEntry): Promise<Outcome> {
  if (e.cmd === 'save') return listingOutcome(await listAll(s, { ...e.format, rule: true }));
  if (e.options.has('connection')) return listingOutcome(await listConnections(s, e.format));
  if (e.options.has('service-address')) return listingOutcome(await listService(s, e.svc, e.format));
  if (e.options.has('timeout')) return listingOutcome(await listTimeout(s));
  if (e.options.has('daemon')) return listingOutcome(await listDaemon(s));
  return listingOutcome(await listAll(s, e.format));
}

/** Records the libipvs call an operation runs under and returns it (flush leaves it unchanged). */
export function enterFunc(s: Session, func: IpvsFunc | null): IpvsFunc {
  if (func !== null) s.lastFunc = func;
  return s.lastFunc;
}

/** Prints the error of a failed modifying command, optionally prefixed (restore names the line). */
export function reportKernelError(s: Session, func: IpvsFunc, err: unknown, prefix = ''): void {
  s.stderr.write(`${prefix}${ipvsStrerror(func, errnoOf(err))}\n`);
}

/** Runs a command other than restore. */
export async function executeEntry(s: Session, e: CommandEntry): Promise<Outcome> {
  const k = kernelOp(e);
  if (!k) return runListing(s, e);
  const func = enterFunc(s, k.func);
  try {
    await applyOp(s.api, k.op);
    return OK;
  } catch (err) {
    reportKernelError(s, func, err);
    return { kind: 'result', value: -1 };
  }
}
