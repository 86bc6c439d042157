/**
 * `-R`: restore rules from standard input. Unlike ipvsadm, which runs each line as it reads it,
 * lvsadm first parses the whole input (same tokenizer, same per-line parser and checks); a line
 * that ipvsadm would reject stops everything before any change is made, and the message names
 * the line. The modifying commands are then sent through the IPVS batch API, pipelined; kernel
 * errors are reported with their line and, as in ipvsadm, do not stop the restore. Listing
 * lines run in their place; -h/-v end the restore as they end ipvsadm. The exit status is the
 * last line's result, as ipvsadm's.
 */
import type { IpvsOp } from '../ipvs/api.js';
import { readConfigStream } from './config-stream.js';
import { enterFunc, type Outcome, reportKernelError, runListing } from './execute.js';
import { fastRestoreOp } from './fast-restore.js';
import { type KernelOp, kernelOp } from './kernel.js';
import { type Exit, tryHelp } from './messages.js';
import type { CommandEntry } from './model.js';
import { type ParseContext, parseCommandLine } from './options.js';
import type { Session } from './show.js';
import type { IpvsFunc } from './strerror.js';

/**
 * One parsed restore line: the kernel operation of a modifying command (kept instead of the
 * command itself: a restore holds thousands until it applies them), or the command to run.
 */
export type RestoreItem =
  | { readonly line: number; readonly kernel: KernelOp; readonly entry?: undefined }
  | { readonly line: number; readonly entry: CommandEntry; readonly kernel?: undefined };

/** The whole input parsed: the commands to run, and a final -h/-v exit if one was met. */
export type RestorePlan =
  | { readonly kind: 'plan'; readonly items: readonly RestoreItem[]; readonly final?: Exit }
  | { readonly kind: 'invalid'; readonly line: number; readonly exit: Exit };

/** Parses every line of a restore input; stops at the first line ipvsadm would reject. */
export async function planRestore(input: string, ctx: ParseContext): Promise<RestorePlan> {
  const items: RestoreItem[] = [];
  for (const { line, tokens } of readConfigStream(input)) {
    // The common saved forms skip the general parser (same result, see fast-restore.ts).
    const fast = fastRestoreOp(tokens);
    if (fast) {
      items.push({ line, kernel: fast });
      continue;
    }
    const parsed = await parseCommandLine([ctx.program, ...tokens], ctx);
    if (parsed.kind === 'exit') {
      if (parsed.status === 0) return { kind: 'plan', items, final: parsed };
      return { kind: 'invalid', line, exit: parsed };
    }
    // A nested -R would read stdin again: ipvsadm refuses it with the -h hint.
    if (parsed.entry.cmd === 'restore') return { kind: 'invalid', line, exit: tryHelp(ctx.program) };
    const kernel = kernelOp(parsed.entry);
    items.push(kernel ? { line, kernel } : { line, entry: parsed.entry });
  }
  return { kind: 'plan', items };
}

/** The message for a rejected restore input. */
export function invalidRestoreMessage(line: number, exit: Exit): string {
  const reason = exit.stderr !== '' ? exit.stderr : 'empty scheduler flag list\n';
  return `line ${line}: ${reason}restore aborted: nothing was applied\n`;
}

interface PendingOp {
  readonly line: number;
  readonly op: IpvsOp;
  readonly func: IpvsFunc;
}

/** Sends queued operations as one pipelined batch; resolves to the last one's result. */
async function flushOps(s: Session, pending: PendingOp[]): Promise<0 | -1> {
  if (pending.length === 0) return 0;
  const ops = pending.splice(0);
  let last: 0 | -1 = 0;
  try {
    const results = await s.api.batch(
      ops.map((p) => p.op),
      { stopOnError: false },
    );
    ops.forEach((p, i) => {
      const r = results[i];
      if (r && !r.ok) reportKernelError(s, p.func, r.error, `line ${p.line}: `);
      last = r?.ok === false ? -1 : 0;
    });
  } catch (err) {
    for (const p of ops) reportKernelError(s, p.func, err, `line ${p.line}: `);
    last = -1;
  }
  return last;
}

/** Runs a parsed restore input. */
export async function applyRestore(s: Session, plan: Extract<RestorePlan, { kind: 'plan' }>): Promise<Outcome> {
  const pending: PendingOp[] = [];
  let result: 0 | -1 = 0;
  for (const { line, kernel, entry } of plan.items) {
    if (kernel) {
      pending.push({ line, op: kernel.op, func: enterFunc(s, kernel.func) });
      continue;
    }
    await flushOps(s, pending);
    const outcome = await runListing(s, entry);
    if (outcome.kind === 'exit') return outcome;
    result = outcome.value;
  }
  if (pending.length > 0) result = await flushOps(s, pending);
  if (plan.final) {
    s.stdout.write(plan.final.stdout);
    s.stderr.write(plan.final.stderr);
    return { kind: 'exit', status: plan.final.status };
  }
  return { kind: 'result', value: result };
}

/** restore_table: reads, checks and applies a whole restore input. */
export async function runRestore(s: Session, ctx: ParseContext, input: string): Promise<Outcome> {
  const plan = await planRestore(input, ctx);
  if (plan.kind === 'invalid') {
    s.stderr.write(invalidRestoreMessage(plan.line, plan.exit));
    return { kind: 'exit', status: plan.exit.status };
  }
  return applyRestore(s, plan);
}
