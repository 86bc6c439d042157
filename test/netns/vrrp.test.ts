/**
 * VRRP on the wire: `lvsd run` pairs on the `ip` and `udp` transports (failover on SIGKILL within the master-down
 * interval, gratuitous ARP moving the client's neighbour entry, preemption back), and interop with keepalived on
 * the `ip` transport (VRRPv2 without and with PASS authentication, VRRPv3), each way round.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LVSD = join(ROOT, 'dist/src/cli/lvsd.js');
const VIP = LAB_ADDR.frontVip;

interface Transition {
  readonly time: number;
  readonly priority: number;
  readonly vrid: number;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
}

interface Daemon {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly transitions: Transition[];
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function collect(child: ChildProcess): Daemon {
  const d: Daemon = { child, lines: [], transitions: [] };
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
        // keepalived's lines are not JSON
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return d;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('VRRP on the wire', () => {
  let lab: NetnsLab;
  let dir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'build/Release/vrrp_socket.node'))) throw new Error('native addon not built: npm run build');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
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

  function lvsdConfig(name: string, opts: { transport?: string; version?: 2 | 3; auth?: boolean } = {}): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `nodes:
  d1:
    vrrp_instances:
      VI_1:
        priority: 150
  d2:
    vrrp_instances:
      VI_1:
        priority: 100
vrrp_instances:
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

  async function startKeepalived(h: 'd1' | 'd2', priority: number, opts: { version: 2 | 3; auth: boolean }): Promise<Daemon> {
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
${opts.auth ? '  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n' : ''}  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}
`,
    );
    const argv = [
      'keepalived',
      '-P',
      '-n',
      '-l',
      '-D',
      '-G',
      '-f',
      file,
      '-p',
      join(dir, `k-${h}.pid`),
      '-r',
      join(dir, `k-${h}-vrrp.pid`),
    ];
    const d = collect(await lab.spawn(h, argv));
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

  const cases = [
    { name: 'VRRPv2', version: 2, auth: false },
    { name: 'VRRPv2 with PASS authentication', version: 2, auth: true },
    { name: 'VRRPv3', version: 3, auth: false },
  ] as const;
  for (const c of cases) {
    it(`interop with keepalived, ${c.name}: lvsd master (d1), keepalived takes over when lvsd is killed`, async () => {
      const d1 = await startLvsd('d1', lvsdConfig(`k-${c.version}-${c.auth}`, c));
      const k2 = await startKeepalived('d2', 100, c);
      await waitFor('lvsd master', () => becameMaster(d1));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(k2.lines.some((l) => l.includes('Entering MASTER STATE'))).toBe(false);
      expect(await hasVip('d1')).toBe(true);
      expect(await hasVip('d2')).toBe(false);
      d1.child.kill('SIGKILL');
      await waitFor('keepalived master', () => k2.lines.some((l) => l.includes('Entering MASTER STATE')) || undefined, 6_000);
      await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined);
    });

    it(`interop with keepalived, ${c.name}: keepalived master (d1), lvsd takes over when keepalived stops`, async () => {
      const k1 = await startKeepalived('d1', 150, c);
      const d2 = await startLvsd('d2', lvsdConfig(`k-${c.version}-${c.auth}`, c));
      await waitFor('keepalived master', () => k1.lines.some((l) => l.includes('Entering MASTER STATE')) || undefined, 8_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(becameMaster(d2)).toBeUndefined();
      expect(d2.transitions.map((t) => t.to)).toEqual(['backup']);
      const at = Date.now();
      k1.child.kill('SIGTERM'); // keepalived sends priority 0 on the way out
      const t = await waitFor('lvsd master', () => becameMaster(d2), 6_000);
      console.log(`[${c.name}] takeover after keepalived stop: ${t.time - at} ms`);
      expect(t.time - at).toBeLessThan(2_000);
      await waitFor('VIP on d2', async () => (await hasVip('d2')) || undefined);
    });
  }
});
