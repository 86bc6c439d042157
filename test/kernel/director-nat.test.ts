/**
 * `lvsd run` end to end in the kernel lab: a director pair in NAT mode on the netns lab (a sync group moves the
 * front VIP and the real servers' gateway VIP, the sync daemons follow it), checked with the real ipvsadm in the
 * director namespaces and with client traffic through the VIP. One lab for the whole file; the tests run in order
 * and each leaves the pair as the next one expects (d1 master, rs1 and rs2 configured and up).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR } from '../support/netns-lab.js';
import { CHECK_BUDGET_MS, RESYNC_S, SYNC_ID, VIP, VPORT, pairConfig, rsEndpoint } from './director-support/config.js';
import { connections, daemonRoles, daemons, destinations, stats, statsNow, table } from './director-support/ipvsadm.js';
import type { LogEntry } from './director-support/lvsd-process.js';
import { DirectorPair, type Node } from './director-support/pair.js';
import { HeldConnection, burst, waitUntil } from './director-support/servers.js';

/** Slack on every deadline for the lab's emulated CPU (TCG runs code 10-20x slower than the host). */
const TCG_SLACK_MS = 8000;
const NODES: readonly Node[] = ['d1', 'd2'];
const SERVICE = `TCP ${VIP}:${VPORT}`;
const dest = (n: number) => `${rsEndpoint('nat', n)} Masq 1`;
const daemonLine = (role: 'master' | 'backup') =>
  `${role} sync daemon (mcast=eth1, syncid=${SYNC_ID}, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`;

