/** A misbehaving SMTP server: good, 5xx greeting, EHLO refused (HELO works), HELO refused, silent, garbage. */
import net from 'node:net';
import { listenTcp, type TestServer } from './listen.js';

export type SmtpBehaviour =
  | 'ok' // multi-line 220 greeting, multi-line 250 to EHLO, 221 to QUIT
  | 'reject' // 554 greeting
  | 'no-ehlo' // 502 to EHLO, 250 to HELO
  | 'refuse-helo' // 550 to EHLO and HELO
  | 'silent' // never greets
  | 'garbage' // greets with a line that is not an SMTP reply
  | 'no-quit-reply'; // like ok, but never answers QUIT (nor closes)

/** A running SMTP test server and the commands it received. */
export interface SmtpTestServer extends TestServer {
  readonly commands: string[];
}

/** Starts the server on host:port (0 = ephemeral). */
export async function smtpServer(behaviour: SmtpBehaviour, host = '127.0.0.1', port = 0): Promise<SmtpTestServer> {
  const commands: string[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    switch (behaviour) {
      case 'silent':
        return;
      case 'reject':
        s.write('554 5.3.2 no service here\r\n');
        return;
      case 'garbage':
        s.write('hello there\r\n');
        return;
      default:
        s.write('220-mail.example.test ESMTP\r\n220-second line\r\n220 ready\r\n');
    }
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const cmd = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        commands.push(cmd);
        const verb = cmd.split(' ')[0]?.toUpperCase();
        if (verb === 'QUIT') {
          if (behaviour !== 'no-quit-reply') s.end('221 bye\r\n');
        } else if (verb === 'EHLO') {
          if (behaviour === 'no-ehlo') s.write('502 5.5.1 EHLO not implemented\r\n');
          else if (behaviour === 'refuse-helo') s.write('550 go away\r\n');
          else s.write('250-mail.example.test greets you\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
        } else if (verb === 'HELO') {
          s.write(behaviour === 'refuse-helo' ? '550 go away\r\n' : '250 mail.example.test\r\n');
        } else s.write('500 what?\r\n');
      }
    });
  });
  const handle = await listenTcp(server, host, port);
  return { ...handle, commands };
}
