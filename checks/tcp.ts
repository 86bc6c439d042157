/**
 * tcp check (keepalived's TCP_CHECK): up when a TCP connection to the target completes (optionally from
 * bind_ip/bind_port), within connect_timeout and the caller's deadline. The connection is closed at once.
 *
 * This is the hottest checker (thousands of probes a second), so it is a native probe (native-probe.ts: a socket
 * and a timer in C, one batched callback for the events of a few milliseconds) with a callback form (ProbeRunner) the scheduler
 * drives without a promise or a signal per attempt, instead of the Budget and connect() that the other checkers
 * share; its results and reasons are the same as theirs would be.
 */
import type { Checker, CheckResult, CheckTarget, ProbeDone, ProbeRunner } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import { abortProbe, ProbeEvent, socketErrorOf, startProbe } from './native-probe.js';
import { down, fromSocketError, up } from './outcome.js';
import { runnerCheck } from './runner-check.js';

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
  const named = (target: CheckTarget): void => {
    if (target === lastTarget) return;
    lastTarget = target;
    where = formatTarget(target);
    passed = up(`connected to ${where}`);
  };
  const runner: ProbeRunner = {
    start(target: CheckTarget, deadline: number, done: ProbeDone): number {
      const started = Date.now();
      const effective = Math.min(deadline, started + limitMs);
      named(target);
      const name = where;
      const ok = passed;
      if (effective <= started) {
        done(down('ETIMEDOUT', `timed out after ${effective - started} ms before connecting to ${name}`));
        return 0;
      }
      const probe = startProbe(
        {
          address: target.address,
          port: target.port,
          bindAddress: options.bind_ip,
          bindPort: options.bind_port,
          timeoutMs: effective - started,
        },
        (event, value) => {
          if (event === ProbeEvent.CONNECTED) done(ok);
          else if (event === ProbeEvent.TIMEOUT) done(down('ETIMEDOUT', `timed out after ${effective - started} ms connecting to ${name}`));
          else if (event === ProbeEvent.ABORTED) done(down('ABORTED', `aborted while connecting to ${name}`));
          else done(fromSocketError(socketErrorOf(value, 'connect', target.address, target.port), `connect to ${name}`));
        },
      );
      if (probe < 0) {
        done(fromSocketError(socketErrorOf(-probe, 'connect', target.address, target.port), `connect to ${name}`));
        return 0;
      }
      return probe;
    },
    abort: abortProbe,
  };
  return {
    type: 'tcp',
    runner,
    check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      return runnerCheck(runner, target, signal, deadline, () => {
        named(target);
        return down('ABORTED', `aborted while before connecting to ${where}`);
      });
    },
  };
}
