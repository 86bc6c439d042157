/** Constructors for check results, and the mapping from socket errors to result codes. */
import type { CheckCode, CheckResult } from './checker.js';

/** A passing result. */
export function up(reason: string, extra: { weight?: number; detail?: string } = {}): CheckResult {
  return { up: true, code: 'OK', reason, ...extra };
}

/** A failing result with its code. */
export function down(code: Exclude<CheckCode, 'OK'>, reason: string, detail?: string): CheckResult {
  return detail === undefined ? { up: false, code, reason } : { up: false, code, reason, detail };
}

const ERRNO_CODES = new Set<string>([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  'EPERM',
  'EINVAL',
  'EPIPE',
  'ETIMEDOUT',
]);

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRINUSE: 'local address in use',
  EADDRNOTAVAIL: 'local address not available',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EINVAL: 'invalid argument (e.g. a blackhole route or a bind address of the other family)',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'timed out',
};

/** True for errors raised by TLS: handshake alerts and certificate verification failures. */
export function isTlsError(err: unknown): boolean {
  const e = err as { code?: unknown; library?: unknown; reason?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || e.library === 'SSL routines') return true;
  // Certificate verification codes from OpenSSL (X509_V_ERR_* without the prefix).
  return /^(?:CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_|ERR_TLS_CERT_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH)/.test(code);
}

/** Maps an error from a socket operation to a failing result; `what` says what we were doing ("connect"). */
export function fromSocketError(err: unknown, what: string): CheckResult {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (isTlsError(err)) return down('TLS', `${what}: TLS: ${code ? `${code}: ` : ''}${message}`);
  if (ERRNO_CODES.has(code)) {
    return down(code as Exclude<CheckCode, 'OK'>, `${what}: ${ERRNO_TEXT[code] ?? code} (${code})`);
  }
  return down('ESOCKET', `${what}: ${code ? `${code}: ` : ''}${message}`);
}
