/**
 * A big batch on the real kernel: 1,000 services × 10 real servers applied with IpvsApi.batch()
 * (pipelined), listed back, and compared with the same rules applied by `ipvsadm -R` in another
 * namespace of the same boot (timed too). Also measures why the in-flight window exists: with an
 * unbounded window the kernel drops acknowledgements (ENOBUFS) once the socket's receive buffer is
 * full. Measurements go to stdout and, in the lab, to $LVSD_KERNEL_LAB_OUT/ipvs-batch.json.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpvsOp, IpvsOpResult } from '../../src/ipvs/api.js';
import type { Destination, Service, ServiceKey } from '../../src/ipvs/types.js';
import type { GenlClientStats } from '../../src/netlink/genl-client.js';
import { IpvsNamespace } from './ipvs-support/harness.js';

const SERVICES = 1000;
const DESTS = 10;

function serviceKey(i: number): ServiceKey {
  return { protocol: 'tcp', address: `10.${100 + (i >> 8)}.${i & 255}.1`, port: 80 };
}

function ruleset(): { ops: IpvsOp[]; restore: string } {
  const ops: IpvsOp[] = [];
  const lines: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const key = serviceKey(i);
    const vip = `${'address' in key ? key.address : ''}:80`;
    ops.push({ op: 'addService', service: { key, scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff } });
    lines.push(`-A -t ${vip} -s wrr`);
    for (let d = 0; d < DESTS; d++) {
      const address = `172.16.${i >> 4}.${((i & 15) << 4) + d + 1}`;
      ops.push({
        op: 'addDestination',
        key,
        dest: {
          address,
          // ipvsadm replaces the port of a non-masq real server by the service's (the kernel keeps
          // whatever it is given): route real servers get port 80 here so both sides agree.
          port: d % 2 === 0 ? 8080 : 80,
          forwarding: d % 2 === 0 ? 'masq' : 'route',
          weight: d + 1,
          upperThreshold: 0,
          lowerThreshold: 0,
          tunnelType: 'ipip',
          tunnelPort: 0,
          tunnelCsum: 'nocsum',
        },
      });
      lines.push(`-a -t ${vip} -r ${address}:${d % 2 === 0 ? '8080 -m' : '80 -g'} -w ${d + 1}`);
    }
  }
  return { ops, restore: `${lines.join('\n')}\n` };
}

const measured: Record<string, unknown> = {};
const log = (what: string, value: unknown) => {
  measured[what] = value;
  console.log(`[ipvs-batch] ${what}: ${typeof value === 'number' ? value.toFixed(1) : JSON.stringify(value)}`);
};

describe(`batch of ${SERVICES} services × ${DESTS} real servers`, () => {
  let ours: IpvsNamespace;
  let theirs: IpvsNamespace;
  const { ops, restore } = ruleset();

  beforeAll(async () => {
    ours = await IpvsNamespace.create('batch');
    theirs = await IpvsNamespace.create('restore');
  });
  afterAll(async () => {
    await ours?.destroy();
    await theirs?.destroy();
    if (process.env.LVSD_KERNEL_LAB_OUT)
      writeFileSync(`${process.env.LVSD_KERNEL_LAB_OUT}/ipvs-batch.json`, `${JSON.stringify(measured, null, 2)}\n`);
  });

  it('applies them pipelined, as ipvsadm -R does the same rules (same -S -n output)', { timeout: 900_000 }, async () => {
    const { value: results, ms } = await ours.callTimed<IpvsOpResult[]>('batch', ops);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    log('ops', ops.length);
    log('lvsd batch apply ms', ms);
    const stats = await ours.call<GenlClientStats>('stats');
    log('lvsd datagrams sent', stats.datagramsSent);
    log('lvsd max in flight', stats.maxInFlight);

    const t0 = performance.now();
    const r = await theirs.exec('ipvsadm', ['-R'], restore);
    const restoreMs = performance.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    log('ipvsadm -R ms', restoreMs);
    log('speed-up', restoreMs / ms);

    const [a, b] = await Promise.all([ours.ipvsadmOk('-S', '-n'), theirs.ipvsadmOk('-S', '-n')]);
    expect(a.split('\n').length).toBe(SERVICES * (DESTS + 1) + 1);
    expect(a).toBe(b);
  });

  it('lists them back: every service and real server as configured', { timeout: 900_000 }, async () => {
    const { value: services, ms: listMs } = await ours.callTimed<Service[]>('listServices');
    expect(services).toHaveLength(SERVICES);
    log('listServices ms', listMs);
    const t0 = performance.now();
    // 1,000 GET_DEST dumps, requested at once: the client runs them one after the other on its socket.
    const all = await Promise.all(services.map((s) => ours.call<Destination[]>('listDestinations', s.key)));
    log('listDestinations ×1000 ms (incl. RPC)', performance.now() - t0);
    const want = new Map<string, string[]>();
    for (const op of ops) {
      if (op.op === 'addDestination' && 'address' in op.key) {
        const k = op.key.address;
        want.set(k, [...(want.get(k) ?? []), `${op.dest.address}:${op.dest.port}/${op.dest.forwarding}/${op.dest.weight}`]);
      }
    }
    services.forEach((s, i) => {
      const key = s.key;
      if (!('address' in key)) throw new Error('fwmark?');
      expect(s).toMatchObject({ scheduler: 'wrr', timeout: 0, netmask: 0xffffffff });
      const got = (all[i] ?? []).map((d) => `${d.address}:${d.port}/${d.forwarding}/${d.weight}`).sort();
      expect(got).toEqual([...(want.get(key.address) ?? [])].sort());
    });
  });

  it('stopOnError (one at a time) costs a round trip per operation', { timeout: 900_000 }, async () => {
    await ours.call('flush');
    const subset = ops.slice(0, 1100);
    const { value: results, ms } = await ours.callTimed<IpvsOpResult[]>('batch', subset, { stopOnError: true });
    expect(results.every((r) => r.ok)).toBe(true);
    log('stopOnError 1,100 ops ms', ms);
    await ours.call('flush');
    const piped = await ours.callTimed<IpvsOpResult[]>('batch', subset);
    expect(piped.value.every((r) => r.ok)).toBe(true);
    log('pipelined 1,100 ops ms', piped.ms);
  });

  it('the in-flight budget covers what the kernel queues per answer (skb truesize, /proc/net/netlink Rmem)', {
    timeout: 300_000,
  }, async () => {
    const costs = await ours.call<Record<string, { n: number; measured: number; estimated: number; rcvbuf: number }>>('answerCosts');
    for (const [kind, c] of Object.entries(costs)) {
      log(`answer cost: ${kind}`, c);
      expect(c.measured, kind).toBeGreaterThan(0);
      expect(c.measured, kind).toBeLessThanOrEqual(c.estimated);
    }
    const stats = await ours.call<GenlClientStats>('stats');
    log('budget used by the batch (max bytes in flight)', stats.maxInFlightCost);
    const rcvbuf = Object.values(costs)[0]?.rcvbuf ?? 0;
    log('granted SO_RCVBUF', rcvbuf);
    expect(stats.maxInFlightCost).toBeLessThanOrEqual(rcvbuf / 2);
  });
});
