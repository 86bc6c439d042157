import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  decodeTimeoutsReply,
  encodeDaemonReply,
  encodeDestReply,
  encodeInfoReply,
  encodeServiceReply,
  encodeTimeoutsReply,
  formatVersionCode,
  frameReply,
} from '../../../src/ipvs/codec.js';
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_STATS_ATTR } from '../../../src/ipvs/constants.js';
import type { DaemonConfig, Destination, Service, Stats } from '../../../src/ipvs/types.js';
import { AttrWriter } from '../../../src/netlink/attrs.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { encodeGenlhdr, parseMessages } from '../../../src/netlink/message.js';
import * as arb from './arbitraries.js';
import { type Fixture, fixture, fixtureBytes, fixtureHeader } from './fixtures/format.js';
import { replyFixtures } from './fixtures/replies.js';

function payloadOf(f: Fixture): Buffer {
  const [m] = parseMessages(fixtureBytes(f));
  if (m === undefined) throw new Error(f.name);
  return m.payload;
}

function reframe(f: Fixture, payload: Buffer): string {
  const h = fixtureHeader(f);
  return frameReply(payload, { familyId: h.type, seq: h.seq, pid: h.pid, multi: (h.flags & 2) !== 0 }).toString('hex');
}

const zero: Stats = {
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
};

