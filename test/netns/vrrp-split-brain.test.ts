/**
 * Split brain and heal: VRRP between the directors is dropped in the front bridge (nftables, bridge family, frames
 * from one director's port to the other's; the client still sees both, ARP and traffic still flow); both become
 * master and the client follows d2's gratuitous ARPs. Once healed, exactly one master (d1, the higher priority) must
 * remain within one advert interval plus Skew_Time, and it must send fresh gratuitous ARPs so the client's neighbour
 * entry comes back to it: for an lvsd pair, and for lvsd with keepalived each way round.
 *
 * Who speaks first after the heal matters: if d2 (lower) does, d1 answers a lower-priority advert with an advert
 * and a gratuitous ARP burst; if d1 does, d2 just yields, and d1 hears of the split brain only if d2 sends one last
 * advert as it yields (higher_prio_send_advert: lvsd's default, an option in keepalived). The heal is timed from the
 * adverts seen on the client, so that each ordering is run on purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';
import {
  type Daemon,
  type Director,
  VIP,
  type Watcher,
  advertTimes,
  captureArp,
  clientNeigh,
  cutVrrp,
  gratuitousArps,
  hasVip,
  healVrrp,
  macOf,
  requireVrrpPrerequisites,
  skewMs,
  sleep,
  startKeepalived,
  startLvsd,
  stateOf,
  stopAll,
  waitFor,
  writeLvsdConfig,
} from '../support/vrrp-lab.js';

const ADVERT_INT_MS = 1_000;

describe('VRRP split brain and heal', () => {
  let lab: NetnsLab;
  let dir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    requireVrrpPrerequisites(['nft', 'tcpdump', 'keepalived']);
    dir = mkdtempSync(join(tmpdir(), 'lvsd-split-'));
    lab = await NetnsLab.up({ realServers: 1 });
  });
  afterEach(async () => {
    await healVrrp(lab).catch(() => undefined);
    await stopAll(lab, daemons);
    await lab.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0'], { allowFailure: true });
  });
  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const addr = (h: Director) => LAB_ADDR.director(h === 'd1' ? 1 : 2).front;

  /**
   * Heals the cut 250 ms before an advert of `first`, at a time when the other director's next advert comes more
   * than 100 ms after that one. Returns the heal time (taken before the nft command runs).
   */
  async function healBefore(capture: Watcher, first: Director): Promise<number> {
    const other: Director = first === 'd1' ? 'd2' : 'd1';
    const a = advertTimes(capture, addr(first));
    const b = advertTimes(capture, addr(other));
    if (a.length < 2 || b.length < 2) throw new Error(`too few adverts captured: ${a.length} from ${first}, ${b.length} from ${other}`);
    let tA = a.at(-1)!;
    for (let i = 0; ; i++) {
      if (i > 20)
        throw new Error(
          `no heal time found: ${first} at ${a.slice(-3).join(', ')}; ${other} at ${b.slice(-3).join(', ')}; now ${Date.now()}`,
        );
      tA += 1_000;
      if (tA < Date.now() + 400) continue;
      let tB = b.at(-1)!;
      while (tB < tA - 250) tB += 1_000;
      if (tB > tA + 100) break;
    }
    await sleep(tA - 250 - Date.now());
    const healAt = Date.now();
    await healVrrp(lab);
    return healAt;
  }

  /**
   * d1 (150) master and d2 (100) backup are running. Cuts, checks the split brain, heals so that `first` advertises
   * first, checks the outcome.
   */
  async function splitAndHeal(d1: Daemon, d2: Daemon, label: string, first: Director) {
    const d1Mac = await macOf(lab, 'd1');
    const d2Mac = await macOf(lab, 'd2');
    await waitFor('d1 master, d2 backup', () => stateOf(d1) === 'master' && stateOf(d2) === 'backup', 10_000);
    await waitFor('VIP on d1', () => hasVip(lab, 'd1'));
    await lab.exec('client', ['ping', '-c1', '-W1', VIP], { allowFailure: true });
    expect(await clientNeigh(lab)).toContain(d1Mac);
    const d1Changes = d1.changes.length;
    const arp = await captureArp(lab);

    const cutAt = Date.now();
    await cutVrrp(lab);
    await waitFor('d2 master (split brain)', () => stateOf(d2) === 'master', 8_000);
    console.log(`[${label}] d2 master ${d2.changes.at(-1)!.time - cutAt} ms after the cut`);
    await waitFor('VIP on d2', () => hasVip(lab, 'd2'));
    expect(await hasVip(lab, 'd1')).toBe(true);
    expect(stateOf(d1)).toBe('master');
    // d2's gratuitous ARPs moved the client to d2: after the heal, only d1's can move it back.
    await waitFor('client entry on d2', async () => (await clientNeigh(lab)).includes(d2Mac), 3_000);
    // Both stay master: the split brain is stable, not a transient.
    await sleep(2_500);
    expect(stateOf(d1)).toBe('master');
    expect(stateOf(d2)).toBe('master');
    expect(d1.changes.length).toBe(d1Changes);

    const healAt = await healBefore(arp, first);
    await waitFor('d2 back to backup', () => stateOf(d2) === 'backup', 5_000);
    const resolvedMs = d2.changes.at(-1)!.time - healAt;
    // The first advert either way after the heal settles it: one advert interval, plus Skew_Time of the lower
    // priority as the bound.
    const bound = ADVERT_INT_MS + skewMs(100);
    console.log(`[${label}, ${first} first] split brain resolved ${resolvedMs} ms after the heal (bound ${bound.toFixed(0)} ms)`);
    expect(resolvedMs).toBeGreaterThanOrEqual(0);
    expect(resolvedMs).toBeLessThanOrEqual(bound);
    // The ordering asked for is the one that happened on the wire.
    const next = (h: Director) => advertTimes(arp, addr(h)).find((t) => t >= healAt) ?? Number.POSITIVE_INFINITY;
    expect(next(first)).toBeLessThan(next(first === 'd1' ? 'd2' : 'd1'));

    // Exactly one master remains: d1, never left master; d2 gave the VIP back.
    await waitFor('VIP off d2', async () => !(await hasVip(lab, 'd2')), 2_000);
    for (let i = 0; i < 10; i++) {
      expect([await hasVip(lab, 'd1'), await hasVip(lab, 'd2')]).toEqual([true, false]);
      await sleep(100);
    }
    expect(stateOf(d1)).toBe('master');
    expect(d1.changes.length).toBe(d1Changes);
    expect(stateOf(d2)).toBe('backup');

    // The remaining master announced itself afresh after the heal, and the client is back on d1.
    const fresh = await waitFor(
      "d1's gratuitous ARPs after the heal",
      () => {
        const g = gratuitousArps(arp).filter((x) => x.mac === d1Mac && x.time >= healAt);
        return g.length > 0 ? g : undefined;
      },
      3_000,
    );
    console.log(
      `[${label}, ${first} first] first gratuitous ARP from d1 ${(fresh[0]!.time - healAt).toFixed(0)} ms after the heal (${fresh.length} seen)`,
    );
    await waitFor('client entry back on d1', async () => (await clientNeigh(lab)).includes(d1Mac), 2_000);
    arp.child.kill('SIGKILL');
  }

  for (const first of ['d2', 'd1'] as const) {
    it(`lvsd pair, ${first} advertising first after the heal: one master within advert_int + skew, fresh GARPs from it`, async () => {
      const file = writeLvsdConfig(join(dir, 'pair.yaml'));
      const d1 = await startLvsd(lab, 'd1', file, daemons);
      const d2 = await startLvsd(lab, 'd2', file, daemons);
      await splitAndHeal(d1, d2, 'lvsd-lvsd', first);
      expect(d1.changes.map((c) => c.to)).toEqual(['backup', 'master']);
      expect(d2.changes.map((c) => c.to)).toEqual(['backup', 'master', 'backup']);
    });
  }

  it('lvsd master (d1) with keepalived (d2, higher_prio_send_advert), d1 first: same outcome', async () => {
    const d1 = await startLvsd(lab, 'd1', writeLvsdConfig(join(dir, 'lk.yaml')), daemons);
    // keepalived's higher_prio_send_advert is off by default: without it, d1 would not hear of the split brain.
    const k2 = await startKeepalived(lab, 'd2', dir, { priority: 100, extra: '  higher_prio_send_advert\n' }, daemons);
    await splitAndHeal(d1, k2, 'lvsd-keepalived', 'd1').catch((err: Error) => {
      throw new Error(`${err.message}\nkeepalived d2:\n${k2.lines.slice(-30).join('\n')}`);
    });
  });

  it('keepalived master (d1) with lvsd (d2), d1 first: same outcome (lvsd yields with one last advert)', async () => {
    const k1 = await startKeepalived(lab, 'd1', dir, { priority: 150 }, daemons);
    const d2 = await startLvsd(lab, 'd2', writeLvsdConfig(join(dir, 'kl.yaml')), daemons);
    await splitAndHeal(k1, d2, 'keepalived-lvsd', 'd1').catch((err: Error) => {
      throw new Error(`${err.message}\nkeepalived d1:\n${k1.lines.slice(-30).join('\n')}`);
    });
  });
});
