/**
 * One HTTP(S) request of a probe (or of `lvsd genhash`), on a connection of its own that is closed afterwards,
 * with the body read up to a bound. HTTP/1.1 goes through undici; HTTP/1.0 through a minimal client of our own,
 * because undici always writes an HTTP/1.1 request line. A plain-http HTTP/1.1 request whose body is never read
 * (a status-only check, the common case) also takes the minimal client: it needs no body framing, and an undici
 * Client per probe costs several times more CPU. (The http checker itself sends a status-only plain-http probe
 * through the leaner http-plain.ts; this path serves genhash and the checks that need TLS or a body.)
 */
import type { Budget } from './budget.js';
import { fetchHttp10, fetchHttpRaw } from './http10.js';
import { fetchHttp11 } from './http11.js';
import type { HttpFetchRequest, HttpFetchResult } from './http-types.js';

export type { HttpFetchRequest, HttpFetchResponse, HttpFetchResult } from './http-types.js';

/** Sends the request and reads the response within the budget; the connection is always closed. */
export function fetchHttp(req: HttpFetchRequest, budget: Budget): Promise<HttpFetchResult> {
  if (req.httpVersion === '1.0') return fetchHttp10(req, budget);
  if (!req.secure && (req.readBody === false || req.method === 'HEAD')) return fetchHttpRaw(req, budget, '1.1');
  return fetchHttp11(req, budget);
}
