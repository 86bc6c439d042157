/**
 * The time budget of one probe: the caller's deadline (capped by the check's own timeout) and its abort signal,
 * folded into one AbortSignal that every socket operation of the probe listens to.
 */
import type { CheckResult } from './checker.js';
import { down } from './outcome.js';

/** Why a budget's signal fired. */
export type BudgetEnd = 'timeout' | 'aborted';

/** A running budget; always dispose() it when the probe settles (it owns a timer and a listener). */
export interface Budget {
  /** Aborts when the deadline passes or the caller's signal aborts, whichever is first. */
  readonly signal: AbortSignal;
  /** The effective deadline, ms since the epoch. */
  readonly deadline: number;
  /** When the probe started (ms since the epoch). */
  readonly started: number;
  /** Milliseconds left (never negative). */
  remaining(): number;
  /** Why the signal fired, or undefined while it has not. */
  ended(): BudgetEnd | undefined;
  /** The failing result for an ended budget: ETIMEDOUT while `phase`, or ABORTED. */
  endResult(phase: string): CheckResult;
  /** Clears the timer and detaches from the caller's signal. Idempotent. */
  dispose(): void;
}

/**
 * Starts a budget ending at `deadline`, or earlier at `started + limitMs` when the check has its own timeout.
 * A budget whose deadline has already passed (or whose caller has aborted) starts out ended.
 */
export function startBudget(parent: AbortSignal, deadline: number, limitMs?: number): Budget {
  const started = Date.now();
  const effective = limitMs === undefined ? deadline : Math.min(deadline, started + limitMs);
  const controller = new AbortController();
  let end: BudgetEnd | undefined;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const finish = (why: BudgetEnd) => {
    if (end) return;
    end = why;
    controller.abort(new Error(why === 'timeout' ? 'check deadline passed' : 'check aborted'));
  };
  const onAbort = () => finish('aborted');
  const dispose = () => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    parent.removeEventListener('abort', onAbort);
  };
  if (parent.aborted) finish('aborted');
  else if (effective <= started) finish('timeout');
  else {
    parent.addEventListener('abort', onAbort, { once: true });
    // At the deadline, first let the event loop's poll phase deliver I/O that has already arrived (a reply,
    // an ICMP error): on a busy loop the timer and the I/O are due together, and the I/O came first.
    timer = setTimeout(() => {
      timer = undefined;
      immediate = setImmediate(() => {
        immediate = undefined;
        parent.removeEventListener('abort', onAbort);
        finish('timeout');
      });
    }, effective - started);
  }
  return {
    signal: controller.signal,
    deadline: effective,
    started,
    remaining: () => Math.max(0, effective - Date.now()),
    ended: () => end,
    endResult: (phase) =>
      end === 'aborted'
        ? down('ABORTED', `aborted while ${phase}`)
        : down('ETIMEDOUT', `timed out after ${effective - started} ms ${phase}`),
    dispose,
  };
}
