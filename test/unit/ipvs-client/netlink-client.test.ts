import { describe, expect, it } from 'vitest';
import type { IpvsOp } from '../../../src/ipvs/api.js';
import { IP_VS_SVC_F } from '../../../src/ipvs/constants.js';
import { IpvsError, IpvsUnavailableError } from '../../../src/ipvs/errors.js';
import { listConnections, openIpvs } from '../../../src/ipvs/netlink-client.js';
import type { DestinationSpec, ServiceSpec } from '../../../src/ipvs/types.js';
import { parseMessages } from '../../../src/netlink/message.js';
import { parseAddress } from '../../../src/ipvs/addr.js';
import { decodeDestReply, decodeServiceReply } from '../../../src/ipvs/replies.js';
import { encodeGetDests, frameGetDests } from '../../../src/ipvs/requests.js';
import { IpvsModel, type IpvsTransportOptions } from '../../support/ipvs-model.js';

/** A fake socket on a model of its own. */
const kernel = (options?: IpvsTransportOptions) => new IpvsModel().transport(options);

const web = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
const web6 = { protocol: 'udp', address: '2001:db8::10', port: 53 } as const;
const svc = (key: ServiceSpec['key'], scheduler = 'rr'): ServiceSpec => ({ key, scheduler, flags: 0, timeout: 0, netmask: 0xffffffff });
const dest = (address: string, port = 80, weight = 1): DestinationSpec => ({
  address,
  port,
  forwarding: 'masq',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
});

describe('openIpvs', () => {
  it('resolves the IPVS family on the given transport', async () => {
    const k = kernel({ familyId: 0x2b });
    const ipvs = await openIpvs({ transport: k });
    expect(ipvs.family).toMatchObject({ id: 0x2b, name: 'IPVS' });
    await ipvs.close();
    expect(k.closed).toBe(true);
  });

  it('rejects with IpvsUnavailableError (errno ENOPROTOOPT, as ipvsadm reports) without IPVS', async () => {
    const k = kernel({ noIpvs: true });
    const err = await openIpvs({ transport: k }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsUnavailableError);
    expect(err).toMatchObject({ code: 'EIPVSUNAVAILABLE', errno: 92, familyErrno: 2, op: 'open' });
    expect((err as Error).message).toMatch(/no "IPVS" generic netlink family/);
    expect(k.closed).toBe(true);
  });
});

