/** Types and request defaults shared by the HTTP/1.0 and HTTP/1.1 fetchers. */
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { CheckResult, CheckTarget } from './checker.js';
import type { BindOptions } from './connect.js';
import type { BoundedBody } from './http-verdict.js';

/** The request a probe sends. */
export interface HttpFetchRequest {
  readonly secure: boolean;
  /** Where to connect; `address` may also be a host name (genhash). */
  readonly target: CheckTarget;
  readonly method: 'GET' | 'HEAD';
  /** Absolute path with optional query, e.g. `/health?full=1`. */
  readonly path: string;
  /** Host header; default: the target as `address[:port]` (port omitted when it is the scheme's default). */
  readonly host?: string | undefined;
  readonly httpVersion: '1.0' | '1.1';
  /** Body bytes kept; reading stops after one byte more (then the body counts as truncated). */
  readonly maxBodyBytes: number;
  /** Whether to read the body at all (only digest and regex need it), possibly depending on the status. */
  readonly readBody: boolean | ((status: number) => boolean);
  readonly bind: BindOptions;
  /** TLS client options; required when `secure`. */
  readonly tls?: ConnectionOptions | undefined;
}

/** A response: status, headers (lowercase names) and, when asked for, the bounded body. */
export interface HttpFetchResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: BoundedBody;
}

/** The response, or the failing result of the transport (connection, TLS, timeout, malformed reply). */
export type HttpFetchResult =
  | { readonly ok: true; readonly response: HttpFetchResponse }
  | { readonly ok: false; readonly result: CheckResult };

/** The User-Agent of every probe. */
export const USER_AGENT = 'lvsd-health-check';

/** The Host header for a target when no virtualhost is configured. */
export function defaultHost(target: CheckTarget, secure: boolean): string {
  const host = net.isIPv6(target.address) ? `[${target.address}]` : target.address;
  return target.port === (secure ? 443 : 80) ? host : `${host}:${target.port}`;
}

/** The request headers besides the request line (lowercase names). */
export function requestHeaders(req: HttpFetchRequest): Record<string, string> {
  return {
    host: req.host ?? defaultHost(req.target, req.secure),
    'user-agent': USER_AGENT,
    accept: '*/*',
    connection: 'close',
  };
}

/** Whether the body of a response with `status` is to be read. */
export function wantsBody(req: HttpFetchRequest, status: number): boolean {
  if (req.method === 'HEAD') return false;
  return typeof req.readBody === 'function' ? req.readBody(status) : req.readBody;
}
