/**
 * `lvsd run` features in the netns lab: Accept_Mode off (an nftables table drops traffic to the VIPs on a master that
 * is not the owner, ARP still answered), vrrp_track_file (a value written to the file moves mastership), sync groups
 * (cutting one member's link moves the whole group, group notify) and script_user (notify programs and vrrp_script
 * checks run as the configured user).
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';
import { LVSD, exited, requireVrrpPrerequisites, sleep, waitFor } from '../support/vrrp-lab.js';

const VIP = LAB_ADDR.frontVip;
const GW = LAB_ADDR.gatewayVip;
type Director = 'd1' | 'd2';

interface Transition {
  readonly time: number;
  readonly priority: number;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
}

interface Daemon {
  readonly host: Director;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly transitions: Transition[];
}

function collect(host: Director, child: ChildProcess): Daemon {
  const d: Daemon = { host, child, lines: [], transitions: [] };
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      d.lines.push(line);
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (j.msg === 'transition') d.transitions.push(j as unknown as Transition);
      } catch {
        // not JSON (stderr)
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return d;
}

/** The state an instance of a daemon last reported. */
const stateOf = (d: Daemon, instance: string) => d.transitions.filter((t) => t.instance === instance).at(-1)?.to ?? 'initialize';

describe('lvsd run features', () => {
  let lab: NetnsLab;
  let dir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    requireVrrpPrerequisites(['nft', 'socat']);
    dir = mkdtempSync(join(tmpdir(), 'lvsd-features-'));
    lab = await NetnsLab.up({ realServers: 1 });
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) {
      d.child.kill('SIGKILL');
      await exited(d.child);
    }
    for (const h of ['d1', 'd2'] as const) {
      await lab.exec(h, ['ip', 'link', 'set', 'eth1', 'up'], { allowFailure: true });
      await lab.exec(h, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFailure: true });
      await lab.exec(h, ['ip', 'addr', 'del', `${GW}/24`, 'dev', 'eth1'], { allowFailure: true });
      await lab.exec(h, ['nft', 'delete', 'table', 'inet', 'lvsd'], { allowFailure: true });
    }
  });
  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const hasAddr = async (h: Director, addr: string, dev = 'eth0') =>
    (await lab.exec(h, ['ip', '-4', '-o', 'addr', 'show', 'dev', dev])).stdout.includes(` ${addr}/`);
  const mac = async (h: Director) => (await lab.exec(h, ['cat', '/sys/class/net/eth0/address'])).stdout.trim();
  const filterTable = async (h: Director) => {
    const r = await lab.exec(h, ['nft', 'list', 'table', 'inet', 'lvsd'], { allowFailure: true });
    return r.code === 0 ? r.stdout : undefined;
  };
  const ping = async (addr: string) => (await lab.exec('client', ['ping', '-c1', '-W1', addr], { allowFailure: true })).code === 0;
  /** A TCP exchange with the echo listener on port 7000 (socat on the client, 2 s to connect and to read). */
  const tcp = async (addr: string) => {
    const r = await lab.exec('client', ['socat', '-T2', '-', `TCP:${addr}:7000,connect-timeout=2`], {
      allowFailure: true,
      timeoutMs: 8_000,
    });
    return r.code === 0 ? r.stdout.trim() : undefined;
  };

  function writeConfig(name: string, text: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  }

  async function startLvsd(h: Director, file: string): Promise<Daemon> {
    const d = collect(h, await lab.spawn(h, ['node', LVSD, 'run', '-c', file, '--node', h]));
    daemons.push(d);
    await waitFor(`lvsd on ${h} running`, () => d.lines.some((l) => l.includes('"msg":"running"')), 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${d.lines.join('\n')}`);
    });
    return d;
  }

  describe('accept mode', () => {
    const config = (accept: boolean) =>
      writeConfig(
        `accept-${accept}`,
        `nodes:
  d1: { vrrp_instances: { VI_1: { priority: 150, state: MASTER } } }
  d2: { vrrp_instances: { VI_1: { priority: 200 } } }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 71
    advert_int: 1
    accept: ${accept}
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
      );

    beforeAll(async () => {
      // An echo service on every address of d1 and d2.
      for (const h of ['d1', 'd2'] as const) await lab.spawn(h, ['socat', 'TCP-LISTEN:7000,reuseaddr,fork', 'EXEC:/bin/echo hello']);
      await sleep(300);
    });

    it('accept off: the master holds the VIP and answers ARP for it, but neither ping nor TCP to it get an answer', async () => {
      const file = config(false);
      const d1 = await startLvsd('d1', file);
      await waitFor('d1 master', () => stateOf(d1, 'VI_1') === 'master');
      await waitFor('VIP on d1', () => hasAddr('d1', VIP));
      const table = await waitFor('filter table on d1', () => filterTable('d1'));
      expect(table).toMatch(new RegExp(`elements = \\{ ${VIP.replace(/\./g, '\\.')} \\}`));
      // Our own address still answers: only the VIP is filtered.
      expect(await ping(LAB_ADDR.director(1).front)).toBe(true);
      expect(await tcp(LAB_ADDR.director(1).front)).toBe('hello');
      expect(await ping(VIP)).toBe(false);
      expect(await tcp(VIP)).toBeUndefined();
      // ARP is not filtered: the client resolved the VIP to d1.
      const neigh = (await lab.exec('client', ['ip', 'neigh', 'show', VIP])).stdout;
      expect(neigh).toContain(await mac('d1'));
      expect(neigh).not.toContain('FAILED');

      // A higher-priority d2 takes over: d1 drops the addresses and its table; d2, not the owner either, filters.
      const d2 = await startLvsd('d2', file);
      await waitFor('d2 master', () => stateOf(d2, 'VI_1') === 'master', 10_000);
      await waitFor('d1 backup', () => stateOf(d1, 'VI_1') === 'backup');
      await waitFor('d1 table removed', async () => (await filterTable('d1')) === undefined, 5_000);
      await waitFor('filter table on d2', () => filterTable('d2'));
      await waitFor('VIP on d2', () => hasAddr('d2', VIP));
      expect(await ping(VIP)).toBe(false);

      // Exit removes the table (SIGINT: immediate stop).
      d2.child.kill('SIGINT');
      await exited(d2.child);
      expect(d2.child.exitCode).toBe(0);
      expect(await filterTable('d2')).toBeUndefined();
    });

    it('accept on: the master answers ping and TCP on the VIP, and no table is made', async () => {
      const d1 = await startLvsd('d1', config(true));
      await waitFor('d1 master', () => stateOf(d1, 'VI_1') === 'master');
      await waitFor('VIP on d1', () => hasAddr('d1', VIP));
      expect(await ping(VIP)).toBe(true);
      expect(await tcp(VIP)).toBe('hello');
      expect(await filterTable('d1')).toBeUndefined();
    });

    it('a table left by a killed daemon is replaced at start', async () => {
      const file = config(false);
      const d1 = await startLvsd('d1', file);
      await waitFor('filter table on d1', () => filterTable('d1'));
      d1.child.kill('SIGKILL');
      await exited(d1.child);
      expect(await filterTable('d1')).toBeDefined();
      await lab.exec('d1', ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFailure: true });
      // Started as backup (master only after the master-down interval): the stale table must go at once.
      const backupOnly = writeConfig(
        'accept-backup',
        readFileSync(file, 'utf8').replace('priority: 150, state: MASTER', 'priority: 150, state: BACKUP'),
      );
      const d1b = await startLvsd('d1', backupOnly);
      expect(await filterTable('d1')).toBeUndefined();
      await waitFor('d1 master', () => stateOf(d1b, 'VI_1') === 'master', 8_000);
      await waitFor('filter table on d1 again', () => filterTable('d1'));
    });
  });

  it('track_file: a value written to the file lowers the priority and d2 takes over; 0 brings d1 back; weight 0 faults', async () => {
    const f1 = join(dir, 'd1.prio');
    const f1fault = join(dir, 'd1.fault');
    writeFileSync(f1, '0\n');
    const text = (file: string, faultFile: string) => `nodes:
  d1: { vrrp_instances: { VI_1: { priority: 150 } } }
  d2: { vrrp_instances: { VI_1: { priority: 100 } } }
vrrp_track_files:
  prio: { file: ${file}, weight: -10 }
  down: { file: ${faultFile}, weight: 0 }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 72
    advert_int: 1
    track_file: [prio, down]
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`;
    // d2 follows files that never change (the namespaces share the file system).
    const d1 = await startLvsd('d1', writeConfig('tf-d1', text(f1, f1fault)));
    const d2 = await startLvsd('d2', writeConfig('tf-d2', text(join(dir, 'd2.prio'), join(dir, 'd2.fault'))));
    await waitFor('d1 master', () => stateOf(d1, 'VI_1') === 'master');
    expect(stateOf(d2, 'VI_1')).toBe('backup');

    writeFileSync(f1, '6\n'); // 150 − 60 = 90 < 100
    await waitFor(
      'd1 priority 90',
      () => d1.lines.some((l) => l.includes('"msg":"tracked priority"') && l.includes('"priority":90')),
      3_000,
    );
    await waitFor('d2 master', () => stateOf(d2, 'VI_1') === 'master', 8_000);
    await waitFor('d1 backup', () => stateOf(d1, 'VI_1') === 'backup', 3_000);
    expect(d1.transitions.at(-1)?.priority).toBe(90);
    await waitFor('VIP on d2', () => hasAddr('d2', VIP));

    writeFileSync(f1, '0\n');
    await waitFor('d1 master again', () => stateOf(d1, 'VI_1') === 'master', 8_000);
    expect(d1.transitions.at(-1)?.priority).toBe(150);
    await waitFor('d2 backup again', () => stateOf(d2, 'VI_1') === 'backup', 3_000);

    writeFileSync(f1fault, '1\n'); // weight 0: non-zero is a fault
    await waitFor('d1 fault', () => stateOf(d1, 'VI_1') === 'fault', 3_000);
    await waitFor('d2 master once more', () => stateOf(d2, 'VI_1') === 'master', 3_000);
    rmSync(f1fault); // a missing file reads 0
    await waitFor('d1 master at last', () => stateOf(d1, 'VI_1') === 'master', 8_000);
  });

  it('sync group: cutting one member’s link moves both instances to d2; the group notify runs', async () => {
    const notifyDir = join(dir, 'group-notify');
    mkdirSync(notifyDir, { recursive: true });
    const text = `nodes:
  d1: { vrrp_instances: { VI_front: { priority: 150 }, VI_back: { priority: 150 } } }
  d2: { vrrp_instances: { VI_front: { priority: 100 }, VI_back: { priority: 100 } } }
vrrp_sync_groups:
  G:
    group: [VI_front, VI_back]
    # one log per namespace (the namespaces share the file system)
    notify: [/bin/sh, -c, 'echo "$*" >> ${notifyDir}/$(ip netns identify)', notify]
vrrp_instances:
  VI_front:
    interface: eth0
    virtual_router_id: 73
    advert_int: 1
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
  VI_back:
    interface: eth1
    virtual_router_id: 74
    advert_int: 1
    virtual_ipaddress:
      - ${GW}/24 dev eth1
`;
    const file = writeConfig('sync', text);
    const d1 = await startLvsd('d1', file);
    const d2 = await startLvsd('d2', file);
    await waitFor('d1 master of both', () => stateOf(d1, 'VI_front') === 'master' && stateOf(d1, 'VI_back') === 'master');
    expect([stateOf(d2, 'VI_front'), stateOf(d2, 'VI_back')]).toEqual(['backup', 'backup']);
    const notifyLog = (h: Director) => {
      const f = join(notifyDir, lab.ns(h));
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : [];
    };
    await waitFor('d1 group notify MASTER', () => notifyLog('d1').includes('GROUP G MASTER 0'), 3_000);

    const cutAt = Date.now();
    await lab.exec('d1', ['ip', 'link', 'set', 'eth1', 'down']);
    // Only VI_back's link went down, yet both members go to fault...
    await waitFor('d1 both fault', () => stateOf(d1, 'VI_front') === 'fault' && stateOf(d1, 'VI_back') === 'fault', 3_000);
    // ...and d2 takes both over, together (its VI_back waits for the master-down interval, VI_front waits with it).
    await waitFor('d2 master of both', () => stateOf(d2, 'VI_front') === 'master' && stateOf(d2, 'VI_back') === 'master', 10_000);
    console.log(`sync group moved after ${Date.now() - cutAt} ms`);
    await waitFor('VIPs on d2', async () => (await hasAddr('d2', VIP)) && (await hasAddr('d2', GW, 'eth1')));
    expect(await hasAddr('d1', VIP)).toBe(false);
    await waitFor('group notify FAULT on d1', () => notifyLog('d1').includes('GROUP G FAULT 0'), 3_000);
    await waitFor('group notify MASTER on d2', () => notifyLog('d2').includes('GROUP G MASTER 0'), 3_000);
    expect(notifyLog('d2')[0]).toBe('GROUP G BACKUP 0');
    expect(d1.lines.some((l) => l.includes('"msg":"sync group"') && l.includes('"to":"FAULT"'))).toBe(true);

    await lab.exec('d1', ['ip', 'link', 'set', 'eth1', 'up']);
    await waitFor('d1 master of both again', () => stateOf(d1, 'VI_front') === 'master' && stateOf(d1, 'VI_back') === 'master', 10_000);
    await waitFor('d2 backup of both', () => stateOf(d2, 'VI_front') === 'backup' && stateOf(d2, 'VI_back') === 'backup', 5_000);
  });

  it('script_user: notify programs run as global.script_user, a vrrp_script as its own user', async () => {
    const out = join(dir, 'as-user');
    mkdirSync(out, { recursive: true });
    chmodSync(out, 0o777);
    chmodSync(dir, 0o755);
    const file = writeConfig(
      'script-user',
      `global:
  script_user: nobody
nodes:
  d1: { vrrp_instances: { VI_1: { priority: 150 } } }
vrrp_scripts:
  chk_daemon:
    # weight 0: the instance stays in fault unless this passes, i.e. runs as daemon (uid 1)
    script: [/bin/sh, -c, 'test "$(id -u)" = 1 && test "$(id -g)" = 1']
    interval: 1
    user: daemon
  chk_default:
    script: [/bin/sh, -c, 'test "$(id -u)" = 65534']
    interval: 1
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 75
    advert_int: 1
    track_script: [chk_daemon, chk_default]
    notify_master: [/bin/sh, -c, 'id -u > ${out}/master-uid; id -g > ${out}/master-gid']
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
    );
    const d1 = await startLvsd('d1', file);
    await waitFor('d1 master', () => stateOf(d1, 'VI_1') === 'master', 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${d1.lines.join('\n')}`);
    });
    const uidFile = join(out, 'master-uid');
    await waitFor('notify output', () => existsSync(uidFile) && readFileSync(uidFile, 'utf8').trim() !== '', 3_000);
    expect(readFileSync(uidFile, 'utf8').trim()).toBe('65534');
    expect(readFileSync(join(out, 'master-gid'), 'utf8').trim()).toBe('65534');
    expect(statSync(uidFile).uid).toBe(65534);
    // Both checks pass only as their users: their weight-0 failure would fault the instance (it starts in fault
    // until they have run once).
    for (const name of ['chk_daemon', 'chk_default'])
      expect(
        d1.lines.some((l) => l.includes('"msg":"vrrp_script"') && l.includes(`"script":"${name}"`) && l.includes('"status":"ok"')),
      ).toBe(true);
    await sleep(2_500);
    expect(d1.lines.some((l) => l.includes('"msg":"vrrp_script"') && l.includes('"status":"fail"'))).toBe(false);
    expect(stateOf(d1, 'VI_1')).toBe('master');
  });

  it('script_user: an unknown user stops the start with status 1', async () => {
    const file = writeConfig(
      'ghost-user',
      `global: { script_user: ghost-user-x }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 76
    notify_master: [/bin/true]
    virtual_ipaddress: [${VIP}/24 dev eth0]
`,
    );
    const d = collect('d1', await lab.spawn('d1', ['node', LVSD, 'run', '-c', file, '--node', 'd1']));
    await exited(d.child);
    expect(d.child.exitCode).toBe(1);
    expect(d.lines.join('\n')).toContain("script user 'ghost-user-x' does not exist");
  });
});
