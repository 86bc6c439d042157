import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpChecker } from '../../../checks/smtp.js';
import { type SmtpBehaviour, smtpServer, type SmtpTestServer } from '../../support/misbehaving/smtp.js';
import { closedPort } from '../../support/misbehaving/tcp.js';
import { probe, SLACK_MS } from './probe.js';

const servers: SmtpTestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function serve(b: SmtpBehaviour) {
  const s = await smtpServer(b);
  servers.push(s);
  return { server: s, target: { address: '127.0.0.1', port: s.port }, where: `127.0.0.1:${s.port}` };
}
const smtp = createSmtpChecker({ connect_timeout: 0.5, helo_name: 'lvs1.example.test' });

describe('smtp check', () => {
  it('is up after a multi-line 220 greeting and a multi-line 250 to EHLO, then QUITs', async () => {
    const { server, target, where } = await serve('ok');
    const { result, ms } = await probe(smtp, target, 5000);
    expect(result).toEqual({ up: true, code: 'OK', reason: `${where}: 220 greeting, 250 to EHLO` });
    expect(ms).toBeLessThan(SLACK_MS);
    expect(server.commands).toEqual(['EHLO lvs1.example.test', 'QUIT']);
  });

  it('falls back to HELO when EHLO is not implemented', async () => {
    const { server, target, where } = await serve('no-ehlo');
    expect((await probe(smtp, target, 5000)).result).toEqual({ up: true, code: 'OK', reason: `${where}: 220 greeting, 250 to HELO` });
    expect(server.commands).toEqual(['EHLO lvs1.example.test', 'HELO lvs1.example.test', 'QUIT']);
  });

  it('is down with SMTP on a 5xx greeting', async () => {
    const { target, where } = await serve('reject');
    const { result, ms } = await probe(smtp, target, 5000);
    expect(result).toEqual({ up: false, code: 'SMTP', reason: `${where} greeted with 554 5.3.2 no service here` });
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('is down with SMTP when HELO is refused', async () => {
    const { target, where } = await serve('refuse-helo');
    expect((await probe(smtp, target, 5000)).result).toEqual({
      up: false,
      code: 'SMTP',
      reason: `${where} answered EHLO with 550 go away`,
    });
  });

  it('is down with PROTOCOL on a greeting that is not SMTP', async () => {
    const { target, where } = await serve('garbage');
    expect((await probe(smtp, target, 5000)).result).toEqual({
      up: false,
      code: 'PROTOCOL',
      reason: `${where}: bad reply line "hello there"`,
    });
  });

  it('is down with ETIMEDOUT when the server never greets', async () => {
    const { target, where } = await serve('silent');
    const { result, ms } = await probe(smtp, target, 5000);
    expect(result).toEqual({ up: false, code: 'ETIMEDOUT', reason: `timed out after 500 ms waiting for the greeting of ${where}` });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('does not wait past the deadline for a QUIT reply that never comes: the verdict stands', async () => {
    const { target } = await serve('no-quit-reply');
    const { result, ms } = await probe(smtp, target, 5000);
    expect(result).toMatchObject({ up: true });
    expect(ms).toBeGreaterThanOrEqual(495);
    expect(ms).toBeLessThan(500 + SLACK_MS);
  });

  it('is down with ECONNREFUSED on a closed port', async () => {
    const port = await closedPort();
    expect((await probe(smtp, { address: '127.0.0.1', port }, 5000)).result).toMatchObject({ up: false, code: 'ECONNREFUSED' });
  });
});
