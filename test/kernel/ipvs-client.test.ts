/**
 * The netlink IPVS client (src/ipvs/netlink-client.ts) against the real kernel, every IpvsApi
 * operation, each cross-checked with the real ipvsadm listing the same namespace.
 * Runs in the kernel lab: bash scripts/kernel-lab.sh run -- npx vitest run --project kernel test/kernel/ipvs-client.test.ts
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpvsOp } from '../../src/ipvs/api.js';
import { IP_VS_SVC_F } from '../../src/ipvs/constants.js';
import type { IpvsConnection } from '../../src/ipvs/proc-conn.js';
import type { Destination, DestinationSpec, Info, Service, ServiceKey, ServiceSpec, Timeouts } from '../../src/ipvs/types.js';
import { IpvsNamespace, kernelSchedulers } from './ipvs-support/harness.js';

const tcp = (address: string, port: number) => ({ protocol: 'tcp', address, port }) as const;
const udp = (address: string, port: number) => ({ protocol: 'udp', address, port }) as const;
const sctp = (address: string, port: number) => ({ protocol: 'sctp', address, port }) as const;

function svc(key: ServiceKey, scheduler = 'rr', o: Partial<ServiceSpec> = {}): ServiceSpec {
  const v6 = 'fwmark' in key ? key.family === 'ipv6' : key.address.includes(':');
  return { key, scheduler, flags: 0, timeout: 0, netmask: v6 ? 128 : 0xffffffff, ...o };
}

function dest(address: string, port: number, o: Partial<DestinationSpec> = {}): DestinationSpec {
  return {
    address,
    port,
    forwarding: 'masq',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelCsum: 'nocsum',
    ...o,
  };
}

/** Calls `get` until `ok` holds (up to 10 s); returns the last value. */
async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `ipvsadm -S -n` as lines. */
async function saved(ns: IpvsNamespace): Promise<string[]> {
  return (await ns.ipvsadmOk('-S', '-n')).split('\n').filter((l) => l !== '');
}

