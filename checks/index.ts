/**
 * The checker factory: one Checker per configured check (src/config's ResolvedCheck), keyed by its type, and
 * the target each check probes. A checker is stateless between probes and may be probed concurrently.
 */
import type { ResolvedCheck } from '../src/config/model.js';
import type { Checker, CheckTarget } from './checker.js';
import { createDnsChecker } from './dns.js';
import { createExecChecker } from './exec.js';
import { createHttpChecker } from './http.js';
import { createSmtpChecker } from './smtp.js';
import { createTcpChecker } from './tcp.js';
import { createUdpChecker } from './udp.js';

export type { Checker, CheckCode, CheckResult, CheckTarget } from './checker.js';
export { combine } from './combine.js';

/** Builds the checker of one resolved check. */
export function createChecker(config: ResolvedCheck): Checker {
  switch (config.type) {
    case 'tcp':
      return createTcpChecker(config);
    case 'http':
    case 'https':
      return createHttpChecker(config);
    case 'exec':
      return createExecChecker(config);
    case 'dns':
      return createDnsChecker(config);
    case 'smtp':
      return createSmtpChecker(config);
    case 'udp':
      return createUdpChecker(config);
  }
}

/**
 * What a check probes: its connect_ip/connect_port (the config resolves both to the real server's address and
 * port unless redirected). An exec check has no address of its own: it gets the real server's, which it sees
 * as LVSD_CHECK_ADDRESS/LVSD_CHECK_PORT.
 */
export function checkTarget(
  config: ResolvedCheck,
  realServer: { readonly address: string; readonly port?: number | undefined },
): CheckTarget {
  if (config.type === 'exec') return { address: realServer.address, port: realServer.port ?? 0 };
  return { address: config.connect_ip, port: config.connect_port };
}
