/**
 * The status-only plain-http probe: one request on a fresh connection (keepalived's HTTP_GET semantics: a new
 * connection per check, `Connection: close`), judged on the status line alone, the connection closed as soon as
 * the response head has arrived. It is what an http check runs when it needs no body (no digest, no regex, or
 * method HEAD) and no TLS — the common case, thousands of probes a second — so, like the tcp check, it is one
 * net.Socket with one timer and one listener on the caller's signal, a request prebuilt once per target, and a
 * head scan that builds no header map; everything else (https, bodies) goes through fetchHttp.
 *
 * Its results are those the general path gives for the same exchange: the same codes, reasons and phases
 * ("connecting to", "waiting for the response headers of"), interim 1xx responses (but 101) skipped over
 * HTTP/1.1 only, a response head bounded at MAX_HEAD_BYTES, every header line checked for a colon.
 */
import net from 'node:net';
import type { CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import { MAX_HEAD_BYTES } from './http10.js';
import { defaultHost, USER_AGENT } from './http-types.js';
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

/** A probe of one target; settles before `deadline` (ms since the epoch) or when `signal` aborts. */
export type PlainHttpProbe = (target: CheckTarget, signal: AbortSignal, deadline: number) => Promise<CheckResult>;

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

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * The one read buffer of every probe (net.connect's `onread`): libuv reads straight into it, with no Buffer
 * allocated per read and no stream machinery in between. A read is handled synchronously before the next one can
 * land, and the part of a head still incomplete is copied out, so probes can share it.
 */
const READ_BUFFER = Buffer.allocUnsafe(MAX_HEAD_BYTES);

/** Per-target constants of a probe: the request bytes, names for reasons, socket options. */
interface Prepared {
  readonly address: string;
  readonly port: number;
  readonly request: Buffer;
  readonly where: string;
  readonly url: string;
  readonly connectOptions: net.NetConnectOpts;
}

/** Creates the probe; the request of the last target probed is kept (a check probes one target). */
export function createPlainHttpProbe(o: PlainHttpOptions): PlainHttpProbe {
  const accepted = formatStatusRanges(o.ranges);
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
      connectOptions: {
        host: target.address,
        port: target.port,
        ...(o.bind_ip !== undefined ? { localAddress: o.bind_ip } : {}),
        ...(o.bind_port !== undefined ? { localPort: o.bind_port } : {}),
      },
    };
    return last;
  };

  return (target, signal, deadline) => {
    const p = prepare(target);
    const started = Date.now();
    const effective = Math.min(deadline, started + o.limitMs);
    if (signal.aborted) return Promise.resolve(down('ABORTED', `aborted while before connecting to ${p.where}`));
    if (effective <= started) {
      return Promise.resolve(down('ETIMEDOUT', `timed out after ${effective - started} ms before connecting to ${p.where}`));
    }
    return new Promise<CheckResult>((resolve) => {
      const readCallback = (n: number): boolean => {
        onRead(n);
        return true;
      };
      const socket = net.connect({ ...p.connectOptions, onread: { buffer: READ_BUFFER, callback: readCallback } });
      let connected = false;
      let head: Buffer | undefined;
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      let done = false;
      const phase = () => (connected ? `waiting for the response headers of ${p.where}` : `connecting to ${p.where}`);
      const settle = (r: CheckResult) => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const onConnect = () => {
        if (done) return;
        connected = true;
        socket.write(p.request);
      };
      const onRead = (n: number): void => {
        if (done) return;
        const chunk = READ_BUFFER.subarray(0, n);
        let buf = head === undefined ? chunk : Buffer.concat([head, chunk]);
        for (;;) {
          const end = buf.indexOf(CRLFCRLF);
          if (end < 0) {
            if (buf.length > MAX_HEAD_BYTES) {
              settle(down('PROTOCOL', `response head of ${p.where} exceeds ${MAX_HEAD_BYTES} bytes`));
              return;
            }
            // A view of READ_BUFFER is copied: the next read overwrites it.
            head = buf.buffer === READ_BUFFER.buffer ? Buffer.from(buf) : buf;
            return;
          }
          const status = headStatus(buf.toString('latin1', 0, end));
          if (typeof status === 'string') {
            settle(down('PROTOCOL', `${p.where}: malformed response: ${status}`));
            return;
          }
          if (skipInterim && status < 200 && status !== 101) {
            buf = buf.subarray(end + 4); // an interim response: the final one follows
            continue;
          }
          settle(
            statusAccepted(status, o.ranges)
              ? up(`${p.url}: status ${status}`)
              : down('STATUS', `${p.url}: status ${status} not in ${accepted}`),
          );
          return;
        }
      };
      const onEnd = () => {
        const what = head === undefined || head.length === 0 ? 'without a response' : 'in the middle of the response headers';
        settle(down('CLOSED', `${p.where} closed the connection ${what}`));
      };
      // Stays attached (settle ignores what comes after it): a late error on a socket being torn down must never
      // become an uncaught exception. The other listeners stay too: a destroyed socket emits no more data.
      const onError = (err: Error) =>
        settle(fromSocketError(err, connected ? `waiting for the response headers of ${p.where}` : `connect to ${p.where}`));
      const onAbort = () => settle(down('ABORTED', `aborted while ${phase()}`));
      socket.on('connect', onConnect);
      socket.on('end', onEnd);
      socket.on('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
      // At the deadline, first let the poll phase deliver I/O that has already arrived (as Budget does).
      timer = setTimeout(() => {
        timer = undefined;
        immediate = setImmediate(() => {
          immediate = undefined;
          settle(down('ETIMEDOUT', `timed out after ${effective - started} ms ${phase()}`));
        });
      }, effective - started);
    });
  };
}
