/**
 * Request/response over a netlink transport, with many requests in flight.
 *
 * - Every request gets a sequence number; answers are matched to requests by it (a Map seq →
 *   pending), so they may come back in any order.
 * - Non-dump requests always carry NLM_F_ACK: each one ends with an NLMSG_ERROR, errno 0 for
 *   success (after any reply messages, e.g. GET_INFO's), a negative errno for failure, which
 *   rejects with {@link NetlinkRequestError} (extended-ACK text included when the kernel sent one).
 * - Dumps end with NLMSG_DONE (or an NLMSG_ERROR when refused); the multi-part messages before it
 *   are the result.
 * - Consecutive non-dump requests are coalesced into one datagram (the kernel processes every
 *   message of a datagram in order, acknowledging each), up to {@link GenlClientOptions.maxDatagram}.
 * - Acknowledgements elided: a request marked {@link GenlRequest.quietSuccess} that is not the last
 *   of its datagram goes without NLM_F_ACK. The kernel then answers it only when it fails
 *   (netlink_rcv_skb acks a message when NLM_F_ACK is set *or* it failed), and since it handles
 *   a datagram's messages in order, synchronously within sendmsg, and queues their answers on the
 *   socket in that order, the answer to the datagram's last request comes after any failure of
 *   the quiet ones: when it arrives, the quiet requests not failed by then succeeded. A batch of
 *   thousands of operations thus costs one received datagram per sent datagram instead of one per
 *   operation. The receive budget still counts a possible (error) answer for every request.
 * - A bounded window of requests in flight, by count and by the receive-buffer bytes their answers
 *   will take: the kernel queues every acknowledgement on our socket while it processes a datagram,
 *   and drops them (ENOBUFS) when the receive buffer is full. With the `netlink` package (0.3.0) an
 *   overrun is fatal: the socket's pending error makes libuv report POLLERR, which the addon turns
 *   into an uncaught C++ exception ("Error in native callback") that aborts the process. So the
 *   budget is what makes big batches safe, not an optimisation. Costs: see {@link answerCost}.
 * - A dump is a barrier: nothing is sent after it until it ended, so a dump sees exactly the
 *   effects of the requests submitted before it (and the kernel allows one dump per socket).
 * - Family ids are resolved through nlctrl and cached per client (no global state).
 */
import { LvsdError } from '../errors.js';
import { ERRNO, errnoName, strerror } from './errno.js';
import { NetlinkDecodeError } from './errors.js';
import { decodeFamily, encodeGetFamily, type GenlFamily } from './genl-ctrl.js';
import { decodeDone, decodeError, type ExtAck, NLM_F, NLMSG, type NetlinkMessage, parseMessages } from './message.js';
import { readI32, readU16, readU32, writeU16, writeU32 } from './host-order.js';
import { type NetlinkTransport, TransportError } from './transport.js';

/** A request to send: everything but the sequence number and port id, which the client assigns. */
export interface GenlRequest {
  /** nlmsg_type: the family id (GENL_ID_CTRL for nlctrl). */
  readonly type: number;
  /** nlmsg_flags. NLM_F_REQUEST is always added, NLM_F_ACK too unless the request is a dump. */
  readonly flags: number;
  /** The message payload: genlmsghdr + attributes. */
  readonly payload: Buffer;
  /** Short label for error messages, e.g. "IPVS_CMD_NEW_SERVICE". */
  readonly label?: string;
  /**
   * The request is answered by a reply message before its acknowledgement (a doit GET such as
   * IPVS GET_SERVICE, GET_INFO, CTRL_CMD_GETFAMILY): it takes more receive buffer while unread.
   */
  readonly reply?: boolean;
  /**
   * The request is answered by an acknowledgement only, and its success need not be acknowledged
   * on its own: when it is coalesced into a datagram with requests after it, it is sent without
   * NLM_F_ACK, so the kernel answers it only if it fails, and its success is known when the last
   * request of the datagram (always sent with NLM_F_ACK) is answered. See {@link GenlClient}.
   */
  readonly quietSuccess?: boolean;
}

/**
 * Receive-buffer bytes (skb truesize) an acknowledgement may take while unread. Measured through
 * /proc/net/netlink Rmem (test/kernel/ipvs-batch.test.ts): 768 bytes for an IPVS success ACK and
 * for an error ACK echoing a 104-byte request, 1,280 for one echoing a 200-byte request (kernel
 * 6.1; 832 for a small error ACK on 6.18).
 */
export const ACK_COST = 1536;
/**
 * Receive-buffer bytes of a doit reply message. Measured: reply + ACK take 1,536 (GET_INFO) to
 * 2,048 bytes (GET_SERVICE, CTRL_CMD_GETFAMILY) on kernel 6.1; twice that is assumed.
 */
