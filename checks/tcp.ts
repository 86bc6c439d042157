/**
 * tcp check (keepalived's TCP_CHECK): up when a TCP connection to the target completes (optionally from
 * bind_ip/bind_port), within connect_timeout and the caller's deadline. The connection is closed at once.
 */
import { startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, connect, formatTarget } from './connect.js';
import { up } from './outcome.js';

/** The config fields a tcp check uses (connect_timeout in seconds). */
export interface TcpCheckOptions extends BindOptions {
  readonly connect_timeout: number;
}

/** Creates a tcp checker. */
export function createTcpChecker(options: TcpCheckOptions): Checker {
  return {
    type: 'tcp',
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const budget = startBudget(signal, deadline, options.connect_timeout * 1000);
      try {
        const c = await connect(target, options, budget);
        if (!c.ok) return c.result;
        c.socket.destroy();
        return up(`connected to ${formatTarget(target)}`);
      } finally {
        budget.dispose();
      }
    },
  };
}
