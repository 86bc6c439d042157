/**
 * smtp check (keepalived's SMTP_CHECK): connect, expect a 220 greeting, send `EHLO helo_name` and expect 250
 * (a server that answers 500/502 to EHLO is asked `HELO helo_name` instead, which must get 250), then send
 * QUIT and close (its reply is waited for, at most QUIT_WAIT_MS, but not judged). Multi-line replies are read
 * whole. Any other reply code fails with SMTP, a malformed reply with PROTOCOL.
 */
import type { Socket } from 'node:net';
import { type Budget, startBudget } from './budget.js';
import type { Checker, CheckResult, CheckTarget } from './checker.js';
import { type BindOptions, connect, formatTarget } from './connect.js';
import { down, fromSocketError, up } from './outcome.js';
import { formatReply, type SmtpReply, SmtpReplyReader } from './smtp-reply.js';

/** The config fields an smtp check uses (connect_timeout in seconds). */
export interface SmtpCheckOptions extends BindOptions {
  readonly connect_timeout: number;
  /** Default "localhost" (the config resolves it to the router_id). */
  readonly helo_name?: string;
}

/** Longest wait for the reply to QUIT once the verdict is known. */
export const QUIT_WAIT_MS = 1000;

type Step = 'greeting' | 'ehlo' | 'helo' | 'quit';

const PHASE: Record<Step, string> = {
  greeting: 'waiting for the greeting',
  ehlo: 'waiting for the EHLO reply',
  helo: 'waiting for the HELO reply',
  quit: 'waiting for the QUIT reply',
};

/** Creates an smtp checker. */
export function createSmtpChecker(options: SmtpCheckOptions): Checker {
  const helo = options.helo_name ?? 'localhost';
  return {
    type: 'smtp',
    async check(target: CheckTarget, signal: AbortSignal, deadline: number): Promise<CheckResult> {
      const budget = startBudget(signal, deadline, options.connect_timeout * 1000);
      try {
        const c = await connect(target, options, budget);
        if (!c.ok) return c.result;
        return await converse(c.socket, formatTarget(target), helo, budget);
      } finally {
        budget.dispose();
      }
    },
  };
}

function converse(socket: Socket, where: string, helo: string, budget: Budget): Promise<CheckResult> {
  return new Promise((resolve) => {
    const reader = new SmtpReplyReader();
    let step: Step = 'greeting';
    let passed: CheckResult | undefined; // set once EHLO/HELO succeeded: the verdict, whatever QUIT gets
    let done = false;
    let quitTimer: NodeJS.Timeout | undefined;

    const finish = (r: CheckResult) => {
      if (done) return;
      done = true;
      if (quitTimer) clearTimeout(quitTimer);
      budget.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.destroy();
      resolve(r);
    };
    const send = (line: string, next: Step) => {
      step = next;
      socket.write(`${line}\r\n`);
      if (next === 'quit') quitTimer = setTimeout(() => finish(passed as CheckResult), QUIT_WAIT_MS);
    };
    const onReply = (r: SmtpReply) => {
      switch (step) {
        case 'greeting':
          if (r.code !== 220) return finish(down('SMTP', `${where} greeted with ${formatReply(r)}`));
          return send(`EHLO ${helo}`, 'ehlo');
        case 'ehlo':
          if (r.code === 500 || r.code === 502) return send(`HELO ${helo}`, 'helo');
          if (r.code !== 250) return finish(down('SMTP', `${where} answered EHLO with ${formatReply(r)}`));
          passed = up(`${where}: 220 greeting, 250 to EHLO`);
          return send('QUIT', 'quit');
        case 'helo':
          if (r.code !== 250) return finish(down('SMTP', `${where} answered HELO with ${formatReply(r)}`));
          passed = up(`${where}: 220 greeting, 250 to HELO`);
          return send('QUIT', 'quit');
        case 'quit':
          return finish(passed as CheckResult);
      }
    };
    const onData = (chunk: Buffer) => {
      for (const r of reader.feed(chunk)) {
        onReply(r);
        if (done) return;
      }
      if (reader.error) finish(passed ?? down('PROTOCOL', `${where}: ${reader.error}`));
    };
    const onEnd = () => finish(passed ?? down('CLOSED', `${where} closed the connection ${PHASE[step]}`));
    const onError = (err: Error) => finish(passed ?? fromSocketError(err, `${where} ${PHASE[step]}`));
    const onAbort = () => finish(passed ?? budget.endResult(`${PHASE[step]} of ${where}`));

    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    budget.signal.addEventListener('abort', onAbort, { once: true });
    if (budget.ended()) onAbort();
  });
}