export const REPLY_COST = 4096;

/** The receive-buffer bytes the answers to a request may take while unread (dumps: 0, see below). */
export function answerCost(req: GenlRequest): number {
  // Dumps never overrun: the kernel produces dump messages only while the buffer has room.
  if ((req.flags & NLM_F.DUMP) === NLM_F.DUMP) return 0;
  // An error ACK echoes the request: large requests cost more.
  const ack = Math.max(ACK_COST, 1024 + 2 * (16 + req.payload.length));
  return ack + (req.reply ? REPLY_COST : 0);
}

/** Per-request options. */
export interface GenlRequestOptions {
  /** Abort before sending: a request still queued is dropped and rejects with ECANCELED. */
  readonly signal?: AbortSignal;
}

/** Options of {@link GenlClient}. */
export interface GenlClientOptions {
  /** Most requests in flight (sent, not yet answered). Default 256. */
  readonly window?: number;
  /**
   * Most receive-buffer bytes the answers of the requests in flight may take ({@link answerCost}).
   * Default: half the transport's granted receive buffer (`recvBufferSize`), or 106,496 (half of
   * the 212,992 a socket gets with net.core.rmem_max at its usual default) when unknown. A request
   * is always sent when nothing else is in flight.
   */
  readonly budgetBytes?: number;
  /** Largest datagram to send, in bytes (default 32 KiB; the kernel's limit is SO_SNDBUF - 32). */
  readonly maxDatagram?: number;
  /**
   * Fail the requests in flight with ETIMEDOUT when nothing at all was received for this long
   * while waiting (ms, default 30,000; 0 disables). Answers are counted, not timestamped (a clock
   * read per datagram is a system call in some VMs), so a silence is noticed after one to two
   * times this.
   */
  readonly timeoutMs?: number;
}

/** The kernel refused a request: NLMSG_ERROR (or NLMSG_DONE) with a negative errno. */
export class NetlinkRequestError extends LvsdError {
  constructor(
    /** Positive errno. */
    readonly errno: number,
    /** What was asked, e.g. "IPVS_CMD_NEW_SERVICE" or "nlmsg_type 0x22". */
    readonly request: string,
    /** Extended ACK details when the kernel sent some. */
    readonly extAck?: ExtAck,
  ) {
    const ext = extAck?.message ? ` (${extAck.message})` : '';
    super(errnoName(errno), `${request}: ${strerror(errno)} (${errnoName(errno)})${ext}`);
  }
}

/**
 * A block of requests framed by the caller (see {@link GenlClient.sendFramed}): messages laid end
 * to end in one buffer, each a 16-byte header (filled in by the client) and its padded payload.
 */
export interface FramedRequests {
  /** The messages; their headers are overwritten (length kept, type, flags, seq and pid set). */
  readonly buffer: Buffer;
  /** Number of messages. */
  readonly count: number;
  /** Where message i ends (exclusive); message i starts at ends[i - 1] (or 0). */
  readonly ends: Uint32Array;
  /** nlmsg_type of every message (the family id). */
  readonly type: number;
  /** The longest payload of the block, for the receive budget of possible error answers. */
  readonly maxPayload: number;
}

/** A refused request of a framed block: its index and the error. */
export interface FramedFailure {
  readonly index: number;
  readonly error: Error;
}

interface FramedState {
  readonly req: FramedRequests;
  readonly seqBase: number;
  /** Most requests in flight (their possible answers fit the receive budget). */
  readonly limit: number;
  /** Messages sent so far. */
  sent: number;
  /** Messages settled so far (all before the last answered datagram). */
  settled: number;
  /** Index of the last message of each datagram in flight, oldest first. */
  readonly lasts: number[];
  readonly failures: FramedFailure[];
  readonly resolve: (failures: FramedFailure[]) => void;
}

/**
 * Where {@link GenlClient.dumpFramed} hands each entry of dump `index`: the entry's generic netlink
 * payload (genlmsghdr + attributes) is `datagram[start, end)`, valid only during the call.
 */
export type DumpEntryHandler = (index: number, datagram: Buffer, start: number, end: number) => void;

interface DumpState {
  readonly req: FramedRequests;
  readonly onEntry: DumpEntryHandler;
  /** The dump in progress. */
  index: number;
  /** Its sequence number. */
  seq: number;
  /** Whether all dumps went at once through the transport's exchangeEach (see exchangeDumps). */
  exchanged: boolean;
  readonly resolve: (failure: FramedFailure | undefined) => void;
}

