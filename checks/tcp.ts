/**
 * tcp check (keepalived's TCP_CHECK): up when a TCP connection to the target completes (optionally from
 * bind_ip/bind_port), within connect_timeout and the caller's deadline. The connection is closed at once.
 *
 * This is the hottest checker (thousands of probes a second), so it is a native probe (native-probe.ts: a socket
 * and a timer in C, one batched callback per event-loop turn) and a callback on the caller's signal (abort-watch.ts), instead of
 * the Budget and connect() that the other checkers share; its results and reasons are the same as theirs would be.
 */
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { unwatchAbort, watchAbort } from './abort-watch.js';
import { type BindOptions, formatTarget } from './connect.js';
import { cancelProbe, ProbeEvent, socketErrorOf, startProbe } from './native-probe.js';
import { down, fromSocketError, up } from './outcome.js';

/** The config fields a tcp check uses (connect_timeout in seconds). */
export interface TcpCheckOptions extends BindOptions {
  readonly connect_timeout: number;
}

/** Creates a tcp checker. */
export function createTcpChecker(options: TcpCheckOptions): Checker {
  const limitMs = options.connect_timeout * 1000;
  // A check probes one target: its name and passing result are made once.
  let lastTarget: CheckTarget | undefined;
  let where = '';
  let passed: CheckResult = up('');
  return {
    type: 'tcp',
    check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const started = Date.now();
      const effective = Math.min(deadline, started + limitMs);
      if (target !== lastTarget) {
        lastTarget = target;
        where = formatTarget(target);
        passed = up(`connected to ${where}`);
      }
      const name = where;
      const ok = passed;
      if (signal.aborted) return Promise.resolve(down('ABORTED', `aborted while before connecting to ${name}`));
      if (effective <= started) {
        return Promise.resolve(down('ETIMEDOUT', `timed out after ${effective - started} ms before connecting to ${name}`));
      }
      return new Promise((resolve) => {
        let id = 0;
        const onAbort = () => {
          cancelProbe(id);
          resolve(down('ABORTED', `aborted while connecting to ${name}`));
        };
        const probe = startProbe(
          {
            address: target.address,
            port: target.port,
            bindAddress: options.bind_ip,
            bindPort: options.bind_port,
            timeoutMs: effective - started,
          },
          (event, value) => {
            unwatchAbort(signal, onAbort);
            if (event === ProbeEvent.CONNECTED) resolve(ok);
            else if (event === ProbeEvent.TIMEOUT)
              resolve(down('ETIMEDOUT', `timed out after ${effective - started} ms connecting to ${name}`));
            else resolve(fromSocketError(socketErrorOf(value, 'connect', target.address, target.port), `connect to ${name}`));
          },
        );
        if (probe < 0) {
          resolve(fromSocketError(socketErrorOf(-probe, 'connect', target.address, target.port), `connect to ${name}`));
          return;
        }
        id = probe;
        watchAbort(signal, onAbort);
      });
    },
  };
}
