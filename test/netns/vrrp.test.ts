/**
 * VRRP on the wire: `lvsd run` pairs on the `ip` and `udp` transports (failover on SIGKILL within the master-down
 * interval, gratuitous ARP moving the client's neighbour entry, preemption back), and interop with keepalived on
 * the `ip` transport (VRRPv2 without and with PASS authentication, VRRPv3; multicast and unicast), each way round:
 * failover when the master stops, failback when it comes back, and on a cut of the master's front link.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';
import { exited, keepalivedArgv, LVSD, requireVrrpPrerequisites, waitFor } from '../support/vrrp-lab.js';

const VIP = LAB_ADDR.frontVip;

interface Transition {
  readonly time: number;
  readonly priority: number;
  readonly vrid: number;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
}

/** A state entered, lvsd's (from its transition lines) or keepalived's ("Entering … STATE", time of arrival). */
interface StateEntered {
  readonly time: number;
  readonly to: string;
}

interface Daemon {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly transitions: Transition[];
  readonly states: StateEntered[];
}

function collect(child: ChildProcess): Daemon {
  const d: Daemon = { child, lines: [], transitions: [], states: [] };
  let buf = '';
  const onData = (chunk: Buffer) => {
    const now = Date.now();
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      d.lines.push(line);
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (j.msg === 'transition') {
          const t = j as unknown as Transition;
          d.transitions.push(t);
          d.states.push({ time: t.time, to: t.to });
        }
      } catch {
        // keepalived's lines are not JSON
        const m = /Entering (MASTER|BACKUP|FAULT) STATE/.exec(line);
        if (m?.[1]) d.states.push({ time: now, to: m[1].toLowerCase() });
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return d;
}

describe('VRRP on the wire', () => {
  let lab: NetnsLab;
  let dir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    requireVrrpPrerequisites();
    dir = mkdtempSync(join(tmpdir(), 'lvsd-vrrp-'));
    lab = await NetnsLab.up({ realServers: 1 });
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) {
      d.child.kill('SIGKILL');
      await exited(d.child);
    }
    for (const h of ['d1', 'd2'] as const) {
      await lab.exec(h, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFailure: true });
    }
  });
  afterAll(async () => {
    await lab?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const hasVip = async (h: 'd1' | 'd2') =>
    (await lab.exec(h, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(` ${VIP}/`);
  const mac = async (h: 'd1' | 'd2') => (await lab.exec(h, ['cat', '/sys/class/net/eth0/address'])).stdout.trim();
  const clientNeigh = async () => {
    await lab.exec('client', ['ping', '-c1', '-W1', VIP], { allowFailure: true });
    return (await lab.exec('client', ['ip', 'neigh', 'show', VIP])).stdout;
  };

  const front = (h: 'd1' | 'd2') => LAB_ADDR.director(h === 'd1' ? 1 : 2).front;
  const other = (h: 'd1' | 'd2') => (h === 'd1' ? 'd2' : 'd1');

  function lvsdConfig(name: string, opts: { transport?: string; version?: 2 | 3; auth?: boolean; unicast?: boolean } = {}): string {
    const file = join(dir, `${name}.yaml`);
    const unicast = (h: 'd1' | 'd2') =>
      opts.unicast ? `        unicast_src_ip: ${front(h)}\n        unicast_peer: [${front(other(h))}]\n` : '';
    writeFileSync(
      file,
      `nodes:
  d1:
    vrrp_instances:
      VI_1:
        priority: 150
${unicast('d1')}  d2:
    vrrp_instances:
      VI_1:
        priority: 100
${unicast('d2')}vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    version: ${opts.version ?? 2}
    advert_int: 1
${opts.transport === 'udp' ? '    transport: { type: udp, group: 224.0.0.18, port: 5798 }\n' : ''}${opts.auth ? '    authentication: { auth_pass: s3cret }\n' : ''}    garp_master_delay: 1
    virtual_ipaddress:
      - ${VIP}/24 dev eth0 label eth0:vip
`,
    );
    return file;
  }

  async function startLvsd(h: 'd1' | 'd2', file: string): Promise<Daemon> {
    const d = collect(await lab.spawn(h, ['node', LVSD, 'run', '-c', file, '--node', h]));
    daemons.push(d);
    await waitFor(`lvsd on ${h} running`, () => d.lines.some((l) => l.includes('"msg":"running"')) || undefined, 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}: ${d.lines.join('\n')}`);
      },
    );
    return d;
  }

  async function startKeepalived(
    h: 'd1' | 'd2',
    priority: number,
    opts: { version: 2 | 3; auth: boolean; unicast?: boolean },
  ): Promise<Daemon> {
    const file = join(dir, `keepalived-${h}.conf`);
    writeFileSync(
      file,
      `global_defs {
  router_id ${h}
  vrrp_version ${opts.version}
  vrrp_garp_master_delay 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
${opts.auth ? '  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n' : ''}${
  opts.unicast ? `  unicast_src_ip ${front(h)}\n  unicast_peer {\n    ${front(other(h))}\n  }\n` : ''
}  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}
`,
    );
    const d = collect(await lab.spawn(h, keepalivedArgv(file, dir, h)));
    daemons.push(d);
    await waitFor(
      `keepalived on ${h} started`,
      () => d.lines.some((l) => /Entering BACKUP STATE|Entering MASTER STATE/.test(l)) || undefined,
      10_000,
    );
    return d;
  }

  const becameMaster = (d: Daemon) => d.transitions.find((t) => t.to === 'master');

  for (const transport of ['ip', 'udp'] as const) {
    it(`lvsd pair on the ${transport} transport: the higher priority is master, failover on SIGKILL, preemption back`, async () => {
      const file = lvsdConfig(`pair-${transport}`, { transport });
      const d1 = await startLvsd('d1', file);
      const d2 = await startLvsd('d2', file);
      await waitFor('d1 master', () => becameMaster(d1));
      await waitFor('VIP on d1', async () => (await hasVip('d1')) || undefined);
      expect(await hasVip('d2')).toBe(false);
      expect(d2.transitions.map((t) => t.to)).toEqual(['backup']);
      expect(await clientNeigh()).toContain(await mac('d1'));

      const killedAt = Date.now();
      d1.child.kill('SIGKILL');
      const t = await waitFor('d2 master', () => becameMaster(d2), 10_000);
      const failoverMs = t.time - killedAt;
      // Master_Down_Interval = 3 × 1 s + Skew_Time (256 − 100) / 256 s = 3.61 s, counted from d1's last advert.
      console.log(`[${transport}] failover after SIGKILL: ${failoverMs} ms`);
      expect(failoverMs).toBeGreaterThan(2_500);
      expect(failoverMs).toBeLessThan(4_300);
      expect(t).toMatchObject({ vrid: 51, instance: 'VI_1', from: 'backup', to: 'master' });
      await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined);
      // Gratuitous ARP moved the client's entry to d2 (d1, killed, still has the address configured).
      const d2Mac = await mac('d2');
      await waitFor(
        'client neighbour entry on d2',
        async () => (await lab.exec('client', ['ip', 'neigh', 'show', VIP])).stdout.includes(d2Mac) || undefined,
        3_000,
      );

      const d1b = await startLvsd('d1', file);
      await waitFor('d1 master again', () => becameMaster(d1b), 10_000);
      await waitFor('d2 back to backup', () => d2.transitions.find((x) => x.from === 'master' && x.to === 'backup'));
      await waitFor('VIP back on d1 only', async () => ((await hasVip('d1')) && !(await hasVip('d2'))) || undefined);
      await waitFor('client neighbour entry on d1', async () => (await clientNeigh()).includes(await mac('d1')) || undefined, 3_000);
    });
  }

  it('lvsd stops make-before-break on SIGTERM: the backup takes over at once', async () => {
    const file = lvsdConfig('planned');
    const d1 = await startLvsd('d1', file);
    const d2 = await startLvsd('d2', file);
    await waitFor('d1 master', () => becameMaster(d1));
    const at = Date.now();
    d1.child.kill('SIGTERM');
    const t = await waitFor('d2 master', () => becameMaster(d2), 5_000);
    console.log(`planned handover: ${t.time - at} ms`);
    // A priority-0 advert: Skew_Time (0.61 s), not the master-down interval.
    expect(t.time - at).toBeLessThan(1_500);
    await exited(d1.child);
    expect(d1.child.exitCode).toBe(0);
    expect(d1.transitions.map((x) => x.to)).toEqual(['backup', 'master', 'leaving', 'initialize']);
    expect(await hasVip('d1')).toBe(false);
    await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined);
  });

  it('lvsd stops at once on SIGINT: addresses removed, the backup takes over after Skew_Time', async () => {
    const file = lvsdConfig('immediate');
    const d1 = await startLvsd('d1', file);
    const d2 = await startLvsd('d2', file);
    await waitFor('d1 master', () => becameMaster(d1));
    const at = Date.now();
    d1.child.kill('SIGINT');
    await exited(d1.child);
    expect(d1.child.exitCode).toBe(0);
    expect(d1.transitions.map((x) => x.to)).toEqual(['backup', 'master', 'initialize']);
    expect(await hasVip('d1')).toBe(false);
    const t = await waitFor('d2 master', () => becameMaster(d2), 5_000);
    expect(t.time - at).toBeLessThan(1_500);
  });

  it('lvsd pair by unicast (unicast_peer) on the ip transport', async () => {
    const file = join(dir, 'unicast.yaml');
    const a = (n: 1 | 2) => LAB_ADDR.director(n).front;
    writeFileSync(
      file,
      `nodes:
  d1: { vrrp_instances: { VI_1: { priority: 150, unicast_src_ip: ${a(1)}, unicast_peer: [${a(2)}] } } }
  d2: { vrrp_instances: { VI_1: { priority: 100, unicast_src_ip: ${a(2)}, unicast_peer: [${a(1)}] } } }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 52
    advert_int: 1
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
    );
    const d1 = await startLvsd('d1', file);
    const d2 = await startLvsd('d2', file);
    await waitFor('d1 master', () => becameMaster(d1));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(becameMaster(d2)).toBeUndefined();
    d1.child.kill('SIGKILL');
    await waitFor('d2 master', () => becameMaster(d2), 6_000);
    await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined);
  });

  it('tracking: a tracked interface going down faults the master, a failing weighted script lowers its priority', async () => {
    const file = join(dir, 'track.yaml');
    writeFileSync(
      file,
      `nodes:
  d1: { vrrp_instances: { VI_1: { priority: 150 } } }
  d2: { vrrp_instances: { VI_1: { priority: 100 } } }
vrrp_scripts:
  chk_marker:
    # fails while 127.0.0.99 is on this namespace's lo
    script: [/bin/sh, -c, "! ip -4 -o addr show dev lo | grep -q 127.0.0.99"]
    interval: 1
    weight: -60
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    advert_int: 1
    track_interface: [{ name: eth1, weight: 0 }]
    track_script: [chk_marker]
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
`,
    );
    const d1 = await startLvsd('d1', file);
    const d2 = await startLvsd('d2', file);
    await waitFor('d1 master', () => becameMaster(d1));
    try {
      await lab.exec('d1', ['ip', 'link', 'set', 'eth1', 'down']);
      await waitFor('d1 fault', () => d1.transitions.find((t) => t.to === 'fault'), 3_000);
      // A master going to fault sends priority 0: the backup takes over after Skew_Time.
      await waitFor('d2 master', () => becameMaster(d2), 3_000);
      await waitFor('VIP on d2 only', async () => ((await hasVip('d2')) && !(await hasVip('d1'))) || undefined);
      await lab.exec('d1', ['ip', 'link', 'set', 'eth1', 'up']);
      await waitFor('d1 master again', () => d1.transitions.filter((t) => t.to === 'master').length === 2 || undefined, 8_000);

      await lab.exec('d1', ['ip', 'addr', 'add', '127.0.0.99/32', 'dev', 'lo']);
      // 150 − 60 = 90 < 100: d2 preempts.
      await waitFor('d2 master again', () => d2.transitions.filter((t) => t.to === 'master').length === 2 || undefined, 8_000);
      await waitFor('d1 backup', () => d1.transitions.at(-1)?.to === 'backup' || undefined, 3_000);
      expect(d1.transitions.at(-1)?.priority).toBe(90);
    } finally {
      await lab.exec('d1', ['ip', 'link', 'set', 'eth1', 'up'], { allowFailure: true });
      await lab.exec('d1', ['ip', 'addr', 'del', '127.0.0.99/32', 'dev', 'lo'], { allowFailure: true });
    }
  });

  it('lvsd pair over IPv6 (VRRPv3, ip transport): failover moves the VIP and the client entry (unsolicited NA)', async () => {
    const VIP6 = LAB_ADDR.frontVip6;
    const file = join(dir, 'pair-v6.yaml');
    writeFileSync(
      file,
      `nodes:
  d1: { vrrp_instances: { VI_6: { priority: 150 } } }
  d2: { vrrp_instances: { VI_6: { priority: 100 } } }
vrrp_instances:
  VI_6:
    interface: eth0
    virtual_router_id: 61
    advert_int: 1
    garp_master_delay: 1
    virtual_ipaddress:
      - ${VIP6}/64 dev eth0
`,
    );
    const has6 = async (h: 'd1' | 'd2') =>
      (await lab.exec(h, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(` ${VIP6}/64`);
    try {
      const d1 = await startLvsd('d1', file);
      const d2 = await startLvsd('d2', file);
      await waitFor('d1 master', () => becameMaster(d1));
      await waitFor('VIP6 on d1', async () => (await has6('d1')) || undefined);
      expect(await has6('d2')).toBe(false);
      await lab.exec('client', ['ping', '-6', '-c1', '-W1', VIP6], { allowFailure: true });
      expect((await lab.exec('client', ['ip', '-6', 'neigh', 'show', VIP6])).stdout).toContain(await mac('d1'));
      const killedAt = Date.now();
      d1.child.kill('SIGKILL');
      const t = await waitFor('d2 master', () => becameMaster(d2), 10_000);
      console.log(`[ipv6] failover after SIGKILL: ${t.time - killedAt} ms`);
      expect(t.time - killedAt).toBeLessThan(4_300);
      await waitFor('VIP6 on d2', async () => (await has6('d2')) || undefined);
      const d2Mac = await mac('d2');
      await waitFor(
        'client entry on d2',
        async () => (await lab.exec('client', ['ip', '-6', 'neigh', 'show', VIP6])).stdout.includes(d2Mac) || undefined,
        3_000,
      );
    } finally {
      for (const h of ['d1', 'd2'] as const)
        await lab.exec(h, ['ip', '-6', 'addr', 'del', `${VIP6}/64`, 'dev', 'eth0'], { allowFailure: true });
    }
  });

  /** The nth (1-based) time d entered state `to`. */
  const entered = (d: Daemon, to: string, nth = 1) => d.states.filter((s) => s.to === to)[nth - 1];
  const waitEntered = (what: string, d: Daemon, to: string, nth: number, timeoutMs: number) =>
    waitFor(`${what} ${to} (#${nth})`, () => entered(d, to, nth), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; states so far: ${d.states.map((s) => s.to).join(' → ') || 'none'}`);
    });
  const vipOnlyOn = (h: 'd1' | 'd2') =>
    waitFor(`VIP on ${h} only`, async () => ((await hasVip(h)) && !(await hasVip(other(h)))) || undefined, 5_000);
  /** The client's neighbour entry for the VIP, after a ping, carries h's MAC (gratuitous ARP moved it). */
  const clientEntryOn = async (h: 'd1' | 'd2') => {
    const m = await mac(h);
    await waitFor(`client neighbour entry for the VIP on ${h}`, async () => (await clientNeigh()).includes(m) || undefined, 5_000);
  };
  /** Takes d1's front link down or up at the switch (its bridge port): a cable cut, eth0 in d1 loses carrier. */
  const frontPort = (state: 'up' | 'down') => execFileSync('ip', ['-n', `${lab.prefix}-sw`, 'link', 'set', 'd1-0', state]);

  interface InteropCase {
    readonly name: string;
    readonly version: 2 | 3;
    readonly auth: boolean;
    readonly unicast: boolean;
    /** Which daemon, as master on d1, also has its front link cut (each way round per version, one per mode). */
    readonly linkCut?: 'lvsd' | 'keepalived';
  }
  const cases: readonly InteropCase[] = [
    { name: 'VRRPv2', version: 2, auth: false, unicast: false, linkCut: 'lvsd' },
    { name: 'VRRPv2 with PASS authentication', version: 2, auth: true, unicast: false },
    { name: 'VRRPv3', version: 3, auth: false, unicast: false, linkCut: 'keepalived' },
    { name: 'VRRPv2 by unicast', version: 2, auth: false, unicast: true, linkCut: 'keepalived' },
    { name: 'VRRPv3 by unicast', version: 3, auth: false, unicast: true, linkCut: 'lvsd' },
  ];

  /**
   * d1 (priority 150) runs `high`, d2 (priority 100) the other daemon. d1 is master; it stops (lvsd: SIGKILL,
   * keepalived: SIGTERM, which sends priority 0) and d2 takes over; d1 restarts and preempts back; then, when
   * c.linkCut names d1's daemon, d1's front link is cut (d1 faults, d2 takes over after the master-down interval) and
   * healed (d1 preempts back). Each time the VIP is on the master only and the client's entry for it follows.
   */
  async function interop(c: InteropCase, high: 'lvsd' | 'keepalived'): Promise<void> {
    const file = lvsdConfig(`k-${c.version}-${c.auth}-${c.unicast}`, c);
    const start = (h: 'd1' | 'd2') =>
      (h === 'd1') === (high === 'lvsd') ? startLvsd(h, file) : startKeepalived(h, h === 'd1' ? 150 : 100, c);
    const low = high === 'lvsd' ? 'keepalived' : 'lvsd';
    const tag = `[${c.name}, ${high} master]`;

    let d1 = await start('d1');
    const d2 = await start('d2');
    await waitEntered(`${high} on d1`, d1, 'master', 1, 8_000);
    // d2 never becomes master before d1 stops: checked below, d2 then goes backup → master → backup only.
    expect(d2.states.map((s) => s.to)).toEqual(['backup']);
    await vipOnlyOn('d1');
    await clientEntryOn('d1');

    // Failover when d1's daemon stops.
    let at = Date.now();
    d1.child.kill(high === 'lvsd' ? 'SIGKILL' : 'SIGTERM');
    let t = await waitEntered(`${low} on d2`, d2, 'master', 1, 8_000);
    console.log(`${tag} failover after ${high} ${high === 'lvsd' ? 'SIGKILL' : 'SIGTERM'}: ${t.time - at} ms`);
    if (high === 'lvsd') {
      // Master_Down_Interval = 3 × 1 s + Skew_Time (256 − 100) / 256 s = 3.61 s, counted from d1's last advert.
      expect(t.time - at).toBeGreaterThan(2_500);
      expect(t.time - at).toBeLessThan(5_000);
    } else {
      // keepalived's priority-0 advert on the way out: Skew_Time (0.61 s).
      expect(t.time - at).toBeLessThan(2_000);
    }
    await exited(d1.child);
    // A killed lvsd leaves the VIP on d1; keepalived removes it on the way out.
    await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined, 5_000);
    if (high === 'keepalived') expect(await hasVip('d1')).toBe(false);
    await clientEntryOn('d2');

    // Failback: d1 restarts with the higher priority and preempts.
    at = Date.now();
    d1 = await start('d1');
    t = await waitEntered(`${high} on d1 restarted`, d1, 'master', 1, 10_000);
    console.log(`${tag} failback after ${high} restart: ${t.time - at} ms`);
    await waitEntered(`${low} on d2`, d2, 'backup', 2, 5_000);
    await vipOnlyOn('d1');
    await clientEntryOn('d1');
    expect(d2.states.map((s) => s.to)).toEqual(['backup', 'master', 'backup']);

    if (c.linkCut !== high) return;
    // Link cut: d1 loses carrier and faults; d2 hears no adverts and takes over after the master-down interval.
    try {
      at = Date.now();
      frontPort('down');
      await waitEntered(`${high} on d1`, d1, 'fault', 1, 5_000);
      t = await waitEntered(`${low} on d2`, d2, 'master', 2, 8_000);
      console.log(`${tag} failover after link cut: ${t.time - at} ms`);
      expect(t.time - at).toBeGreaterThan(2_500);
      expect(t.time - at).toBeLessThan(5_000);
      await vipOnlyOn('d2');
      await clientEntryOn('d2');

      at = Date.now();
      frontPort('up');
      t = await waitEntered(`${high} on d1`, d1, 'master', 2, 10_000);
      console.log(`${tag} failback after link heal: ${t.time - at} ms`);
      await waitEntered(`${low} on d2`, d2, 'backup', 3, 5_000);
      await vipOnlyOn('d1');
      await clientEntryOn('d1');
    } finally {
      frontPort('up');
    }
  }

  for (const c of cases) {
    const cut = (high: 'lvsd' | 'keepalived') => (c.linkCut === high ? ', and on a cut of its front link' : '');
    it(`interop with keepalived, ${c.name}: lvsd master (d1), keepalived takes over when lvsd is killed, lvsd preempts back on restart${cut('lvsd')}`, () =>
      interop(c, 'lvsd'));
    it(`interop with keepalived, ${c.name}: keepalived master (d1), lvsd takes over when keepalived stops, keepalived preempts back on restart${cut('keepalived')}`, () =>
      interop(c, 'keepalived'));
  }
});