interface Pending {
  readonly req: GenlRequest;
  readonly dump: boolean;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (messages: NetlinkMessage[]) => void;
  readonly reject: (error: Error) => void;
  readonly messages: NetlinkMessage[];
  readonly cost: number;
  seq: number;
  /**
   * The quiet requests (sent without NLM_F_ACK) of the datagram this request ends, which succeed
   * when it is answered; undefined when there are none.
   */
  quiet: Pending[] | undefined;
}

const DEFAULT_WINDOW = 256;
const DEFAULT_MAX_DATAGRAM = 32 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

function label(req: GenlRequest): string {
  return req.label ?? `nlmsg_type 0x${req.type.toString(16)} cmd ${req.payload[0] ?? '?'}`;
}

/** Counters of a client's traffic, for measurements and tests. */
export interface GenlClientStats {
  /** Datagrams sent. */
  datagramsSent: number;
  /** Messages sent. */
  messagesSent: number;
  /** Datagrams received. */
  datagramsReceived: number;
  /** Largest number of requests in flight seen. */
  maxInFlight: number;
  /** Largest receive-buffer cost in flight seen (see answerCost). */
  maxInFlightCost: number;
}

/** A generic netlink client over one transport. */
export class GenlClient {
  private readonly queue: Pending[] = [];
  private readonly inflight = new Map<number, Pending>();
  private readonly families = new Map<string, Promise<GenlFamily>>();
  private readonly window: number;
  private readonly budget: number;
  private inflightCost = 0;
  private readonly maxDatagram: number;
  private readonly timeoutMs: number;
  private nextSeq = 1;
  private barrier: Pending | undefined;
  private pumpScheduled = false;
  private closed = false;
  private busy = false;
  /** When the wait started, or when the timer last saw that something had arrived. */
  private lastActivity = 0;
  /** stats.datagramsReceived when lastActivity was set. */
  private receivedAtCheck = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the timer is referenced (requests in flight) or left over from the last ones. */
  private timerRef = false;
  private framed: FramedState | undefined;
  private dumping: DumpState | undefined;
  /** Traffic counters. */
  readonly stats: GenlClientStats = { datagramsSent: 0, messagesSent: 0, datagramsReceived: 0, maxInFlight: 0, maxInFlightCost: 0 };

  constructor(
    private readonly transport: NetlinkTransport,
    options: GenlClientOptions = {},
  ) {
    this.window = Math.max(1, Math.floor(options.window ?? DEFAULT_WINDOW));
    this.budget = Math.max(1, Math.floor(options.budgetBytes ?? (transport.recvBufferSize ?? 212_992) / 2));
    this.maxDatagram = Math.max(64, Math.floor(options.maxDatagram ?? DEFAULT_MAX_DATAGRAM));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    transport.attach({
      onDatagram: (d) => this.onDatagram(d),
      onError: (e) => this.onTransportError(e),
    });
  }

  /** The transport's port id. */
  get portId(): number {
    return this.transport.portId;
  }

  /** Requests queued or in flight. */
  get pending(): number {
    return this.queue.length + this.inflight.size;
  }

