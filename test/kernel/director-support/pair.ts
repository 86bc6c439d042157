/**
 * A director pair under test: the netns lab, the real servers' echo servers, the shared config file and lvsd on
 * d1 and d2. `down()` kills what is left and deletes the namespaces and the config directory, also after a
 * failed test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_ADDR, NetnsLab } from '../../support/netns-lab.js';
import { type PairConfig, VIP, pairConfig, rsPort } from './config.js';
import { LvsdProcess } from './lvsd-process.js';
import { RealServers, makeDrRealServer, waitUntil } from './servers.js';

export type Node = 'd1' | 'd2';

/**
 * DR in this lab: the directors are also the real servers' router (their default route is the gateway VIP), so a
 * real server's reply, whose source is the VIP, comes back in on the master's eth1 — and the kernel drops a packet
 * from one of its own addresses as a martian ("martian source 203.0.113.100 from 203.0.113.10, on dev eth1")
 * unless accept_local is set. A real DR network routes the replies elsewhere; here the director forwards them.
 */
async function acceptOwnVip(lab: NetnsLab, node: Node): Promise<void> {
  await lab.exec(node, ['sysctl', '-qw', 'net.ipv4.conf.eth1.accept_local=1']);
}

export class DirectorPair {
  readonly lvsd: Partial<Record<Node, LvsdProcess>> = {};

  private constructor(
    readonly lab: NetnsLab,
    readonly servers: RealServers,
    readonly dir: string,
    readonly file: string,
  ) {}

  /** Builds the lab with `realServers` servers (all started) and writes the config for `config`. */
  static async up(realServers: number, config: PairConfig): Promise<DirectorPair> {
    const lab = await NetnsLab.up({ realServers });
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-director-'));
    const pair = new DirectorPair(lab, new RealServers(lab, rsPort(config.mode)), dir, join(dir, 'lvsd.yaml'));
    try {
      pair.write(pairConfig(config));
      const all = Array.from({ length: realServers }, (_, i) => i + 1);
      if (config.mode === 'dr') {
        for (const n of all) await makeDrRealServer(lab, n);
        for (const d of ['d1', 'd2'] as const) await acceptOwnVip(lab, d);
      }
      // In parallel: a node start is seconds on the lab's emulated CPU.
      await Promise.all(all.map((n) => pair.servers.start(n)));
    } catch (err) {
      await pair.down();
      throw err;
    }
    return pair;
  }

  /** Replaces the config file's text. */
  write(text: string): void {
    writeFileSync(this.file, text);
  }

  /** Starts lvsd on a node. */
  async start(node: Node, opts: { keepIpvs?: boolean } = {}): Promise<LvsdProcess> {
    const p = await LvsdProcess.start(this.lab, node, this.file, opts);
    this.lvsd[node] = p;
    return p;
  }

  /** The running lvsd of a node (fails when there is none). */
  node(node: Node): LvsdProcess {
    const p = this.lvsd[node];
    if (p === undefined || p.exited) throw new Error(`no lvsd running on ${node}`);
    return p;
  }

  /** Whether a node holds both lab VIPs (the front VIP and the real servers' gateway). */
  async holdsVips(node: Node): Promise<boolean> {
    const { stdout } = await this.lab.exec(node, ['ip', '-4', '-o', 'addr', 'show']);
    return stdout.includes(` ${VIP}/`) && stdout.includes(` ${LAB_ADDR.gatewayVip}/`);
  }

  /** Waits until the node's lvsd says its sync group is MASTER and the node holds the VIPs. */
  async waitMaster(node: Node, from = 0, timeoutMs = 30_000): Promise<void> {
    await this.node(node).waitFor('sync group', (e) => e.to === 'MASTER', from, timeoutMs);
    await waitUntil(`${node} to hold the VIPs`, () => this.holdsVips(node), 10_000);
  }

  /** The last log lines of each lvsd, for a failed test's output. */
  logs(): string {
    return (['d1', 'd2'] as const)
      .flatMap((n) => {
        const p = this.lvsd[n];
        return p === undefined ? [] : [`lvsd on ${n} (${p.exited ? 'exited' : 'running'}):\n${p.dump(60)}`];
      })
      .join('\n');
  }

  /**
   * Waits until the node's lvsd says its sync group is BACKUP (its last word on the group) and the node does not
   * hold the VIPs.
   */
  async waitBackup(node: Node, timeoutMs = 30_000): Promise<void> {
    const p = this.node(node);
    await waitUntil(
      `${node} to be backup`,
      async () => p.find('sync group').at(-1)?.to === 'BACKUP' && !(await this.holdsVips(node)),
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}:\n${p.dump()}`);
    });
  }

  /** Kills every process of the lab, deletes its namespaces and the config directory. */
  async down(): Promise<void> {
    try {
      await this.lab.down();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
