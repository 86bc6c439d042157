/**
 * The blocking netlink transport (src/netlink/exchange-transport.ts) and its addon
 * (src/native/netlink_exchange.cc) against this machine's own kernel: generic netlink's controller
 * (nlctrl) is in every kernel, so these run without IPVS and without the kernel lab.
 */
import { describe, expect, it } from 'vitest';
import { GenlClient } from '../../../src/netlink/genl-client.js';
import { encodeGetFamily, GENL_ID_CTRL } from '../../../src/netlink/genl-ctrl.js';
import { ExchangeError, openExchangeSocket } from '../../../src/netlink/exchange-transport.js';
import { buildMessage, encodeGenlhdr, NLM_F, NLMSG, parseMessages } from '../../../src/netlink/message.js';
import { TransportError } from '../../../src/netlink/transport.js';

const DUMP = NLM_F.REQUEST | NLM_F.ACK | NLM_F.DUMP;

/** CTRL_CMD_GETFAMILY as a dump of every family. */
function familiesDump(seq: number): Buffer {
  return buildMessage({ type: GENL_ID_CTRL, flags: DUMP, seq, pid: 0 }, encodeGenlhdr({ cmd: 3, version: 1, reserved: 0 }));
}

/** The type and sequence number of every message in `answers`, in order. */
function heads(answers: Buffer): Array<[type: number, seq: number]> {
  return parseMessages(answers).map((m) => [m.header.type, m.header.seq]);
}

describe('ExchangeTransport (the kernel of this machine)', () => {
  it('opens a socket with a port id and a receive buffer', async () => {
    const t = openExchangeSocket();
    expect(t.portId).toBeGreaterThan(0);
    expect(t.recvBufferSize).toBeGreaterThan(0);
    await t.close();
    await t.close();
  });

  it('answers a send in a microtask after it returns: the reply and the acknowledgement together', async () => {
    const t = openExchangeSocket();
    const got: Buffer[] = [];
    t.attach({ onDatagram: (d) => got.push(Buffer.from(d)), onError: () => {} });
    const sent = t.send(encodeGetFamily('nlctrl', { seq: 5, pid: t.portId }));
    expect(got).toHaveLength(0);
    await sent;
    await Promise.resolve();
    expect(got).toHaveLength(1);
    expect(heads(got[0]!)).toEqual([
      [GENL_ID_CTRL, 5],
      [NLMSG.ERROR, 5],
    ]);
    await t.close();
  });

  it('runs the requests of a block one after the other and returns all their datagrams', async () => {
    const t = openExchangeSocket();
    const answers = t.exchangeEach(Buffer.concat([familiesDump(1), familiesDump(2), encodeGetFamily('nope', { seq: 3 })]));
    const h = heads(answers);
    const families = h.filter(([type, seq]) => type === GENL_ID_CTRL && seq === 1).length;
    expect(families).toBeGreaterThan(1);
    expect(h.filter(([type, seq]) => type === GENL_ID_CTRL && seq === 2).length).toBe(families);
    // Each dump ends before the next one starts; the unknown family is refused (ENOENT).
    const ends = h.filter(([type]) => type === NLMSG.DONE || type === NLMSG.ERROR);
    expect(ends).toEqual([
      [NLMSG.DONE, 1],
      [NLMSG.DONE, 2],
      [NLMSG.ERROR, 3],
    ]);
    const refusal = parseMessages(answers).at(-1)!;
    expect(refusal.payload.readInt32LE(0)).toBe(-2);
    await t.close();
  });

  it('carries a generic netlink client: a family resolved, an unknown one refused', async () => {
    const t = openExchangeSocket();
    const c = new GenlClient(t);
    await expect(c.resolveFamily('nlctrl')).resolves.toMatchObject({ id: GENL_ID_CTRL, name: 'nlctrl' });
    await expect(c.resolveFamily('no-such-family')).rejects.toMatchObject({ code: 'ENOENT', errno: 2 });
    await c.close();
  });

  it('refuses a block it could not tell the end of, or whose framing is broken, and sends nothing of it', async () => {
    const t = openExchangeSocket();
    // Without NLM_F_ACK nor NLM_F_DUMP, a successful request gets no answer at all.
    expect(() => t.exchangeEach(encodeGetFamily('nlctrl', { seq: 1, flags: NLM_F.REQUEST }))).toThrow(TypeError);
    const broken = familiesDump(2);
    broken.writeUInt32LE(400, 0);
    expect(() => t.exchangeEach(broken)).toThrow(TypeError);
    // Still usable.
    expect(heads(t.exchangeEach(encodeGetFamily('nlctrl', { seq: 3 })))).toEqual([
      [GENL_ID_CTRL, 3],
      [NLMSG.ERROR, 3],
    ]);
    await t.close();
  });

  it('fails with ETIMEDOUT, and what had arrived, when the kernel stays silent', async () => {
    const t = openExchangeSocket({ timeoutMs: 200 });
    // A NOOP message is dropped by the kernel without an answer (no NLM_F_ACK): the dump end never comes.
    const noop = buildMessage({ type: NLMSG.NOOP, flags: NLM_F.REQUEST | NLM_F.DUMP, seq: 9, pid: 0 }, Buffer.alloc(4));
    const err = (() => {
      try {
        t.exchangeEach(Buffer.concat([encodeGetFamily('nlctrl', { seq: 8 }), noop]));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ExchangeError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', errno: 110, index: 1 });
    expect(heads((err as ExchangeError).received)).toEqual([
      [GENL_ID_CTRL, 8],
      [NLMSG.ERROR, 8],
    ]);
    await t.close();
  });

  it('fails sends and exchanges once closed', async () => {
    const t = openExchangeSocket();
    await t.close();
    await expect(t.send(encodeGetFamily('nlctrl', { seq: 1 }))).rejects.toBeInstanceOf(TransportError);
    expect(() => t.exchangeEach(encodeGetFamily('nlctrl', { seq: 1 }))).toThrow(/closed/);
  });
});
