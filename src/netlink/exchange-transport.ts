/**
 * A blocking netlink transport for short-lived commands (lvsadm): each send goes out and its answers
 * are read back in the same call, by lvsd's netlink_exchange addon (src/native/netlink_exchange.cc),
 * with no event-loop turn, callback or promise per datagram. The answers reach the receiver in a
 * microtask after the send, so a client never sees them before send() has returned.
 *
 * Not for the daemon: every exchange blocks the thread until the kernel has answered. The socket
 * belongs to the network namespace of the process.
 */
import { loadAddon } from '../native/addon.js';
import { type NetlinkTransport, TransportError, type TransportReceiver } from './transport.js';

interface ExchangeAddon {
  open(protocol: number, recvBufferSize: number, timeoutMs: number): [handle: object, portId: number, recvBufferSize: number];
  exchange(handle: object, block: Buffer, whole: boolean): Buffer;
  close(handle: object): void;
}

/** What the addon throws: a failed system call, with what had been received by then. */
interface ExchangeFailure {
  readonly errno?: unknown;
  readonly syscall?: unknown;
  readonly message?: unknown;
  readonly index?: unknown;
  readonly received?: unknown;
}

let addon: ExchangeAddon | undefined;

/** Options of {@link openExchangeSocket}. */
export interface ExchangeTransportOptions {
  /** Netlink protocol (default NETLINK_GENERIC, 16). */
  readonly protocol?: number;
  /** SO_RCVBUF to request (SO_RCVBUFFORCE when privileged), bytes; default 4 MiB. */
  readonly recvBufferSize?: number;
  /** How long one receive may wait for the kernel before the exchange fails with ETIMEDOUT; default 30 s. */
  readonly timeoutMs?: number;
}

/** A failed exchange: the transport error, the request being answered and what had arrived before. */
export class ExchangeError extends TransportError {
  constructor(
    errno: number,
    message: string,
    /** Index of the request being answered (0 for a whole datagram). */
    readonly index: number,
    /** The datagrams received before the failure, end to end. */
    readonly received: Buffer,
    options?: { cause?: unknown },
  ) {
    super(errno, message, options);
  }
}

function toExchangeError(err: unknown): Error {
  const e = (err ?? {}) as ExchangeFailure;
  if (typeof e.errno !== 'number') return err instanceof Error ? err : new TransportError(0, String(err));
  const message = TransportError.errnoMessage(e.errno, typeof e.syscall === 'string' ? e.syscall : 'exchange');
  const received = Buffer.isBuffer(e.received) ? e.received : Buffer.alloc(0);
  return new ExchangeError(e.errno, message, typeof e.index === 'number' ? e.index : 0, received, { cause: err });
}

/** A netlink socket whose sends are answered synchronously (see the module notes). */
export class ExchangeTransport implements NetlinkTransport {
  private receiver: TransportReceiver | undefined;
  private handle: object | undefined;

  private constructor(
    private readonly lib: ExchangeAddon,
    handle: object,
    readonly portId: number,
    readonly recvBufferSize: number,
  ) {
    this.handle = handle;
  }

  /** Opens the socket; throws TransportError (EPROTONOSUPPORT, EPERM...) when it cannot. */
  static open(options: ExchangeTransportOptions = {}): ExchangeTransport {
    addon ??= loadAddon<ExchangeAddon>('netlink_exchange');
    let opened: [object, number, number];
    try {
      opened = addon.open(options.protocol ?? 16, options.recvBufferSize ?? 4 << 20, options.timeoutMs ?? 30_000);
    } catch (err) {
      const e = (err ?? {}) as ExchangeFailure;
      if (typeof e.errno !== 'number') throw err;
      throw TransportError.fromErrno(e.errno, `cannot open a netlink socket: ${String(e.syscall)}`, err);
    }
    return new ExchangeTransport(addon, opened[0], opened[1], opened[2]);
  }

  attach(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  /**
   * Sends `datagram` and reads every answer to it (its last message must carry NLM_F_ACK or
   * NLM_F_DUMP); the answers go to the receiver, as one buffer of datagrams end to end, in a
   * microtask. A failure rejects, after whatever had arrived has been delivered.
   */
  send(datagram: Buffer): Promise<void> {
    let answers: Buffer;
    try {
      answers = this.exchangeBlock(datagram, true);
    } catch (err) {
      const received = err instanceof ExchangeError ? err.received : undefined;
      if (received !== undefined && received.length > 0) queueMicrotask(() => this.receiver?.onDatagram(received));
      return Promise.reject(err);
    }
    queueMicrotask(() => this.receiver?.onDatagram(answers));
    return Promise.resolve();
  }

  /**
   * Runs the requests of `block` (framed netlink messages, each with NLM_F_ACK or NLM_F_DUMP) one
   * after the other, each sent once the previous one is answered in full, and returns every answer,
   * as datagrams end to end. Throws {@link ExchangeError} (with what was received) on failure.
   */
  exchangeEach(block: Buffer): Buffer {
    return this.exchangeBlock(block, false);
  }

  private exchangeBlock(block: Buffer, whole: boolean): Buffer {
    const handle = this.handle;
    if (handle === undefined) throw new TransportError(0, 'exchange: the netlink socket is closed');
    try {
      return this.lib.exchange(handle, block, whole);
    } catch (err) {
      throw toExchangeError(err);
    }
  }

  close(): Promise<void> {
    const handle = this.handle;
    if (handle !== undefined) {
      this.handle = undefined;
      this.lib.close(handle);
    }
    return Promise.resolve();
  }
}

/** Opens a blocking NETLINK_GENERIC socket in the process's network namespace (see {@link ExchangeTransport}). */
export function openExchangeSocket(options: ExchangeTransportOptions = {}): ExchangeTransport {
  return ExchangeTransport.open(options);
}
