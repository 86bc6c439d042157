/**
 * http and https checks (keepalived's HTTP_GET / SSL_GET): one request on a fresh connection, then
 * 1. the status must be in status_codes (default 200-299);
 * 2. with `digest`, the MD5 of the whole body must equal it (a body longer than max_body_bytes fails);
 * 3. with `regex`, the body's first max_body_bytes (UTF-8) must match it (must not, with regex_no_match).
 * The body is read only when a digest or regex needs it, and never beyond max_body_bytes + 1 bytes.
 */
import { startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import type { BindOptions } from './connect.js';
import { formatTarget } from './connect.js';
import { fetchHttp } from './http-fetch.js';
import { loadUndici } from './http11.js';
import { createPlainHttpProbe, plainAbortedBefore } from './http-plain.js';
import {
  type BodyRules,
  bodyVerdict,
  DEFAULT_STATUS,
  formatStatusRanges,
  needsBody,
  type StatusRange,
  statusAccepted,
} from './http-verdict.js';
import { down, up } from './outcome.js';
import { runnerCheck } from './runner-check.js';
import { loadTlsOptions, type TlsConfig } from './tls-options.js';

/** The config fields an http/https check uses (config names; connect_timeout in seconds). */
export interface HttpCheckOptions extends BindOptions {
  readonly type: 'http' | 'https';
  readonly connect_timeout: number;
  readonly method?: 'GET' | 'HEAD';
  readonly path?: string;
  readonly virtualhost?: string | undefined;
  readonly status_codes?: readonly StatusRange[];
  readonly digest?: string | undefined;
  readonly regex?: string | undefined;
  readonly regex_no_match?: boolean;
  readonly max_body_bytes?: number;
  readonly http_version?: '1.0' | '1.1';
  /** https only. */
  readonly tls?: TlsConfig;
}

/** Default bound of a body read, as in the config schema (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1048576;

/** Creates an http or https checker; the regex is compiled once here. */
export function createHttpChecker(options: HttpCheckOptions): Checker {
  const secure = options.type === 'https';
  const ranges = options.status_codes ?? DEFAULT_STATUS;
  const rules: BodyRules = {
    digest: options.digest?.toLowerCase(),
    regex: options.regex !== undefined ? new RegExp(options.regex) : undefined,
    regexNoMatch: options.regex_no_match ?? false,
  };
  const method = options.method ?? 'GET';
  const readBody = method === 'GET' && needsBody(rules);
  if (!secure && !readBody) {
    // Status only, no TLS: the lean probe (http-plain.ts), with the same results.
    const runner = createPlainHttpProbe({
      method,
      path: options.path ?? '/',
      host: options.virtualhost,
      httpVersion: options.http_version ?? '1.1',
      ranges,
      limitMs: options.connect_timeout * 1000,
      bind_ip: options.bind_ip,
      bind_port: options.bind_port,
    });
    return {
      type: options.type,
      runner,
      check: (target, signal, deadline) => runnerCheck(runner, target, signal, deadline, () => plainAbortedBefore(target)),
    };
  }
  // HTTP/1.1 with TLS or a body goes through undici: load it now, and wait for it before a probe's budget starts.
  const undici = (options.http_version ?? '1.1') === '1.1' ? loadUndici() : undefined;
  return {
    type: options.type,
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      if (undici) await undici;
      const budget = startBudget(signal, deadline, options.connect_timeout * 1000);
      try {
        const tls = secure ? await loadTlsOptions(options.tls ?? { verify: false }) : undefined;
        if (tls && 'up' in tls) return tls as CheckResult;
        const fetched = await fetchHttp(
          {
            secure,
            target,
            method,
            path: options.path ?? '/',
            host: options.virtualhost,
            httpVersion: options.http_version ?? '1.1',
            maxBodyBytes: options.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES,
            readBody: readBody ? (status: number) => statusAccepted(status, ranges) : false,
            bind: options,
            tls,
          },
          budget,
        );
        if (!fetched.ok) return fetched.result;
        const { status, body } = fetched.response;
        const url = `${secure ? 'https' : 'http'}://${formatTarget(target)}${options.path ?? '/'}`;
        if (!statusAccepted(status, ranges)) return down('STATUS', `${url}: status ${status} not in ${formatStatusRanges(ranges)}`);
        if (readBody) {
          const verdict = bodyVerdict(rules, body ?? { bytes: Buffer.alloc(0), truncated: false });
          if (verdict) return verdict.up ? verdict : down(verdict.code ?? 'PROTOCOL', `${url}: ${verdict.reason}`);
        }
        return up(`${url}: status ${status}${readBody ? ', body ok' : ''}`);
      } finally {
        budget.dispose();
      }
    },
  };
}
