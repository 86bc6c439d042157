/**
 * The NetlinkTransport face of the IPVS model: a fake generic netlink socket whose kernel side is
 * the model (ipvs-model-genl.ts). As on a real socket, every message of a datagram is processed
 * during the send and the answers arrive later, in one delivery round (a setImmediate), in order.
 * Knobs reorder deliveries, split dumps, limit the receive buffer (ENOBUFS), stay silent, or behave
 * like the blocking socket lvsadm uses (src/netlink/exchange-transport.ts).
 */
import { ERRNO } from '../../src/netlink/errno.js';
import { type NetlinkMessage, parseMessages } from '../../src/netlink/message.js';
import { type NetlinkTransport, TransportError, type TransportReceiver } from '../../src/netlink/transport.js';
import type { IpvsExecutor } from './ipvs-model-calls.js';
import { answerGenl, type GenlKernelOptions } from './ipvs-model-genl.js';

/** Options of a model transport (model.transport()). */
export interface IpvsTransportOptions {
  /** IPVS family id (default 0x22). */
  familyId?: number;
  /** No IPVS family: GETFAMILY "IPVS" answers ENOENT (may be changed while open). */
  noIpvs?: boolean;
  /** Port id of the socket (default: 0x4242 for the model's first socket, then the next ones). */
  portId?: number;
  /**
   * Deliver the answers to different requests in reverse order (per delivery round); the answers
   * to one request keep their order, as on a real socket.
   */
  reverse?: boolean;
  /** Entries per dump datagram (default 3). */
  dumpChunk?: number;
  /**
   * Receive buffer capacity in undelivered answer datagrams (acks and replies); beyond it the
   * kernel drops them and reports ENOBUFS once, like netlink_overrun. Default unlimited.
   */
  rcvCapacity?: number;
  /** Never answer (to test timeouts); requests are still recorded, not applied. */
  silent?: boolean;
  /** Extended-ACK text to attach to error answers. */
  extAckMessage?: string;
  /**
   * Behave like the blocking transport (src/netlink/exchange-transport.ts): a send's answers come
   * all at once, in a microtask, and exchangeEach runs a block of requests one by one.
   */
  blocking?: boolean;
}

/** One fake socket on the model. */
export class IpvsModelTransport implements NetlinkTransport {
  readonly portId: number;
  readonly familyId: number;
  /** Every datagram sent, in order. */
  readonly sent: Buffer[] = [];
  /** Every message sent, in order. */
  readonly requests: NetlinkMessage[] = [];
  busy = false;
  busyChanges = 0;
  /** Closed by close() or break(): sends fail as on a closed socket. */
  closed = false;
  /** Largest number of undelivered answer datagrams seen. */
  maxBacklog = 0;
  /** Number of answers dropped for lack of receive buffer. */
  dropped = 0;
  /** Present with `blocking`: the answers to each request of `block` in turn, end to end. */
  readonly exchangeEach?: (block: Buffer) => Buffer;

  /** Answers not yet delivered (each a datagram). */
  private readonly rx: Buffer[] = [];
  /** Index in rx where each request's answers start (for `reverse`). */
  private readonly groups: number[] = [];
  private overrun = false;
  private receiver: TransportReceiver | undefined;
  private scheduled = false;

  constructor(
    private readonly model: IpvsExecutor,
    readonly options: IpvsTransportOptions,
    defaultPortId: number,
  ) {
    this.portId = options.portId ?? defaultPortId;
    this.familyId = options.familyId ?? 0x22;
    if (options.blocking) {
      this.exchangeEach = (block) => {
        this.throwIfClosed();
        const answers: Buffer[] = [];
        for (const m of parseMessages(block)) answers.push(this.answerSync(rawOf(block, m)));
        return Buffer.concat(answers);
      };
    }
  }

