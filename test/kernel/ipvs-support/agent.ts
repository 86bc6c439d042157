/**
 * The IPVS agent of the kernel tests: runs inside a network namespace (`ip netns exec NS node
 * agent.mjs`, bundled by esbuild, see harness.ts) and serves the IpvsApi of that namespace over
 * stdin/stdout, one JSON request per line: {"id", "method", "args"} → {"id", "ok", "value"|"error", "ms"}.
 * `ms` is the time the call took inside the agent (no RPC overhead): the batch measurements use it.
 * BigInts travel as {"$bigint": "123"}.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  encodeGetInfo,
  encodeGetService,
  encodeNewDest,
  encodeNewService,
  frameRequest,
  type IpvsRequest,
} from '../../../src/ipvs/codec.js';
import type { IpvsClient, OpenIpvsOptions } from '../../../src/ipvs/netlink-client.js';
import { listConnections, openIpvs } from '../../../src/ipvs/netlink-client.js';
import { answerCost } from '../../../src/netlink/genl-client.js';
import { encodeGetFamily } from '../../../src/netlink/genl-ctrl.js';
import { SocketTransport } from '../../../src/netlink/socket-transport.js';

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

let client: IpvsClient | undefined;

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $bigint: value.toString() } : value;
}

function errorOf(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const e = err as Error & Record<string, unknown>;
    return { name: e.name, message: e.message, code: e.code, errno: e.errno, op: e.op, target: e.target, familyErrno: e.familyErrno };
  }
  return { name: 'Error', message: String(err) };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.method) {
    case 'open': {
      if (client) await client.close();
      client = await openIpvs((req.args[0] ?? {}) as OpenIpvsOptions);
      return { family: client.family };
    }
    case 'stats':
      return client?.stats;
    case 'answerCosts':
      return answerCosts();
    case 'listConnections':
      return listConnections((req.args[0] ?? {}) as { path?: string });
    case 'exit':
      setImmediate(() => process.exit(0));
      return null;
    default: {
      if (!client) client = await openIpvs();
      const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[req.method];
      if (typeof fn !== 'function') throw new Error(`no method ${req.method}`);
      const value = await fn.apply(client, req.args);
      if (req.method === 'close') client = undefined;
      return value;
    }
  }
}

/** Rmem (bytes queued for reading) of a netlink socket, from /proc/net/netlink. */
function rmem(portId: number): number {
  for (const line of readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (Number(f[2]) === portId) return Number(f[4]);
  }
  throw new Error(`port ${portId} not in /proc/net/netlink`);
}

const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Measures what the answers to each kind of request take in the receive buffer while unread (the
 * kernel's skb truesize), next to the client's estimate (answerCost). The requests of a kind go
 * in one datagram; sendmsg runs synchronously, so the answers are all queued when Rmem is read.
 */
async function answerCosts(): Promise<Record<string, { n: number; measured: number; estimated: number; rcvbuf: number }>> {
  const ipvs = await openIpvs();
  const familyId = ipvs.family.id;
  await ipvs.close();
  const t = SocketTransport.open();
  t.attach({ onDatagram: () => {}, onError: () => {} });
  const out: Record<string, { n: number; measured: number; estimated: number; rcvbuf: number }> = {};
  let seq = 1;
  const key = (i: number) => ({ protocol: 'tcp', address: `10.200.${i >> 8}.${(i & 255) + 1}`, port: 80 }) as const;
  const kinds: [string, number, (i: number) => IpvsRequest | Buffer, boolean][] = [
    [
      'NEW_SERVICE: success ACK',
      50,
      (i) => encodeNewService({ key: key(i), scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }),
      false,
    ],
    [
      'NEW_SERVICE again: EEXIST, 104-byte request echoed',
      50,
      (i) => encodeNewService({ key: key(i), scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }),
      false,
    ],
    [
      'NEW_DEST to a missing service: ESRCH, 200-byte request echoed',
      50,
      (i) =>
        encodeNewDest(
          { key: { protocol: 'udp', address: '10.201.0.1', port: i + 1 } },
          {
            address: '10.0.0.1',
            port: 80,
            forwarding: 'route',
            weight: 1,
            upperThreshold: 0,
            lowerThreshold: 0,
            tunnelType: 'ipip',
            tunnelPort: 0,
            tunnelCsum: 'nocsum',
          },
        ),
      false,
    ],
    ['GET_SERVICE (doit): reply + ACK', 20, (i) => encodeGetService({ key: key(i) }), true],
    ['GET_INFO: reply + ACK', 20, () => encodeGetInfo(), true],
    ['CTRL_CMD_GETFAMILY IPVS: reply + ACK', 20, () => encodeGetFamily('IPVS', { seq: 0 }), true],
  ];
  for (const [label, n, make, reply] of kinds) {
    await settle();
    const before = rmem(t.portId);
    const msgs: Buffer[] = [];
    let estimated = 0;
    for (let i = 0; i < n; i++) {
      const r = make(i);
      const framed = Buffer.isBuffer(r) ? Buffer.from(r) : frameRequest(r, { familyId, seq: seq, pid: t.portId });
      framed.writeUInt32LE(seq++, 8);
      msgs.push(framed);
      estimated = Math.max(estimated, answerCost({ type: familyId, flags: framed.readUInt16LE(6), payload: framed.subarray(16), reply }));
    }
    void t.send(Buffer.concat(msgs));
    const after = rmem(t.portId);
    out[label] = { n, measured: (after - before) / n, estimated, rcvbuf: t.recvBufferSize };
  }
  await settle();
  await t.close();
  const cleanup = await openIpvs();
  await cleanup.flush();
  await cleanup.close();
  return out;
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line) as Request;
  const t0 = process.hrtime.bigint();
  handle(req).then(
    (value) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`${JSON.stringify({ id: req.id, ok: true, value: value ?? null, ms }, replacer)}\n`);
    },
    (err: unknown) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`${JSON.stringify({ id: req.id, ok: false, error: errorOf(err), ms }, replacer)}\n`);
    },
  );
});
rl.on('close', () => {
  void client?.close().finally(() => process.exit(0));
  if (!client) process.exit(0);
});
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
