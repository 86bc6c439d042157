/**
 * The status-only plain-http probe: one request on a fresh connection (keepalived's HTTP_GET semantics: a new
 * connection per check, `Connection: close`), judged on the status line alone, the connection closed as soon as
 * the response head has arrived. It is what an http check runs when it needs no body (no digest, no regex, or
 * method HEAD) and no TLS — the common case, thousands of probes a second — so, like the tcp check, it is a native
 * probe (native-probe.ts: the socket, its timer and the reading in C, up to the end of a response head) in
 * callback form (a ProbeRunner, which the scheduler drives without a promise or a signal per attempt), with a
 * request prebuilt once per target and a head scan that builds no header map; everything else (https, bodies)
 * goes through fetchHttp.
 *
 * Its results are those the general path gives for the same exchange: the same codes, reasons and phases
 * ("connecting to", "waiting for the response headers of"), interim 1xx responses (but 101) skipped over
 * HTTP/1.1 only, a response head bounded at MAX_HEAD_BYTES, every header line checked for a colon.
 */
import type { CheckResult, CheckTarget, ProbeDone, ProbeRunner } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import { MAX_HEAD_BYTES } from './http10.js';
import { defaultHost, USER_AGENT } from './http-types.js';
import { abortProbe, cancelProbe, ProbeEvent, resumeProbe, socketErrorOf, startProbe } from './native-probe.js';
import { formatStatusRanges, type StatusRange, statusAccepted } from './http-verdict.js';
import { down, fromSocketError, up } from './outcome.js';

/** What a plain status-only probe sends and accepts. */
export interface PlainHttpOptions extends BindOptions {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  readonly host?: string | undefined;
  readonly httpVersion: '1.0' | '1.1';
  readonly ranges: readonly StatusRange[];
  /** connect_timeout, ms. */
  readonly limitMs: number;
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: .*)?$/;

/**
 * The status of a response head (without its blank line), after checking every header line as
 * parseResponseHead does; a string is the reason the head is malformed (the same text parseResponseHead gives).
 */
export function headStatus(text: string): number | string {
  let eol = text.indexOf('\r\n');
  const first = eol < 0 ? text : text.slice(0, eol);
  const m = STATUS_LINE.exec(first);
  if (!m) return `bad status line ${JSON.stringify(first.slice(0, 80))}`;
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const end = eol < 0 ? text.length : eol;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end) return `bad header line ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`;
  }
  return Number(m[1]);
}

/** Per-target constants of a probe: the request bytes, names for reasons, socket options. */
interface Prepared {
  readonly address: string;
  readonly port: number;
  readonly request: Buffer;
  readonly where: string;
  readonly url: string;
  /** The passing result of the last accepted status, made once. */
  passed: { readonly status: number; readonly result: CheckResult } | undefined;
}

/**
 * Creates the probe, in callback form (the http checker builds its `check` on it); the request of the last target
 * probed is kept (a check probes one target).
 */
