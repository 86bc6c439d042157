import { describe, expect, it } from 'vitest';
import { AttrWriter } from '../../../src/netlink/attrs.js';
import { ACK_COST, answerCost, GenlClient, NetlinkRequestError, REPLY_COST } from '../../../src/netlink/genl-client.js';
import { encodeFamilyReply, GENL_ID_CTRL } from '../../../src/netlink/genl-ctrl.js';
import {
  buildDone,
  buildError,
  buildMessage,
  encodeGenlhdr,
  NLM_F,
  type NetlinkMessage,
  parseMessages,
} from '../../../src/netlink/message.js';
import { type NetlinkTransport, TransportError, type TransportReceiver } from '../../../src/netlink/transport.js';
import { IpvsModel, type IpvsTransportOptions } from '../../support/ipvs-model.js';

/** A transport the test drives by hand: it records what is sent and delivers what the test says. */
class Scripted implements NetlinkTransport {
  readonly portId = 777;
  readonly sent: Buffer[] = [];
  receiver: TransportReceiver | undefined;
  busy: boolean[] = [];
  closed = false;
  failSend: TransportError | undefined;
  attach(r: TransportReceiver): void {
    this.receiver = r;
  }
  send(d: Buffer): Promise<void> {
    if (this.failSend) return Promise.reject(this.failSend);
    this.sent.push(Buffer.from(d));
    return Promise.resolve();
  }
  setBusy(b: boolean): void {
    this.busy.push(b);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** Every message sent so far. */
  messages(): NetlinkMessage[] {
    return this.sent.flatMap((d) => parseMessages(d));
  }
  deliver(...datagrams: Buffer[]): void {
    for (const d of datagrams) this.receiver?.onDatagram(d);
  }
  /** The raw bytes of the n-th sent message. */
  raw(n: number): Buffer {
    const all = this.sent.flatMap((d) => {
      const out: Buffer[] = [];
      for (let off = 0; off < d.length; ) {
        const len = d.readUInt32LE(off);
        out.push(d.subarray(off, off + len));
        off += (len + 3) & ~3;
      }
      return out;
    });
    const m = all[n];
    if (!m) throw new Error(`no message ${n}`);
    return m;
  }
}

const FAMILY = 0x30;
/** A fake socket on a model of its own (the IPVS model's kernel side). */
const kernel = (options?: IpvsTransportOptions) => new IpvsModel().transport(options);
const tick = () => new Promise((r) => setImmediate(r));

function payload(cmd: number, value?: number): Buffer {
  const attrs = value === undefined ? Buffer.alloc(0) : new AttrWriter().u32(1, value).finish();
  return Buffer.concat([encodeGenlhdr({ cmd, version: 1, reserved: 0 }), attrs]);
}

function replyTo(req: NetlinkMessage, cmd: number, value: number, multi = false): Buffer {
  return buildMessage({ type: FAMILY, flags: multi ? NLM_F.MULTI : 0, seq: req.header.seq, pid: req.header.pid }, payload(cmd, value));
}

function attrValue(m: NetlinkMessage): number {
  return m.payload.readUInt32LE(8);
}

describe('GenlClient: framing', () => {
  it('assigns increasing sequence numbers, its port id, REQUEST|ACK (no ACK on dumps)', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    void c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    void c.request({ type: FAMILY, flags: NLM_F.DUMP, payload: payload(2) });
    await tick();
    const [a, b] = t.messages();
    expect(a?.header).toMatchObject({ type: FAMILY, flags: NLM_F.REQUEST | NLM_F.ACK, pid: 777 });
    expect(b?.header).toMatchObject({ type: FAMILY, flags: NLM_F.REQUEST | NLM_F.DUMP, pid: 777 });
    expect(b!.header.seq).toBe(a!.header.seq + 1);
  });
});

