/**
 * The in-memory IPVS model (test/support/ipvs-model.ts): one table behind both faces (the IpvsApi
 * and the netlink transport under the real client), the kernel's answers, injected faults, the op
 * log and counters, drift and connection counts, and closed or broken faces.
 */
import { describe, expect, it } from 'vitest';
import type { IpvsApi } from '../../../src/ipvs/api.js';
import { IP_VS_SVC_F } from '../../../src/ipvs/constants.js';
import { IpvsError } from '../../../src/ipvs/errors.js';
import { openIpvs } from '../../../src/ipvs/netlink-client.js';
import type { DestinationSpec, ServiceKey, ServiceSpec } from '../../../src/ipvs/types.js';
import { encodeGetInfo, frameRequest } from '../../../src/ipvs/requests.js';
import { TransportError } from '../../../src/netlink/transport.js';
import { IpvsModel, IpvsModelError, type IpvsTransportOptions } from '../../support/ipvs-model.js';

const web: ServiceKey = { protocol: 'tcp', address: '192.0.2.10', port: 80 };
const dns6: ServiceKey = { protocol: 'udp', address: '2001:db8::10', port: 53 };
const mark: ServiceKey = { fwmark: 7, family: 'ipv4' };
const svc = (key: ServiceKey, scheduler = 'rr'): ServiceSpec => ({
  key,
  scheduler,
  flags: 0,
  timeout: 0,
  netmask: 'fwmark' in key || !key.address.includes(':') ? 0xffffffff : 128,
});
const dest = (address: string, weight = 1, extra: Partial<DestinationSpec> = {}): DestinationSpec => ({
  address,
  port: 80,
  forwarding: 'masq',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
  ...extra,
});

/** The real netlink client on a new socket of `model`. */
const client = (model: IpvsModel, options?: IpvsTransportOptions) => openIpvs({ transport: model.transport(options) });

/** Everything a face reports, for comparing the two faces. */
async function everything(ipvs: IpvsApi) {
  const services = await ipvs.listServices();
  const dests = await Promise.all(services.map((s) => ipvs.listDestinations(s.key)));
  return { services, dests, timeouts: await ipvs.getTimeouts(), daemons: await ipvs.listDaemons(), info: await ipvs.info() };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: { code: string }) => e.code,
  );
}