describe('golden replies: decode, and the kernel-side builders reproduce the bytes', () => {
  it('service dump entry', () => {
    const f = fixture(replyFixtures, 'service-tcp-rr');
    const s: Stats = { ...zero, conns: 12n, inpkts: 345n, inbytes: 4567n, cps: 1n, inpps: 2n, outpps: 3n, inbps: 4n, outbps: 5n };
    const expected: Service = {
      key: { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      scheduler: 'rr',
      flags: 2,
      timeout: 0,
      netmask: 0xffffffff,
      stats: s,
      stats64: s,
    };
    const svc = decodeServiceReply(payloadOf(f));
    expect(svc).toStrictEqual(expected);
    expect(reframe(f, encodeServiceReply(svc))).toBe(fixtureBytes(f).toString('hex'));
  });

  it('destination dump entry with 64-bit counters', () => {
    const f = fixture(replyFixtures, 'dest-route-bigstats');
    const expected: Destination = {
      family: 'ipv4',
      address: '192.168.10.2',
      port: 80,
      forwarding: 'route',
      weight: 100,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelCsum: 'nocsum',
      activeConns: 12,
      inactiveConns: 345,
      persistentConns: 0,
      stats: { ...zero, inpkts: 7n, inbytes: 500_000_000_000n },
      stats64: { ...zero, conns: 2n ** 33n, inpkts: 7n, inbytes: 500_000_000_000n },
    };
    const d = decodeDestReply(payloadOf(f));
    expect(d).toStrictEqual(expected);
    expect(reframe(f, encodeDestReply(d))).toBe(fixtureBytes(f).toString('hex'));
  });

  it('daemon dump entry', () => {
    const f = fixture(replyFixtures, 'daemon-master-defaults');
    const expected: DaemonConfig = {
      state: 'master',
      mcastIfn: 'eth0',
      syncId: 1,
      syncMaxlen: 1472,
      mcastGroup: '224.0.0.81',
      mcastPort: 8848,
      mcastTtl: 1,
    };
    const d = decodeDaemonReply(payloadOf(f));
    expect(d).toStrictEqual(expected);
    expect(reframe(f, encodeDaemonReply(d))).toBe(fixtureBytes(f).toString('hex'));
  });

  it('timeouts and info', () => {
    const t = fixture(replyFixtures, 'timeouts');
    expect(decodeTimeoutsReply(payloadOf(t))).toStrictEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect(reframe(t, encodeTimeoutsReply({ tcp: 900, tcpFin: 120, udp: 300 }))).toBe(fixtureBytes(t).toString('hex'));
    const i = fixture(replyFixtures, 'info');
    expect(decodeInfoReply(payloadOf(i))).toStrictEqual({ versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 });
    expect(reframe(i, encodeInfoReply({ versionCode: 0x010201, connTabSize: 4096 }))).toBe(fixtureBytes(i).toString('hex'));
  });
});

describe('reply round trips (fast-check)', () => {
  it('services', () => {
    fc.assert(
      fc.property(arb.service, fc.boolean(), (svc, nestedFlag) => {
        expect(decodeServiceReply(encodeServiceReply(svc, { nestedFlag }))).toEqual(svc);
      }),
      { numRuns: 300 },
    );
  });

  it('destinations', () => {
    fc.assert(
      fc.property(arb.destination, (d) => {
        expect(decodeDestReply(encodeDestReply(d))).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('daemons (absent maxlen/port/ttl come back as the 0 the kernel sends)', () => {
    fc.assert(
      fc.property(arb.daemon, (cfg) => {
        expect(decodeDaemonReply(encodeDaemonReply(cfg))).toEqual({
          ...cfg,
          syncMaxlen: cfg.syncMaxlen ?? 0,
          mcastPort: cfg.mcastPort ?? 0,
          mcastTtl: cfg.mcastTtl ?? 0,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('timeouts and info', () => {
    fc.assert(
      fc.property(arb.timeouts, arb.info, (t, i) => {
        expect(decodeTimeoutsReply(encodeTimeoutsReply(t))).toEqual(t);
        expect(decodeInfoReply(encodeInfoReply(i))).toEqual({ ...i, version: formatVersionCode(i.versionCode) });
      }),
      { numRuns: 200 },
    );
  });
});

describe('reply decoding details', () => {
  const destNest = (fill: (w: AttrWriter) => void): Buffer => {
    const w = new AttrWriter();
    w.nest(IPVS_CMD_ATTR.DEST, fill);
    return Buffer.concat([encodeGenlhdr({ cmd: IPVS_CMD.NEW_DEST, version: 1, reserved: 0 }), w.finish()]);
  };
  const oldKernelDest = (w: AttrWriter): void => {
    w.binary(IPVS_DEST_ATTR.ADDR, Buffer.from('20010db8000000000000000000000002', 'hex'))
      .be16(IPVS_DEST_ATTR.PORT, 443)
      .u32(IPVS_DEST_ATTR.FWD_METHOD, 0)
      .u32(IPVS_DEST_ATTR.WEIGHT, 3)
      .u32(IPVS_DEST_ATTR.U_THRESH, 0)
      .u32(IPVS_DEST_ATTR.L_THRESH, 0)
      .u32(IPVS_DEST_ATTR.ACTIVE_CONNS, 0)
      .u32(IPVS_DEST_ATTR.INACT_CONNS, 0)
      .u32(IPVS_DEST_ATTR.PERSIST_CONNS, 0);
  };

  it('falls back to the service family when ADDR_FAMILY is absent (kernels < 3.18)', () => {
    const p = destNest(oldKernelDest);
    expect(decodeDestReply(p, 'ipv6')).toMatchObject({ family: 'ipv6', address: '2001:db8::2', port: 443 });
    expect(() => decodeDestReply(p)).toThrow(NetlinkDecodeError);
  });

  it('ignores IPVS_STATS_ATTR_PAD (architectures without efficient unaligned access)', () => {
    const w = new AttrWriter();
    w.nest(IPVS_CMD_ATTR.DEST, (n) => {
      oldKernelDest(n);
      n.nest(IPVS_DEST_ATTR.STATS64, (s) => {
        s.flag(IPVS_STATS_ATTR.PAD);
        for (let t = 1; t <= 10; t++) s.u64(t, BigInt(t));
      });
    });
    const p = Buffer.concat([encodeGenlhdr({ cmd: IPVS_CMD.NEW_DEST, version: 1, reserved: 0 }), w.finish()]);
    expect(decodeDestReply(p, 'ipv6').stats64?.outbps).toBe(10n);
  });

  it('rejects unknown enumeration values, wrong commands and missing attributes', () => {
    const badFwd = destNest((w) => {
      oldKernelDest(w);
      w.u32(IPVS_DEST_ATTR.FWD_METHOD, 5);
    });
    expect(() => decodeDestReply(badFwd, 'ipv6')).toThrow(/unknown forwarding method 5/);
    const badAf = destNest((w) => {
      oldKernelDest(w);
      w.u16(IPVS_DEST_ATTR.ADDR_FAMILY, 7);
    });
    expect(() => decodeDestReply(badAf)).toThrow(/unknown address family 7/);
    expect(() =>
      decodeDestReply(
        destNest((w) => w.be16(IPVS_DEST_ATTR.PORT, 1)),
        'ipv4',
      ),
    ).toThrow(/ADDR is missing/);
    const svc = encodeServiceReply({
      key: { fwmark: 3, family: 'ipv4' },
      scheduler: 'wlc',
      flags: 0,
      timeout: 0,
      netmask: 0,
    });
    expect(() => decodeDestReply(svc)).toThrow(/expected IPVS_CMD_NEW_DEST, got IPVS_CMD_NEW_SERVICE/);
    expect(() => decodeInfoReply(svc)).toThrow(NetlinkDecodeError);
    expect(() => decodeServiceReply(svc.subarray(0, 4))).toThrow(/SERVICE is missing/);
  });

  it('rejects an IPv6 address attribute of 4 bytes', () => {
    const p = destNest((w) => {
      oldKernelDest(w);
      w.binary(IPVS_DEST_ATTR.ADDR, Buffer.from([1, 2, 3, 4]));
    });
    expect(() => decodeDestReply(p, 'ipv6')).toThrow(/not a valid ipv6 address/);
    expect(decodeDestReply(p, 'ipv4').address).toBe('1.2.3.4');
  });
});