describe('GenlClient: matching answers by sequence number', () => {
  it('resolves each request with its own reply when answers come back out of order', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const ps = [10, 20, 30].map((v) => c.request({ type: FAMILY, flags: 0, payload: payload(5, v) }));
    await tick();
    const reqs = t.messages();
    expect(reqs).toHaveLength(3);
    // Answers in reverse order, each a reply then the ack.
    for (const r of [...reqs].reverse()) t.deliver(Buffer.concat([replyTo(r, 6, attrValue(r) + 1), buildError(t.raw(reqs.indexOf(r)), 0)]));
    const out = await Promise.all(ps);
    expect(out.map((ms) => ms.map(attrValue))).toEqual([[11], [21], [31]]);
  });

  it('ignores answers to unknown sequence numbers', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(5) });
    await tick();
    const [r] = t.messages();
    t.deliver(buildError(Buffer.from(buildMessage({ type: FAMILY, flags: 5, seq: r!.header.seq + 100, pid: 777 }, payload(5))), -17));
    t.deliver(buildError(t.raw(0), 0));
    await expect(p).resolves.toEqual([]);
  });

  it('collects a multi-part dump spread over datagrams until NLMSG_DONE', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: NLM_F.DUMP, payload: payload(2) });
    await tick();
    const [r] = t.messages();
    t.deliver(Buffer.concat([replyTo(r!, 3, 1, true), replyTo(r!, 3, 2, true)]));
    t.deliver(replyTo(r!, 3, 3, true));
    t.deliver(Buffer.concat([replyTo(r!, 3, 4, true), buildDone(r!.header.seq, 777)]));
    expect((await p).map(attrValue)).toEqual([1, 2, 3, 4]);
  });

  it('rejects a dump whose NLMSG_DONE carries an error', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: NLM_F.DUMP, payload: payload(2) });
    await tick();
    t.deliver(buildDone(t.messages()[0]!.header.seq, 777, -16));
    await expect(p).rejects.toMatchObject({ code: 'EBUSY', errno: 16 });
  });
});

/** Three dump requests framed end to end (payload: cmd 2 with the attribute value i). */
function block() {
  const parts = [0, 1, 2].map((i) => buildMessage({ type: 0, flags: 0, seq: 0, pid: 0 }, payload(2, i)));
  let end = 0;
  const ends = Uint32Array.from(parts, (p) => (end += p.length));
  return { buffer: Buffer.concat(parts), count: 3, ends, type: FAMILY, maxPayload: 12 };
}

describe('GenlClient: dumpFramed', () => {
  it('sends each dump once the previous one ended and hands every entry on in place', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const got: Array<[number, number]> = [];
    const p = c.dumpFramed(block(), (index, d, start, end) => {
      expect(end - start).toBe(12);
      got.push([index, d.readUInt32LE(start + 8)]);
    });
    await tick();
    expect(t.messages()).toHaveLength(1);
    const r0 = t.messages()[0]!;
    expect(r0.header).toMatchObject({ type: FAMILY, flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP, pid: 777 });
    expect(attrValue(r0)).toBe(0);
    t.deliver(Buffer.concat([replyTo(r0, 3, 10, true), replyTo(r0, 3, 11, true)]));
    t.deliver(buildDone(r0.header.seq, 777));
    await tick();
    const r1 = t.messages()[1]!;
    expect(attrValue(r1)).toBe(1);
    expect(r1.header.seq).not.toBe(r0.header.seq);
    // A late message of the first dump is ignored; the second dump is empty.
    t.deliver(Buffer.concat([replyTo(r0, 3, 99, true), buildDone(r1.header.seq, 777)]));
    await tick();
    const r2 = t.messages()[2]!;
    t.deliver(Buffer.concat([replyTo(r2, 3, 20, true), buildDone(r2.header.seq, 777)]));
    await expect(p).resolves.toBeUndefined();
    expect(got).toEqual([
      [0, 10],
      [0, 11],
      [2, 20],
    ]);
    expect(t.busy.at(-1)).toBe(false);
  });

  it('stops at the first refused dump, and at a throw of the handler', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.dumpFramed(block(), () => {});
    await tick();
    t.deliver(buildDone(t.messages()[0]!.header.seq, 777));
    await tick();
    t.deliver(buildDone(t.messages()[1]!.header.seq, 777, -3));
    await expect(p).resolves.toMatchObject({ index: 1, error: { code: 'ESRCH', errno: 3 } });
    expect(t.messages()).toHaveLength(2);

    const boom = new Error('bad entry');
    const q = c.dumpFramed(block(), () => {
      throw boom;
    });
    await tick();
    const r = t.messages()[2]!;
    t.deliver(Buffer.concat([replyTo(r, 3, 1, true), buildDone(r.header.seq, 777)]));
    await expect(q).resolves.toEqual({ index: 0, error: boom });
    expect(t.messages()).toHaveLength(3);
  });

  it('fails the dump in progress when the send fails, and refuses to start while busy', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    t.failSend = new TransportError(105, 'sendmsg: No buffer space available (ENOBUFS)');
    await expect(c.dumpFramed(block(), () => {})).resolves.toMatchObject({ index: 0, error: { errno: 105 } });
    t.failSend = undefined;
    const pending = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await expect(c.dumpFramed(block(), () => {})).rejects.toMatchObject({ code: 'EBUSY' });
    await tick();
    t.deliver(buildError(t.raw(0), 0));
    await pending;
  });
});

