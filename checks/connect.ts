/** Opening a TCP (or TLS) connection for a probe, optionally from a bound source address/port, within a budget. */
import net from 'node:net';
import tls from 'node:tls';
import type { Budget } from './budget.js';
import type { CheckResult, CheckTarget } from './checker.js';
import { fromSocketError } from './outcome.js';

/** Local source of a probe's connection (config keys bind_ip, bind_port). */
export interface BindOptions {
  readonly bind_ip?: string | undefined;
  readonly bind_port?: number | undefined;
}

/** A connection the caller now owns (and must destroy), or the failing result. */
export type Connected = { readonly ok: true; readonly socket: net.Socket } | { readonly ok: false; readonly result: CheckResult };

/** `address:port`, with brackets around IPv6 addresses. */
export function formatTarget(t: CheckTarget): string {
  return net.isIPv6(t.address) ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;
}

const noop = () => {};

/**
 * Connects to `target` (with TLS when `tlsOptions` is given: settles after the handshake). The socket is destroyed
 * on failure and when the budget ends first. A no-op error listener stays attached so that a late error on a
 * socket being torn down can never become an uncaught exception.
 */
export function connect(target: CheckTarget, bind: BindOptions, budget: Budget, tlsOptions?: tls.ConnectionOptions): Promise<Connected> {
  const where = formatTarget(target);
  return new Promise((resolve) => {
    if (budget.ended()) {
      resolve({ ok: false, result: budget.endResult(`before connecting to ${where}`) });
      return;
    }
    const base = {
      host: target.address,
      port: target.port,
      ...(bind.bind_ip !== undefined ? { localAddress: bind.bind_ip } : {}),
      ...(bind.bind_port !== undefined ? { localPort: bind.bind_port } : {}),
      noDelay: true,
    };
    const socket = tlsOptions ? tls.connect({ ...tlsOptions, ...base }) : net.connect(base);
    socket.on('error', noop);
    const settle = (r: Connected) => {
      budget.signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off(tlsOptions ? 'secureConnect' : 'connect', onConnect);
      if (!r.ok) socket.destroy();
      resolve(r);
    };
    const onConnect = () => settle({ ok: true, socket });
    const onError = (err: Error) => settle({ ok: false, result: fromSocketError(err, `connect to ${where}`) });
    const onAbort = () => settle({ ok: false, result: budget.endResult(`connecting to ${where}`) });
    socket.once(tlsOptions ? 'secureConnect' : 'connect', onConnect);
    socket.once('error', onError);
    budget.signal.addEventListener('abort', onAbort, { once: true });
  });
}