/** Measured durations, printed at the end (the report of how fast lvsd reacts in the lab). */
const timings: string[] = [];
const since = (t0: number) => Date.now() - t0;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('lvsd director, NAT pair in the kernel lab', () => {
  let pair: DirectorPair;
  /** The long-lived client connection of the restart and failover tests, and the server it reached. */
  let held: { conn: HeldConnection; server: string } | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    pair = await DirectorPair.up(3, { mode: 'nat', realServers: [1, 2] });
    timings.push(`lab and real servers up in ${since(t0)} ms`);
    const t1 = Date.now();
    await Promise.all(NODES.map((node) => pair.start(node)));
    timings.push(`lvsd running on d1 and d2 in ${since(t1)} ms`);
    // d1 wins the election (priority 150 to 100).
    await pair.waitMaster('d1');
    await pair.waitBackup('d2');
    timings.push(`d1 master, d2 backup after ${since(t1)} ms`);
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.info(pair?.logs());
  });
  afterAll(async () => {
    held?.conn.close();
    if (timings.length > 0) console.info(`director NAT timings:\n  ${timings.join('\n  ')}`);
    await pair?.down();
  });

  it('programs both directors and runs the sync daemons in their roles; the client reaches the service through the VIP', async () => {
    for (const node of NODES) expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1), dest(2)] }]);
    // Sync roles follow the group: master and backup on the master, backup on the backup.
    await waitUntil('the sync daemons in their roles', async () => (await daemonRoles(pair.lab, 'd2')).join() === 'backup', 5000);
    expect(await daemons(pair.lab, 'd1')).toEqual([daemonLine('master'), daemonLine('backup')]);
    expect(await daemons(pair.lab, 'd2')).toEqual([daemonLine('backup')]);
    expect(await pair.holdsVips('d2')).toBe(false);

    const replies = await burst(pair.lab, 6);
    expect(replies.filter((r) => r === 'rs1')).toHaveLength(3);
    expect(replies.filter((r) => r === 'rs2')).toHaveLength(3);
    // Through d1's IPVS: the client's connections, masqueraded to the real servers.
    const conns = (await connections(pair.lab, 'd1')).filter((c) => c.source.startsWith(`${LAB_ADDR.client}:`));
    expect(conns).toHaveLength(6);
    expect(conns.every((c) => c.virtual === `${VIP}:${VPORT}`)).toBe(true);
    expect(new Set(conns.map((c) => c.destination))).toEqual(new Set([rsEndpoint('nat', 1), rsEndpoint('nat', 2)]));
  });

  it('takes a killed real server out of IPVS on both directors within its check budget, sends it no client, and puts it back when healed', async () => {
    const budget = CHECK_BUDGET_MS + TCG_SLACK_MS;
    const marks = { d1: pair.node('d1').entries.length, d2: pair.node('d2').entries.length };
    const t0 = Date.now();
    await pair.servers.kill(2);
    await waitUntil(
      'rs2 to leave IPVS on d1 and d2',
      async () => {
        for (const node of NODES) if ((await destinations(pair.lab, node, `${VIP}:${VPORT}`)).includes(rsEndpoint('nat', 2))) return false;
        return true;
      },
      budget,
    );
    timings.push(`killed rs2 out of both tables after ${since(t0)} ms (budget ${CHECK_BUDGET_MS} ms + ${TCG_SLACK_MS} ms slack)`);
    for (const node of NODES) {
      const down = await pair.node(node).waitFor('health: down', (e) => String(e.rs).includes(rsEndpoint('nat', 2)), marks[node]);
      expect(down.vs).toBe('web');
      expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1)] }]);
    }
    // Many short connections: every one answered by the live server, none sent to the dead one.
    expect(new Set(await burst(pair.lab, 20))).toEqual(new Set(['rs1']));

    await pair.servers.start(2);
    const t1 = Date.now();
    await waitUntil(
      `rs2 back in IPVS on d1 and d2 (listening since ${new Date(t1).toISOString().slice(11, 23)})`,
      async () => {
        for (const node of NODES) if (!(await destinations(pair.lab, node, `${VIP}:${VPORT}`)).includes(rsEndpoint('nat', 2))) return false;
        return true;
      },
      budget,
    );
    timings.push(`healed rs2 back in both tables ${since(t1)} ms after its server listened`);
    for (const node of NODES) expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1), dest(2)] }]);
    expect(new Set(await burst(pair.lab, 4))).toEqual(new Set(['rs1', 'rs2']));
  });

  it('repairs drift made with ipvsadm behind its back within the resync interval', async () => {
    const before = await table(pair.lab, 'd1');
    const mark = pair.node('d1').entries.length;
    const t0 = Date.now();
    await pair.lab.exec('d1', ['ipvsadm', '-d', '-t', `${VIP}:${VPORT}`, '-r', rsEndpoint('nat', 1)]);
    await pair.lab.exec('d1', ['ipvsadm', '-e', '-t', `${VIP}:${VPORT}`, '-r', rsEndpoint('nat', 2), '-m', '-w', '5']);
    const deadline = RESYNC_S * 1000 + TCG_SLACK_MS;
    await waitUntil(
      "d1's table restored",
      async () => {
        const now = await table(pair.lab, 'd1');
        return JSON.stringify(now) === JSON.stringify(before);
      },
      deadline,
    );
    timings.push(`drift (a deleted destination, a changed weight) repaired after ${since(t0)} ms (resync interval ${RESYNC_S} s)`);
    // lvsd saw both changes (in one resync, or two when one fell between them) and put them right.
    await waitUntil(
      "'drift repaired' naming both changes",
      async () => {
        const drift = pair
          .node('d1')
          .find('drift repaired', mark)
          .flatMap((e) => e.drift as string[]);
        return (
          drift.some((d) => d.includes(`${rsEndpoint('nat', 1)}: missing`)) && drift.some((d) => d.includes(`${rsEndpoint('nat', 2)}:`))
        );
      },
      2000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}:\n${pair.node('d1').dump()}`);
    });
    // d2 was not touched and did nothing.
    expect(pair.node('d2').find('drift repaired')).toEqual([]);
  });

  describe('reload on SIGHUP', () => {
    /** Writes the config (when given), sends SIGHUP to both nodes and waits for each one's `msg` log line. */
    async function reload(text: string | undefined, msg = 'reload'): Promise<Record<Node, LogEntry>> {
      if (text !== undefined) pair.write(text);
      const marks = { d1: pair.node('d1').entries.length, d2: pair.node('d2').entries.length };
      for (const node of NODES) pair.node(node).signal('SIGHUP');
      const [d1, d2] = await Promise.all(NODES.map((node) => pair.node(node).waitFor(msg, () => true, marks[node])));
      return { d1: d1 as LogEntry, d2: d2 as LogEntry };
    }
    const summary = (e: LogEntry) => ({ added: e.added, removed: e.removed, changed: e.changed, ops: e.ops });

    it('an unchanged file: 0 ops, the table and its counters as they were', async () => {
      const before = { table: await table(pair.lab, 'd1'), stats: await stats(pair.lab, 'd1') };
      expect(before.stats.get(SERVICE)).toMatch(/^[1-9]/);
      const done = await reload(undefined);
      for (const node of NODES) expect(summary(done[node])).toEqual({ added: 0, removed: 0, changed: 0, ops: 0 });
      expect(await table(pair.lab, 'd1')).toEqual(before.table);
      // The settled counters of before, read again: any change now would be new traffic.
      expect(await statsNow(pair.lab, 'd1')).toEqual(before.stats);
      expect(await table(pair.lab, 'd2')).toEqual(before.table);
    });

    it('a server added, then removed again', async () => {
      const added = await reload(pairConfig({ mode: 'nat', realServers: [1, 2, 3] }));
      for (const node of NODES) {
        expect(summary(added[node])).toEqual({ added: 0, removed: 0, changed: 1, ops: 1 });
        expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1), dest(2), dest(3)] }]);
      }
      expect(new Set(await burst(pair.lab, 6))).toEqual(new Set(['rs1', 'rs2', 'rs3']));

      const removed = await reload(pairConfig({ mode: 'nat', realServers: [1, 2] }));
      for (const node of NODES) {
        expect(summary(removed[node])).toEqual({ added: 0, removed: 0, changed: 1, ops: 1 });
        expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} rr`, dests: [dest(1), dest(2)] }]);
      }
      expect(new Set(await burst(pair.lab, 6))).toEqual(new Set(['rs1', 'rs2']));
    });

    it('the scheduler edited in place: the service is not re-created (its counters survive)', async () => {
      const before = await stats(pair.lab, 'd1');
      const done = await reload(pairConfig({ mode: 'nat', realServers: [1, 2], scheduler: 'wrr' }));
      for (const node of NODES) {
        expect(summary(done[node])).toEqual({ added: 0, removed: 0, changed: 1, ops: 1 });
        expect(await table(pair.lab, node)).toEqual([{ service: `${SERVICE} wrr`, dests: [dest(1), dest(2)] }]);
      }
      expect(await statsNow(pair.lab, 'd1')).toEqual(before);
    });

    it('a broken file is refused with its position; the table stays and lvsd runs on', async () => {
      const good = pairConfig({ mode: 'nat', realServers: [1, 2], scheduler: 'wrr' });
      const before = await table(pair.lab, 'd1');
      const broken = good.replace('scheduler: wrr', 'scheduler: nonsense');
      const line = broken.split('\n').findIndex((l) => l.includes('scheduler: nonsense')) + 1;
      const marks = { d1: pair.node('d1').entries.length, d2: pair.node('d2').entries.length };
      await reload(broken, 'reload refused: the configuration has errors; nothing changed');
      for (const node of NODES) {
        expect(pair.node(node).find('reload', marks[node])).toEqual([]);
        const positioned = pair
          .node(node)
          .entries.slice(marks[node])
          .find((e) => e.line === line);
        expect(positioned?.msg).toMatch(new RegExp(`^${escapeRegExp(pair.file)}:${line}:\\d+: virtual_servers\\[0\\]\\.scheduler: `));
        expect(await table(pair.lab, node)).toEqual(before);
        expect(pair.node(node).exited).toBe(false);
      }
      // It still works: the good file back, and a reload of it changes nothing.
      const again = await reload(good);
      for (const node of NODES) expect(summary(again[node])).toEqual({ added: 0, removed: 0, changed: 0, ops: 0 });
    });
  });

  it('kill -9 and restart of lvsd on the master: the live connection carries on, the restart adopts the table (no service or destination op)', async () => {
    held = await HeldConnection.open(pair.lab);
    const { conn, server } = held;
    expect(await conn.echo('before')).toBe(`${server} before`);
    const source = await heldSource();
    // The sync daemons replicate it to d2.
    await waitUntil(
      'the connection replicated to d2',
      async () => (await connections(pair.lab, 'd2')).some((c) => c.source === source),
      15_000,
    );
    const before = await table(pair.lab, 'd1');

    pair.node('d1').signal('SIGKILL');
    expect(await pair.node('d1').exit()).toBe('SIGKILL');
    // The kernel forwards on without lvsd.
    expect(await conn.echo('orphaned')).toBe(`${server} orphaned`);

    const t0 = Date.now();
    const restarted = await pair.start('d1');
    timings.push(`lvsd restarted on d1 in ${since(t0)} ms`);
    // The table is adopted as it is: no service or destination op. (The start run may also stop the master sync
    // daemon the killed lvsd left running, as the new one starts as VRRP backup: those ops are logged one by one.)
    const programmed = restarted.find('IPVS table programmed')[0];
    expect(programmed).toMatchObject({ services: 1, adopted: 1 });
    const daemonOps = restarted.entries
      .slice(0, restarted.entries.indexOf(programmed as LogEntry))
      .filter((e) => e.msg.startsWith('sync daemon '));
    expect(programmed?.ops).toBe(daemonOps.length);
    expect(await table(pair.lab, 'd1')).toEqual(before);
    expect(await conn.echo('restarted')).toBe(`${server} restarted`);
    await pair.waitMaster('d1');
    await pair.waitBackup('d2');
    expect(await conn.echo('master again')).toBe(`${server} master again`);
    expect(await table(pair.lab, 'd1')).toEqual(before);
    await waitUntil('the sync daemons in their roles', async () => (await daemonRoles(pair.lab, 'd1')).join() === 'backup,master', 5000);
  });

  it('master crash: the backup takes the VIPs, becomes sync master, and the live connection carries on through it', async () => {
    if (held === undefined) throw new Error('no long-lived connection (the restart test failed)');
    const { conn, server } = held;
    const source = await heldSource();
    await waitUntil(
      'the connection replicated to d2',
      async () => (await connections(pair.lab, 'd2')).some((c) => c.source === source),
      15_000,
    );
    const mark = pair.node('d2').entries.length;

    const t0 = Date.now();
    pair.node('d1').signal('SIGKILL');
    await pair.node('d1').exit();
    for (const ifname of ['eth0', 'eth1']) await pair.lab.exec('d1', ['ip', 'link', 'set', ifname, 'down']);
    await pair.waitMaster('d2', mark);
    timings.push(`d2 master ${since(t0)} ms after d1 crashed`);
    await waitUntil('d2 to run the master sync daemon', async () => (await daemonRoles(pair.lab, 'd2')).join() === 'backup,master', 5000);
    expect(await daemons(pair.lab, 'd2')).toEqual([daemonLine('master'), daemonLine('backup')]);
    const entry = (await connections(pair.lab, 'd2')).find((c) => c.source === source);
    expect(entry).toMatchObject({ protocol: 'TCP', virtual: `${VIP}:${VPORT}`, destination: rsEndpoint('nat', Number(server.slice(2))) });

    const t1 = Date.now();
    expect(await conn.echo('after failover')).toBe(`${server} after failover`);
    timings.push(`the long-lived connection answered through d2 ${since(t1)} ms after d2 took over`);
    // Now through d2's IPVS: its entry for the connection is established.
    expect((await connections(pair.lab, 'd2')).find((c) => c.source === source)?.state).toBe('ESTABLISHED');
  });

  it('planned stop without --keep-ipvs: the services and the sync daemons are removed', async () => {
    held?.conn.close();
    held = undefined;
    const d2 = pair.node('d2');
    d2.signal('SIGTERM');
    expect(await d2.exit()).toBe(0);
    expect(d2.find('IPVS services removed')[0]).toMatchObject({ ops: 3, failed: 0 });
    expect(await table(pair.lab, 'd2')).toEqual([]);
    expect(await daemons(pair.lab, 'd2')).toEqual([]);
  });

  /** The client's address:port of the long-lived connection, from the master's (d1's) connection table. */
  async function heldSource(): Promise<string> {
    const open = (await connections(pair.lab, 'd1')).filter((c) => c.state === 'ESTABLISHED' && c.source.startsWith(`${LAB_ADDR.client}:`));
    if (open.length !== 1) throw new Error(`expected one established client connection on d1, found ${JSON.stringify(open)}`);
    return (open[0] as { source: string }).source;
  }
});