export function createPlainHttpProbe(o: PlainHttpOptions): ProbeRunner {
  const accepted = formatStatusRanges(o.ranges);
  // Whether each status (100-599, all a status line can carry) passes, looked up once here.
  const passes = new Uint8Array(600);
  for (let status = 100; status < 600; status++) passes[status] = statusAccepted(status, o.ranges) ? 1 : 0;
  const skipInterim = o.httpVersion === '1.1';
  let last: Prepared | undefined;
  const prepare = (target: CheckTarget): Prepared => {
    if (last !== undefined && last.address === target.address && last.port === target.port) return last;
    const where = formatTarget(target);
    const head =
      `${o.method} ${o.path} HTTP/${o.httpVersion}\r\n` +
      `Host: ${o.host ?? defaultHost(target, false)}\r\nUser-Agent: ${USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
    last = {
      address: target.address,
      port: target.port,
      request: Buffer.from(head, 'utf8'),
      where,
      url: `http://${where}${o.path}`,
      passed: undefined,
    };
    return last;
  };

  const start = (target: CheckTarget, deadline: number, done: ProbeDone): number => {
    const p = prepare(target);
    const started = Date.now();
    const effective = Math.min(deadline, started + o.limitMs);
    if (effective <= started) {
      done(down('ETIMEDOUT', `timed out after ${effective - started} ms before connecting to ${p.where}`));
      return 0;
    }
    let id = 0;
    let consumed = 0; // bytes of the data before the head being read (interim heads skipped)
    let connected = false;
    const phase = () => (connected ? `waiting for the response headers of ${p.where}` : `connecting to ${p.where}`);
    /** The verdict on a final status. */
    const verdict = (status: number): void => {
      if (passes[status] !== 1) {
        done(down('STATUS', `${p.url}: status ${status} not in ${accepted}`));
        return;
      }
      if (p.passed?.status !== status) p.passed = { status, result: up(`${p.url}: status ${status}`) };
      done(p.passed.result);
    };
    /** A head is complete at `consumed`: the verdict, or on to the next head after an interim one. */
    const judge = (data: string, paused: boolean): void => {
      for (;;) {
        const end = data.indexOf('\r\n\r\n', consumed);
        if (end < 0) {
          if (paused) resumeProbe(id, consumed);
          else done(down('CLOSED', `${p.where} closed the connection in the middle of the response headers`));
          return;
        }
        const status = headStatus(data.slice(consumed, end));
        if (typeof status === 'string') {
          if (paused) cancelProbe(id);
          done(down('PROTOCOL', `${p.where}: malformed response: ${status}`));
          return;
        }
        if (skipInterim && status < 200 && status !== 101) {
          consumed = end + 4; // an interim response: the final one follows
          continue;
        }
        if (paused) cancelProbe(id);
        verdict(status);
        return;
      }
    };
    const probe = startProbe(
      {
        address: p.address,
        port: p.port,
        bindAddress: o.bind_ip,
        bindPort: o.bind_port,
        timeoutMs: effective - started,
        request: p.request,
        headLimit: MAX_HEAD_BYTES,
        skipInterim,
      },
      (event, value, data) => {
        if (event === ProbeEvent.ABORTED) {
          done(down('ABORTED', `aborted while ${phase()}`));
          return;
        }
        connected = event !== ProbeEvent.CONNECT_ERROR && (event !== ProbeEvent.TIMEOUT || value === 1);
        switch (event) {
          case ProbeEvent.STATUS:
            verdict(value);
            return;
          case ProbeEvent.HEAD:
            judge(data ?? '', value === 1);
            return;
          case ProbeEvent.END: {
            const rest = (data?.length ?? 0) - consumed;
            done(
              down(
                'CLOSED',
                `${p.where} closed the connection ${rest > 0 ? 'in the middle of the response headers' : 'without a response'}`,
              ),
            );
            return;
          }
          case ProbeEvent.TOO_BIG:
            done(down('PROTOCOL', `response head of ${p.where} exceeds ${MAX_HEAD_BYTES} bytes`));
            return;
          case ProbeEvent.TIMEOUT:
            done(down('ETIMEDOUT', `timed out after ${effective - started} ms ${phase()}`));
            return;
          default:
            done(
              fromSocketError(
                socketErrorOf(value, event === ProbeEvent.CONNECT_ERROR ? 'connect' : 'read', p.address, p.port),
                connected ? `waiting for the response headers of ${p.where}` : `connect to ${p.where}`,
              ),
            );
        }
      },
    );
    if (probe < 0) {
      done(fromSocketError(socketErrorOf(-probe, 'connect', p.address, p.port), `connect to ${p.where}`));
      return 0;
    }
    id = probe;
    return id;
  };
  return { start, abort: abortProbe };
}

/** The result of a probe aborted before it started. */
export function plainAbortedBefore(target: CheckTarget): CheckResult {
  return down('ABORTED', `aborted while before connecting to ${formatTarget(target)}`);
}