describe('one table, two faces', () => {
  it('what the netlink client programs, the IpvsApi face reads, and the reverse', async () => {
    const model = new IpvsModel();
    const api = model.api();
    const ipvs = await client(model);
    await ipvs.addService({ ...svc(web, 'wlc'), flags: IP_VS_SVC_F.PERSISTENT, timeout: 300 });
    await ipvs.addDestination(web, dest('10.0.0.1'));
    await api.addService(svc(dns6));
    await api.addDestination(dns6, { ...dest('2001:db8::1'), port: 53 });
    await api.addService(svc(mark));
    await ipvs.addDestination(mark, dest('10.0.0.2', 5, { forwarding: 'route' }));
    await ipvs.setTimeouts({ tcp: 60, tcpFin: 0, udp: 0 });
    await api.startDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 9 });
    model.setStats(web, { conns: (1n << 32n) + 3n, inbytes: 1000n });
    model.setConnections(web, { address: '10.0.0.1', port: 80 }, { activeConns: 4, inactiveConns: 2 });

    const viaApi = await everything(api);
    expect(await everything(ipvs)).toEqual(viaApi);
    expect(viaApi.services.map((s) => s.key)).toEqual([web, dns6, mark]);
    expect(viaApi.services[0]).toMatchObject({ flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.HASHED, timeout: 300 });
    // STATS carries the kernel's u32 casts, STATS64 the counters whole.
    expect(viaApi.services[0]).toMatchObject({ stats: { conns: 3n, inbytes: 1000n }, stats64: { conns: (1n << 32n) + 3n } });
    expect(viaApi.dests[0]).toMatchObject([{ address: '10.0.0.1', activeConns: 4, inactiveConns: 2, family: 'ipv4' }]);
    expect(viaApi.timeouts).toEqual({ tcp: 60, tcpFin: 120, udp: 300 });
    expect(viaApi.daemons).toEqual([
      { state: 'master', mcastIfn: 'eth0', syncId: 9, syncMaxlen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    ]);
    expect(model.snapshot().map((s) => s.service.key)).toEqual([web, dns6, mark]);
    await ipvs.close();
  });

  it('fails the same way through both faces: IpvsErrors with the same code, errno and message', async () => {
    const model = new IpvsModel();
    const api = model.api();
    const ipvs = await client(model);
    await api.addService(svc(web));
    await api.addDestination(web, dest('10.0.0.1'));
    const attempts: Array<(x: IpvsApi) => Promise<unknown>> = [
      (x) => x.addService(svc(web)),
      (x) => x.editService(svc(dns6)),
      (x) => x.addService(svc({ ...web, port: 81 }, 'nosuch')),
      (x) => x.addDestination(web, dest('10.0.0.1')),
      (x) => x.addDestination(web, dest('10.0.0.2', 1, { upperThreshold: 5, lowerThreshold: 6 })),
      (x) => x.addDestination(web, dest('224.0.0.1')),
      (x) => x.addDestination(web, dest('2001:db8::1')),
      (x) => x.addDestination(web, dest('10.0.0.3', 1, { forwarding: 'tunnel', tunnelType: 'gue' })),
      (x) => x.editDestination(web, dest('10.0.0.9')),
      (x) => x.deleteDestination(dns6, { address: '10.0.0.1', port: 80 }),
      (x) => x.getService(mark),
      (x) => x.zero(mark),
      (x) => x.setTimeouts({ tcp: 9_000_000, tcpFin: 0, udp: 0 }),
      (x) => x.stopDaemon('backup'),
      (x) => x.startDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 1, mcastGroup: '10.0.0.1' }),
      (x) => x.addService(svc({ ...web, address: '300.1.1.1' })),
    ];
    const codes: string[] = [];
    for (const attempt of attempts) {
      const [a, b] = await Promise.all([attempt(api).catch((e: unknown) => e), attempt(ipvs).catch((e: unknown) => e)]);
      expect(a).toBeInstanceOf(IpvsError);
      const { code, errno, message, op } = b as IpvsError;
      expect(a).toMatchObject({ code, errno, message, op });
      codes.push(code);
    }
    expect(codes).toEqual([
      'EEXIST',
      'ESRCH',
      'ENOENT',
      'EEXIST',
      'ERANGE',
      'EINVAL',
      'EINVAL',
      'EINVAL',
      'ENOENT',
      'ESRCH',
      'ESRCH',
      'ESRCH',
      'EINVAL',
      'ESRCH',
      'EINVAL',
      'EINVAL',
    ]);
    // Nothing of that changed the table.
    expect(model.snapshot()).toEqual([{ service: svc(web), dests: [dest('10.0.0.1')] }]);
    await ipvs.close();
  });
});

