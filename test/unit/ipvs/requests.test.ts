import { describe, expect, it } from 'vitest';
import { AddressError } from '../../../src/ipvs/addr.js';
import {
  decodeIpvsRequest,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetDaemons,
  encodeGetDests,
  encodeGetInfo,
  encodeGetService,
  encodeGetServices,
  encodeGetTimeouts,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetDest,
  encodeSetService,
  encodeSetTimeouts,
  encodeZero,
  frameRequest,
  type IpvsRequest,
} from '../../../src/ipvs/codec.js';
import { IP_VS_SVC_F, IPVS_CMD } from '../../../src/ipvs/constants.js';
import type { DestinationSpec, ServiceSpec } from '../../../src/ipvs/types.js';
import { NetlinkEncodeError } from '../../../src/netlink/errors.js';
import { NLM_F, parseMessages } from '../../../src/netlink/message.js';
import { fixtureBytes, fixtureHeader } from './fixtures/format.js';
import { requestFixtures } from './fixtures/requests.js';

const tcp80 = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;

const masq: DestinationSpec = {
  address: '192.168.10.1',
  port: 80,
  forwarding: 'masq',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
};

/** How lvsd would produce each golden request. */
const golden: Record<string, () => IpvsRequest> = {
  'get-info': () => encodeGetInfo(),
  flush: () => encodeFlush(),
  'zero-all': () => encodeZero(),
  'get-services-dump': () => encodeGetServices(),
  'get-timeouts': () => encodeGetTimeouts(),
  'get-daemons-dump': () => encodeGetDaemons(),
  'new-service-tcp-rr': () => encodeNewService({ key: tcp80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }),
  'new-service-persistent-pe': () =>
    encodeNewService({
      key: tcp80,
      scheduler: 'rr',
      flags: IP_VS_SVC_F.PERSISTENT,
      timeout: 360,
      netmask: 0xffffff00,
      peName: 'sip',
    }),
  'new-service-fwmark-v6': () =>
    encodeNewService({ key: { fwmark: 1, family: 'ipv6' }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 128 }),
  'del-service-tcp': () => encodeDelService({ key: tcp80 }),
  'new-dest-masq': () => encodeNewDest({ key: tcp80 }, masq),
  'get-dests-fwmark': () => encodeGetDests({ fwmark: 1, family: 'ipv4' }),
  'new-daemon-master': () => encodeNewDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 0 }),
  'new-daemon-backup-full': () =>
    encodeNewDaemon({
      state: 'backup',
      mcastIfn: 'eth1',
      syncId: 5,
      syncMaxlen: 1472,
      mcastGroup: '239.1.1.1',
      mcastPort: 8848,
      mcastTtl: 2,
    }),
  'del-daemon-backup': () => encodeDelDaemon({ state: 'backup' }),
  'set-timeouts': () => encodeSetTimeouts({ tcp: 900, tcpFin: 120, udp: 300 }),
};

describe('golden request bytes', () => {
  for (const f of requestFixtures.filter((x) => x.name !== 'getfamily-ipvs')) {
    it(f.name, () => {
      const make = golden[f.name];
      expect(make, `no encoder mapped for fixture ${f.name}`).toBeDefined();
      const h = fixtureHeader(f);
      const bytes = frameRequest(make!(), { familyId: h.type, seq: h.seq, pid: h.pid });
      expect(bytes.toString('hex')).toBe(fixtureBytes(f).toString('hex'));
    });
  }

  it('every golden encoder has a fixture', () => {
    const names = new Set(requestFixtures.map((f) => f.name));
    for (const name of Object.keys(golden)) expect(names.has(name), name).toBe(true);
  });

  it('can leave NLA_F_NESTED off (libnl < 3.5)', () => {
    const req = encodeGetDests({ fwmark: 1, family: 'ipv4' }, { nestedFlag: false });
    expect(req.payload.readUInt16LE(6)).toBe(1);
  });
});

