/**
 * udp check (keepalived's UDP_CHECK): sends `payload` (hex; default an empty datagram) on a connected socket.
 * - A reply: up, or with `expected_reply` (see hex-pattern.ts: `??` = any byte) up only when it matches (else
 *   REPLY). Only the first reply counts.
 * - An ICMP error (port unreachable shows as ECONNREFUSED): down.
 * - Silence until the deadline: down (ETIMEDOUT) when require_reply, else up ("no ICMP port unreachable").
 */
import { startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import { formatHexPattern, type HexPattern, hexPreview, matchesHexPattern, parseHexBytes, parseHexPattern } from './hex-pattern.js';
import { down, up } from './outcome.js';
import { udpExchange } from './udp-exchange.js';

/** The config fields a udp check uses (connect_timeout in seconds; payload and expected_reply in hex). */
export interface UdpCheckOptions extends BindOptions {
  readonly connect_timeout: number;
  readonly payload?: string | undefined;
  readonly expected_reply?: string | undefined;
  /** Default: true when expected_reply is set. */
  readonly require_reply?: boolean;
}

/** Creates a udp checker; throws for a malformed payload or pattern (the config schema rules them out). */
export function createUdpChecker(options: UdpCheckOptions): Checker {
  const payload = parseHexBytes(options.payload ?? '');
  if (typeof payload === 'string') throw new Error(`udp check payload: ${payload}`);
  let pattern: HexPattern | undefined;
  if (options.expected_reply !== undefined) {
    const p = parseHexPattern(options.expected_reply);
    if (typeof p === 'string') throw new Error(`udp check expected_reply: ${p}`);
    pattern = p;
  }
  const requireReply = options.require_reply ?? pattern !== undefined;
  return {
    type: 'udp',
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const budget = startBudget(signal, deadline, options.connect_timeout * 1000);
      const where = formatTarget(target);
      try {
        return await udpExchange(target, options, budget, {
          payload,
          judge: (reply) => {
            if (!pattern || matchesHexPattern(pattern, reply)) return up(`${where} replied (${reply.length} bytes)`);
            return down('REPLY', `${where} replied ${hexPreview(reply)}, expected ${formatHexPattern(pattern)}`);
          },
          silence: () =>
            requireReply
              ? down('ETIMEDOUT', `no reply from ${where} within ${budget.deadline - budget.started} ms`)
              : up(`no reply and no ICMP port unreachable from ${where} within ${budget.deadline - budget.started} ms`),
        });
      } finally {
        budget.dispose();
      }
    },
  };
}