describe('GenlClient: dumpFramed over a blocking transport', () => {
  /** A Scripted transport with exchangeEach: `answer(request, index)` gives each request's answers. */
  class Exchanging extends Scripted {
    blocks: Buffer[] = [];
    failAfter: { count: number; error: Error } | undefined;
    constructor(private readonly answer: (req: NetlinkMessage, index: number) => Buffer[]) {
      super();
    }
    exchangeEach(blockBytes: Buffer): Buffer {
      this.blocks.push(Buffer.from(blockBytes));
      const out: Buffer[] = [];
      const requests = parseMessages(blockBytes);
      for (let i = 0; i < requests.length; i++) {
        if (this.failAfter !== undefined && i === this.failAfter.count)
          throw Object.assign(this.failAfter.error, { received: Buffer.concat(out) });
        out.push(...this.answer(requests[i]!, i));
      }
      return Buffer.concat(out);
    }
  }

  it('runs every dump in one exchange, with consecutive sequence numbers, and hands the entries on in place', async () => {
    const t = new Exchanging((r, i) => [
      Buffer.concat([replyTo(r, 3, 10 * i, true), replyTo(r, 3, 10 * i + 1, true)]),
      // a stale message of an earlier sequence number is ignored
      ...(i === 1 ? [replyTo({ ...r, header: { ...r.header, seq: r.header.seq - 1 } }, 3, 99, true)] : []),
      buildDone(r.header.seq, 777),
    ]);
    const c = new GenlClient(t);
    const got: Array<[number, number]> = [];
    await expect(c.dumpFramed(block(), (index, d, start) => got.push([index, d.readUInt32LE(start + 8)]))).resolves.toBeUndefined();
    expect(t.sent).toHaveLength(0);
    expect(t.blocks).toHaveLength(1);
    const sent = parseMessages(t.blocks[0]!);
    expect(sent.map((m) => m.header.flags)).toEqual(Array(3).fill(NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP));
    expect(sent.map((m) => m.header.seq - sent[0]!.header.seq)).toEqual([0, 1, 2]);
    expect(sent.map((m) => [m.header.type, m.header.pid, attrValue(m)])).toEqual([
      [FAMILY, 777, 0],
      [FAMILY, 777, 1],
      [FAMILY, 777, 2],
    ]);
    expect(got).toEqual([
      [0, 0],
      [0, 1],
      [1, 10],
      [1, 11],
      [2, 20],
      [2, 21],
    ]);
    // The client is usable afterwards, with fresh sequence numbers.
    const again = new Exchanging((r) => [buildDone(r.header.seq, 777)]);
    const c2 = new GenlClient(again);
    await expect(c2.dumpFramed(block(), () => {})).resolves.toBeUndefined();
  });

  it('reports the first refused dump and hands nothing on after it', async () => {
    const t: Exchanging = new Exchanging((r, i) =>
      i === 1 ? [buildError(buildMessage(r.header, r.payload), -3)] : [replyTo(r, 3, i, true), buildDone(r.header.seq, 777)],
    );
    const c = new GenlClient(t);
    const got: number[] = [];
    await expect(c.dumpFramed(block(), (index) => got.push(index))).resolves.toMatchObject({
      index: 1,
      error: { code: 'ESRCH', errno: 3 },
    });
    expect(got).toEqual([0]);
  });

  it('walks what arrived before a failed exchange, then fails the dump it was in', async () => {
    const t = new Exchanging((r, i) => [replyTo(r, 3, i, true), buildDone(r.header.seq, 777)]);
    t.failAfter = { count: 2, error: new TransportError(110, 'recvmsg: Connection timed out (ETIMEDOUT)') };
    const c = new GenlClient(t);
    const got: number[] = [];
    await expect(c.dumpFramed(block(), (index) => got.push(index))).resolves.toMatchObject({ index: 2, error: { errno: 110 } });
    expect(got).toEqual([0, 1]);
  });

  it('fails when the answers end before the last dump did', async () => {
    const t = new Exchanging((r, i) => (i === 2 ? [replyTo(r, 3, i, true)] : [buildDone(r.header.seq, 777)]));
    const c = new GenlClient(t);
    await expect(c.dumpFramed(block(), () => {})).resolves.toMatchObject({
      index: 2,
      error: { message: expect.stringContaining('ended before the last dump') },
    });
  });
});

