/**
 * One HTTP(S) request of a probe (or of `lvsd genhash`), on a connection of its own that is closed afterwards,
 * with the body read up to a bound. HTTP/1.1 goes through undici; HTTP/1.0 through a minimal client of our own,
 * because undici always writes an HTTP/1.1 request line.
 */
import type { Budget } from './budget.js';
import { fetchHttp10 } from './http10.js';
import { fetchHttp11 } from './http11.js';
import type { HttpFetchRequest, HttpFetchResult } from './http-types.js';

export type { HttpFetchRequest, HttpFetchResponse, HttpFetchResult } from './http-types.js';

/** Sends the request and reads the response within the budget; the connection is always closed. */
export function fetchHttp(req: HttpFetchRequest, budget: Budget): Promise<HttpFetchResult> {
  return req.httpVersion === '1.0' ? fetchHttp10(req, budget) : fetchHttp11(req, budget);
}