// Both sockets: the daemon's event-driven one and the blocking one lvsadm uses (exchange-transport.ts).
describe.each([
  ['event-driven', {}],
  ['blocking', { blocking: true }],
] as const)('IpvsApi on the real kernel (%s socket), cross-checked with ipvsadm', (_socket, openOptions) => {
  let ns: IpvsNamespace;

  beforeAll(async () => {
    ns = await IpvsNamespace.create('client');
    await ns.call('open', openOptions);
  });
  afterAll(async () => {
    await ns?.destroy();
  });
  beforeEach(async () => {
    await ns.call('flush');
  });

  it('info(): the version and table size ipvsadm prints', async () => {
    const info = await ns.call<Info>('info');
    expect(info.versionCode).toBe(0x010201);
    const header = (await ns.ipvsadmOk('-L', '-n')).split('\n')[0];
    expect(header).toBe(`IP Virtual Server version ${info.version} (size=${info.connTabSize})`);
  });

  it('services of every protocol and family, and fwmark services v4/v6', async () => {
    const specs = [
      svc(tcp('192.0.2.10', 80)),
      svc(udp('192.0.2.10', 53), 'wlc'),
      svc(sctp('192.0.2.10', 3868), 'lc'),
      svc(tcp('2001:db8::10', 443), 'wrr'),
      svc(udp('2001:db8::10', 53)),
      svc(sctp('2001:db8::10', 3868)),
      svc({ fwmark: 7, family: 'ipv4' }, 'wrr'),
      svc({ fwmark: 8, family: 'ipv6' }, 'lc'),
    ];
    for (const s of specs) await ns.call('addService', s);
    expect(await saved(ns)).toEqual([
      '-A -t 192.0.2.10:80 -s rr',
      '-A -u 192.0.2.10:53 -s wlc',
      '-A --sctp-service 192.0.2.10:3868 -s lc',
      '-A -t [2001:db8::10]:443 -s wrr',
      '-A -u [2001:db8::10]:53 -s rr',
      '-A --sctp-service [2001:db8::10]:3868 -s rr',
      '-A -f 7 -s wrr',
      '-A -f 8 -6 -s lc',
    ]);
    const listed = await ns.call<Service[]>('listServices');
    expect(listed).toHaveLength(specs.length);
    for (const s of specs) {
      const got = listed.find((x) => JSON.stringify(x.key) === JSON.stringify(s.key));
      expect(got, JSON.stringify(s.key)).toMatchObject({
        scheduler: s.scheduler,
        flags: IP_VS_SVC_F.HASHED,
        timeout: 0,
        netmask: s.netmask,
      });
      expect(got?.stats64?.conns).toBe(0n);
      expect(await ns.call<Service>('getService', s.key)).toEqual(got);
    }
  });

  it('every scheduler the kernel has a module for (loaded on demand)', async () => {
    const schedulers = await kernelSchedulers();
    expect(schedulers).toEqual(expect.arrayContaining(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq']));
    const ops: IpvsOp[] = schedulers.map((s, i) => ({ op: 'addService', service: svc(tcp('10.1.0.1', 1000 + i), s) }));
    const results = await ns.call<{ ok: boolean }[]>('batch', ops);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await saved(ns)).toEqual(schedulers.map((s, i) => `-A -t 10.1.0.1:${1000 + i} -s ${s}`));
    const listed = await ns.call<Service[]>('listServices');
    expect(listed.map((s) => s.scheduler).sort()).toEqual([...schedulers].sort());
  });

  it('flags: persistence (timeout, v4 netmask, v6 prefix), one-packet, sh/mh flags, pe sip', async () => {
    const P = IP_VS_SVC_F.PERSISTENT;
    await ns.call('addService', svc(tcp('192.0.2.20', 80), 'wlc', { flags: P, timeout: 300, netmask: 0xffffff00 }));
    await ns.call('addService', svc(tcp('2001:db8::20', 80), 'wlc', { flags: P, timeout: 600, netmask: 64 }));
    await ns.call('addService', svc(udp('192.0.2.20', 4500), 'rr', { flags: IP_VS_SVC_F.ONEPACKET }));
    await ns.call('addService', svc(tcp('192.0.2.20', 81), 'sh', { flags: IP_VS_SVC_F.SCHED_SH_FALLBACK | IP_VS_SVC_F.SCHED_SH_PORT }));
    await ns.call('addService', svc(tcp('192.0.2.20', 82), 'mh', { flags: IP_VS_SVC_F.SCHED_MH_FALLBACK | IP_VS_SVC_F.SCHED_MH_PORT }));
    await ns.call('addService', svc(udp('192.0.2.20', 5060), 'rr', { flags: P, timeout: 60, peName: 'sip' }));
    expect(await saved(ns)).toEqual([
      '-A -t 192.0.2.20:80 -s wlc -p 300 -M 255.255.255.0',
      '-A -t 192.0.2.20:81 -s sh -b sh-fallback,sh-port',
      '-A -t 192.0.2.20:82 -s mh -b mh-fallback,mh-port',
      '-A -u 192.0.2.20:4500 -s rr -o',
      '-A -u 192.0.2.20:5060 -s rr -p 60 --pe sip',
      '-A -t [2001:db8::20]:80 -s wlc -p 600 -M 64',
    ]);
    expect(await ns.call<Service>('getService', tcp('2001:db8::20', 80))).toMatchObject({
      flags: P | IP_VS_SVC_F.HASHED,
      timeout: 600,
      netmask: 64,
    });
    expect(await ns.call<Service>('getService', udp('192.0.2.20', 5060))).toMatchObject({ peName: 'sip', timeout: 60 });
    expect(await ns.call<Service>('getService', tcp('192.0.2.20', 81))).toMatchObject({ flags: 0x18 | IP_VS_SVC_F.HASHED });
  });

  it('real servers: masq, route, tunnel ipip/gue/gre with port and checksum flags, mixed family, weight, thresholds', async () => {
    const v4 = tcp('192.0.2.30', 80);
    const v6 = tcp('2001:db8::30', 443);
    const fw = { fwmark: 9, family: 'ipv4' } as const;
    await ns.call('addService', svc(v4));
    await ns.call('addService', svc(v6));
    await ns.call('addService', svc(fw));
    const dests: [ServiceKey, DestinationSpec][] = [
      [v4, dest('10.0.0.1', 8080, { weight: 3, upperThreshold: 100, lowerThreshold: 10 })],
      [v4, dest('10.0.0.2', 80, { forwarding: 'route', weight: 0 })],
      [v4, dest('10.0.0.3', 80, { forwarding: 'tunnel' })],
      [v4, dest('10.0.0.4', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelCsum: 'csum' })],
      [v4, dest('10.0.0.5', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6081, tunnelCsum: 'remcsum' })],
      [v4, dest('10.0.0.6', 80, { forwarding: 'tunnel', tunnelType: 'gre', tunnelCsum: 'csum' })],
      [v4, dest('10.0.0.7', 80, { forwarding: 'tunnel', tunnelType: 'gre' })],
      [v6, dest('2001:db8::100', 8443, { weight: 65535 })],
      [v6, dest('10.0.0.8', 443, { forwarding: 'tunnel' })], // IPv4 real server of an IPv6 service
      [fw, dest('10.0.0.9', 0, { forwarding: 'route', weight: 2 })],
    ];
    for (const [key, d] of dests) await ns.call('addDestination', key, d);
    expect(await saved(ns)).toEqual([
      '-A -t 192.0.2.30:80 -s rr',
      '-a -t 192.0.2.30:80 -r 10.0.0.1:8080 -m -w 3',
      '-a -t 192.0.2.30:80 -r 10.0.0.2:80 -g -w 0',
      '-a -t 192.0.2.30:80 -r 10.0.0.3:80 -i -w 1 --tun-type ipip',
      '-a -t 192.0.2.30:80 -r 10.0.0.4:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
      '-a -t 192.0.2.30:80 -r 10.0.0.5:80 -i -w 1 --tun-type gue --tun-port 6081 --tun-remcsum',
      '-a -t 192.0.2.30:80 -r 10.0.0.6:80 -i -w 1 --tun-type gre --tun-csum',
      '-a -t 192.0.2.30:80 -r 10.0.0.7:80 -i -w 1 --tun-type gre --tun-nocsum',
      '-A -t [2001:db8::30]:443 -s rr',
      '-a -t [2001:db8::30]:443 -r 10.0.0.8:443 -i -w 1 --tun-type ipip',
      '-a -t [2001:db8::30]:443 -r [2001:db8::100]:8443 -m -w 65535',
      '-A -f 9 -s rr',
      '-a -f 9 -r 10.0.0.9:0 -g -w 2',
    ]);
    const thresholds = await ns.ipvsadmOk('-L', '-n', '--thresholds', '-t', '192.0.2.30:80');
    expect(thresholds).toMatch(/-> 10\.0\.0\.1:8080\s+100\s+10\s/);
    for (const key of [v4, v6, fw]) {
      const got = await ns.call<Destination[]>('listDestinations', key);
      const want = dests.filter(([k]) => k === key).map(([, d]) => d);
      expect(got).toHaveLength(want.length);
      for (const d of want) {
        const g = got.find((x) => x.address === d.address);
        expect(g, d.address).toMatchObject({ ...d, family: d.address.includes(':') ? 'ipv6' : 'ipv4', activeConns: 0, inactiveConns: 0 });
      }
    }
  });

  it('edits a service and a real server (every field replaced)', async () => {
    const key = tcp('192.0.2.40', 80);
    await ns.call('addService', svc(key));
    await ns.call('addDestination', key, dest('10.0.0.1', 80, { weight: 1, upperThreshold: 50, lowerThreshold: 5 }));
    await ns.call('editService', svc(key, 'wlc', { flags: IP_VS_SVC_F.PERSISTENT, timeout: 120, netmask: 0xffff0000 }));
    await ns.call('editDestination', key, dest('10.0.0.1', 80, { forwarding: 'route', weight: 9, upperThreshold: 70 }));
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.40:80 -s wlc -p 120 -M 255.255.0.0', '-a -t 192.0.2.40:80 -r 10.0.0.1:80 -g -w 9']);
    expect(await ns.call<Destination[]>('listDestinations', key)).toMatchObject([
      { forwarding: 'route', weight: 9, upperThreshold: 70, lowerThreshold: 0 },
    ]);
    // Editing back to non-persistent.
    await ns.call('editService', svc(key, 'rr'));
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.40:80 -s rr', '-a -t 192.0.2.40:80 -r 10.0.0.1:80 -g -w 9']);
  });

  it('deletes real servers and services; flush empties the table', async () => {
    const a = tcp('192.0.2.50', 80);
    const b = { fwmark: 5, family: 'ipv6' } as const;
    await ns.call('addService', svc(a));
    await ns.call('addService', svc(b));
    await ns.call('addDestination', a, dest('10.0.0.1', 80));
    await ns.call('addDestination', a, dest('10.0.0.2', 80));
    await ns.call('deleteDestination', a, { address: '10.0.0.1', port: 80 });
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.50:80 -s rr', '-a -t 192.0.2.50:80 -r 10.0.0.2:80 -m -w 1', '-A -f 5 -6 -s rr']);
    await ns.call('deleteService', b);
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.50:80 -s rr', '-a -t 192.0.2.50:80 -r 10.0.0.2:80 -m -w 1']);
    await ns.call('flush');
    expect(await saved(ns)).toEqual([]);
    expect(await ns.call('listServices')).toEqual([]);
  });

  it('timeouts: set (0 keeps a value) and get, as ipvsadm --timeout shows them', async () => {
    await ns.call('setTimeouts', { tcp: 901, tcpFin: 121, udp: 301 });
    expect(await ns.ipvsadmOk('-L', '--timeout')).toBe('Timeout (tcp tcpfin udp): 901 121 301\n');
    await ns.call('setTimeouts', { tcp: 0, tcpFin: 60, udp: 0 });
    expect(await ns.call<Timeouts>('getTimeouts')).toEqual({ tcp: 901, tcpFin: 60, udp: 301 });
    await ns.ipvsadmOk('--set', '900', '120', '300');
    expect(await ns.call<Timeouts>('getTimeouts')).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
  });

  it('typed errors: EEXIST, ESRCH, ENOENT, EINVAL, naming the operation', async () => {
    const key = tcp('192.0.2.60', 80);
    const missing = tcp('192.0.2.61', 80);
    await ns.call('addService', svc(key));
    await ns.call('addDestination', key, dest('10.0.0.1', 80));
    const cases: [string, unknown[], object][] = [
      ['addService', [svc(key)], { code: 'EEXIST', errno: 17, message: 'addService tcp 192.0.2.60:80: File exists (EEXIST)' }],
      ['addDestination', [key, dest('10.0.0.1', 80)], { code: 'EEXIST', op: 'addDestination' }],
      ['editService', [svc(missing)], { code: 'ESRCH', errno: 3 }],
      ['deleteService', [missing], { code: 'ESRCH', message: 'deleteService tcp 192.0.2.61:80: No such process (ESRCH)' }],
      ['getService', [missing], { code: 'ESRCH' }],
      ['zero', [missing], { code: 'ESRCH' }],
      ['addDestination', [missing, dest('10.0.0.1', 80)], { code: 'ESRCH' }],
      ['editDestination', [key, dest('10.0.0.9', 80)], { code: 'ENOENT', errno: 2 }],
      ['deleteDestination', [key, { address: '10.0.0.9', port: 80 }], { code: 'ENOENT' }],
      ['addService', [svc(tcp('192.0.2.62', 80), 'nosuchsched')], { code: 'ENOENT' }],
      [
        'addService',
        [svc(udp('192.0.2.62', 80), 'rr', { flags: IP_VS_SVC_F.PERSISTENT, timeout: 10, peName: 'nosuchpe' })],
        { code: 'ENOENT' },
      ],
      // A mixed-family real server must be a tunnel.
      ['addDestination', [key, dest('2001:db8::1', 80)], { code: 'EINVAL', errno: 22 }],
      // Rejected before sending.
      ['addService', [svc(tcp('192.0.2.300', 80))], { code: 'EINVAL', message: expect.stringContaining('not sent') }],
    ];
    for (const [method, args, want] of cases) {
      const err = await ns.call(method, ...args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${method} ${JSON.stringify(args)}`).toMatchObject({ name: 'IpvsError', op: method, ...want });
    }
    // Nothing of that changed the table.
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.60:80 -s rr', '-a -t 192.0.2.60:80 -r 10.0.0.1:80 -m -w 1']);
    // The kernel answers an empty dump, not ESRCH, for the real servers of a missing service.
    expect(await ns.call('listDestinations', missing)).toEqual([]);
  });

  it('batch: pipelined results in order; stopOnError stops at the first failure', async () => {
    const key = tcp('192.0.2.70', 80);
    const ops: IpvsOp[] = [
      { op: 'addService', service: svc(key) },
      { op: 'addDestination', key, dest: dest('10.0.0.1', 80) },
      { op: 'addDestination', key, dest: dest('10.0.0.1', 80) },
      { op: 'addDestination', key, dest: dest('10.0.0.2', 80) },
    ];
    const r1 = await ns.call<{ ok: boolean; error?: { code: string } }[]>('batch', ops);
    expect(r1.map((r) => (r.ok ? 'ok' : r.error?.code))).toEqual(['ok', 'ok', 'EEXIST', 'ok']);
    await ns.call('flush');
    const r2 = await ns.call<{ ok: boolean; error?: { code: string } }[]>('batch', ops, { stopOnError: true });
    expect(r2.map((r) => (r.ok ? 'ok' : r.error?.code))).toEqual(['ok', 'ok', 'EEXIST', 'ECANCELED']);
    expect(await saved(ns)).toEqual(['-A -t 192.0.2.70:80 -s rr', '-a -t 192.0.2.70:80 -r 10.0.0.1:80 -m -w 1']);
  });
});

describe('a namespace whose lo was never up', () => {
  it('rejects IPv4 real servers with EINVAL until lo comes up (no local routing table yet); IPv6 ones pass', async () => {
    // ip_vs_new_dest checks inet_addr_type(): without a local table it answers RTN_BROADCAST.
    const ns = await IpvsNamespace.create('lodown', { loUp: false });
    try {
      const key = tcp('192.0.2.80', 80);
      const key6 = tcp('2001:db8::80', 80);
      await ns.call('addService', svc(key));
      await ns.call('addService', svc(key6));
      await expect(ns.call('addDestination', key, dest('10.0.0.1', 80))).rejects.toMatchObject({ code: 'EINVAL', op: 'addDestination' });
      await expect(ns.call('addDestination', key, dest('10.0.0.1', 80, { forwarding: 'route' }))).rejects.toMatchObject({ code: 'EINVAL' });
      // ipvsadm fails the same way.
      const r = await ns.ipvsadm('-a', '-t', '192.0.2.80:80', '-r', '10.0.0.1:80', '-m');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Invalid operation');
      await ns.call('addDestination', key6, dest('2001:db8::1', 80));
      await ns.exec('ip', ['link', 'set', 'lo', 'up']);
      await ns.call('addDestination', key, dest('10.0.0.1', 80));
      // Once created, the local table stays: lo going down again changes nothing.
      await ns.exec('ip', ['link', 'set', 'lo', 'down']);
      await ns.call('addDestination', key, dest('10.0.0.2', 80, { forwarding: 'route' }));
      expect(await saved(ns)).toEqual([
        '-A -t 192.0.2.80:80 -s rr',
        '-a -t 192.0.2.80:80 -r 10.0.0.1:80 -m -w 1',
        '-a -t 192.0.2.80:80 -r 10.0.0.2:80 -g -w 1',
        '-A -t [2001:db8::80]:80 -s rr',
        '-a -t [2001:db8::80]:80 -r [2001:db8::1]:80 -m -w 1',
      ]);
    } finally {
      await ns.destroy();
    }
  });
});

describe('traffic: counters, zero, and the connection table', () => {
  let dir: IpvsNamespace;
  let client: IpvsNamespace;
  const VIP = '198.51.100.10';
  const key = udp(VIP, 5000);

  beforeAll(async () => {
    dir = await IpvsNamespace.create('dir');
    client = await IpvsNamespace.create('cli');
    const tag = String(process.pid % 100000);
    const [c, d] = [`vc${tag}`, `vd${tag}`];
    const run = (args: string[]) => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    run(['link', 'add', c, 'type', 'veth', 'peer', 'name', d]);
    run(['link', 'set', c, 'netns', client.name]);
    run(['link', 'set', d, 'netns', dir.name]);
    run(['-n', client.name, 'addr', 'add', '198.51.100.2/24', 'dev', c]);
    run(['-n', client.name, 'link', 'set', c, 'up']);
    run(['-n', dir.name, 'addr', 'add', '198.51.100.1/24', 'dev', d]);
    run(['-n', dir.name, 'addr', 'add', `${VIP}/32`, 'dev', d]);
    run(['-n', dir.name, 'link', 'set', d, 'up']);
  });
  afterAll(async () => {
    await client?.destroy();
    await dir?.destroy();
  });

  it('counts packets, lists the connection, zeroes one service and all', async () => {
    await dir.call('addService', svc(key));
    // A direct-routing real server that does not exist: IPVS schedules and counts, the packets die later.
    await dir.call('addDestination', key, dest('198.51.100.3', 5000, { forwarding: 'route' }));
    // Three datagrams from one socket (one source port): one connection, three packets.
    const r = await client.exec('bash', ['-c', `exec 3>/dev/udp/${VIP}/5000; echo a >&3; echo b >&3; echo c >&3`]);
    expect(r.code, r.stderr).toBe(0);
    // The kernel folds its per-CPU counters into the reported ones every 2 s (the rate estimator).
    const s = await eventually(
      () => dir.call<Service>('getService', key),
      (x) => x.stats64?.inpkts === 3n,
    );
    expect(s.stats64?.inpkts).toBe(3n);
    expect(s.stats64?.conns).toBe(1n);
    expect(s.stats?.inpkts).toBe(3n);
    expect(await dir.ipvsadmOk('-L', '-n', '--stats')).toMatch(/UDP {2}198\.51\.100\.10:5000\s+1\s+3\s+0\s+/);
    const [d] = await dir.call<Destination[]>('listDestinations', key);
    expect(d).toMatchObject({ inactiveConns: 1 });
    expect(d?.stats64?.inpkts).toBe(3n);

    const conns = await dir.call<IpvsConnection[]>('listConnections');
    expect(conns).toHaveLength(1);
    expect(conns[0]).toMatchObject({
      protocol: 'UDP',
      family: 'ipv4',
      clientAddress: '198.51.100.2',
      virtualAddress: VIP,
      virtualPort: 5000,
      destAddress: '198.51.100.3',
      destPort: 5000,
      state: 'UDP',
    });
    // ipvsadm -Lcn shows the same connection.
    const lc = await dir.ipvsadmOk('-L', '-c', '-n');
    expect(lc).toMatch(
      new RegExp(
        `UDP\\s+\\d\\d:\\d\\d\\s+UDP\\s+198\\.51\\.100\\.2:${conns[0]!.clientPort}\\s+198\\.51\\.100\\.10:5000\\s+198\\.51\\.100\\.3:5000`,
      ),
    );

    await dir.call('zero', key);
    expect((await dir.call<Service>('getService', key)).stats64?.inpkts).toBe(0n);
    expect(await dir.ipvsadmOk('-L', '-n', '--stats')).toMatch(/UDP {2}198\.51\.100\.10:5000\s+0\s+0\s+0\s+/);
    await client.exec('bash', ['-c', `echo again >/dev/udp/${VIP}/5000`]);
    const again = await eventually(
      () => dir.call<Service>('getService', key),
      (x) => x.stats64?.inpkts === 1n,
    );
    expect(again.stats64?.inpkts).toBe(1n);
    await dir.call('zero');
    expect((await dir.call<Service>('getService', key)).stats64?.inpkts).toBe(0n);
    expect((await dir.call<Destination[]>('listDestinations', key))[0]?.stats64?.inpkts).toBe(0n);
  });
});