describe('GenlClient: errors', () => {
  it('maps NLMSG_ERROR errno to a typed error with code and message', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1), label: 'TEST_CMD' });
    await tick();
    t.deliver(buildError(t.raw(0), -17));
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkRequestError);
    expect(err).toMatchObject({ code: 'EEXIST', errno: 17, message: 'TEST_CMD: File exists (EEXIST)' });
  });

  it('includes the extended-ACK message when there is one', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1), label: 'X' });
    await tick();
    t.deliver(buildError(t.raw(0), -22, { extAckMessage: 'missing attribute' }));
    await expect(p).rejects.toMatchObject({
      code: 'EINVAL',
      extAck: { message: 'missing attribute' },
      message: 'X: Invalid argument (EINVAL) (missing attribute)',
    });
  });

  it('fails every request in flight on ENOBUFS (answers lost) and keeps working', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const ps = [1, 2].map((v) => c.request({ type: FAMILY, flags: 0, payload: payload(1, v) }).catch((e: unknown) => e));
    await tick();
    t.receiver?.onError(TransportError.fromErrno(105, 'recvmsg'));
    for (const e of await Promise.all(ps)) expect(e).toMatchObject({ code: 'ENOBUFS', errno: 105 });
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await tick();
    t.deliver(buildError(t.raw(2), 0));
    await expect(p).resolves.toEqual([]);
  });

  it('rejects the requests of a datagram the transport could not send', async () => {
    const t = new Scripted();
    t.failSend = TransportError.fromErrno(90, 'sendmsg');
    const c = new GenlClient(t);
    await expect(c.request({ type: FAMILY, flags: 0, payload: payload(1) })).rejects.toMatchObject({ code: 'EMSGSIZE' });
    expect(c.pending).toBe(0);
  });

  it('times out when the kernel stays silent', async () => {
    const t = new Scripted();
    const c = new GenlClient(t, { timeoutMs: 30 });
    await expect(c.request({ type: FAMILY, flags: 0, payload: payload(1) })).rejects.toMatchObject({ code: 'ETIMEDOUT', errno: 110 });
  });

  it('rejects a malformed datagram for the requests in flight', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await tick();
    t.deliver(Buffer.from('ffff0000', 'hex'));
    await expect(p).rejects.toMatchObject({ code: 'EDECODE' });
  });

  it('close() rejects what is queued or in flight and closes the transport', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await c.close();
    await expect(p).rejects.toBeInstanceOf(TransportError);
    expect(t.closed).toBe(true);
    await expect(c.request({ type: FAMILY, flags: 0, payload: payload(1) })).rejects.toBeInstanceOf(TransportError);
  });

  it('drops a queued request whose signal is aborted (ECANCELED), never sending it', async () => {
    const t = new Scripted();
    const c = new GenlClient(t, { window: 1 });
    const first = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    const ac = new AbortController();
    const second = c.request({ type: FAMILY, flags: 0, payload: payload(1) }, { signal: ac.signal });
    await tick();
    ac.abort();
    t.deliver(buildError(t.raw(0), 0));
    await first;
    await expect(second).rejects.toMatchObject({ code: 'ECANCELED' });
    expect(t.messages()).toHaveLength(1);
  });
});

