/**
 * dns check (keepalived's DNS_CHECK): sends a recursive query for query_name/query_type over UDP and waits for
 * its response. Datagrams that are not that response (another id, not a response, another question, or
 * shorter than a header) are ignored, as keepalived does. The response is up when its RCODE is NOERROR and it
 * holds at least one answer of the asked type; NXDOMAIN, SERVFAIL, other codes, and an empty or wrong-type
 * answer are down; a malformed response is PROTOCOL; silence is ETIMEDOUT; ICMP port unreachable ECONNREFUSED.
 */
import { randomInt } from 'node:crypto';
import { startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, formatTarget } from './connect.js';
import {
  DNS_TYPES,
  type DnsTypeName,
  DnsFormatError,
  decodeMessage,
  encodeQuery,
  formatRdata,
  rcodeName,
  sameName,
  typeName,
} from './dns-codec.js';
import { down, up } from './outcome.js';
import { udpExchange } from './udp-exchange.js';

/** The config fields a dns check uses (connect_timeout in seconds). */
export interface DnsCheckOptions extends BindOptions {
  readonly connect_timeout: number;
  readonly query_type?: DnsTypeName;
  readonly query_name?: string;
}

/** Judges a datagram received in reply to query `id` for `name`/`type`; undefined when it is not the response. */
export function judgeDnsReply(reply: Uint8Array, id: number, name: string, type: number): CheckResult | undefined {
  if (reply.length < 12) return undefined;
  if ((((reply[0] as number) << 8) | (reply[1] as number)) !== id) return undefined;
  if (((reply[2] as number) & 0x80) === 0) return undefined;
  let msg: ReturnType<typeof decodeMessage>;
  try {
    msg = decodeMessage(reply);
  } catch (err) {
    if (err instanceof DnsFormatError) return down('PROTOCOL', `malformed DNS response: ${err.message}`);
    throw err;
  }
  const q = msg.questions[0];
  if (msg.questions.length > 0 && (q === undefined || q.type !== type || !sameName(q.name, name))) return undefined;
  const what = `${name} ${typeName(type)}`;
  if (msg.rcode === 3) return down('NXDOMAIN', `${what}: NXDOMAIN`);
  if (msg.rcode === 2) return down('SERVFAIL', `${what}: SERVFAIL`);
  if (msg.rcode !== 0) return down('RCODE', `${what}: ${rcodeName(msg.rcode)}`);
  const matching = msg.answers.filter((a) => a.type === type);
  if (matching.length === 0) {
    const others = msg.answers.map((a) => typeName(a.type));
    return down('NOANSWER', `${what}: no ${typeName(type)} record in the answer${others.length ? ` (only ${others.join(', ')})` : ''}`);
  }
  const first = matching[0] as (typeof matching)[number];
  return up(`${what}: ${matching.length} answer${matching.length > 1 ? 's' : ''}, first ${formatRdata(type, first.data)}`);
}

/** Creates a dns checker (defaults: SOA of the root, as the config schema's). */
export function createDnsChecker(options: DnsCheckOptions): Checker {
  const name = options.query_name ?? '.';
  const type = DNS_TYPES[options.query_type ?? 'SOA'];
  return {
    type: 'dns',
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const budget = startBudget(signal, deadline, options.connect_timeout * 1000);
      const id = randomInt(0, 65536);
      try {
        return await udpExchange(target, options, budget, {
          payload: encodeQuery(id, name, type),
          judge: (reply) => judgeDnsReply(reply, id, name, type),
          silence: () => budget.endResult(`waiting for the DNS response of ${formatTarget(target)}`),
        });
      } finally {
        budget.dispose();
      }
    },
  };
}