describe('IpvsApi over the fake kernel', () => {
  it('adds, reads, edits and deletes services and real servers', async () => {
    const k = kernel();
    const ipvs = await openIpvs({ transport: k });
    await ipvs.addService(svc(web));
    await ipvs.addService({ ...svc(web6, 'wlc'), flags: IP_VS_SVC_F.PERSISTENT, timeout: 300, netmask: 64 });
    // The kernel lists real servers newest first.
    await ipvs.addDestination(web, dest('10.0.0.2', 8080, 3));
    await ipvs.addDestination(web, dest('10.0.0.1'));
    expect((await ipvs.listServices()).map((s) => s.key)).toEqual([web, web6]);
    expect(await ipvs.getService(web6)).toMatchObject({
      scheduler: 'wlc',
      flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.HASHED,
      netmask: 64,
      timeout: 300,
    });
    await ipvs.editService(svc(web, 'wrr'));
    expect((await ipvs.getService(web)).scheduler).toBe('wrr');
    await ipvs.editDestination(web, dest('10.0.0.1', 80, 7));
    expect((await ipvs.listDestinations(web)).map((d) => [d.address, d.port, d.weight])).toEqual([
      ['10.0.0.1', 80, 7],
      ['10.0.0.2', 8080, 3],
    ]);
    await ipvs.deleteDestination(web, { address: '10.0.0.1', port: 80 });
    expect(await ipvs.listDestinations(web)).toHaveLength(1);
    await ipvs.zero(web);
    await ipvs.zero();
    await ipvs.deleteService(web6);
    expect(await ipvs.listServices()).toHaveLength(1);
    await ipvs.flush();
    expect(await ipvs.listServices()).toEqual([]);
    await ipvs.close();
  });

  it('reads info, timeouts and daemons', async () => {
    // eth1's MTU is 1520 here: a backup's default maxlen is its MTU less the headers, 48 bytes for
    // an IPv6 group, so both daemons report 1472 (a master's default is always 1500 - 28).
    const ipvs = await openIpvs({ transport: new IpvsModel({ interfaces: { eth1: 1520 } }).transport() });
    expect(await ipvs.info()).toEqual({ versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 });
    await ipvs.setTimeouts({ tcp: 100, tcpFin: 0, udp: 50 });
    expect(await ipvs.getTimeouts()).toEqual({ tcp: 100, tcpFin: 120, udp: 50 });
    await ipvs.startDaemon({ state: 'master', mcastIfn: 'eth1', syncId: 5 });
    await ipvs.startDaemon({ state: 'backup', mcastIfn: 'eth1', syncId: 6, mcastGroup: 'ff02::1:3', mcastPort: 8849, mcastTtl: 3 });
    expect(await ipvs.listDaemons()).toEqual([
      { state: 'master', mcastIfn: 'eth1', syncId: 5, syncMaxlen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
      { state: 'backup', mcastIfn: 'eth1', syncId: 6, syncMaxlen: 1472, mcastGroup: 'ff02::1:3', mcastPort: 8849, mcastTtl: 3 },
    ]);
    await ipvs.stopDaemon('master');
    expect((await ipvs.listDaemons()).map((d) => d.state)).toEqual(['backup']);
    await ipvs.close();
  });

  it('rejects with IpvsError: code = errno name, message naming the operation and object', async () => {
    const ipvs = await openIpvs({ transport: kernel() });
    await ipvs.addService(svc(web));
    const cases: [Promise<unknown>, object, string][] = [
      [ipvs.addService(svc(web)), { code: 'EEXIST', errno: 17, op: 'addService' }, 'addService tcp 192.0.2.10:80: File exists (EEXIST)'],
      [
        ipvs.deleteService(web6),
        { code: 'ESRCH', errno: 3, op: 'deleteService' },
        'deleteService udp [2001:db8::10]:53: No such process (ESRCH)',
      ],
      [
        ipvs.deleteDestination(web, { address: '10.0.0.9', port: 80 }),
        { code: 'ENOENT', errno: 2 },
        'deleteDestination tcp 192.0.2.10:80 -> 10.0.0.9:80: No such file or directory (ENOENT)',
      ],
      [ipvs.getService({ fwmark: 5, family: 'ipv4' }), { code: 'ESRCH' }, 'getService fwmark 5 ipv4: No such process (ESRCH)'],
      [
        ipvs.addService(svc({ ...web, port: 81 }, 'nosuch')),
        { code: 'ENOENT' },
        'addService tcp 192.0.2.10:81: No such file or directory (ENOENT)',
      ],
      [ipvs.stopDaemon('backup'), { code: 'ESRCH' }, 'stopDaemon backup: No such process (ESRCH)'],
    ];
    for (const [p, fields, message] of cases) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpvsError);
      expect(err).toMatchObject({ ...fields, message });
    }
    await ipvs.close();
  });

  it('rejects invalid input with EINVAL before sending anything', async () => {
    const k = kernel();
    const ipvs = await openIpvs({ transport: k });
    const before = k.requests.length;
    await expect(ipvs.addService(svc({ ...web, address: '300.1.1.1' }))).rejects.toMatchObject({
      code: 'EINVAL',
      errno: 22,
      op: 'addService',
    });
    await expect(ipvs.addDestination(web, { ...dest('10.0.0.1'), port: 70000 })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(k.requests.length).toBe(before);
    await ipvs.close();
  });

  it('adds the kernel extended-ACK text to the message', async () => {
    const ipvs = await openIpvs({ transport: kernel({ extAckMessage: 'bad thing' }) });
    await expect(ipvs.deleteService(web)).rejects.toMatchObject({
      message: 'deleteService tcp 192.0.2.10:80: No such process (ESRCH) (bad thing)',
    });
    await ipvs.close();
  });

  it('matches answers delivered in reverse order and dumps split over datagrams', async () => {
    const k = kernel({ reverse: true, dumpChunk: 2 });
    const ipvs = await openIpvs({ transport: k });
    const keys = Array.from({ length: 9 }, (_, i) => ({ ...web, port: 1000 + i }));
    await Promise.all(keys.map((key) => ipvs.addService(svc(key))));
    const [one, all, info] = await Promise.all([ipvs.getService(keys[4]!), ipvs.listServices(), ipvs.info()]);
    expect(one.key).toEqual(keys[4]);
    expect(all.map((s) => s.key)).toEqual(keys);
    expect(info.version).toBe('1.2.1');
    await ipvs.close();
  });
});