describe('GenlClient: pipelining', () => {
  it('coalesces the requests of one tick into one datagram', async () => {
    const k = kernel();
    const c = new GenlClient(k);
    const fam = await c.resolveFamily('IPVS');
    const ps = Array.from({ length: 50 }, () => c.request({ type: fam.id, flags: 0, payload: payload(16) }));
    await Promise.all(ps);
    expect(k.sent).toHaveLength(2); // GETFAMILY, then the 50 requests together
    expect(parseMessages(k.sent[1]!)).toHaveLength(50);
  });

  it('splits datagrams at maxDatagram bytes', async () => {
    const k = kernel();
    const c = new GenlClient(k, { maxDatagram: 100 });
    const fam = await c.resolveFamily('IPVS');
    await Promise.all(Array.from({ length: 10 }, () => c.request({ type: fam.id, flags: 0, payload: payload(16) })));
    // 20 bytes per message: 5 per datagram.
    expect(k.sent.slice(1).map((d) => parseMessages(d).length)).toEqual([5, 5]);
  });

  it('keeps at most `window` requests in flight', async () => {
    const k = kernel();
    const c = new GenlClient(k, { window: 8 });
    const fam = await c.resolveFamily('IPVS');
    const ps = Array.from({ length: 100 }, () => c.request({ type: fam.id, flags: 0, payload: payload(16) }));
    await Promise.all(ps);
    expect(c.stats.maxInFlight).toBe(8);
    expect(k.maxBacklog).toBeLessThanOrEqual(8);
    expect(k.sent.slice(1).every((d) => parseMessages(d).length <= 8)).toBe(true);
  });

  it('a window larger than the receive buffer loses answers (ENOBUFS); the default window does not', async () => {
    const over = kernel({ rcvCapacity: 300 });
    const c1 = new GenlClient(over, { window: 100_000, budgetBytes: Number.POSITIVE_INFINITY });
    const fam1 = await c1.resolveFamily('IPVS');
    const r1 = await Promise.allSettled(Array.from({ length: 1000 }, () => c1.request({ type: fam1.id, flags: 0, payload: payload(16) })));
    expect(over.dropped).toBe(700);
    expect(r1.filter((r) => r.status === 'rejected')).toHaveLength(1000);

    const ok = kernel({ rcvCapacity: 300 });
    const c2 = new GenlClient(ok);
    const fam2 = await c2.resolveFamily('IPVS');
    const r2 = await Promise.allSettled(Array.from({ length: 1000 }, () => c2.request({ type: fam2.id, flags: 0, payload: payload(16) })));
    expect(ok.dropped).toBe(0);
    expect(r2.every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('keeps the receive-buffer cost of the answers in flight within the budget', async () => {
    const t = new Scripted();
    const c = new GenlClient(t, { budgetBytes: 4 * ACK_COST });
    const acks = Array.from({ length: 6 }, () => c.request({ type: FAMILY, flags: 0, payload: payload(1) }));
    await tick();
    expect(t.messages()).toHaveLength(4);
    // One answer: 3 in flight, more than half the budget: nothing new yet (refills come in bulk).
    t.deliver(buildError(t.raw(0), 0));
    await acks[0];
    await tick();
    expect(t.messages()).toHaveLength(4);
    // Half the budget free: the last two leave together, in one datagram.
    t.deliver(buildError(t.raw(1), 0));
    await acks[1];
    await tick();
    expect(t.messages()).toHaveLength(6);
    expect(parseMessages(t.sent.at(-1)!)).toHaveLength(2);
    for (let i = 2; i < 6; i++) t.deliver(buildError(t.raw(i), 0));
    await Promise.all(acks);
    expect(c.stats.maxInFlightCost).toBe(4 * ACK_COST);
    // A request with a reply costs a page more: alone in flight it is still sent.
    const big = c.request({ type: FAMILY, flags: 0, payload: payload(1), reply: true });
    const after = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await tick();
    expect(t.messages()).toHaveLength(7);
    t.deliver(Buffer.concat([replyTo(t.messages()[6]!, 2, 1), buildError(t.raw(6), 0)]));
    await big;
    await tick();
    t.deliver(buildError(t.raw(7), 0));
    await after;
  });

  it('estimates answer costs: acks, error echoes of big requests, replies; dumps are free', () => {
    expect(answerCost({ type: FAMILY, flags: 0, payload: payload(1) })).toBe(ACK_COST);
    expect(answerCost({ type: FAMILY, flags: 0, payload: payload(1), reply: true })).toBe(ACK_COST + REPLY_COST);
    expect(answerCost({ type: FAMILY, flags: 0, payload: Buffer.alloc(4000) })).toBe(1024 + 2 * 4016);
    expect(answerCost({ type: FAMILY, flags: NLM_F.DUMP, payload: payload(1) })).toBe(0);
  });

  it('defaults the budget to half the granted receive buffer', async () => {
    const t = new Scripted();
    (t as { recvBufferSize?: number }).recvBufferSize = 8 * ACK_COST;
    const c = new GenlClient(t);
    void Array.from({ length: 10 }, () => c.request({ type: FAMILY, flags: 0, payload: payload(1) }).catch(() => undefined));
    await tick();
    expect(t.messages()).toHaveLength(4);
    await c.close();
  });

  it('treats a dump as a barrier: nothing is sent after it until its NLMSG_DONE', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const a = c.request({ type: FAMILY, flags: 0, payload: payload(1, 1) });
    const d = c.request({ type: FAMILY, flags: NLM_F.DUMP, payload: payload(2) });
    const b = c.request({ type: FAMILY, flags: 0, payload: payload(1, 2) });
    await tick();
    expect(t.sent.map((x) => parseMessages(x).length)).toEqual([1, 1]);
    t.deliver(buildError(t.raw(0), 0));
    await a;
    await tick();
    expect(t.sent).toHaveLength(2);
    t.deliver(buildDone(t.messages()[1]!.header.seq, 777));
    await d;
    await tick();
    expect(t.sent).toHaveLength(3);
    t.deliver(buildError(t.raw(2), 0));
    await b;
  });

  it('marks the transport busy only while something is pending', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.request({ type: FAMILY, flags: 0, payload: payload(1) });
    await tick();
    t.deliver(buildError(t.raw(0), 0));
    await p;
    expect(t.busy).toEqual([true, false]);
  });
});

describe('GenlClient: family resolution', () => {
  it('resolves through nlctrl once per client, each client on its own', async () => {
    const k1 = kernel({ familyId: 0x21 });
    const k2 = kernel({ familyId: 0x2a });
    const c1 = new GenlClient(k1);
    const c2 = new GenlClient(k2);
    const [a, b, a2] = await Promise.all([c1.resolveFamily('IPVS'), c2.resolveFamily('IPVS'), c1.resolveFamily('IPVS')]);
    expect(a.id).toBe(0x21);
    expect(b.id).toBe(0x2a);
    expect(a2).toBe(a);
    expect(k1.requests.filter((m) => m.header.type === GENL_ID_CTRL)).toHaveLength(1);
    expect(k2.requests.filter((m) => m.header.type === GENL_ID_CTRL)).toHaveLength(1);
  });

  it('does not cache a failed resolution', async () => {
    const k = kernel({ noIpvs: true });
    const c = new GenlClient(k);
    await expect(c.resolveFamily('IPVS')).rejects.toMatchObject({ code: 'ENOENT' });
    k.options.noIpvs = false;
    await expect(c.resolveFamily('IPVS')).resolves.toMatchObject({ id: 0x22, name: 'IPVS' });
  });

  it('decodes the family from the NEWFAMILY reply', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const p = c.resolveFamily('FOO');
    await tick();
    const [r] = t.messages();
    const fam = {
      id: 0x99,
      name: 'FOO',
      version: 2,
      hdrsize: 0,
      maxattr: 3,
      ops: [{ id: 1, flags: 2 }],
      mcastGroups: [{ name: 'g', id: 5 }],
    };
    t.deliver(Buffer.concat([encodeFamilyReply(fam, { seq: r!.header.seq, pid: 777 }), buildError(t.raw(0), 0)]));
    await expect(p).resolves.toEqual(fam);
  });
});

