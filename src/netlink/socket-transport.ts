/**
 * The real transport: a NETLINK_GENERIC socket from the `netlink` package's RawNetlinkSocket (a
 * native addon; only the socket is used, our own codecs encode and decode). The socket belongs to
 * the network namespace of the calling thread when it is created, i.e. the process's: to manage
 * IPVS in another namespace, run the process inside it (`ip netns exec NS ...`).
 */
import { createRequire } from 'node:module';
import { type NetlinkTransport, TransportError, type TransportReceiver } from './transport.js';

type RawNetlinkSocket = import('netlink/dist/raw.js').RawNetlinkSocket;
/*
 * The package is CommonJS: require() loads it directly, where an ES import would also run it
 * through the ESM loader's CommonJS translation (which parses it once more to find its exports),
 * a measurable part of a short-lived command's start-up (lvsadm).
 */
const { RawNetlinkSocket } = createRequire(import.meta.url)('netlink/dist/raw.js') as typeof import('netlink/dist/raw.js');

/** Netlink protocol number of generic netlink. */
export const NETLINK_GENERIC = 16;

/** Options of {@link openGenericNetlinkSocket}. */
export interface SocketTransportOptions {
  /**
   * SO_RCVBUF to request, in bytes (default 4 MiB). The kernel caps it at net.core.rmem_max (often
   * 212992) and then doubles it; SO_RCVBUFFORCE, which could exceed the cap, is not available
   * through the `netlink` package. The client's in-flight window keeps acknowledgements within
   * what the socket actually got ({@link SocketTransport.recvBufferSize}).
   */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF to request, in bytes (default 1 MiB; capped by net.core.wmem_max). */
  readonly sendBufferSize?: number;
}

interface ErrnoLike {
  readonly errno?: unknown;
  readonly message?: unknown;
}

function toTransportError(err: unknown, what: string): TransportError {
  const e = (err ?? {}) as ErrnoLike;
  // The addon reports positive errno values (uv names in `code`).
  if (typeof e.errno === 'number' && e.errno !== 0) return TransportError.fromErrno(Math.abs(e.errno), what, err);
  return new TransportError(0, `${what}: ${String(e.message ?? err)}`, { cause: err });
}

/**
 * A NETLINK_GENERIC socket bound to a free port id.
 *
 * Beware: with `netlink` 0.3.0 a receive-buffer overrun aborts the process. The kernel then sets
 * the socket error (ENOBUFS), epoll reports EPOLLERR, libuv calls the poll callback with UV_EBADF,
 * and the addon builds an error object with a NULL syscall name, which throws a C++ exception out
 * of the libuv callback ("terminate called after throwing an instance of 'Napi::Error' / Error in
 * native callback"). The GenlClient's in-flight budget exists to make overruns impossible.
 */
export class SocketTransport implements NetlinkTransport {
  readonly portId: number;
  private receiver: TransportReceiver | undefined;
  private closed = false;

  private constructor(private readonly socket: RawNetlinkSocket) {
    this.portId = socket.address().port;
    socket.on('message', (msg) => this.receiver?.onDatagram(msg));
    socket.on('truncatedMessage', (msg, rinfo) => {
      // Cannot happen with message peeking (the addon sizes each read); reported, not parsed.
      this.receiver?.onError(new TransportError(0, `recvmsg: datagram truncated (${msg.length} of ${rinfo.truncated ?? '?'} bytes)`));
    });
    socket.on('error', (err) => this.receiver?.onError(toTransportError(err, 'recvmsg')));
    socket.unref();
  }

  /** Opens the socket. Throws TransportError (e.g. EPROTONOSUPPORT, EPERM) when it cannot. */
  static open(options: SocketTransportOptions = {}): SocketTransport {
    let socket: RawNetlinkSocket;
    try {
      socket = new RawNetlinkSocket(NETLINK_GENERIC, {
        recvBufferSize: options.recvBufferSize ?? 4 << 20,
        sendBufferSize: options.sendBufferSize ?? 1 << 20,
      });
    } catch (err) {
      throw toTransportError(err, 'cannot open a NETLINK_GENERIC socket');
    }
    return new SocketTransport(socket);
  }

  /** The receive buffer the kernel granted (SO_RCVBUF as read back, i.e. already doubled). */
  get recvBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  /** The send buffer the kernel granted (SO_SNDBUF as read back). */
  get sendBufferSize(): number {
    return this.socket.getSendBufferSize();
  }

  attach(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  send(datagram: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError(0, 'send: the netlink socket is closed'));
    return new Promise((resolve, reject) => {
      try {
        this.socket.send(datagram, { port: 0 }, (err) => (err === undefined ? resolve() : reject(toTransportError(err, 'sendmsg'))));
      } catch (err) {
        reject(toTransportError(err, 'sendmsg'));
      }
    });
  }

  setBusy(busy: boolean): void {
    if (this.closed) return;
    if (busy) this.socket.ref();
    else this.socket.unref();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.close();
    }
    return Promise.resolve();
  }
}

/** Opens a NETLINK_GENERIC socket in the process's network namespace. */
export function openGenericNetlinkSocket(options: SocketTransportOptions = {}): SocketTransport {
  return SocketTransport.open(options);
}