describe('the kernel answers', () => {
  it('lists real servers newest first; edits replace every field and keep the counters', async () => {
    const model = new IpvsModel();
    const api = model.api();
    await api.addService(svc(web));
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await api.addDestination(web, dest(a));
    model.setConnections(web, { address: '10.0.0.2', port: 80 }, { activeConns: 7, persistentConns: 1 });
    await api.editDestination(web, dest('10.0.0.2', 9, { forwarding: 'route' }));
    const listed = await api.listDestinations(web);
    expect(listed.map((d) => [d.address, d.weight, d.forwarding, d.activeConns, d.persistentConns])).toEqual([
      ['10.0.0.3', 1, 'masq', 0, 0],
      ['10.0.0.2', 9, 'route', 7, 1],
      ['10.0.0.1', 1, 'masq', 0, 0],
    ]);
    // A missing service has an empty list (the kernel's empty dump), not ESRCH.
    expect(await api.listDestinations(dns6)).toEqual([]);
  });

  it('fills in sync daemon defaults as start_sync_thread does, and knows the interfaces it is given', async () => {
    const model = new IpvsModel({ interfaces: { eth0: 1500, jumbo: 9000 } });
    const ipvs = await client(model);
    await ipvs.startDaemon({ state: 'backup', mcastIfn: 'jumbo', syncId: 2, mcastGroup: 'ff02::81' });
    await ipvs.startDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 1, syncMaxlen: 65535 });
    expect(await ipvs.listDaemons()).toEqual([
      // A given maxlen is clamped to what fits in a UDP datagram over IPv4.
      { state: 'master', mcastIfn: 'eth0', syncId: 1, syncMaxlen: 65535 - 28, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
      // A backup's default maxlen follows its interface's MTU, less 48 bytes of IPv6 and UDP headers.
      { state: 'backup', mcastIfn: 'jumbo', syncId: 2, syncMaxlen: 9000 - 48, mcastGroup: 'ff02::81', mcastPort: 8848, mcastTtl: 1 },
    ]);
    expect(await codeOf(ipvs.startDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 1 }))).toBe('EEXIST');
    await ipvs.stopDaemon('master');
    expect(await codeOf(ipvs.startDaemon({ state: 'master', mcastIfn: 'eth9', syncId: 1 }))).toBe('ENODEV');
    // Mixed-family real servers and sync daemons exclude each other.
    await ipvs.addService(svc(dns6));
    expect(await codeOf(ipvs.addDestination(dns6, dest('10.0.0.1', 1, { forwarding: 'tunnel' })))).toBe('EINVAL');
    await ipvs.stopDaemon('backup');
    await ipvs.addDestination(dns6, dest('10.0.0.1', 1, { forwarding: 'tunnel' }));
    expect(await codeOf(ipvs.startDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 1 }))).toBe('EINVAL');
    await ipvs.close();
  });

  it('editService replaces scheduler, flags, timeout, netmask and the persistence engine', async () => {
    const api = new IpvsModel().api();
    await api.addService({ ...svc(web), peName: 'sip', flags: IP_VS_SVC_F.PERSISTENT, timeout: 60, netmask: 0xffffff00 });
    await api.editService(svc(web, 'sh'));
    const got = await api.getService(web);
    expect(got).toMatchObject({ scheduler: 'sh', flags: IP_VS_SVC_F.HASHED, timeout: 0, netmask: 0xffffffff });
    expect(got.peName).toBeUndefined();
  });

  it('answers a doit-only command sent as a dump with EOPNOTSUPP, an unknown family with ENOENT', async () => {
    const t = new IpvsModel().transport();
    const answers: Buffer[] = [];
    t.attach({ onDatagram: (d) => answers.push(d), onError: () => {} });
    const info = encodeGetInfo();
    await t.send(frameRequest({ ...info, flags: info.flags | 0x300 }, { familyId: 0x22, seq: 1, pid: t.portId }));
    await t.send(frameRequest(info, { familyId: 0x99, seq: 2, pid: t.portId }));
    await new Promise((r) => setImmediate(r));
    expect(answers.map((d) => d.readInt32LE(16))).toEqual([-95, -2]);
  });
});