  attach(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  setBusy(busy: boolean): void {
    if (busy !== this.busy) this.busyChanges++;
    this.busy = busy;
  }

  /** Closes the socket; answers not yet delivered are discarded. */
  async close(): Promise<void> {
    this.closed = true;
    this.discard();
  }

  /**
   * Breaks the socket under its user: answers not yet delivered are lost, the receiver gets an
   * error (a closed socket's, or `errno`'s as a receive error) so requests in flight fail, and
   * every later send fails as on a closed socket.
   */
  break(errno?: number): void {
    this.closed = true;
    this.discard();
    this.receiver?.onError(
      errno === undefined ? new TransportError(0, 'recvmsg: the netlink socket is closed') : TransportError.fromErrno(errno, 'recvmsg'),
    );
  }

  send(datagram: Buffer): Promise<void> {
    try {
      this.throwIfClosed();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.options.blocking) {
      const answers = this.answerSync(datagram);
      if (answers.length > 0) queueMicrotask(() => this.receiver?.onDatagram(answers));
      return Promise.resolve();
    }
    this.sent.push(Buffer.from(datagram));
    // Like the kernel: every message of the datagram is processed during sendmsg.
    for (const m of parseMessages(datagram)) {
      this.requests.push(m);
      this.groups.push(this.rx.length);
      if (!this.options.silent) this.process(m, rawOf(datagram, m));
    }
    this.schedule();
    return Promise.resolve();
  }

  /** Delivers something unsolicited (tests of stale or unknown answers). */
  inject(datagram: Buffer): void {
    this.rx.push(datagram);
    this.schedule();
  }

  /** Reports a receive error to the client (e.g. ENOBUFS); the socket stays usable. */
  fail(errno: number): void {
    this.receiver?.onError(TransportError.fromErrno(errno, 'recvmsg'));
  }

  /** Processes `datagram` as send does and returns its answers (end to end) instead of delivering them. */
  private answerSync(datagram: Buffer): Buffer {
    this.sent.push(Buffer.from(datagram));
    for (const m of parseMessages(datagram)) {
      this.requests.push(m);
      if (!this.options.silent) this.process(m, rawOf(datagram, m));
    }
    this.groups.length = 0;
    return Buffer.concat(this.rx.splice(0));
  }

  private throwIfClosed(): void {
    if (this.closed) throw new TransportError(0, `${this.options.blocking ? 'exchange' : 'send'}: the netlink socket is closed`);
  }

  private discard(): void {
    this.rx.length = 0;
    this.groups.length = 0;
    this.overrun = false;
  }

  private process(m: NetlinkMessage, raw: Buffer): void {
    const kernel: GenlKernelOptions = {
      familyId: this.familyId,
      noIpvs: this.options.noIpvs === true,
      dumpChunk: this.options.dumpChunk ?? 3,
      extAckMessage: this.options.extAckMessage,
    };
    for (const a of answerGenl(this.model, kernel, m, raw)) this.push(a.datagram, a.droppable);
  }

  private push(datagram: Buffer, droppable: boolean): void {
    const cap = this.options.rcvCapacity;
    if (droppable && cap !== undefined && this.rx.length >= cap) {
      this.dropped++;
      this.overrun = true;
      return;
    }
    this.rx.push(datagram);
    this.maxBacklog = Math.max(this.maxBacklog, this.rx.length);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      let batch = this.rx.splice(0);
      const starts = this.groups.splice(0);
      if (this.options.reverse) {
        const groups = starts.map((start, i) => batch.slice(start, starts[i + 1] ?? batch.length));
        batch = [...batch.slice(0, starts[0] ?? batch.length), ...groups.reverse().flat()];
      }
      if (this.overrun) {
        this.overrun = false;
        this.fail(ERRNO.ENOBUFS);
      }
      for (const d of batch) this.receiver?.onDatagram(d);
    });
  }
}

/** The bytes of message `m` within `datagram`. */
function rawOf(datagram: Buffer, m: NetlinkMessage): Buffer {
  const off = m.payload.byteOffset - datagram.byteOffset - 16;
  return datagram.subarray(off, off + m.header.len);
}
