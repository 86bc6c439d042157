/**
 * HTTP/1.1 fetch through undici: a Client of its own per probe (connect timeout = the time left), the budget's
 * signal on the request, the body read up to a bound, and the client destroyed afterwards so no socket outlives
 * the probe (no keep-alive pool).
 */
// undici (and its llhttp WebAssembly) loads on the first probe that needs it: a config of status-only plain-http
// and tcp checks never does (http-plain.ts), and saves its memory.
type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;
/** Loads undici once; a checker that will use it awaits this before its budget starts (code loading is no part of it). */
export const loadUndici = (): Promise<Undici> => {
  undici ??= import('undici');
  return undici;
};
import type { Budget } from './budget.js';
import type { CheckResult } from './checker.js';
import { formatTarget } from './connect.js';
import type { HttpFetchRequest, HttpFetchResult } from './http-types.js';
import { requestHeaders, wantsBody } from './http-types.js';
import type { BoundedBody } from './http-verdict.js';
import { down, fromSocketError, isTlsError } from './outcome.js';

const noop = () => {};

/** Reads at most `max` bytes of `body`; stops (destroying the stream) as soon as one more byte arrives. */
export async function readBounded(body: AsyncIterable<Buffer>, max: number): Promise<BoundedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = max - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      return { bytes: Buffer.concat(chunks, max), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks, size), truncated: false };
}

function classify(err: unknown, phase: string, socketError: Error | undefined): CheckResult {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (isTlsError(err)) return fromSocketError(err, phase);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return down('ETIMEDOUT', `timed out ${phase}`);
  if (code === 'UND_ERR_SOCKET') {
    // undici reports "other side closed" even when the socket saw a more telling error first (a TLS alert).
    if (socketError) return fromSocketError(socketError, phase);
    const cause = e.cause as { code?: unknown } | undefined;
    if (cause && typeof cause.code === 'string' && cause.code !== 'UND_ERR_SOCKET') return fromSocketError(cause, phase);
    return down('CLOSED', `${phase}: connection closed by the server`);
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return down('CLOSED', `${phase}: body shorter than its Content-Length`);
  if (code.startsWith('HPE_') || e.name === 'HTTPParserError') return down('PROTOCOL', `${phase}: malformed response: ${message}`);
  return fromSocketError(err, phase);
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Sends one HTTP/1.1 request with undici within the budget. */
export async function fetchHttp11(req: HttpFetchRequest, budget: Budget): Promise<HttpFetchResult> {
  const where = formatTarget(req.target);
  if (budget.ended()) return { ok: false, result: budget.endResult(`before connecting to ${where}`) };
  const { buildConnector, Client } = await loadUndici();
  if (budget.ended()) return { ok: false, result: budget.endResult(`before connecting to ${where}`) };
  const baseConnect = buildConnector({
    timeout: Math.max(1, budget.remaining()),
    keepAlive: false,
    maxCachedSessions: 0,
    ...(req.secure ? (req.tls ?? {}) : {}),
    ...(req.bind.bind_port !== undefined ? { localPort: req.bind.bind_port } : {}),
  });
  let socketError: Error | undefined;
  const client = new Client(`${req.secure ? 'https' : 'http'}://${where}`, {
    connect: (opts, callback) =>
      baseConnect(opts, (err, socket) => {
        socket?.on('error', (e: Error) => {
          socketError ??= e;
        });
        if (err) callback(err, null);
        else callback(null, socket as NonNullable<typeof socket>);
      }),
    ...(req.bind.bind_ip !== undefined ? { localAddress: req.bind.bind_ip } : {}),
    // The budget bounds the whole exchange; undici's own idle timers stay off.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
  let phase = `connecting to ${where}`;
  client.on('connect', () => {
    if (phase.startsWith('connecting')) phase = `waiting for the response headers of ${where}`;
  });
  client.on('connectionError', noop);
  client.on('disconnect', noop);
  // undici does not abort a request whose connection is still being made: destroying the client does.
  let destroying: Promise<void> | undefined;
  const destroy = () => {
    destroying ??= client.destroy().catch(noop);
    return destroying;
  };
  const onAbort = () => void destroy();
  budget.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await client.request({
      method: req.method,
      path: req.path,
      headers: requestHeaders(req),
      signal: budget.signal,
    });
    res.body.on('error', noop);
    const headers = flatHeaders(res.headers);
    if (!wantsBody(req, res.statusCode)) {
      res.body.destroy();
      return { ok: true, response: { status: res.statusCode, headers } };
    }
    phase = `reading the body of ${where}`;
    const body = await readBounded(res.body, req.maxBodyBytes);
    return { ok: true, response: { status: res.statusCode, headers, body } };
  } catch (err) {
    if (budget.ended()) return { ok: false, result: budget.endResult(phase) };
    return { ok: false, result: classify(err, phase.replace(/^connecting to /, 'connect to '), socketError) };
  } finally {
    budget.signal.removeEventListener('abort', onAbort);
    await destroy();
  }
}
