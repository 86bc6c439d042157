/**
 * exec check (keepalived's MISC_CHECK): runs `script` (an argv; no shell) and judges its exit status:
 * 0 up; 1 down; with dynamic_weight, 2..255 up with weight = status - 2 (0..253), as keepalived's misc_dynamic
 * (status 0 then means "up with the configured weight", reported without a weight); without it, 2..255 down.
 *
 * Process handling:
 * - The command starts in a session and process group of its own (setsid), as user `user` when given (uid and
 *   primary gid; switching needs lvsd to run as root, else the user must be lvsd's own).
 * - At the timeout (or when the caller aborts) the whole group gets SIGTERM, then SIGKILL 200 ms later if the
 *   command is still alive (the verdict comes 1 s after that even if it still does not die). Whenever the
 *   command exits, whatever is left of its group gets SIGKILL: a check never leaves processes behind (except
 *   ones that started a session of their own).
 * - stdout and stderr share one bounded buffer (4 KiB kept; the rest is read and dropped so the command never
 *   blocks on a full pipe). The first output line goes into the reason, the kept output into `detail`.
 * - Environment (keepalived passes its own; we pass a small fixed one): PATH=/usr/local/sbin:/usr/local/bin:
 *   /usr/sbin:/usr/bin:/sbin:/bin, HOME, USER and LOGNAME of the user it runs as (when one is configured),
 *   LVSD_CHECK_ADDRESS and LVSD_CHECK_PORT (the real server probed). The working directory is `/`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { lookupAccount, type PasswdEntry } from '../src/passwd.js';
import { BoundedOutput, DEFAULT_OUTPUT_LIMIT } from './bounded-output.js';
import { type Budget, startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { down, up } from './outcome.js';

/** The config fields an exec check uses (timeout in seconds). */
export interface ExecCheckOptions {
  readonly script: readonly string[];
  readonly user?: string | undefined;
  readonly timeout: number;
  readonly dynamic_weight?: boolean;
  /** Output bytes kept (default 4096). */
  readonly output_limit?: number;
}

/** Milliseconds between SIGTERM and SIGKILL of a timed-out command's process group. */
export const KILL_GRACE_MS = 200;

/** Milliseconds after SIGKILL before the verdict is given without the command's exit (it is reaped later). */
export const GIVE_UP_MS = 1000;

/** The fixed PATH of exec checks. */
export const EXEC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The verdict for a command that exited with `status` (pure). */
export function exitVerdict(status: number, dynamic: boolean): { up: boolean; weight?: number } {
  if (status === 0) return { up: true };
  if (dynamic && status >= 2 && status <= 255) return { up: true, weight: status - 2 };
  return { up: false };
}

/** Sends `signal` to process group `pgid`; false when the group no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

type Credentials = { uid?: number; gid?: number; account?: PasswdEntry } | CheckResult;

async function credentials(user: string | undefined): Promise<Credentials> {
  if (user === undefined) return {};
  const account = await lookupAccount(user);
  if (!account) return down('USER', `no such user ${user}`);
  const self = process.getuid?.();
  if (self === 0) return { uid: account.uid, gid: account.gid, account };
  if (self === account.uid) return { account };
  return down('USER', `cannot run as ${user}: lvsd is not running as root`);
}

/** Creates an exec checker. */
export function createExecChecker(options: ExecCheckOptions): Checker {
  const [program, ...args] = options.script;
  if (program === undefined) throw new Error('exec check: empty script');
  const dynamic = options.dynamic_weight ?? false;
  return {
    type: 'exec',
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const budget = startBudget(signal, deadline, options.timeout * 1000);
      try {
        const cred = await credentials(options.user);
        if ('up' in cred) return cred;
        if (budget.ended()) return budget.endResult(`before running ${program}`);
        const env: Record<string, string> = {
          PATH: EXEC_PATH,
          LVSD_CHECK_ADDRESS: target.address,
          LVSD_CHECK_PORT: String(target.port),
          ...(cred.account ? { HOME: cred.account.home, USER: cred.account.name, LOGNAME: cred.account.name } : {}),
        };
        let child: ChildProcess;
        try {
          child = spawn(program, args, {
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
            cwd: '/',
            env,
            ...(cred.uid !== undefined ? { uid: cred.uid, gid: cred.gid } : {}),
          });
        } catch (err) {
          return down('SPAWN', `cannot run ${program}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        return await supervise(child, program, budget, dynamic, options.output_limit ?? DEFAULT_OUTPUT_LIMIT);
      } finally {
        budget.dispose();
      }
    },
  };
}

function supervise(child: ChildProcess, program: string, budget: Budget, dynamic: boolean, outputLimit: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const output = new BoundedOutput(outputLimit);
    const onChunk = (chunk: Buffer) => output.push(chunk);
    child.stdout?.on('data', onChunk);
    child.stderr?.on('data', onChunk);
    let stopped: CheckResult | undefined; // set when we ended the command (timeout or abort)
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    let giveUpTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const settle = (verdict: (out: BoundedOutput) => CheckResult) => {
      if (settled) return;
      settled = true;
      if (closeTimer) clearTimeout(closeTimer);
      if (giveUpTimer) clearTimeout(giveUpTimer);
      if (killTimer) clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(verdict(output));
    };
    const withOutput = (r: CheckResult, out: BoundedOutput): CheckResult => {
      const text = out.text();
      const line = out.firstLine();
      const reason = line ? `${r.reason}: ${line}` : r.reason;
      return { ...r, reason, ...(text ? { detail: text } : {}) };
    };

    const onAbort = () => {
      stopped = budget.endResult(`running ${program}`);
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        killTimer = undefined;
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        // A process stuck in the kernel (uninterruptible sleep) may not die even now: do not wait for it.
        giveUpTimer = setTimeout(() => settle((out) => withOutput(stopped as CheckResult, out)), GIVE_UP_MS);
      }, KILL_GRACE_MS);
    };
    budget.signal.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err: NodeJS.ErrnoException) => {
      // Spawning failed (ENOENT, EACCES, EPERM for a uid switch...): no process exists.
      budget.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      settle(() => down('SPAWN', `cannot run ${program}: ${err.code ?? err.message}`));
    });
    child.once('exit', (code, sig) => {
      budget.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Sweep the rest of the group, then give the pipes a moment to deliver what was written before.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      const verdict = (out: BoundedOutput): CheckResult => {
        if (stopped) return withOutput(stopped, out);
        if (code !== null) {
          const v = exitVerdict(code, dynamic);
          if (v.up) {
            const w = v.weight !== undefined ? `, weight ${v.weight}` : '';
            return withOutput(up(`${program} exited with status ${code}${w}`, v.weight !== undefined ? { weight: v.weight } : {}), out);
          }
          return withOutput(down('EXIT', `${program} exited with status ${code}`), out);
        }
        return withOutput(down('SIGNAL', `${program} killed by ${sig ?? 'a signal'}`), out);
      };
      if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) settle(verdict);
      else {
        child.once('close', () => settle(verdict));
        closeTimer = setTimeout(() => settle(verdict), 100);
      }
    });
  });
}
