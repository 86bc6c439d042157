/**
 * `-R`: restore rules from standard input. Unlike ipvsadm, which runs each line as it reads it,
 * lvsadm first parses the whole input (same tokenizer, same per-line parser and checks); a line
 * that ipvsadm would reject stops everything before any change is made, and the message names
 * the line. The modifying commands are then sent through the IPVS batch API, pipelined; kernel
 * errors are reported with their line and, as in ipvsadm, do not stop the restore. Listing
 * lines run in their place; -h/-v end the restore as they end ipvsadm. The exit status is the
 * last line's result, as ipvsadm's.
 */
import type { IpvsApi, IpvsOp } from '../ipvs/api.js';
import { readConfigStream, tokensOf } from './config-stream.js';
import { enterFunc, type Outcome, reportKernelError, runListing } from './execute.js';
import { fastRestoreOp } from './fast-restore.js';
import { type KernelOp, kernelOp } from './kernel.js';
import { type Exit, tryHelp } from './messages.js';
import type { CommandEntry } from './model.js';
import { type ParseContext, parseCommandLine } from './options.js';
import { type EncodedRun, RUN_FUNCS, scanRestoreRun } from './restore-scan.js';
import type { Session } from './show.js';
import type { IpvsFunc } from './strerror.js';

/**
 * One parsed restore line: the kernel operation of a modifying command (kept instead of the
 * command itself: a restore holds thousands until it applies them), or the command to run.
 */
export type RestoreItem =
  | { readonly line: number; readonly kernel: KernelOp; readonly entry?: undefined; readonly encoded?: undefined }
  | { readonly line: number; readonly entry: CommandEntry; readonly kernel?: undefined; readonly encoded?: undefined }
  /** Consecutive lines of the commonest shapes, already encoded (restore-scan.ts); `text` is theirs. */
  | { readonly line: number; readonly encoded: EncodedRun; readonly text: string; readonly kernel?: undefined; readonly entry?: undefined };

/** The whole input parsed: the commands to run, and a final -h/-v exit if one was met. */
export type RestorePlan =
  | { readonly kind: 'plan'; readonly items: readonly RestoreItem[]; readonly final?: Exit }
  | { readonly kind: 'invalid'; readonly line: number; readonly exit: Exit };

/**
 * Parses every line of a restore input; stops at the first line ipvsadm would reject. Lines are
 * cut as readConfigStream cuts them; runs of lines in the shapes `ipvsadm -S -n` writes are
 * encoded straight away (restore-scan.ts), the others go through fastRestoreOp or the general
 * parser.
 */
export async function planRestore(input: string, ctx: ParseContext): Promise<RestorePlan> {
  const items: RestoreItem[] = [];
  const n = input.length;
  let pos = 0;
  let line = 1;
  while (pos < n) {
    const scanned = scanRestoreRun(input, pos, line);
    if (scanned.run !== undefined) {
      items.push({ line, encoded: scanned.run, text: input.slice(pos, scanned.pos) });
      pos = scanned.pos;
      line = scanned.line;
      continue;
    }
    const eol = input.indexOf('\n', pos);
    const text = eol < 0 ? input.slice(pos) : input.slice(pos, eol);
    // Without a terminating newline, a second blank after the last token runs into EOF: line dropped.
    if (eol < 0 && /[ \t\r]{2}$/.test(text)) break;
    pos = eol < 0 ? n : eol + 1;
    const tokens = tokensOf(text);
    const at = line++;
    if (tokens.length === 0) continue;
    // The common saved forms skip the general parser (same result, see fast-restore.ts).
    const fast = fastRestoreOp(tokens);
    if (fast) {
      items.push({ line: at, kernel: fast });
      continue;
    }
    const parsed = await parseCommandLine([ctx.program, ...tokens], ctx);
    if (parsed.kind === 'exit') {
      if (parsed.status === 0) return { kind: 'plan', items, final: parsed };
      return { kind: 'invalid', line: at, exit: parsed };
    }
    // A nested -R would read stdin again: ipvsadm refuses it with the -h hint.
    if (parsed.entry.cmd === 'restore') return { kind: 'invalid', line: at, exit: tryHelp(ctx.program) };
    const kernel = kernelOp(parsed.entry);
    items.push(kernel ? { line: at, kernel } : { line: at, entry: parsed.entry });
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

/** The operations fastRestoreOp makes of an encoded run's lines (for IpvsApi without sendFramed). */
function runOps(s: Session, run: EncodedRun, text: string): PendingOp[] {
  return readConfigStream(text).map(({ tokens }, i): PendingOp => {
    const k = fastRestoreOp(tokens);
    if (k === undefined) throw new Error(`restore: encoded line ${run.lines[i]} is not a fast line`);
    return { line: run.lines[i]!, op: k.op, func: enterFunc(s, k.func) };
  });
}

/** Sends an encoded run through the client's framed path; resolves to the last line's result. */
async function applyRun(s: Session, run: EncodedRun, sendFramed: NonNullable<IpvsApi['sendFramed']>): Promise<0 | -1> {
  const last = run.count - 1;
  s.lastFunc = RUN_FUNCS[run.funcs[last]!]!;
  let failures: Array<{ index: number; error: unknown }>;
  try {
    failures = await sendFramed(run);
  } catch (err) {
    failures = Array.from(run.lines, (_, index) => ({ index, error: err }));
  }
  for (const { index, error } of failures) {
    reportKernelError(s, RUN_FUNCS[run.funcs[index]!]!, error, `line ${run.lines[index]}: `);
  }
  return failures.length > 0 && failures[failures.length - 1]!.index === last ? -1 : 0;
}

/** Runs a parsed restore input. */
export async function applyRestore(s: Session, plan: Extract<RestorePlan, { kind: 'plan' }>): Promise<Outcome> {
  const pending: PendingOp[] = [];
  let result: 0 | -1 = 0;
  const sendFramed = s.api.sendFramed?.bind(s.api);
  for (const item of plan.items) {
    const { line, kernel, entry } = item;
    if (kernel) {
      pending.push({ line, op: kernel.op, func: enterFunc(s, kernel.func) });
      continue;
    }
    if (item.encoded) {
      if (sendFramed === undefined) {
        // A fake IPVS: the same lines as operations, batched with their neighbours as before.
        pending.push(...runOps(s, item.encoded, item.text));
        continue;
      }
      if (pending.length > 0) await flushOps(s, pending);
      result = await applyRun(s, item.encoded, sendFramed);
      continue;
    }
    await flushOps(s, pending);
    const outcome = await runListing(s, entry!);
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
