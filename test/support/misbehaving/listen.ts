/** Shared plumbing of the misbehaving test servers: listening, and closing with every connection. */
import type { AddressInfo, Server, Socket } from 'node:net';

/** A running test server. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Listens on host:port (0 = ephemeral) and returns a handle that also destroys open connections on close. */
export async function listenTcp(server: Server, host: string, port = 0): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  // TLS servers emit 'connection' for the raw socket too; errors on the TLS layer are per-connection noise here.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: load tests open hundreds of connections at once to servers in the same process.
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