  /**
   * Sends a request; resolves with the messages answering it (reply messages of a doit, the
   * entries of a dump), rejects with {@link NetlinkRequestError} when the kernel refuses it,
   * {@link TransportError} when the socket fails, NetlinkDecodeError on a malformed answer.
   */
  request(req: GenlRequest, options: GenlRequestOptions = {}): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new TransportError(0, `${label(req)}: the netlink client is closed`));
    return new Promise<NetlinkMessage[]>((resolve, reject) => this.enqueue(req, options.signal, resolve, reject));
  }

  /**
   * {@link request} with a callback instead of a promise, for callers that send thousands of
   * requests at once (a batch): `done(undefined, messages)` on success, `done(error)` otherwise,
   * called once, never synchronously.
   */
  submit(req: GenlRequest, done: (error: Error | undefined, messages?: NetlinkMessage[]) => void): void {
    if (this.closed) {
      const err = new TransportError(0, `${label(req)}: the netlink client is closed`);
      queueMicrotask(() => done(err));
      return;
    }
    this.enqueue(
      req,
      undefined,
      (messages) => done(undefined, messages),
      (error) => done(error),
    );
  }

  /**
   * Sends a block of acknowledgement-only requests the caller framed itself (a restore's
   * thousands of IPVS commands, encoded straight into one buffer): consecutive messages go out as
   * slices of the block, each datagram with NLM_F_ACK on its last message only (see the class
   * notes on elided acknowledgements), within the window and receive budget. Resolves, once every
   * message is answered, to the failures in order (a transport failure fails every message not
   * answered by then). The client must be idle (nothing queued or in flight); nothing else is sent
   * until the block is done.
   */
  sendFramed(req: FramedRequests): Promise<FramedFailure[]> {
    if (this.closed) return Promise.reject(new TransportError(0, 'the netlink client is closed'));
    if (this.framed !== undefined || this.queue.length > 0 || this.inflight.size > 0) {
      return Promise.reject(new TransportError(ERRNO.EBUSY, 'sendFramed: the netlink client is busy'));
    }
    if (req.count === 0) return Promise.resolve([]);
    const seqBase = this.seqRange(req.count);
    const cost = Math.max(ACK_COST, 1024 + 2 * (16 + req.maxPayload));
    const limit = Math.max(1, Math.min(this.window, Math.floor(this.budget / cost)));
    return new Promise((resolve) => {
      this.framed = { req, seqBase, limit, sent: 0, settled: 0, lasts: [], failures: [], resolve };
      this.setBusy();
      this.pumpFramed();
    });
  }

  /** Sends the next datagram(s) of the framed block while the window allows. */
  private pumpFramed(): void {
    const f = this.framed;
    if (f === undefined) return;
    const { req } = f;
    const flags = NLM_F.REQUEST;
    while (f.sent < req.count) {
      const inflight = f.sent - f.settled;
      // As pump(): a new datagram once half the window is answered, so datagrams stay large.
      if (inflight > 0 && inflight > f.limit / 2) break;
      const first = f.sent;
      const start = first === 0 ? 0 : req.ends[first - 1]!;
      let last = first;
      const maxEnd = start + this.maxDatagram;
      while (last + 1 < req.count && last + 1 - f.settled < f.limit && req.ends[last + 1]! <= maxEnd) last++;
      let off = start;
      for (let i = first; i <= last; i++) {
        this.frameHeader(req, off, i === last ? flags | NLM_F.ACK : flags, f.seqBase + i);
        off = req.ends[i]!;
      }
      f.sent = last + 1;
      f.lasts.push(last);
      this.stats.datagramsSent++;
      this.stats.messagesSent += last + 1 - first;
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, f.sent - f.settled);
      this.armTimer();
      this.transport.send(req.buffer.subarray(start, off)).catch((e: unknown) => {
        this.failFramed(e instanceof Error ? e : new TransportError(0, String(e)));
      });
    }
  }

  /** Answers to the framed block: failures are recorded, the ACK of a datagram's last message settles it. */
  private onFramedDatagram(f: FramedState, datagram: Buffer): void {
    const n = datagram.length;
    let off = 0;
    while (off + 16 <= n) {
      const len = readU32(datagram, off);
      if (len < 16 || off + len > n) {
        this.failFramed(new NetlinkDecodeError(`malformed netlink message (length ${len} at offset ${off})`));
        return;
      }
      const index = readU32(datagram, off + 8) - f.seqBase;
      if (readU16(datagram, off + 4) === NLMSG.ERROR && index >= 0 && index < f.sent && index >= f.settled) {
        const errno = len >= 20 ? -readI32(datagram, off + 16) : 0;
        if (errno !== 0) f.failures.push({ index, error: new NetlinkRequestError(errno, 'IPVS request') });
        if (index === f.lasts[0]) {
          f.lasts.shift();
          f.settled = index + 1;
        }
      }
      off += (len + 3) & ~3;
    }
    if (f.settled === f.req.count) this.endFramed(f);
    else this.pumpFramed();
  }

  private endFramed(f: FramedState): void {
    this.framed = undefined;
    this.setBusy();
    f.resolve(f.failures);
    if (this.queue.length > 0) this.pump();
  }

  /** Every message of the framed block not answered yet fails with `error`. */
  private failFramed(error: Error): void {
    const f = this.framed;
    if (f === undefined) return;
    // Answered failures first, then the rest in order (sent or not: unknown whether applied).
    const failed = new Set(f.failures.map((x) => x.index));
    for (let i = f.settled; i < f.req.count; i++) if (!failed.has(i)) f.failures.push({ index: i, error });
    f.failures.sort((a, b) => a.index - b.index);
    f.settled = f.req.count;
    this.endFramed(f);
  }

  /**
   * Runs a block of dump requests the caller framed (a listing's GET_DEST for every service), one
   * after the other, since the kernel runs one dump per socket at a time: each is sent from the
   * receive callback as soon as the previous one ended, and the entries of dump i (the messages of
   * type `req.type`) go to `onEntry(i, ...)` as they arrive, with no message object, promise or
   * event-loop turn of their own. Every message goes with NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP
   * (libnl's flags for a dump). Resolves to undefined once all ended, or to the first failure (a
   * refused dump, a throw from `onEntry`, a transport failure): the dumps after it are not sent.
   * The client must be idle, as for {@link sendFramed}.
   */
  dumpFramed(req: FramedRequests, onEntry: DumpEntryHandler): Promise<FramedFailure | undefined> {
    if (this.closed) return Promise.reject(new TransportError(0, 'the netlink client is closed'));
    if (this.framed !== undefined || this.dumping !== undefined || this.queue.length > 0 || this.inflight.size > 0) {
      return Promise.reject(new TransportError(ERRNO.EBUSY, 'dumpFramed: the netlink client is busy'));
    }
    if (req.count === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const d: DumpState = { req, onEntry, index: 0, seq: 0, exchanged: false, resolve };
      this.dumping = d;
      if (this.transport.exchangeEach !== undefined) {
        this.exchangeDumps(d);
        return;
      }
      this.setBusy();
      this.sendDump(d);
    });
  }

  /**
   * dumpFramed over a blocking transport: every dump framed with consecutive sequence numbers, all
   * run in one exchange, and the answers walked as if they had come one datagram at a time.
   */
  private exchangeDumps(d: DumpState): void {
    const { req } = d;
    const seqBase = this.seqRange(req.count);
    let off = 0;
    for (let i = 0; i < req.count; i++) {
      this.frameHeader(req, off, NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP, seqBase + i);
      off = req.ends[i]!;
    }
    d.exchanged = true;
    d.seq = seqBase;
    this.stats.datagramsSent += req.count;
    this.stats.messagesSent += req.count;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, 1);
    let answers: Buffer;
    try {
      answers = this.transport.exchangeEach!(req.buffer.subarray(0, off));
    } catch (e) {
      const received = (e as { received?: unknown }).received;
      if (Buffer.isBuffer(received) && received.length > 0) this.onDumpDatagram(d, received);
      this.endDump(d, { index: d.index, error: e instanceof Error ? e : new TransportError(0, String(e)) });
      return;
    }
    this.stats.datagramsReceived++;
    this.onDumpDatagram(d, answers);
    this.endDump(d, { index: d.index, error: new NetlinkDecodeError('the dump answers ended before the last dump did') });
  }

  /** Sends dump `d.index` of the block. */
  private sendDump(d: DumpState): void {
    const { req } = d;
    const start = d.index === 0 ? 0 : req.ends[d.index - 1]!;
    const end = req.ends[d.index]!;
    let seq = this.nextSeq;
    if (seq === 0) seq = 1;
    this.nextSeq = (seq + 1) >>> 0;
    d.seq = seq;
    this.frameHeader(req, start, NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP, seq);
    this.stats.datagramsSent++;
    this.stats.messagesSent++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, 1);
    this.armTimer();
    this.transport.send(req.buffer.subarray(start, end)).catch((e: unknown) => {
      if (this.dumping === d && d.seq === seq)
        this.endDump(d, { index: d.index, error: e instanceof Error ? e : new TransportError(0, String(e)) });
    });
  }

  /** Answers during {@link dumpFramed}: entries of the current dump to the handler, its end starts the next. */
  private onDumpDatagram(d: DumpState, datagram: Buffer): void {
    const n = datagram.length;
    const type = d.req.type;
    let off = 0;
    while (off + 16 <= n) {
      const len = readU32(datagram, off);
      if (len < 16 || off + len > n) {
        this.endDump(d, { index: d.index, error: new NetlinkDecodeError(`malformed netlink message (length ${len} at offset ${off})`) });
        return;
      }
      if (readU32(datagram, off + 8) === d.seq) {
        const t = readU16(datagram, off + 4);
        if (t === type) {
          try {
            d.onEntry(d.index, datagram, off + 16, off + len);
          } catch (e) {
            this.endDump(d, { index: d.index, error: e instanceof Error ? e : new NetlinkDecodeError(String(e)) });
            return;
          }
        } else if (t === NLMSG.DONE || t === NLMSG.ERROR) {
          const error = dumpEndError(datagram, off, len, d.req);
          if (error !== undefined) {
            this.endDump(d, { index: d.index, error });
            return;
          }
          d.index++;
          if (d.index === d.req.count) {
            this.endDump(d, undefined);
            return;
          }
          if (d.exchanged) d.seq = (d.seq + 1) >>> 0;
          else this.sendDump(d);
        }
      }
      off += (len + 3) & ~3;
    }
  }

  /**
   * The first of `count` consecutive sequence numbers for a framed block (nothing else is in
   * flight then), not wrapping through 0.
   */
  private seqRange(count: number): number {
    let seqBase = this.nextSeq;
    if (seqBase === 0 || seqBase + count > 0xffffffff) seqBase = 1;
    this.nextSeq = (seqBase + count) >>> 0;
    return seqBase;
  }

  /** Completes the header of the framed message at `off` of `req.buffer`: type, `flags`, `seq`, our port id. */
  private frameHeader(req: FramedRequests, off: number, flags: number, seq: number): void {
    const buf = req.buffer;
    writeU16(buf, req.type, off + 4);
    writeU16(buf, flags, off + 6);
    writeU32(buf, seq, off + 8);
    writeU32(buf, this.transport.portId, off + 12);
  }

  private endDump(d: DumpState, failure: FramedFailure | undefined): void {
    if (this.dumping !== d) return;
    this.dumping = undefined;
    this.setBusy();
    d.resolve(failure);
    if (this.queue.length > 0) this.pump();
  }

  private enqueue(
    req: GenlRequest,
    signal: AbortSignal | undefined,
    resolve: (messages: NetlinkMessage[]) => void,
    reject: (error: Error) => void,
  ): void {
    const p: Pending = {
      req,
      dump: (req.flags & NLM_F.DUMP) === NLM_F.DUMP,
      signal,
      resolve,
      reject,
      messages: [],
      cost: answerCost(req),
      seq: 0,
      quiet: undefined,
    };
    if (signal?.aborted) {
      reject(cancelled(req));
      return;
    }
    this.queue.push(p);
    this.setBusy();
    this.schedulePump();
  }

  /** Resolves a generic netlink family by name (CTRL_CMD_GETFAMILY), once per client. */
  resolveFamily(name: string): Promise<GenlFamily> {
    let f = this.families.get(name);
    if (f === undefined) {
      f = this.request({
        type: 0x10,
        flags: NLM_F.REQUEST | NLM_F.ACK,
        payload: getFamilyPayload(name),
        label: `CTRL_CMD_GETFAMILY ${name}`,
        reply: true,
      }).then((messages) => {
        const reply = messages.find((m) => m.header.type === 0x10);
        if (reply === undefined) throw new NetlinkDecodeError(`CTRL_CMD_GETFAMILY ${name}: acknowledged without a family`);
        return decodeFamily(reply);
      });
      // A failed resolution is not cached: the family may appear later (modprobe).
      f.catch(() => this.families.delete(name));
      this.families.set(name, f);
    }
    return f;
  }

  /** Rejects everything pending and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = (p: Pending) => new TransportError(0, `${label(p.req)}: the netlink client was closed`);
    for (const p of this.queue.splice(0)) p.reject(err(p));
    for (const p of this.inflight.values()) p.reject(err(p));
    this.inflight.clear();
    this.inflightCost = 0;
    this.barrier = undefined;
    this.failFramed(new TransportError(0, 'the netlink client was closed'));
    if (this.dumping !== undefined)
      this.endDump(this.dumping, { index: this.dumping.index, error: new TransportError(0, 'the netlink client was closed') });
    this.setBusy();
    await this.transport.close();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // A microtask: requests made in the same tick (a batch) are coalesced into datagrams.
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Whether `p` may be sent now, with `extra` requests (costing `extraCost`) about to be. */
  private fits(p: Pending, extra: number, extraCost: number): boolean {
    const count = this.inflight.size + extra;
    if (count === 0) return true;
    return count < this.window && this.inflightCost + extraCost + p.cost <= this.budget;
  }

  /**
   * Whether a new datagram may start: always when nothing is in flight; otherwise once the answers
   * in flight are down to half the window and half the budget, so that a long queue leaves in
   * large datagrams (one sendmsg each) rather than one datagram per acknowledgement received.
   */
  private mayStart(): boolean {
    const n = this.inflight.size;
    return n === 0 || (n <= this.window / 2 && this.inflightCost <= this.budget / 2);
  }

  private pump(): void {
    while (!this.closed && this.barrier === undefined && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.signal?.aborted) {
        this.queue.shift();
        head.reject(cancelled(head.req));
        continue;
      }
      if (!this.mayStart() || !this.fits(head, 0, 0)) break;
      const batch: Pending[] = [];
      let bytes = 0;
      let cost = 0;
      if (head.dump) {
        this.queue.shift();
        batch.push(head);
        bytes = 16 + ((head.req.payload.length + 3) & ~3);
        this.barrier = head;
      } else {
        while (this.queue.length > 0) {
          const p = this.queue[0]!;
          if (p.dump) break;
          if (p.signal?.aborted) {
            this.queue.shift();
            p.reject(cancelled(p.req));
            continue;
          }
          const len = 16 + ((p.req.payload.length + 3) & ~3);
          if (batch.length > 0 && bytes + len > this.maxDatagram) break;
          if (!this.fits(p, batch.length, cost)) break;
          this.queue.shift();
          batch.push(p);
          bytes += len;
          cost += p.cost;
        }
        if (batch.length === 0) continue;
      }
      // One buffer for the whole datagram: each message framed in place.
      const datagram = Buffer.allocUnsafe(bytes);
      let off = 0;
      const quiet: Pending[] = [];
      const last = batch.length - 1;
      for (let i = 0; i <= last; i++) {
        const p = batch[i]!;
        const elide = i < last && p.req.quietSuccess === true && !p.dump && p.req.reply !== true;
        off = this.frameInto(datagram, off, p, !elide);
        this.inflight.set(p.seq, p);
        if (elide) quiet.push(p);
      }
      if (quiet.length > 0) batch[last]!.quiet = quiet;
      this.inflightCost += cost;
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inflight.size);
      this.stats.maxInFlightCost = Math.max(this.stats.maxInFlightCost, this.inflightCost);
      this.stats.datagramsSent++;
      this.stats.messagesSent += batch.length;
      this.armTimer();
      this.transport.send(datagram).catch((e: unknown) => {
        const err = e instanceof Error ? e : new TransportError(0, String(e));
        for (const p of batch) {
          if (this.inflight.get(p.seq) === p) {
            this.forget(p);
            p.reject(err);
          }
        }
        this.afterSettle();
      });
    }
  }

  /** Removes a request from the in-flight set. */
  private forget(p: Pending): void {
    this.inflight.delete(p.seq);
    this.inflightCost -= p.cost;
    if (this.barrier === p) this.barrier = undefined;
  }

  /**
   * Assigns the next sequence number to `p` and writes its message at `off` (NLM_F_ACK on
   * non-dumps when `ack`); returns the end.
   */
  private frameInto(buf: Buffer, off: number, p: Pending, ack: boolean): number {
    let seq = this.nextSeq;
    while (this.inflight.has(seq) || seq === 0) seq = (seq + 1) >>> 0;
    this.nextSeq = (seq + 1) >>> 0;
    p.seq = seq;
    // nlmsg_len counts the payload's padding, as libnl's (and buildMessage's) do.
    const len = 16 + ((p.req.payload.length + 3) & ~3);
    writeU32(buf, len, off);
    writeU16(buf, p.req.type, off + 4);
    const flags = ack ? NLM_F.REQUEST | p.req.flags | (p.dump ? 0 : NLM_F.ACK) : (NLM_F.REQUEST | p.req.flags) & ~NLM_F.ACK;
    writeU16(buf, flags, off + 6);
    writeU32(buf, seq, off + 8);
    writeU32(buf, this.transport.portId, off + 12);
    const end = off + 16 + p.req.payload.copy(buf, off + 16);
    // allocUnsafe: zero the alignment padding after the payload.
    if (end < off + len) buf.fill(0, end, off + len);
    return off + len;
  }

  private onDatagram(datagram: Buffer): void {
    this.stats.datagramsReceived++;
    if (this.framed !== undefined) {
      this.onFramedDatagram(this.framed, datagram);
      return;
    }
    if (this.dumping !== undefined) {
      this.onDumpDatagram(this.dumping, datagram);
      return;
    }
    // Fast path for the commonest datagram, a lone success ACK (capped: 16 + 4 + 16 bytes).
    if (datagram.length === 36 && readU32(datagram, 0) === 36 && readU16(datagram, 4) === NLMSG.ERROR && readI32(datagram, 16) === 0) {
      const p = this.inflight.get(readU32(datagram, 8));
      if (p !== undefined) this.settle(p, undefined);
      this.afterSettle();
      return;
    }
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(datagram);
    } catch (e) {
      // The datagram cannot be split: whichever requests it answered are lost.
      this.failInflight(e instanceof Error ? e : new NetlinkDecodeError(String(e)));
      return;
    }
    for (const m of messages) {
      const p = this.inflight.get(m.header.seq);
      if (p === undefined) continue; // a late answer to a request that timed out or was failed
      try {
        if (m.header.type === NLMSG.ERROR) {
          const e = decodeError(m);
          if (e.errno === 0) this.settle(p, undefined);
          else this.settle(p, new NetlinkRequestError(e.errno, label(p.req), e.extAck));
        } else if (m.header.type === NLMSG.DONE) {
          const d = decodeDone(m);
          this.settle(p, d.error === 0 ? undefined : new NetlinkRequestError(-d.error, label(p.req), d.extAck));
        } else if (m.header.type === NLMSG.NOOP || m.header.type === NLMSG.OVERRUN) {
          // nothing to do
        } else {
          p.messages.push(m);
        }
      } catch (e) {
        this.settle(p, e instanceof Error ? e : new NetlinkDecodeError(String(e)));
      }
    }
    this.afterSettle();
  }

  private settle(p: Pending, error: Error | undefined): void {
    // The quiet requests of p's datagram were handled before it: those not failed by now
    // succeeded, and settle first, in order.
    const quiet = p.quiet;
    if (quiet !== undefined) {
      p.quiet = undefined;
      for (const q of quiet) {
        if (this.inflight.get(q.seq) === q) {
          this.forget(q);
          q.resolve(q.messages);
        }
      }
    }
    this.forget(p);
    if (error === undefined) p.resolve(p.messages);
    else p.reject(error);
  }

  private afterSettle(): void {
    this.setBusy();
    if (this.queue.length > 0) this.pump();
  }

  private onTransportError(error: TransportError): void {
    // ENOBUFS: the kernel dropped answers; which ones is unknown, so every request in flight
    // fails (each may or may not have been applied). Other receive errors likewise.
    this.failInflight(error);
  }

  private failInflight(error: Error): void {
    this.failFramed(error);
    if (this.dumping !== undefined) this.endDump(this.dumping, { index: this.dumping.index, error });
    const victims = [...this.inflight.values()];
    this.inflight.clear();
    this.inflightCost = 0;
    this.barrier = undefined;
    for (const p of victims) p.reject(error);
    this.afterSettle();
  }

  private setBusy(): void {
    const busy =
      !this.closed && (this.queue.length > 0 || this.inflight.size > 0 || this.framed !== undefined || this.dumping !== undefined);
    if (busy !== this.busy) {
      this.busy = busy;
      this.transport.setBusy?.(busy);
    }
    // Idle: the timer stays (unreferenced, so it keeps nothing alive) for the next request rather
    // than being cleared and set again for each of a thousand sequential dumps.
    if (!busy && this.timer !== undefined) {
      if (this.closed) {
        clearTimeout(this.timer);
        this.timer = undefined;
      } else if (this.timerRef) {
        this.timer.unref();
        this.timerRef = false;
      }
    }
  }

  private armTimer(): void {
    if (this.timeoutMs <= 0) return;
    if (this.timer !== undefined) {
      if (!this.timerRef) {
        // Idle until now: the wait starts with this send.
        this.lastActivity = Date.now();
        this.receivedAtCheck = this.stats.datagramsReceived;
        this.timer.ref();
        this.timerRef = true;
      }
      return;
    }
    // Idle until now: the wait starts with this send. Otherwise progress counts from the last answer.
    this.lastActivity = Date.now();
    this.receivedAtCheck = this.stats.datagramsReceived;
    this.timer = setTimeout(() => this.onTimer(), this.timeoutMs);
    this.timerRef = true;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerRef = false;
    if (this.inflight.size === 0 && this.framed === undefined && this.dumping === undefined) return;
    const now = Date.now();
    // Something arrived since the last look: the silence counts from now.
    if (this.stats.datagramsReceived !== this.receivedAtCheck) {
      this.receivedAtCheck = this.stats.datagramsReceived;
      this.lastActivity = now;
    }
    const idle = now - this.lastActivity;
    if (idle >= this.timeoutMs) {
      this.failInflight(
        new TransportError(
          ERRNO.ETIMEDOUT,
          `no answer from the kernel for ${Math.round(idle / 1000)} s (${this.inflight.size + (this.framed ? this.framed.sent - this.framed.settled : 0) + (this.dumping ? 1 : 0)} request(s) in flight)`,
        ),
      );
    } else {
      this.timer = setTimeout(() => this.onTimer(), this.timeoutMs - idle);
      this.timerRef = true;
    }
  }
}