describe('injected faults', () => {
  it('fail the next state-changing operation by default, through either face, changing nothing', async () => {
    const model = new IpvsModel();
    const api = model.api();
    const ipvs = await client(model);
    model.failNext({ errno: 'ENOMEM' });
    const info = await api.info(); // reads are not matched
    expect(info.version).toBe('1.2.1');
    await expect(ipvs.addService(svc(web))).rejects.toMatchObject({
      code: 'ENOMEM',
      errno: 12,
      message: 'addService tcp 192.0.2.10:80: Cannot allocate memory (ENOMEM)',
    });
    expect(model.snapshot()).toEqual([]);
    await api.addService(svc(web));
    expect(model.pendingFaults).toBe(0);
    await ipvs.close();
  });

  it('can be limited to a kind and a service, count several calls, and be cleared', async () => {
    const model = new IpvsModel();
    const api = model.api();
    await api.addService(svc(web));
    await api.addService(svc(mark));
    model.failNext({ errno: 17, count: 2, op: 'addDestination', key: web });
    expect(await codeOf(api.addDestination(mark, dest('10.0.0.1')))).toBe('ok');
    expect(await codeOf(api.editService(svc(web, 'wrr')))).toBe('ok');
    expect(await codeOf(api.addDestination(web, dest('10.0.0.1')))).toBe('EEXIST');
    expect(await codeOf(api.addDestination(web, dest('10.0.0.2')))).toBe('EEXIST');
    expect(await codeOf(api.addDestination(web, dest('10.0.0.3')))).toBe('ok');

    model.failNext({ errno: 'EPERM', op: 'listServices', count: Number.POSITIVE_INFINITY });
    const ipvs = await client(model);
    for (let i = 0; i < 3; i++) expect(await codeOf(ipvs.listServices())).toBe('EPERM');
    expect(model.pendingFaults).toBe(Number.POSITIVE_INFINITY);
    model.clearFaults();
    expect(await ipvs.listServices()).toHaveLength(2);
    await ipvs.close();
  });

  it('fail a batch operation in the middle, and dumps through their NLMSG_DONE', async () => {
    const model = new IpvsModel();
    const ipvs = await client(model);
    model.failNext({ errno: 'ENOMEM', op: 'addDestination' });
    const results = await ipvs.batch([
      { op: 'addService', service: svc(web) },
      { op: 'addDestination', key: web, dest: dest('10.0.0.1') },
      { op: 'addDestination', key: web, dest: dest('10.0.0.2') },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ENOMEM', 'ok']);
    model.failNext({ errno: 'EBUSY', op: 'listDestinations' });
    await expect(ipvs.listDestinations(web)).rejects.toMatchObject({ code: 'EBUSY', op: 'listDestinations' });
    expect(await ipvs.listDestinations(web)).toHaveLength(1);
    await ipvs.close();
  });

  it('a code that is no errno name fails IpvsApi calls with it (errno 0) and netlink requests with EINVAL', async () => {
    const model = new IpvsModel();
    model.failNext({ errno: 'EDECODE', count: 2 });
    await expect(model.api().flush()).rejects.toMatchObject({ code: 'EDECODE', errno: 0 });
    const ipvs = await client(model);
    await expect(ipvs.flush()).rejects.toMatchObject({ code: 'EINVAL', errno: 22 });
    await ipvs.close();
  });
});

describe('the op log and counters', () => {
  it('count state-changing operations of both faces by kind, failed ones too, until reset', async () => {
    const model = new IpvsModel();
    const api = model.api();
    const ipvs = await client(model);
    await api.addService(svc(web));
    await ipvs.addDestination(web, dest('10.0.0.1'));
    await ipvs.addDestination(web, dest('10.0.0.1')).catch(() => undefined); // EEXIST
    await api.batch([
      { op: 'editDestination', key: web, dest: dest('10.0.0.1', 3) },
      { op: 'zero', key: web },
    ]);
    await ipvs.listServices();
    await api.listDestinations(web);
    expect(model.opCounts()).toEqual({
      total: 5,
      applied: 4,
      failed: 1,
      byKind: { addService: 1, addDestination: 2, editDestination: 1, zero: 1 },
    });
    expect(model.calls.map((c) => [c.op, c.via, c.error])).toEqual([
      ['addService', 'api', undefined],
      ['addDestination', 'netlink', undefined],
      ['addDestination', 'netlink', 'EEXIST'],
      ['batch', 'api', undefined],
      ['editDestination', 'api', undefined],
      ['zero', 'api', undefined],
      ['listServices', 'netlink', undefined],
      ['listDestinations', 'api', undefined],
    ]);
    // The netlink face logs the arguments the IpvsApi method would have taken.
    expect(model.calls[1]?.args).toEqual([web, dest('10.0.0.1')]);

    model.resetCalls();
    // "An unchanged reload": the table read back, nothing sent.
    await everything(ipvs);
    expect(model.opCounts()).toEqual({ total: 0, applied: 0, failed: 0, byKind: {} });
    expect(model.calls.length).toBeGreaterThan(0);
    await ipvs.close();
  });
});

describe('behind the faces: drift and connection counts', () => {
  it('drift changes the table without being logged, counted or failed by faults', async () => {
    const model = new IpvsModel();
    const api = model.api();
    await api.addService(svc(web));
    await api.addDestination(web, dest('10.0.0.1'));
    await api.addDestination(web, dest('10.0.0.2'));
    model.resetCalls();
    model.failNext({ errno: 'ENOMEM', count: Number.POSITIVE_INFINITY });
    model.drift.updateDestination(web, { address: '10.0.0.1', port: 80 }, { weight: 0 });
    model.drift.deleteDestination(web, { address: '10.0.0.2', port: 80 });
    model.drift.updateService(web, { scheduler: 'wlc' });
    model.drift.addService(svc(mark));
    expect(model.calls).toEqual([]);
    expect(model.pendingFaults).toBe(Number.POSITIVE_INFINITY);
    model.clearFaults();
    const ipvs = await client(model);
    expect((await ipvs.listDestinations(web)).map((d) => [d.address, d.weight])).toEqual([['10.0.0.1', 0]]);
    expect((await ipvs.listServices()).map((s) => [s.key, s.scheduler])).toEqual([
      [web, 'wlc'],
      [mark, 'rr'],
    ]);
    // Drift follows the kernel's rules.
    expect(() => model.drift.deleteDestination(web, { address: '10.0.0.2', port: 80 })).toThrow(IpvsModelError);
    expect(() => model.drift.updateDestination(dns6, { address: '10.0.0.1', port: 80 }, { weight: 1 })).toThrow(/ESRCH/);
    expect(() => model.drift.addService(svc(web))).toThrow(/EEXIST/);
    await ipvs.close();
  });

  it('connection counts set on a destination show through the netlink client (draining)', async () => {
    const model = new IpvsModel();
    const ipvs = await client(model);
    await ipvs.addService(svc(web));
    await ipvs.addDestination(web, dest('10.0.0.1', 0));
    model.setConnections(web, { address: '10.0.0.1', port: 80 }, { activeConns: 12, inactiveConns: 3 });
    expect(await ipvs.listDestinations(web)).toMatchObject([{ weight: 0, activeConns: 12, inactiveConns: 3, persistentConns: 0 }]);
    model.setConnections(web, { address: '10.0.0.1', port: 80 }, { activeConns: 0 });
    expect(await ipvs.listDestinations(web)).toMatchObject([{ activeConns: 0, inactiveConns: 3 }]);
    expect(() => model.setConnections(web, { address: '10.0.0.9', port: 80 }, { activeConns: 1 })).toThrow(/ENOENT/);
    await ipvs.close();
  });
});

describe('closed and broken faces', () => {
  it('a closed transport refuses sends as a closed socket does; other sockets on the model stay open', async () => {
    const model = new IpvsModel();
    const t = model.transport();
    await t.close();
    const err = await t.send(Buffer.alloc(16)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ errno: 0, code: 'ETRANSPORT', message: 'send: the netlink socket is closed' });
    const blocking = model.transport({ blocking: true });
    await blocking.close();
    expect(() => blocking.exchangeEach?.(Buffer.alloc(0))).toThrow('exchange: the netlink socket is closed');
    const ipvs = await client(model);
    expect(await ipvs.listServices()).toEqual([]);
    await ipvs.close();
  });

  it('break() fails the requests in flight and every later one', async () => {
    const model = new IpvsModel();
    const t = model.transport();
    const ipvs = await openIpvs({ transport: t });
    await ipvs.addService(svc(web));
    t.options.silent = true;
    const inFlight = ipvs.listServices();
    await new Promise((r) => setImmediate(r));
    t.break();
    await expect(inFlight).rejects.toMatchObject({ code: 'ETRANSPORT', message: 'listServices: recvmsg: the netlink socket is closed' });
    await expect(ipvs.addService(svc(mark))).rejects.toMatchObject({
      code: 'ETRANSPORT',
      message: 'addService fwmark 7 ipv4: send: the netlink socket is closed',
    });
    expect(t.closed).toBe(true);
    expect(model.snapshot()).toHaveLength(1);
  });

  it('break(errno) reports that receive error; breakAll() breaks every open face', async () => {
    const model = new IpvsModel();
    const t = model.transport({ silent: true });
    const errors: TransportError[] = [];
    t.attach({ onDatagram: () => {}, onError: (e) => errors.push(e) });
    t.break(105);
    expect(errors).toMatchObject([{ code: 'ENOBUFS', message: 'recvmsg: No buffer space available (ENOBUFS)' }]);

    const api = model.api();
    const ipvs = await client(model);
    model.breakAll();
    await expect(api.listServices()).rejects.toMatchObject({ code: 'ETRANSPORT', op: 'listServices' });
    await expect(ipvs.listServices()).rejects.toMatchObject({ code: 'ETRANSPORT' });
    const other = model.api();
    other.break(105);
    await expect(other.flush()).rejects.toMatchObject({ code: 'ENOBUFS', errno: 105 });
    // A new face works: the table is not the socket.
    expect(await model.api().listServices()).toEqual([]);
  });

  it('a closed IpvsApi client refuses calls as a closed netlink client does', async () => {
    const api = new IpvsModel().api();
    await api.close();
    expect(api.closed).toBe(true);
    await expect(api.addService(svc(web))).rejects.toMatchObject({
      code: 'ETRANSPORT',
      message: 'addService tcp 192.0.2.10:80: the netlink client is closed',
    });
    // Invalid input is refused before anything else, as by the client's encoders.
    await expect(api.addService(svc({ ...web, port: 70000 }))).rejects.toMatchObject({ code: 'EINVAL', message: /not sent/ });
  });
});
