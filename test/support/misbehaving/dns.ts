/**
 * A misbehaving DNS server (UDP). Replies are assembled by hand here, independently of checks/dns-codec.ts,
 * and the answer's owner name is a compression pointer to the question, as real servers send it.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** How the server answers every query. */
export type DnsBehaviour =
  | 'ok' // NOERROR with one answer of the asked type
  | 'nxdomain'
  | 'servfail'
  | 'refused'
  | 'empty' // NOERROR, no answers
  | 'wrong-type' // NOERROR with a TXT answer whatever was asked
  | 'wrong-id' // a correct answer, but to another query id
  | 'wrong-id-then-ok' // first a reply with another id, then the right one 50 ms later
  | 'garbage' // the right id and flags, then a truncated body
  | 'silent';

/** A running DNS test server. */
export interface DnsTestServer {
  readonly host: string;
  readonly port: number;
  /** Queries received. */
  readonly queries: Buffer[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_TXT = 16;

/** The answer data a well-behaved server gives for each type. */
export const DNS_ANSWERS: Record<number, Buffer> = {
  [TYPE_A]: Buffer.from([192, 0, 2, 80]),
  [TYPE_AAAA]: Buffer.from('20010db8000000000000000000000080', 'hex'),
  [TYPE_TXT]: Buffer.from('\x05hello', 'latin1'),
};

function questionEnd(q: Buffer): number {
  let pos = 12;
  while (pos < q.length && q[pos] !== 0) pos += (q[pos] as number) + 1;
  return pos + 5; // zero byte, type, class
}

/** Options of a reply: response code, the type of its one answer (none: no answer), and its id. */
export interface ReplyOptions {
  readonly rcode?: number;
  /** 'asked' answers with the type asked for; undefined sends no answer. */
  readonly answer?: number | 'asked';
  readonly id?: number;
}

/** Builds the reply to query `q` (pure; exported for the codec's tests). */
export function dnsReply(q: Buffer, opts: ReplyOptions): Buffer {
  const end = questionEnd(q);
  const question = q.subarray(12, end);
  const rcode = opts.rcode ?? 0;
  const id = opts.id ?? q.readUInt16BE(0);
  const type = opts.answer === 'asked' ? q.readUInt16BE(end - 4) : opts.answer;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | 0x0100 | 0x0080 | rcode, 2); // QR, RD, RA
  header.writeUInt16BE(1, 4);
  const answers: Buffer[] = [];
  if (type !== undefined) {
    const data = DNS_ANSWERS[type] ?? Buffer.from([0, 1, 2, 3]);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(300, 6);
    rr.writeUInt16BE(data.length, 10);
    answers.push(rr, data);
  }
  header.writeUInt16BE(answers.length > 0 ? 1 : 0, 6);
  return Buffer.concat([header, question, ...answers]);
}

/** Starts the server on host:port (0 = ephemeral). */
export async function dnsServer(behaviour: DnsBehaviour, host = '127.0.0.1', port = 0): Promise<DnsTestServer> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  const queries: Buffer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  socket.on('error', () => {});
  socket.on('message', (q, rinfo) => {
    queries.push(q);
    if (q.length < 17) return;
    const send = (b: Buffer) => socket.send(b, rinfo.port, rinfo.address);
    const id = q.readUInt16BE(0);
    switch (behaviour) {
      case 'ok':
        return send(dnsReply(q, { answer: 'asked' }));
      case 'nxdomain':
        return send(dnsReply(q, { rcode: 3 }));
      case 'servfail':
        return send(dnsReply(q, { rcode: 2 }));
      case 'refused':
        return send(dnsReply(q, { rcode: 5 }));
      case 'empty':
        return send(dnsReply(q, {}));
      case 'wrong-type':
        return send(dnsReply(q, { answer: TYPE_TXT }));
      case 'wrong-id':
        return send(dnsReply(q, { answer: 'asked', id: (id + 1) & 0xffff }));
      case 'wrong-id-then-ok': {
        send(dnsReply(q, { answer: 'asked', id: (id + 1) & 0xffff }));
        const t = setTimeout(() => {
          timers.delete(t);
          send(dnsReply(q, { answer: 'asked' }));
        }, 50);
        timers.add(t);
        return;
      }
      case 'garbage':
        return send(Buffer.concat([dnsReply(q, {}).subarray(0, 4), Buffer.from([0, 1, 0, 1, 0, 0, 0, 0, 7])]));
      case 'silent':
        return;
    }
  });
  await new Promise<void>((resolve) => socket.bind(port, host, () => resolve()));
  return {
    host,
    port: socket.address().port,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        socket.close(() => resolve());
      }),
  };
}
