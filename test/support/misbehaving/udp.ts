/** A misbehaving UDP server: echoes with a prefix, replies with fixed bytes, or stays silent. */
import dgram from 'node:dgram';
import net from 'node:net';

export type UdpBehaviour =
  | { readonly kind: 'reply'; readonly hex: string } // always replies with these bytes
  | { readonly kind: 'echo' } // replies with what it got
  | { readonly kind: 'silent' };

/** A running UDP test server and the datagrams it received. */
export interface UdpTestServer {
  readonly host: string;
  readonly port: number;
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** Starts the server on host:port (0 = ephemeral). */
export async function udpServer(behaviour: UdpBehaviour, host = '127.0.0.1', port = 0): Promise<UdpTestServer> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  const received: Buffer[] = [];
  socket.on('error', () => {});
  socket.on('message', (m, r) => {
    received.push(m);
    if (behaviour.kind === 'reply') socket.send(Buffer.from(behaviour.hex, 'hex'), r.port, r.address);
    else if (behaviour.kind === 'echo') socket.send(m, r.port, r.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, host, () => resolve()));
  return {
    host,
    port: socket.address().port,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port on `host` that nobody has bound (bound once, then released). */
export async function closedUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = await udpServer({ kind: 'silent' }, host);
  await s.close();
  return s.port;
}
