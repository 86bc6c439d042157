/**
 * A fake kernel behind a NetlinkTransport: nlctrl (GETFAMILY) and an in-memory IPVS answering as
 * ip_vs_ctl.c does (errno choices, reply layouts from src/ipvs/reply-builders.ts), plus knobs to
 * reorder deliveries, split dumps over datagrams, limit the receive buffer (ENOBUFS) and stall.
 */
import { canonicalAddress } from '../../../src/ipvs/addr.js';
import {
  decodeIpvsRequest,
  encodeDaemonReply,
  encodeDestReply,
  encodeInfoReply,
  encodeServiceReply,
  encodeTimeoutsReply,
  frameReply,
  type RequestDest,
  type RequestService,
} from '../../../src/ipvs/codec.js';
import { IP_VS_SVC_F, IPVS_CMD } from '../../../src/ipvs/constants.js';
import type { DaemonConfig, Destination, Service, ServiceKey, Stats, Timeouts } from '../../../src/ipvs/types.js';
import { parseAttrs } from '../../../src/netlink/attrs.js';
import { CTRL_ATTR, CTRL_CMD, encodeFamilyReply, GENL_ID_CTRL } from '../../../src/netlink/genl-ctrl.js';
import { buildDone, buildError, decodeGenlhdr, NLM_F, type NetlinkMessage, parseMessages } from '../../../src/netlink/message.js';
import { type NetlinkTransport, TransportError, type TransportReceiver } from '../../../src/netlink/transport.js';

const E = { ENOENT: 2, ESRCH: 3, EEXIST: 17, EINVAL: 22, ENOBUFS: 105 } as const;

export interface FakeKernelOptions {
  /** IPVS family id (default 0x22); undefined family = no IPVS. */
  familyId?: number;
  /** No IPVS family: GETFAMILY "IPVS" answers ENOENT. */
  noIpvs?: boolean;
  /** Port id of the fake socket. */
  portId?: number;
  /**
   * Deliver the answers to different requests in reverse order (per delivery round); the answers
   * to one request keep their order, as on a real socket.
   */
  reverse?: boolean;
  /** Entries per dump datagram (default 3). */
  dumpChunk?: number;
  /**
   * Receive buffer capacity in undelivered answer datagrams (acks/replies); beyond it the kernel
   * drops them and reports ENOBUFS once, like netlink_overrun. Default unlimited.
   */
  rcvCapacity?: number;
  /** Never answer (to test timeouts). */
  silent?: boolean;
  /** Extended-ACK text to attach to error answers. */
  extAckMessage?: string;
  /** Schedulers the fake knows (others: ENOENT). */
  schedulers?: readonly string[];
  /**
   * Behave like the blocking transport (src/netlink/exchange-transport.ts): a send's answers come
   * all at once, in a microtask, and exchangeEach runs a block of requests one by one.
   */
  blocking?: boolean;
}

const ZERO: Stats = {
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
};

export function keyString(key: ServiceKey): string {
  return 'fwmark' in key ? `fwm/${key.family}/${key.fwmark}` : `${key.protocol}/${canonicalAddress(key.address)}/${key.port}`;
}

interface SvcState {
  svc: Service;
  dests: Map<string, Destination>;
}

/** The fake kernel; also the transport its client uses. */
export class FakeKernel implements NetlinkTransport {
  readonly portId: number;
  readonly familyId: number;
  /** Every datagram sent by the client, in order. */
  readonly sent: Buffer[] = [];
  /** Every message sent by the client, in order. */
  readonly requests: NetlinkMessage[] = [];
  readonly services = new Map<string, SvcState>();
  readonly daemons = new Map<string, DaemonConfig>();
  timeouts: Timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  /** Answers not yet delivered (each a datagram). */
  private readonly rx: Buffer[] = [];
  /** Index in rx where each request's answers start (for `reverse`). */
  private readonly groups: number[] = [];
  private overrun = false;
  private receiver: TransportReceiver | undefined;
  private scheduled = false;
  busy = false;
  busyChanges = 0;
  closed = false;
  /** Largest number of undelivered answer datagrams seen. */
  maxBacklog = 0;
  /** Number of answers dropped for lack of receive buffer. */
  dropped = 0;

  /** Present with `blocking`: the answers to each request of `block` in turn, end to end. */
  readonly exchangeEach?: (block: Buffer) => Buffer;

  constructor(readonly options: FakeKernelOptions = {}) {
    this.portId = options.portId ?? 0x4242;
    this.familyId = options.familyId ?? 0x22;
    if (options.blocking) {
      this.exchangeEach = (block) => {
        if (this.closed) throw new TransportError(9, 'closed');
        const answers: Buffer[] = [];
        for (const m of parseMessages(block)) {
          const off = m.payload.byteOffset - block.byteOffset - 16;
          answers.push(this.answerSync(block.subarray(off, off + m.header.len)));
        }
        return Buffer.concat(answers);
      };
    }
  }

