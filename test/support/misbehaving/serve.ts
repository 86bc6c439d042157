/**
 * Entry point that runs misbehaving servers in a process of their own (bundled by bundle.ts): in a lab
 * namespace, or beside a load test so the servers do not share its event loop.
 *
 *   node serve.cjs '<json array of ServerSpec>'
 *
 * Prints one line `{"ready":true,"ports":[...]}` once every server listens (ports in spec order), and exits
 * when its stdin closes, so it never outlives the test that started it.
 */
import { readFileSync } from 'node:fs';
import { type DnsBehaviour, dnsServer } from './dns.js';
import { type HttpBehaviour, httpServer } from './http.js';
import { type SmtpBehaviour, smtpServer } from './smtp.js';
import { resetServer, silentServer } from './tcp.js';
import { type UdpBehaviour, udpServer } from './udp.js';

/** One server to start (port 0 = ephemeral). */
export type ServerSpec = { readonly host: string; readonly port?: number } & (
  | { readonly kind: 'silent' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'http'; readonly behaviour: HttpBehaviour; readonly tls?: { readonly certFile: string; readonly keyFile: string } }
  | { readonly kind: 'dns'; readonly behaviour: DnsBehaviour }
  | { readonly kind: 'smtp'; readonly behaviour: SmtpBehaviour }
  | { readonly kind: 'udp'; readonly behaviour: UdpBehaviour }
);

async function start(spec: ServerSpec): Promise<number> {
  const port = spec.port ?? 0;
  switch (spec.kind) {
    case 'silent':
      return (await silentServer(spec.host, port)).port;
    case 'reset':
      return (await resetServer(spec.host, port)).port;
    case 'http': {
      const tls = spec.tls ? { cert: readFileSync(spec.tls.certFile), key: readFileSync(spec.tls.keyFile) } : undefined;
      return (await httpServer(spec.behaviour, spec.host, port, tls)).port;
    }
    case 'dns':
      return (await dnsServer(spec.behaviour, spec.host, port)).port;
    case 'smtp':
      return (await smtpServer(spec.behaviour, spec.host, port)).port;
    case 'udp':
      return (await udpServer(spec.behaviour, spec.host, port)).port;
  }
}

async function main(): Promise<void> {
  const specs = JSON.parse(process.argv[2] ?? '[]') as ServerSpec[];
  const ports: number[] = [];
  for (const spec of specs) ports.push(await start(spec));
  process.stdout.write(`${JSON.stringify({ ready: true, ports })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`serve: ${String(err)}\n`);
  process.exit(1);
});