describe('dumpFramed and the undecoded listings', () => {
  it('dumps the destinations of many services back to back, as listDestinations would', async () => {
    const k = kernel({ dumpChunk: 2 });
    const ipvs = await openIpvs({ transport: k });
    const keys = Array.from({ length: 4 }, (_, i) => ({ ...web, port: 1000 + i }));
    for (const key of keys) await ipvs.addService(svc(key));
    await ipvs.addService({ ...svc(web6), netmask: 128 });
    await ipvs.addService(svc({ fwmark: 7, family: 'ipv4' }));
    for (let i = 0; i < 5; i++) await ipvs.addDestination(keys[0]!, dest(`10.0.0.${i + 1}`));
    await ipvs.addDestination(keys[2]!, dest('10.0.1.1'));
    await ipvs.addDestination(web6, dest('2001:db8::1'));
    await ipvs.addDestination({ fwmark: 7, family: 'ipv4' }, dest('10.0.2.1'));
    const services = (await ipvs.listServicePayloads()).map(decodeServiceReply);
    expect(services.map((s) => s.key)).toEqual((await ipvs.listServices()).map((s) => s.key));
    const ids = services.map((s) => {
      const { key } = s;
      if ('fwmark' in key) return { af: 2, protocol: 0, addr: new Uint8Array(16), port: 0, fwmark: key.fwmark };
      const a = parseAddress(key.address);
      const addr = new Uint8Array(16);
      addr.set(a.bytes);
      return { af: a.family === 'ipv6' ? 10 : 2, protocol: key.protocol === 'tcp' ? 6 : 17, addr, port: key.port, fwmark: 0 };
    });
    const got: Array<Array<ReturnType<typeof decodeDestReply>>> = services.map(() => []);
    const failure = await ipvs.dumpFramed(frameGetDests(ids), (index, d, start, end) => {
      got[index]!.push(decodeDestReply(Buffer.from(d.subarray(start, end)), ids[index]!.af === 10 ? 'ipv6' : 'ipv4'));
    });
    expect(failure).toBeUndefined();
    for (let i = 0; i < services.length; i++) expect(got[i]).toEqual(await ipvs.listDestinations(services[i]!.key));
    expect(got.map((l) => l.length)).toEqual([5, 0, 1, 0, 1, 1]);

    // A service that is gone has an empty dump (as the kernel answers it), the others go on.
    const missing = { ...ids[1]!, port: 9 };
    const seen: number[] = [];
    await expect(ipvs.dumpFramed(frameGetDests([ids[0]!, missing, ids[2]!]), (index) => seen.push(index))).resolves.toBeUndefined();
    expect(seen).toEqual([0, 0, 0, 0, 0, 2]);
    await ipvs.close();
  });

  it('frames GET_DEST exactly as encodeGetDests encodes it', () => {
    const addr = new Uint8Array(16);
    addr.set([192, 0, 2, 10]);
    const f = frameGetDests([
      { af: 2, protocol: 6, addr, port: 80, fwmark: 0 },
      { af: 2, protocol: 0, addr: new Uint8Array(16), port: 0, fwmark: 7 },
    ]);
    const a = encodeGetDests(web).payload;
    const b = encodeGetDests({ fwmark: 7, family: 'ipv4' }).payload;
    expect(f.count).toBe(2);
    expect(f.buffer.subarray(16, f.ends[0]!)).toEqual(a);
    expect(f.buffer.subarray(f.ends[0]! + 16, f.ends[1]!)).toEqual(b);
    expect(f.buffer.readUInt32LE(0)).toBe(16 + a.length);
    expect(f.maxPayload).toBe(a.length);
  });
});

