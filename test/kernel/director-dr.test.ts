/**
 * `lvsd run` end to end in the kernel lab: a director pair in direct-routing mode on the netns lab (the real
 * servers hold the VIP on lo and neither answer nor announce ARP for it), checked with the real ipvsadm in the
 * director namespaces and with client traffic through the VIP, and the two planned stops: d1 runs with
 * --keep-ipvs, d2 without. One lab for the whole file; the tests run in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR } from '../support/netns-lab.js';
import { CHECK_BUDGET_MS, SYNC_ID, VIP, VPORT, rsEndpoint } from './director-support/config.js';
import { connections, daemonRoles, daemons, destinations, table } from './director-support/ipvsadm.js';
import { DirectorPair, type Node } from './director-support/pair.js';
import { HeldConnection, burst, waitUntil } from './director-support/servers.js';

/** Slack on every deadline for the lab's emulated CPU (TCG runs code 10-20x slower than the host). */
const TCG_SLACK_MS = 8000;
const NODES: readonly Node[] = ['d1', 'd2'];
const SERVICE = `TCP ${VIP}:${VPORT}`;
const dest = (n: number) => `${rsEndpoint('dr', n)} Route 1`;
const daemonLine = (role: 'master' | 'backup') =>
  `${role} sync daemon (mcast=eth1, syncid=${SYNC_ID}, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`;

const timings: string[] = [];
const since = (t0: number) => Date.now() - t0;

describe('lvsd director, DR pair in the kernel lab', () => {
  let pair: DirectorPair;
  let held: HeldConnection | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    pair = await DirectorPair.up(2, { mode: 'dr', realServers: [1, 2] });
    timings.push(`lab and real servers up in ${since(t0)} ms`);
    const t1 = Date.now();
    await Promise.all([pair.start('d1', { keepIpvs: true }), pair.start('d2')]);
    await pair.waitMaster('d1');
    await pair.waitBackup('d2');
    timings.push(`d1 master, d2 backup ${since(t1)} ms after starting lvsd`);
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.info(pair?.logs());
  });
  afterAll(async () => {
    held?.close();
    if (timings.length > 0) console.info(`director DR timings:\n  ${timings.join('\n  ')}`);
    await pair?.down();
  });

  it('programs both directors with routed destinations; the client reaches the service through the VIP', async () => {
    for (const node of NODES) expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1), dest(2)] }]);
    await waitUntil('the sync daemons in their roles', async () => (await daemonRoles(pair.lab, 'd2')).join() === 'backup', 5000);
    expect(await daemons(pair.lab, 'd1')).toEqual([daemonLine('master'), daemonLine('backup')]);

    const replies = await burst(pair.lab, 6);
    expect(replies.filter((r) => r === 'rs1')).toHaveLength(3);
    expect(replies.filter((r) => r === 'rs2')).toHaveLength(3);
    const conns = (await connections(pair.lab, 'd1')).filter((c) => c.source.startsWith(`${LAB_ADDR.client}:`));
    expect(conns).toHaveLength(6);
    expect(new Set(conns.map((c) => c.destination))).toEqual(new Set([rsEndpoint('dr', 1), rsEndpoint('dr', 2)]));
  });

  it('takes a killed real server out of IPVS on both directors within its check budget and puts it back when healed', async () => {
    const budget = CHECK_BUDGET_MS + TCG_SLACK_MS;
    const present = async (want: boolean) => {
      for (const node of NODES)
        if ((await destinations(pair.lab, node, `${VIP}:${VPORT}`)).includes(rsEndpoint('dr', 1)) !== want) return false;
      return true;
    };
    await pair.servers.kill(1);
    const t0 = Date.now();
    await waitUntil('rs1 to leave IPVS on d1 and d2', () => present(false), budget);
    timings.push(`killed rs1 out of both tables after ${since(t0)} ms (budget ${CHECK_BUDGET_MS} ms + ${TCG_SLACK_MS} ms slack)`);
    expect(new Set(await burst(pair.lab, 20))).toEqual(new Set(['rs2']));

    await pair.servers.start(1);
    const t1 = Date.now();
    await waitUntil('rs1 back in IPVS on d1 and d2', () => present(true), budget);
    timings.push(`healed rs1 back in both tables ${since(t1)} ms after its server listened`);
    expect(new Set(await burst(pair.lab, 4))).toEqual(new Set(['rs1', 'rs2']));
  });

  it('planned stop of the master with --keep-ipvs: its table and sync daemons stay, d2 takes over and carries the live connection', async () => {
    const opened = await HeldConnection.open(pair.lab);
    held = opened.conn;
    expect(await held.echo('before')).toBe(`${opened.server} before`);
    const open = (await connections(pair.lab, 'd1')).filter((c) => c.state === 'ESTABLISHED' && c.source.startsWith(`${LAB_ADDR.client}:`));
    expect(open).toHaveLength(1);
    const source = open[0]?.source;
    await waitUntil(
      'the connection replicated to d2',
      async () => (await connections(pair.lab, 'd2')).some((c) => c.source === source),
      15_000,
    );
    const before = await table(pair.lab, 'd1');
    const mark = pair.node('d2').entries.length;

    const d1 = pair.node('d1');
    const t0 = Date.now();
    d1.signal('SIGTERM');
    expect(await d1.exit()).toBe(0);
    timings.push(`d1 stopped (planned) in ${since(t0)} ms`);
    expect(d1.find('IPVS table left in place (--keep-ipvs)')).toHaveLength(1);
    expect(await table(pair.lab, 'd1')).toEqual(before);
    expect(await daemons(pair.lab, 'd1')).toEqual([daemonLine('master'), daemonLine('backup')]);
    // The addresses went with VRRP: d2 holds them and runs the master sync daemon.
    await pair.waitMaster('d2', mark);
    timings.push(`d2 master ${since(t0)} ms after SIGTERM to d1`);
    expect(await pair.holdsVips('d1')).toBe(false);
    await waitUntil('d2 to run the master sync daemon', async () => (await daemonRoles(pair.lab, 'd2')).join() === 'backup,master', 5000);
    expect((await connections(pair.lab, 'd2')).find((c) => c.source === source)).toMatchObject({
      virtual: `${VIP}:${VPORT}`,
      destination: rsEndpoint('dr', Number(opened.server.slice(2))),
    });
    expect(await held.echo('after handover')).toBe(`${opened.server} after handover`);
    expect(new Set(await burst(pair.lab, 4))).toEqual(new Set(['rs1', 'rs2']));
  });

  it('planned stop without --keep-ipvs: the services and the sync daemons are removed', async () => {
    held?.close();
    held = undefined;
    const d2 = pair.node('d2');
    d2.signal('SIGTERM');
    expect(await d2.exit()).toBe(0);
    expect(d2.find('IPVS services removed')[0]).toMatchObject({ ops: 3, failed: 0 });
    expect(await table(pair.lab, 'd2')).toEqual([]);
    expect(await daemons(pair.lab, 'd2')).toEqual([]);
  });
});