/**
 * The error an NLMSG_DONE or NLMSG_ERROR ending a framed dump carries (undefined: the dump ended
 * well), decoded as {@link GenlClient.request} decodes it; the message is `datagram[off, off + len)`.
 */
function dumpEndError(datagram: Buffer, off: number, len: number, req: FramedRequests): Error | undefined {
  const what = `nlmsg_type 0x${req.type.toString(16)} dump`;
  // The common end: a bare NLMSG_DONE with error 0.
  if (len === 20 && readU16(datagram, off + 4) === NLMSG.DONE && readI32(datagram, off + 16) === 0) return undefined;
  try {
    const m = parseMessages(datagram.subarray(off, off + len))[0]!;
    if (m.header.type === NLMSG.DONE) {
      const done = decodeDone(m);
      return done.error === 0 ? undefined : new NetlinkRequestError(-done.error, what, done.extAck);
    }
    const e = decodeError(m);
    return e.errno === 0 ? undefined : new NetlinkRequestError(e.errno, what, e.extAck);
  } catch (e) {
    return e instanceof Error ? e : new NetlinkDecodeError(String(e));
  }
}

function cancelled(req: GenlRequest): TransportError {
  return new TransportError(ERRNO.ECANCELED, `${label(req)}: cancelled before it was sent`);
}

/** genlmsghdr + attributes of CTRL_CMD_GETFAMILY (the framing comes from the client). */
function getFamilyPayload(name: string): Buffer {
  return encodeGetFamily(name, { seq: 0 }).subarray(16);
}
