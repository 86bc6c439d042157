/**
 * HTTP/1.0 fetch over a plain socket (undici cannot send an HTTP/1.0 request line): `METHOD path HTTP/1.0`,
 * then a status line, headers (at most 64 KiB) and a body delimited by Content-Length or by the end of the
 * connection, read up to a bound. Chunked transfer coding is not an HTTP/1.0 reply and fails as PROTOCOL.
 */
import type { Socket } from 'node:net';
import type { Budget } from './budget.js';
import type { CheckResult } from './checker.js';
import { connect, formatTarget } from './connect.js';
import type { HttpFetchRequest, HttpFetchResponse, HttpFetchResult } from './http-types.js';
import { requestHeaders, wantsBody } from './http-types.js';
import { down, fromSocketError } from './outcome.js';

/** Largest response head (status line and headers) accepted. */
export const MAX_HEAD_BYTES = 65536;

/** A parsed response head. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: Record<string, string>;
}

/** Parses a response head (without the blank line); a string is the reason it is malformed. */
export function parseResponseHead(text: string): ResponseHead | string {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] ([1-5]\d\d)(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) return `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `bad header line ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}

/** Sends one HTTP/1.0 request within the budget. */
export function fetchHttp10(req: HttpFetchRequest, budget: Budget): Promise<HttpFetchResult> {
  return fetchHttpRaw(req, budget, '1.0');
}

/**
 * Sends one request with the given request-line version over a plain socket of its own. With '1.1' it is meant
 * for requests whose body is not read (a status-only check): interim 1xx responses (but 101) are skipped, and a
 * body, chunked or not, is never parsed.
 */
export async function fetchHttpRaw(req: HttpFetchRequest, budget: Budget, version: '1.0' | '1.1'): Promise<HttpFetchResult> {
  const where = formatTarget(req.target);
  const c = await connect(req.target, req.bind, budget, req.secure ? (req.tls ?? {}) : undefined);
  if (!c.ok) return c;
  return exchange(c.socket, req, budget, where, version);
}

function exchange(socket: Socket, req: HttpFetchRequest, budget: Budget, where: string, version: '1.0' | '1.1'): Promise<HttpFetchResult> {
  return new Promise((resolve) => {
    let phase = `waiting for the response headers of ${where}`;
    let head: ResponseHead | undefined;
    let headBuf: Buffer = Buffer.alloc(0);
    const body: Buffer[] = [];
    let bodySize = 0;
    let expected: number | undefined; // Content-Length
    let done = false;

    const finish = (r: HttpFetchResult) => {
      if (done) return;
      done = true;
      budget.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.destroy();
      resolve(r);
    };
    const fail = (result: CheckResult) => finish({ ok: false, result });
    const respond = (withBody: boolean) => {
      if (!head) return;
      const response: HttpFetchResponse = withBody
        ? { ...head, body: { bytes: Buffer.concat(body, Math.min(bodySize, req.maxBodyBytes)), truncated: bodySize > req.maxBodyBytes } }
        : head;
      finish({ ok: true, response });
    };

    const addBody = (chunk: Buffer) => {
      const room = req.maxBodyBytes + 1 - bodySize;
      const take = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (expected !== undefined && bodySize + take.length > expected) {
        body.push(take.subarray(0, expected - bodySize));
        bodySize = expected;
      } else {
        body.push(take);
        bodySize += take.length;
      }
      if (bodySize > req.maxBodyBytes || (expected !== undefined && bodySize >= expected)) respond(true);
    };

    const onHead = (rest: Buffer) => {
      if (!head) return;
      if (!wantsBody(req, head.status) || head.status < 200 || head.status === 204 || head.status === 304) {
        respond(false);
        return;
      }
      if (version === '1.0' && head.headers['transfer-encoding'] !== undefined) {
        fail(down('PROTOCOL', `${where} sent Transfer-Encoding ${head.headers['transfer-encoding']} to an HTTP/1.0 request`));
        return;
      }
      const cl = head.headers['content-length'];
      if (cl !== undefined) {
        if (!/^\d{1,15}$/.test(cl)) {
          fail(down('PROTOCOL', `${where} sent a bad Content-Length ${JSON.stringify(cl.slice(0, 40))}`));
          return;
        }
        expected = Number(cl);
      }
      phase = `reading the body of ${where}`;
      if (expected === 0) respond(true);
      else if (rest.length > 0) addBody(rest);
    };

    const onData = (chunk: Buffer) => {
      if (head) {
        addBody(chunk);
        return;
      }
      headBuf = headBuf.length === 0 ? chunk : Buffer.concat([headBuf, chunk]);
      for (;;) {
        const end = headBuf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (headBuf.length > MAX_HEAD_BYTES) fail(down('PROTOCOL', `response head of ${where} exceeds ${MAX_HEAD_BYTES} bytes`));
          return;
        }
        const parsed = parseResponseHead(headBuf.subarray(0, end).toString('latin1'));
        if (typeof parsed === 'string') {
          fail(down('PROTOCOL', `${where}: malformed response: ${parsed}`));
          return;
        }
        if (version === '1.1' && parsed.status < 200 && parsed.status !== 101) {
          headBuf = headBuf.subarray(end + 4); // an interim response: the final one follows
          continue;
        }
        head = parsed;
        onHead(headBuf.subarray(end + 4));
        return;
      }
    };
    const onEnd = () => {
      if (!head) {
        const what = headBuf.length === 0 ? 'without a response' : 'in the middle of the response headers';
        fail(down('CLOSED', `${where} closed the connection ${what}`));
      } else if (expected !== undefined && bodySize < expected) {
        fail(down('CLOSED', `${where} closed the connection after ${bodySize} of ${expected} body bytes`));
      } else respond(true);
    };
    const onError = (err: Error) => fail(fromSocketError(err, phase));
    const onAbort = () => fail(budget.endResult(phase));

    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    budget.signal.addEventListener('abort', onAbort, { once: true });
    if (budget.ended()) {
      onAbort();
      return;
    }
    const headers = Object.entries(requestHeaders(req))
      .map(([k, v]) => `${k.replace(/(^|-)([a-z])/g, (_s, d: string, ch: string) => d + ch.toUpperCase())}: ${v}\r\n`)
      .join('');
    socket.write(`${req.method} ${req.path} HTTP/${version}\r\n${headers}\r\n`);
  });
}
