/**
 * A misbehaving HTTP server on raw sockets (so every byte and delay is under the test's control), plain or
 * TLS. Its behaviour is plain data, so the same server can run in-process or inside a lab namespace.
 */
import net from 'node:net';
import tls from 'node:tls';
import { listenTcp, type TestServer } from './listen.js';

/** What the server does with each request (all optional: default is a 200 with body "ok\n"). */
export interface HttpBehaviour {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Body text (default "ok\n"); ignored with `endless` and `echoPeer`. */
  readonly body?: string;
  /** Body = the client's "address:port" as the server sees it. */
  readonly echoPeer?: boolean;
  /** Send the body with chunked transfer coding, in pieces of this many bytes. */
  readonly chunked?: number;
  /** Reply "HTTP/1.0 ..." without Content-Length, then close. */
  readonly http10?: boolean;
  /** Send the status line, then wait this long before the rest of the headers. */
  readonly headerDelayMs?: number;
  /** Send the headers, then wait this long before the body. */
  readonly bodyDelayMs?: number;
  /** After the headers, send body bytes forever (chunked) until the client goes away. */
  readonly endless?: boolean;
  /** Read the request and never answer. */
  readonly silent?: boolean;
  /** Read the request and reset the connection. */
  readonly reset?: boolean;
  /** Send a Content-Length larger than the body, then close (premature end). */
  readonly shortBody?: boolean;
  /** Send exactly this text instead of a response, then close (e.g. garbage). */
  readonly raw?: string;
}

/** TLS material of an https server. */
export interface HttpTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** With `requestCert`: CA that client certificates must chain to. */
  readonly ca?: string | Buffer;
  readonly requestCert?: boolean;
}

/** A request as received: its head (request line and headers) and where it came from. */
export interface SeenRequest {
  readonly head: string;
  readonly peer: string;
  /** The TLS SNI name the client sent (TLS servers), or false when it sent none. */
  readonly servername?: string | false;
}

/** A running HTTP test server and the requests it has seen. */
export interface HttpTestServer extends TestServer {
  readonly requests: SeenRequest[];
}

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  301: 'Moved',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Unavailable',
};

function peerOf(s: net.Socket): string {
  return s.remoteAddress?.includes(':') ? `[${s.remoteAddress}]:${s.remotePort}` : `${s.remoteAddress}:${s.remotePort}`;
}

function respond(s: net.Socket, b: HttpBehaviour, head: string): void {
  if (b.silent) return;
  if (b.reset) {
    s.resetAndDestroy();
    return;
  }
  if (b.raw !== undefined) {
    s.end(b.raw);
    return;
  }
  const isHead = head.startsWith('HEAD ');
  const status = b.status ?? 200;
  const body = Buffer.from(b.echoPeer ? peerOf(s) : (b.body ?? 'ok\n'));
  const version = b.http10 ? 'HTTP/1.0' : 'HTTP/1.1';
  const statusLine = `${version} ${status} ${REASONS[status] ?? 'Whatever'}\r\n`;
  const headers: string[] = Object.entries(b.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
  const rawEndless = b.endless && b.http10;
  if ((b.endless && !rawEndless) || b.chunked) headers.push('Transfer-Encoding: chunked\r\n');
  else if (b.shortBody) headers.push(`Content-Length: ${body.length + 100}\r\n`);
  else if (!b.http10) headers.push(`Content-Length: ${body.length}\r\n`);
  headers.push('Connection: close\r\n');
  const alive = () => !s.destroyed && s.writable;

  const sendBody = () => {
    if (!alive()) return;
    if (isHead) {
      s.end();
      return;
    }
    if (b.endless) {
      const piece = Buffer.alloc(16384, 0x61);
      const frame = rawEndless ? piece : Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
      const pump = () => {
        while (alive()) if (!s.write(frame)) return void s.once('drain', pump);
      };
      pump();
      return;
    }
    if (b.chunked) {
      for (let i = 0; i < body.length; i += b.chunked) {
        const piece = body.subarray(i, i + b.chunked);
        s.write(`${piece.length.toString(16)}\r\n`);
        s.write(piece);
        s.write('\r\n');
      }
      s.end('0\r\n\r\n');
      return;
    }
    s.end(body);
  };
  const sendHeaders = () => {
    if (!alive()) return;
    s.write(`${headers.join('')}\r\n`);
    if (b.bodyDelayMs) setTimeout(sendBody, b.bodyDelayMs).unref();
    else sendBody();
  };
  s.write(statusLine);
  if (b.headerDelayMs) setTimeout(sendHeaders, b.headerDelayMs).unref();
  else sendHeaders();
}

/** Starts the server on host:port (0 = ephemeral), plain or with TLS. */
export async function httpServer(
  behaviour: HttpBehaviour,
  host = '127.0.0.1',
  port = 0,
  tlsOptions?: HttpTlsOptions,
): Promise<HttpTestServer> {
  const requests: SeenRequest[] = [];
  const onConnection = (s: net.Socket) => {
    s.on('error', () => {});
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      const head = buf.slice(0, end);
      const servername = (s as tls.TLSSocket).encrypted ? ((s as tls.TLSSocket).servername ?? false) : undefined;
      requests.push({ head, peer: peerOf(s), ...(servername !== undefined ? { servername } : {}) });
      respond(s, behaviour, head);
    };
    s.on('data', onData);
  };
  const server = tlsOptions
    ? tls.createServer(
        {
          key: tlsOptions.key,
          cert: tlsOptions.cert,
          // The CA only when verifying clients: a server given one also sends it in its chain.
          ...(tlsOptions.ca && tlsOptions.requestCert ? { ca: tlsOptions.ca } : {}),
          requestCert: tlsOptions.requestCert ?? false,
          rejectUnauthorized: tlsOptions.requestCert ?? false,
        },
        onConnection,
      )
    : net.createServer(onConnection);
  const handle = await listenTcp(server, host, port);
  return { ...handle, requests };
}