describe('GenlClient: acknowledgements elided (quietSuccess)', () => {
  it('sends the quiet requests of a datagram without ACK, the last one with it, and settles them by its answer', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const settled: string[] = [];
    const ps = [1, 2, 3, 4].map((v) =>
      c.request({ type: FAMILY, flags: 0, payload: payload(5, v), quietSuccess: true }).then(
        () => settled.push(`ok ${v}`),
        (e: NetlinkRequestError) => settled.push(`${e.code} ${v}`),
      ),
    );
    await tick();
    const msgs = t.messages();
    expect(t.sent).toHaveLength(1);
    expect(msgs.map((m) => m.header.flags)).toEqual([NLM_F.REQUEST, NLM_F.REQUEST, NLM_F.REQUEST, NLM_F.REQUEST | NLM_F.ACK]);
    // As the kernel answers: nothing for the quiet successes, an error for the second, then the last one's ACK.
    t.deliver(buildError(t.raw(1), -17));
    await tick();
    expect(settled).toEqual(['EEXIST 2']);
    t.deliver(buildError(t.raw(3), 0));
    await Promise.all(ps);
    expect(settled).toEqual(['EEXIST 2', 'ok 1', 'ok 3', 'ok 4']);
    expect(c.pending).toBe(0);
  });

  it('a failing last request still settles the quiet ones before it as successes', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const a = c.request({ type: FAMILY, flags: 0, payload: payload(5, 1), quietSuccess: true });
    const b = c.request({ type: FAMILY, flags: 0, payload: payload(5, 2), quietSuccess: true });
    await tick();
    t.deliver(buildError(t.raw(1), -2));
    await expect(a).resolves.toEqual([]);
    await expect(b).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps ACK on requests that are alone, have replies, or are not quiet', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    void c.request({ type: FAMILY, flags: 0, payload: payload(5, 1), quietSuccess: true, reply: true });
    void c.request({ type: FAMILY, flags: 0, payload: payload(5, 2) });
    void c.request({ type: FAMILY, flags: 0, payload: payload(5, 3), quietSuccess: true });
    await tick();
    expect(t.messages().map((m) => m.header.flags & NLM_F.ACK)).toEqual([NLM_F.ACK, NLM_F.ACK, NLM_F.ACK]);
  });

  it('a transport failure fails the quiet requests too', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const ps = [1, 2].map((v) => c.request({ type: FAMILY, flags: 0, payload: payload(5, v), quietSuccess: true }));
    await tick();
    t.receiver?.onError(TransportError.fromErrno(105, 'recvmsg'));
    for (const p of ps) await expect(p).rejects.toMatchObject({ code: 'ENOBUFS' });
  });

  it('submit(): the callback form', async () => {
    const t = new Scripted();
    const c = new GenlClient(t);
    const done = await new Promise<string>((resolve) => {
      c.submit({ type: FAMILY, flags: 0, payload: payload(5, 1) }, (err, messages) =>
        resolve(err ? err.message : `ok ${messages?.length}`),
      );
      void tick().then(() => t.deliver(buildError(t.raw(0), 0)));
    });
    expect(done).toBe('ok 0');
    await c.close();
    const closed = await new Promise<Error | undefined>((resolve) => c.submit({ type: FAMILY, flags: 0, payload: payload(5, 1) }, resolve));
    expect(closed).toBeInstanceOf(TransportError);
  });
});
