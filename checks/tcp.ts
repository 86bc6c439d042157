/**
 * tcp check (keepalived's TCP_CHECK): up when a TCP connection to the target completes (optionally from
 * bind_ip/bind_port), within connect_timeout and the caller's deadline. The connection is closed at once.
 *
 * This is the hottest checker (thousands of probes a second), so it is a bare net.connect with one timer and one
 * listener on the caller's signal, instead of the Budget (an AbortController of its own) and connect() that the
 * other checkers share; its results and reasons are the same as theirs would be.
 */
import net from 'node:net';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import { down, fromSocketError, up } from './outcome.js';

/** The config fields a tcp check uses (connect_timeout in seconds). */
export interface TcpCheckOptions extends BindOptions {
  readonly connect_timeout: number;
}

/** Creates a tcp checker. */
export function createTcpChecker(options: TcpCheckOptions): Checker {
  const limitMs = options.connect_timeout * 1000;
  const bind = {
    ...(options.bind_ip !== undefined ? { localAddress: options.bind_ip } : {}),
    ...(options.bind_port !== undefined ? { localPort: options.bind_port } : {}),
  };
  const hasBind = Object.keys(bind).length > 0;
  return {
    type: 'tcp',
    check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const started = Date.now();
      const effective = Math.min(deadline, started + limitMs);
      const where = formatTarget(target);
      if (signal.aborted) return Promise.resolve(down('ABORTED', `aborted while before connecting to ${where}`));
      if (effective <= started) {
        return Promise.resolve(down('ETIMEDOUT', `timed out after ${effective - started} ms before connecting to ${where}`));
      }
      return new Promise((resolve) => {
        const socket = net.connect(
          hasBind ? { host: target.address, port: target.port, ...bind } : { host: target.address, port: target.port },
        );
        let done = false;
        let timer: NodeJS.Timeout | undefined;
        let immediate: NodeJS.Immediate | undefined;
        const settle = (r: CheckResult) => {
          if (done) return;
          done = true;
          if (timer !== undefined) clearTimeout(timer);
          if (immediate !== undefined) clearImmediate(immediate);
          timer = undefined;
          immediate = undefined;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(r);
        };
        const onConnect = () => settle(up(`connected to ${where}`));
        // Stays attached (settle ignores what comes after it): a late error on a socket being torn down must
        // never become an uncaught exception.
        const onError = (err: Error) => settle(fromSocketError(err, `connect to ${where}`));
        const onAbort = () => settle(down('ABORTED', `aborted while connecting to ${where}`));
        socket.on('connect', onConnect);
        socket.on('error', onError);
        signal.addEventListener('abort', onAbort, { once: true });
        // At the deadline, first let the poll phase deliver I/O that has already arrived (as Budget does).
        timer = setTimeout(() => {
          timer = undefined;
          immediate = setImmediate(() => {
            immediate = undefined;
            settle(down('ETIMEDOUT', `timed out after ${effective - started} ms connecting to ${where}`));
          });
        }, effective - started);
      });
    },
  };
}