describe('batch', () => {
  const ops: IpvsOp[] = [
    { op: 'addService', service: svc(web) },
    { op: 'addDestination', key: web, dest: dest('10.0.0.1') },
    { op: 'addService', service: svc(web) }, // EEXIST
    { op: 'addDestination', key: web, dest: dest('10.0.0.2') },
    { op: 'addDestination', key: web, dest: { ...dest('10.0.0.3'), port: -1 } }, // invalid: not sent
    { op: 'editDestination', key: web, dest: dest('10.0.0.2', 80, 9) },
  ];

  it('pipelines everything and reports each result in order', async () => {
    const k = kernel();
    const ipvs = await openIpvs({ transport: k });
    const datagramsBefore = k.sent.length;
    // The two servers added the other way round: the kernel lists them newest first.
    const swapped = [...ops];
    [swapped[1], swapped[3]] = [ops[3]!, ops[1]!];
    const results = await ipvs.batch(swapped);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'EEXIST', 'ok', 'EINVAL', 'ok']);
    expect(k.sent.length - datagramsBefore).toBe(1); // the five valid operations in one datagram
    expect((await ipvs.listDestinations(web)).map((d) => [d.address, d.weight])).toEqual([
      ['10.0.0.1', 1],
      ['10.0.0.2', 9],
    ]);
    await ipvs.close();
  });

  it('with stopOnError sends one at a time and nothing after the first failure (ECANCELED)', async () => {
    const k = kernel();
    const ipvs = await openIpvs({ transport: k });
    const before = k.requests.length;
    const results = await ipvs.batch(ops, { stopOnError: true });
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'EEXIST', 'ECANCELED', 'ECANCELED', 'ECANCELED']);
    expect(k.requests.length - before).toBe(3);
    expect(k.sent.slice(-3).every((d) => parseMessages(d).length === 1)).toBe(true);
    const cancelled = results[3];
    expect(cancelled?.ok).toBe(false);
    if (cancelled && !cancelled.ok) {
      expect(cancelled.error.message).toBe(
        'addDestination tcp 192.0.2.10:80 -> 10.0.0.2:80: not sent: an earlier operation of the batch failed',
      );
    }
    expect(await ipvs.listDestinations(web)).toHaveLength(1);
    await ipvs.close();
  });

  it('applies 10,000 operations within the window, without overrunning a small receive buffer', async () => {
    const model = new IpvsModel();
    const k = model.transport({ rcvCapacity: 300 });
    const ipvs = await openIpvs({ transport: k });
    const big: IpvsOp[] = [];
    for (let s = 0; s < 1000; s++) {
      const key = { protocol: 'tcp', address: `10.${s >> 8}.${s & 255}.1`, port: 80 } as const;
      big.push({ op: 'addService', service: svc(key) });
      for (let d = 0; d < 9; d++) big.push({ op: 'addDestination', key, dest: dest(`172.16.${s & 255}.${d + 1}`) });
    }
    const results = await ipvs.batch(big);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(k.dropped).toBe(0);
    expect(ipvs.stats.maxInFlight).toBeLessThanOrEqual(256);
    expect(model.snapshot()).toHaveLength(1000);
    await ipvs.close();
  });

  it('an empty batch is a no-op', async () => {
    const ipvs = await openIpvs({ transport: kernel() });
    expect(await ipvs.batch([])).toEqual([]);
    expect(await ipvs.batch([], { stopOnError: true })).toEqual([]);
    await ipvs.close();
  });
});

describe('listConnections', () => {
  it('reads and parses the connection table file', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'lvsd-conn-'));
    const path = join(dir, 'ip_vs_conn');
    await writeFile(
      path,
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\nUDP CB007164 8E2A C000020A 0035 C000020B 0035 UDP             299\n',
    );
    expect(await listConnections({ path })).toEqual([
      {
        protocol: 'UDP',
        family: 'ipv4',
        clientAddress: '203.0.113.100',
        clientPort: 36394,
        virtualAddress: '192.0.2.10',
        virtualPort: 53,
        destFamily: 'ipv4',
        destAddress: '192.0.2.11',
        destPort: 53,
        state: 'UDP',
        expires: 299,
      },
    ]);
    await expect(listConnections({ path: join(dir, 'missing') })).rejects.toMatchObject({ code: 'EIPVSUNAVAILABLE' });
  });
});
