/**
 * One datagram exchange on a connected UDP socket, within a budget. Connecting the socket makes the kernel
 * report an ICMP port unreachable from the target as ECONNREFUSED (and other ICMP errors likewise), and makes
 * it drop datagrams from any other source.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Budget } from './budget.js';
import type { CheckResult, CheckTarget } from './checker.js';
import type { BindOptions } from './connect.js';
import { formatTarget } from './connect.js';
import { fromSocketError } from './outcome.js';

/** What to do with the exchange. */
export interface UdpExchange {
  readonly payload: Uint8Array;
  /** Judges a reply; undefined ignores it and keeps waiting (e.g. a DNS reply with another id). */
  judge(reply: Buffer): CheckResult | undefined;
  /** The result when the deadline passes without a decisive reply or error (after the payload went out). */
  silence(): CheckResult;
}

/** Sends the payload and waits for a decisive reply, an error, or the end of the budget. */
export function udpExchange(target: CheckTarget, bind: BindOptions, budget: Budget, x: UdpExchange): Promise<CheckResult> {
  const where = formatTarget(target);
  return new Promise((resolve) => {
    if (budget.ended()) {
      resolve(budget.endResult(`before sending to ${where}`));
      return;
    }
    const socket = dgram.createSocket({ type: net.isIPv6(target.address) ? 'udp6' : 'udp4' });
    let done = false;
    let sent = false; // silence means something only once the datagram is out
    const finish = (r: CheckResult) => {
      if (done) return;
      done = true;
      budget.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('message');
      socket.on('error', () => {});
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    const onAbort = () => {
      if (budget.ended() !== 'timeout') finish(budget.endResult(`waiting for a reply from ${where}`));
      else finish(sent ? x.silence() : budget.endResult(`before the datagram to ${where} was sent`));
    };
    budget.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish(fromSocketError(err, `udp ${where}`)));
    socket.on('message', (msg) => {
      const r = x.judge(msg);
      if (r) finish(r);
    });
    const start = () =>
      socket.connect(target.port, target.address, (err?: Error) => {
        if (err) return finish(fromSocketError(err, `udp connect to ${where}`));
        if (done) return;
        socket.send(x.payload, (err2) => {
          if (err2) finish(fromSocketError(err2, `udp send to ${where}`));
          else sent = true;
        });
      });
    if (bind.bind_ip !== undefined || bind.bind_port !== undefined) {
      socket.bind({ port: bind.bind_port ?? 0, ...(bind.bind_ip !== undefined ? { address: bind.bind_ip } : {}), exclusive: true }, () => {
        if (!done) start();
      });
    } else start();
  });
}