describe('request flags', () => {
  it('uses REQUEST|ACK, plus DUMP for dumps', () => {
    const ra = NLM_F.REQUEST | NLM_F.ACK;
    expect(encodeGetServices().flags).toBe(ra | NLM_F.DUMP);
    expect(encodeGetDests(tcp80).flags).toBe(ra | NLM_F.DUMP);
    expect(encodeGetDaemons().flags).toBe(ra | NLM_F.DUMP);
    expect(encodeGetService({ key: tcp80 }).flags).toBe(ra);
    expect(encodeFlush().flags).toBe(ra);
    const framed = parseMessages(frameRequest(encodeGetServices(), { familyId: 0x30, seq: 77 }));
    expect(framed[0]?.header).toMatchObject({ type: 0x30, seq: 77, pid: 0, flags: ra | NLM_F.DUMP });
  });
});

const v6Svc: ServiceSpec = {
  key: { protocol: 'sctp', address: '2001:db8::80', port: 443 },
  scheduler: 'mh',
  flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.SCHED_MH_FALLBACK | IP_VS_SVC_F.SCHED_MH_PORT,
  timeout: 600,
  netmask: 64,
  peName: 'sip',
};

const gueDest: DestinationSpec = {
  address: '192.0.2.7',
  port: 443,
  forwarding: 'tunnel',
  weight: 65535,
  upperThreshold: 1000,
  lowerThreshold: 10,
  tunnelType: 'gue',
  tunnelPort: 6080,
  tunnelCsum: 'remcsum',
};

describe('round trip through the request decoder', () => {
  it('NEW_SERVICE / SET_SERVICE keep every field', () => {
    for (const [enc, cmd] of [
      [encodeNewService, IPVS_CMD.NEW_SERVICE],
      [encodeSetService, IPVS_CMD.SET_SERVICE],
    ] as const) {
      const d = decodeIpvsRequest(enc(v6Svc).payload);
      expect(d).toEqual({
        cmd,
        version: 1,
        service: {
          key: v6Svc.key,
          family: 'ipv6',
          scheduler: 'mh',
          peName: 'sip',
          flags: v6Svc.flags,
          flagsMask: 0xffffffff,
          timeout: 600,
          netmask: 64,
        },
      });
    }
  });

  it('DEL_SERVICE and ZERO fill in ipvsadm defaults', () => {
    const d = decodeIpvsRequest(encodeDelService({ key: { fwmark: 7, family: 'ipv6' } }).payload);
    expect(d.service).toEqual({
      key: { fwmark: 7, family: 'ipv6' },
      family: 'ipv6',
      scheduler: '',
      flags: 0,
      flagsMask: 0xffffffff,
      timeout: 0,
      netmask: 128,
    });
    expect(decodeIpvsRequest(encodeZero({ key: tcp80 }).payload)).toMatchObject({
      cmd: IPVS_CMD.ZERO,
      service: { key: tcp80, netmask: 0xffffffff },
    });
    expect(decodeIpvsRequest(encodeZero().payload)).toEqual({ cmd: IPVS_CMD.ZERO, version: 1 });
  });

  it('GET_SERVICE sends the zeroed nest libipvs sends', () => {
    expect(decodeIpvsRequest(encodeGetService({ key: tcp80 }).payload).service).toEqual({
      key: tcp80,
      family: 'ipv4',
      scheduler: '',
      flags: 0,
      flagsMask: 0xffffffff,
      timeout: 0,
      netmask: 0,
    });
  });

  it('NEW_DEST / SET_DEST keep every field, mixed address families included', () => {
    for (const [enc, cmd] of [
      [encodeNewDest, IPVS_CMD.NEW_DEST],
      [encodeSetDest, IPVS_CMD.SET_DEST],
    ] as const) {
      const d = decodeIpvsRequest(enc({ key: v6Svc.key }, gueDest).payload);
      expect(d.cmd).toBe(cmd);
      expect(d.service?.key).toEqual(v6Svc.key);
      const { address, port, ...rest } = gueDest;
      expect(d.dest).toEqual({ address, port, addrFamily: 2, ...rest });
    }
  });

  it('DEL_DEST fills in ipvsadm defaults', () => {
    const d = decodeIpvsRequest(encodeDelDest({ key: tcp80 }, { address: '2001:db8::5', port: 8080 }).payload);
    expect(d.dest).toEqual({
      address: '2001:db8::5',
      port: 8080,
      addrFamily: 10,
      forwarding: 'route',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelCsum: 'nocsum',
    });
  });

  it('GET_DEST carries the identity only', () => {
    expect(decodeIpvsRequest(encodeGetDests(tcp80).payload)).toEqual({
      cmd: IPVS_CMD.GET_DEST,
      version: 1,
      service: { key: tcp80, family: 'ipv4' },
    });
  });

  it('daemon commands keep every field, IPv6 group included', () => {
    const cfg = {
      state: 'master',
      mcastIfn: 'bond0.100',
      syncId: 255,
      syncMaxlen: 9000,
      mcastGroup: 'ff02::81',
      mcastPort: 9000,
      mcastTtl: 255,
    } as const;
    expect(decodeIpvsRequest(encodeNewDaemon(cfg).payload)).toEqual({
      cmd: IPVS_CMD.NEW_DAEMON,
      version: 1,
      daemon: cfg,
    });
    expect(decodeIpvsRequest(encodeDelDaemon({ state: 'master', mcastIfn: 'eth2', syncId: 9 }).payload)).toEqual({
      cmd: IPVS_CMD.DEL_DAEMON,
      version: 1,
      daemon: { state: 'master', mcastIfn: 'eth2', syncId: 9 },
    });
  });

  it('SET_CONFIG and the attribute-less commands', () => {
    expect(decodeIpvsRequest(encodeSetTimeouts({ tcp: 1, tcpFin: 0, udp: 2 ** 32 - 1 }).payload)).toEqual({
      cmd: IPVS_CMD.SET_CONFIG,
      version: 1,
      timeouts: { tcp: 1, tcpFin: 0, udp: 2 ** 32 - 1 },
    });
    for (const [req, cmd] of [
      [encodeGetTimeouts(), IPVS_CMD.GET_CONFIG],
      [encodeGetInfo(), IPVS_CMD.GET_INFO],
      [encodeFlush(), IPVS_CMD.FLUSH],
      [encodeGetServices(), IPVS_CMD.GET_SERVICE],
      [encodeGetDaemons(), IPVS_CMD.GET_DAEMON],
    ] as const) {
      expect(decodeIpvsRequest(req.payload)).toEqual({ cmd, version: 1 });
      expect(req.cmd).toBe(cmd);
    }
  });
});

