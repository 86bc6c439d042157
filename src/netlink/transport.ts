/**
 * The byte pipe under the generic netlink client: one datagram socket to the kernel (or a fake of
 * it in tests). A datagram holds one or more netlink messages; the transport neither splits nor
 * interprets them.
 */
import { LvsdError } from '../errors.js';
import { errnoName, strerror } from './errno.js';

/** Where a transport delivers what it receives. */
export interface TransportReceiver {
  /** One received datagram: one or more whole netlink messages. */
  onDatagram(datagram: Buffer): void;
  /**
   * A receive-side failure. ENOBUFS means the kernel dropped messages for this socket (its receive
   * buffer was full): answers to requests in flight may be lost. The transport stays usable.
   */
  onError(error: TransportError): void;
}

/** A connected netlink datagram socket. */
export interface NetlinkTransport {
  /** The socket's port id (nl_pid of its address); requests may carry it as nlmsg_pid. */
  readonly portId: number;
  /** The receive buffer the kernel granted (SO_RCVBUF as read back), when known. */
  readonly recvBufferSize?: number;
  /** Sets the receiver (one per transport; a later call replaces it). */
  attach(receiver: TransportReceiver): void;
  /** Sends one datagram (one or more netlink messages) to the kernel. Rejects with TransportError. */
  send(datagram: Buffer): Promise<void>;
  /**
   * Whether the transport keeps the process alive. The client marks it busy while requests are in
   * flight and idle otherwise, so an idle open client does not prevent the process from exiting.
   */
  setBusy?(busy: boolean): void;
  /**
   * A blocking transport's batch of dumps (or acknowledged requests): runs the framed messages of
   * `block` one after the other, each sent once the previous one is answered in full, and returns
   * every answer, as received datagrams end to end. A failure may carry what had arrived before it
   * as `received` (a Buffer of the same form). GenlClient.dumpFramed uses it when present.
   */
  exchangeEach?(block: Buffer): Buffer;
  /** Closes the socket; pending sends are discarded. Idempotent. */
  close(): Promise<void>;
}

/** A socket-level failure (send, receive, open), with the errno when there is one. */
export class TransportError extends LvsdError {
  constructor(
    /** Positive errno, 0 when none applies. */
    readonly errno: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(errno === 0 ? 'ETRANSPORT' : errnoName(errno), message, options);
  }

  /** Builds the error of a failed system call, e.g. `recvmsg: No buffer space available (ENOBUFS)`. */
  static fromErrno(errno: number, what: string, cause?: unknown): TransportError {
    return new TransportError(errno, TransportError.errnoMessage(errno, what), { cause });
  }

  /** The message of {@link fromErrno}, for subclasses. */
  static errnoMessage(errno: number, what: string): string {
    return `${what}: ${strerror(errno)} (${errnoName(errno)})`;
  }
}