  /** Processes `datagram` as send does, and returns its answers (end to end) instead of delivering them. */
  answerSync(datagram: Buffer): Buffer {
    this.sent.push(Buffer.from(datagram));
    for (const m of parseMessages(datagram)) {
      this.requests.push(m);
      const off = m.payload.byteOffset - datagram.byteOffset - 16;
      if (!this.options.silent) this.process(m, datagram.subarray(off, off + m.header.len));
    }
    this.groups.length = 0;
    return Buffer.concat(this.rx.splice(0));
  }

  attach(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  setBusy(busy: boolean): void {
    if (busy !== this.busy) this.busyChanges++;
    this.busy = busy;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  send(datagram: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError(9, 'closed'));
    if (this.options.blocking) {
      const answers = this.answerSync(datagram);
      if (answers.length > 0) queueMicrotask(() => this.receiver?.onDatagram(answers));
      return Promise.resolve();
    }
    this.sent.push(Buffer.from(datagram));
    // Like the kernel: every message of the datagram is processed during sendmsg.
    for (const m of parseMessages(datagram)) {
      this.requests.push(m);
      const off = m.payload.byteOffset - datagram.byteOffset - 16;
      this.groups.push(this.rx.length);
      if (!this.options.silent) this.process(m, datagram.subarray(off, off + m.header.len));
    }
    this.schedule();
    return Promise.resolve();
  }

  /** Delivers something unsolicited (tests of stale/unknown answers). */
  inject(datagram: Buffer): void {
    this.rx.push(datagram);
    this.schedule();
  }

  /** Reports a receive error to the client (e.g. ENOBUFS). */
  fail(errno: number): void {
    this.receiver?.onError(TransportError.fromErrno(errno, 'recvmsg'));
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
        this.fail(E.ENOBUFS);
      }
      for (const d of batch) this.receiver?.onDatagram(d);
    });
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

  private ack(raw: Buffer, errno: number): void {
    const opts = errno !== 0 && this.options.extAckMessage ? { extAckMessage: this.options.extAckMessage } : {};
    this.push(buildError(raw, -errno, opts), true);
  }

  private reply(m: NetlinkMessage, payload: Buffer, multi: boolean, type = this.familyId): Buffer {
    return frameReply(payload, { familyId: type, seq: m.header.seq, pid: m.header.pid, multi });
  }

  private dump(m: NetlinkMessage, payloads: Buffer[]): void {
    const chunk = this.options.dumpChunk ?? 3;
    for (let i = 0; i < payloads.length; i += chunk) {
      this.rx.push(Buffer.concat(payloads.slice(i, i + chunk).map((p) => this.reply(m, p, true))));
    }
    this.rx.push(buildDone(m.header.seq, m.header.pid));
  }

  private process(m: NetlinkMessage, raw: Buffer): void {
    const req = raw;
    if (m.header.type === GENL_ID_CTRL) {
      const genl = decodeGenlhdr(m.payload);
      const attrs = parseAttrs(m.payload.subarray(4));
      const name = attrs.getString(CTRL_ATTR.FAMILY_NAME);
      if (genl.cmd !== CTRL_CMD.GETFAMILY || name !== 'IPVS' || this.options.noIpvs) {
        this.ack(req, E.ENOENT);
        return;
      }
      const fam = encodeFamilyReply(
        { id: this.familyId, name: 'IPVS', version: 1, hdrsize: 0, maxattr: 6, ops: [{ id: 1, flags: 0xb }], mcastGroups: [] },
        { seq: m.header.seq, pid: m.header.pid },
      );
      this.push(fam, true);
      this.ack(req, 0);
      return;
    }
    if (m.header.type !== this.familyId) {
      this.ack(req, E.EINVAL);
      return;
    }
    const dumpReq = (m.header.flags & NLM_F.DUMP) === NLM_F.DUMP;
    const r = decodeIpvsRequest(m.payload);
    const errno = this.apply(m, r.cmd, r.service, r.dest, r, dumpReq);
    if (errno === undefined) return; // a dump, answered already
    if (errno !== 0 || (m.header.flags & NLM_F.ACK) !== 0) this.ack(req, errno);
  }

  private findSvc(s: RequestService | undefined): SvcState | undefined {
    return s === undefined ? undefined : this.services.get(keyString(s.key));
  }

  /** Applies one IPVS command; returns the errno to acknowledge with, or undefined for a dump. */
  private apply(
    m: NetlinkMessage,
    cmd: number,
    s: RequestService | undefined,
    d: RequestDest | undefined,
    r: ReturnType<typeof decodeIpvsRequest>,
    dumpReq: boolean,
  ): number | undefined {
    const schedulers = this.options.schedulers ?? ['rr', 'wrr', 'lc', 'wlc', 'sh', 'mh'];
    switch (cmd) {
      case IPVS_CMD.NEW_SERVICE: {
        if (s === undefined) return E.EINVAL;
        if (this.findSvc(s)) return E.EEXIST;
        if (!schedulers.includes(s.scheduler ?? '')) return E.ENOENT;
        const svc: Service = {
          key: s.key,
          scheduler: s.scheduler ?? '',
          flags: ((s.flags ?? 0) | IP_VS_SVC_F.HASHED) >>> 0,
          timeout: s.timeout ?? 0,
          netmask: s.netmask ?? 0,
          ...(s.peName ? { peName: s.peName } : {}),
          stats: ZERO,
          stats64: ZERO,
        };
        this.services.set(keyString(s.key), { svc, dests: new Map() });
        return 0;
      }
      case IPVS_CMD.SET_SERVICE: {
        const st = this.findSvc(s);
        if (!st || !s) return E.ESRCH;
        st.svc = { ...st.svc, scheduler: s.scheduler ?? '', flags: ((s.flags ?? 0) | IP_VS_SVC_F.HASHED) >>> 0, timeout: s.timeout ?? 0 };
        return 0;
      }
      case IPVS_CMD.DEL_SERVICE: {
        if (!this.findSvc(s) || !s) return E.ESRCH;
        this.services.delete(keyString(s.key));
        return 0;
      }
      case IPVS_CMD.GET_SERVICE: {
        if (dumpReq) {
          this.dump(
            m,
            [...this.services.values()].map((x) => encodeServiceReply(x.svc)),
          );
          return undefined;
        }
        const st = this.findSvc(s);
        if (!st) return E.ESRCH;
        this.push(this.reply(m, encodeServiceReply(st.svc), false), true);
        return 0;
      }
      case IPVS_CMD.NEW_DEST:
      case IPVS_CMD.SET_DEST:
      case IPVS_CMD.DEL_DEST: {
        const st = this.findSvc(s);
        if (!st || !d) return E.ESRCH;
        const dk = `${canonicalAddress(d.address)}/${d.port}`;
        const have = st.dests.get(dk);
        if (cmd === IPVS_CMD.NEW_DEST && have) return E.EEXIST;
        if (cmd !== IPVS_CMD.NEW_DEST && !have) return E.ENOENT;
        if (cmd === IPVS_CMD.DEL_DEST) {
          st.dests.delete(dk);
          return 0;
        }
        const family = d.address.includes(':') ? 'ipv6' : 'ipv4';
        st.dests.set(dk, {
          family,
          address: canonicalAddress(d.address),
          port: d.port,
          forwarding: d.forwarding ?? 'masq',
          weight: d.weight ?? 0,
          upperThreshold: d.upperThreshold ?? 0,
          lowerThreshold: d.lowerThreshold ?? 0,
          tunnelType: d.tunnelType ?? 'ipip',
          tunnelPort: d.tunnelPort ?? 0,
          tunnelCsum: d.tunnelCsum ?? 'nocsum',
          activeConns: 0,
          inactiveConns: 0,
          persistentConns: 0,
          stats: ZERO,
          stats64: ZERO,
        });
        return 0;
      }
      case IPVS_CMD.GET_DEST: {
        const st = this.findSvc(s);
        this.dump(m, st ? [...st.dests.values()].map((x) => encodeDestReply(x)) : []);
        return undefined;
      }
      case IPVS_CMD.NEW_DAEMON: {
        const dm = r.daemon;
        if (!dm) return E.EINVAL;
        if (this.daemons.has(dm.state)) return E.EEXIST;
        this.daemons.set(dm.state, {
          state: dm.state,
          mcastIfn: dm.mcastIfn ?? '',
          syncId: dm.syncId ?? 0,
          syncMaxlen: dm.syncMaxlen || 1472,
          mcastGroup: dm.mcastGroup ?? '224.0.0.81',
          mcastPort: dm.mcastPort || 8848,
          mcastTtl: dm.mcastTtl || 1,
        });
        return 0;
      }
      case IPVS_CMD.DEL_DAEMON: {
        const dm = r.daemon;
        if (!dm || !this.daemons.has(dm.state)) return E.ESRCH;
        this.daemons.delete(dm.state);
        return 0;
      }
      case IPVS_CMD.GET_DAEMON:
        this.dump(
          m,
          [...this.daemons.values()].map((x) => encodeDaemonReply(x)),
        );
        return undefined;
      case IPVS_CMD.SET_CONFIG: {
        const t = r.timeouts ?? {};
        this.timeouts = { tcp: t.tcp || this.timeouts.tcp, tcpFin: t.tcpFin || this.timeouts.tcpFin, udp: t.udp || this.timeouts.udp };
        return 0;
      }
      case IPVS_CMD.GET_CONFIG:
        this.push(this.reply(m, encodeTimeoutsReply(this.timeouts), false), true);
        return 0;
      case IPVS_CMD.GET_INFO:
        this.push(this.reply(m, encodeInfoReply({ versionCode: 0x010201, connTabSize: 4096 }), false), true);
        return 0;
      case IPVS_CMD.ZERO:
        if (s !== undefined && !this.findSvc(s)) return E.ESRCH;
        return 0;
      case IPVS_CMD.FLUSH:
        this.services.clear();
        return 0;
      default:
        return E.EINVAL;
    }
  }
}