describe('encoder validation', () => {
  const ok: ServiceSpec = { key: tcp80, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff };
  it('rejects values the kernel would refuse or the wire cannot carry', () => {
    expect(() => encodeNewService({ ...ok, scheduler: '' })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, scheduler: 'a'.repeat(16) })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, peName: 'p'.repeat(17) })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, flags: -1 })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, key: { ...tcp80, port: 65536 } })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, key: { fwmark: 0, family: 'ipv4' } })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, key: { fwmark: 1, family: 'ipv6' }, netmask: 129 })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewService({ ...ok, key: { ...tcp80, address: '10.0.0' } })).toThrow(AddressError);
    expect(() => encodeNewDest({ key: tcp80 }, { ...masq, weight: -1 })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewDest({ key: tcp80 }, { ...masq, tunnelPort: 70000 })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewDaemon({ state: 'master', mcastIfn: 'x'.repeat(16), syncId: 0 })).toThrow(NetlinkEncodeError);
    expect(() => encodeNewDaemon({ state: 'master', mcastIfn: 'eth0', syncId: 0, mcastTtl: 256 })).toThrow(NetlinkEncodeError);
    expect(() => encodeSetTimeouts({ tcp: -1, tcpFin: 0, udp: 0 })).toThrow(NetlinkEncodeError);
    // @ts-expect-error: an unknown forwarding method can only come from untyped input
    expect(() => encodeNewDest({ key: tcp80 }, { ...masq, forwarding: 'nat' })).toThrow(NetlinkEncodeError);
  });

  it('clears the kernel-internal HASHED bit of a service read back from the kernel', () => {
    const req = encodeSetService({ ...ok, flags: IP_VS_SVC_F.HASHED | IP_VS_SVC_F.PERSISTENT });
    expect(decodeIpvsRequest(req.payload).service?.flags).toBe(IP_VS_SVC_F.PERSISTENT);
  });

  it('accepts the longest names the kernel accepts', () => {
    expect(() => encodeNewService({ ...ok, scheduler: 'a'.repeat(15), peName: 'p'.repeat(16) })).not.toThrow();
    expect(() => encodeNewDaemon({ state: 'backup', mcastIfn: 'x'.repeat(15), syncId: 0 })).not.toThrow();
  });
});
