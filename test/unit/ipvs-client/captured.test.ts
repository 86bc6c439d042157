/**
 * Golden captures of the real ipvsadm 1.31 (libnl 3.7) talking to the real kernel 6.1 IPVS, taken on
 * an nlmon tap by scripts/capture-ipvs-fixtures.sh in the kernel lab: our encoders must produce the
 * same bytes as ipvsadm for the same operation (modulo seq and pid), our decoders must read every
 * kernel answer, and the kernel-side reply builders must reproduce the kernel's bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  decodeTimeoutsReply,
  encodeDaemonReply,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeDestReply,
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
  encodeServiceReply,
  encodeSetDest,
  encodeSetService,
  encodeSetTimeouts,
  encodeTimeoutsReply,
  frameReply,
  frameRequest,
  type IpvsRequest,
} from '../../../src/ipvs/codec.js';
import { IP_VS_SVC_F, IPVS_CMD } from '../../../src/ipvs/constants.js';
import type { DestinationSpec, Service, ServiceKey, ServiceSpec } from '../../../src/ipvs/types.js';
import { parseAddress } from '../../../src/ipvs/addr.js';
import { keyFamily } from '../../../src/ipvs/wire.js';
import { NLA_F_NESTED } from '../../../src/netlink/attrs.js';
import { decodeFamily, encodeFamilyReply, encodeGetFamily, GENL_ID_CTRL } from '../../../src/netlink/genl-ctrl.js';
import { decodeDone, decodeError, NLM_F, NLMSG, type NetlinkMessage, parseMessages } from '../../../src/netlink/message.js';

interface CapturedMessage {
  direction: 'to-kernel' | 'to-user';
  hex: string;
}
interface Capture {
  name: string;
  description: string;
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  messages: CapturedMessage[];
}
interface CaptureFile {
  kernel: string;
  ipvsadm: string;
  libnl: string;
  captures: Capture[];
}

const file = JSON.parse(readFileSync(new URL('../ipvs/fixtures/captured/ipvsadm.json', import.meta.url), 'utf8')) as CaptureFile;

interface Msg {
  readonly raw: Buffer;
  readonly m: NetlinkMessage;
  readonly direction: CapturedMessage['direction'];
}

function messagesOf(c: Capture): Msg[] {
  return c.messages.map((x) => {
    const raw = Buffer.from(x.hex, 'hex');
    const [m] = parseMessages(raw);
    if (m === undefined) throw new Error(`${c.name}: empty message`);
    return { raw, m, direction: x.direction };
  });
}

function capture(name: string): Capture {
  const c = file.captures.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no capture ${name}`);
  return c;
}

const cmdOf = (m: NetlinkMessage) => m.payload.readUInt8(0);
const FAMILY_ID = (() => {
  const first = messagesOf(file.captures[0]!).find((x) => x.direction === 'to-kernel' && x.m.header.type !== GENL_ID_CTRL);
  return first!.m.header.type;
})();

/** The IPVS requests of a capture other than ipvsadm's start-up GET_INFO. */
function opRequests(c: Capture): Msg[] {
  return messagesOf(c).filter((x) => x.direction === 'to-kernel' && x.m.header.type === FAMILY_ID && cmdOf(x.m) !== IPVS_CMD.GET_INFO);
}

const vip = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
const vip6 = { protocol: 'tcp', address: '2001:db8::10', port: 443 } as const;
const missing = { protocol: 'tcp', address: '192.0.2.99', port: 80 } as const;
const spec = (key: ServiceKey, scheduler: string, o: Partial<ServiceSpec> = {}): ServiceSpec => ({
  key,
  scheduler,
  flags: 0,
  timeout: 0,
  netmask: keyFamily(key) === 'ipv4' ? 0xffffffff : 128,
  ...o,
});
const rs = (address: string, port: number, o: Partial<DestinationSpec> = {}): DestinationSpec => ({
  address,
  port,
  forwarding: 'route',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
  ...o,
});

/**
 * ipvsadm's service order (libipvs ipvs_cmp_services): fwmark, then family, protocol, address and
 * port, numerically (fwmark 0, i.e. the protocol services, first).
 */
function cmpServices(a: Service, b: Service): number {
  const fw = (s: Service) => ('fwmark' in s.key ? s.key.fwmark : 0);
  const af = (s: Service) => (keyFamily(s.key) === 'ipv4' ? 2 : 10);
  const proto = (s: Service) => ('fwmark' in s.key ? 0 : { tcp: 6, udp: 17, sctp: 132 }[s.key.protocol]);
  const addr = (s: Service) => ('fwmark' in s.key ? Buffer.alloc(16) : parseAddress(s.key.address).bytes);
  const port = (s: Service) => ('fwmark' in s.key ? 0 : s.key.port);
  return fw(a) - fw(b) || af(a) - af(b) || proto(a) - proto(b) || Buffer.compare(addr(a), addr(b)) || port(a) - port(b);
}

/** For a listing capture: the GET_SERVICE dump, then GET_DEST for each service in ipvsadm's order. */
function listing(c: Capture): IpvsRequest[] {
  const services = messagesOf(c)
    .filter((x) => x.direction === 'to-user' && x.m.header.type === FAMILY_ID && cmdOf(x.m) === IPVS_CMD.NEW_SERVICE)
    .map((x) => decodeServiceReply(x.m.payload))
    .sort(cmpServices);
  return [encodeGetServices(), ...services.map((s) => encodeGetDests(s.key))];
}

/**
 * ipvsadm leaves bytes of the IPv6 service address in the unused 12 bytes of an IPv4 real
 * server's ADDR (nf_inet_addr) when the two families differ; the kernel ignores them. Zeroes
 * them (the DEST nest's ADDR) so the rest of the message can be compared byte for byte.
 */
function zeroMixedAddrTail(raw: Buffer): Buffer {
  const out = Buffer.from(raw);
  // In the DEST nest: ADDR_FAMILY = AF_INET, then ADDR (len 20) whose bytes 4..15 are to be zeroed.
  const sig = Buffer.from('06000b000200000014000100', 'hex');
  const i = out.indexOf(sig);
  if (i < 0) throw new Error('no IPv4 DEST ADDR in the message');
  out.fill(0, i + sig.length + 4, i + sig.length + 16);
  return out;
}

/** How lvsd encodes the operation of each capture (the requests after ipvsadm's GET_INFO). */
const expected: Record<string, (c: Capture) => IpvsRequest[]> = {
  'list-empty': () => [encodeGetServices()],
  'add-service-tcp-rr': () => [encodeNewService(spec(vip, 'rr'))],
  'add-service-duplicate': () => [encodeNewService(spec(vip, 'rr'))],
  'add-service-udp-persistent': () => [
    encodeNewService(
      spec({ protocol: 'udp', address: '192.0.2.10', port: 53 }, 'wlc', {
        flags: IP_VS_SVC_F.PERSISTENT,
        timeout: 300,
        netmask: 0xffffff00,
      }),
    ),
  ],
  'add-service-tcp6-sh': () => [
    encodeNewService(
      spec(vip6, 'sh', {
        flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.SCHED_SH_FALLBACK | IP_VS_SVC_F.SCHED_SH_PORT,
        timeout: 600,
        netmask: 64,
      }),
    ),
  ],
  'add-service-udp-pe-sip': () => [
    encodeNewService(
      spec({ protocol: 'udp', address: '192.0.2.10', port: 5060 }, 'rr', { flags: IP_VS_SVC_F.PERSISTENT, timeout: 60, peName: 'sip' }),
    ),
  ],
  'add-service-udp-ops': () => [
    encodeNewService(spec({ protocol: 'udp', address: '192.0.2.10', port: 4500 }, 'rr', { flags: IP_VS_SVC_F.ONEPACKET })),
  ],
  'add-service-sctp-mh': () => [
    encodeNewService(
      spec({ protocol: 'sctp', address: '192.0.2.10', port: 3868 }, 'mh', {
        flags: IP_VS_SVC_F.SCHED_MH_FALLBACK | IP_VS_SVC_F.SCHED_MH_PORT,
      }),
    ),
  ],
  'add-service-fwmark4': () => [encodeNewService(spec({ fwmark: 7, family: 'ipv4' }, 'wrr'))],
  'add-service-fwmark6': () => [encodeNewService(spec({ fwmark: 8, family: 'ipv6' }, 'lc'))],
  'edit-service': () => [encodeSetService(spec(vip, 'wlc', { flags: IP_VS_SVC_F.PERSISTENT, timeout: 120 }))],
  'add-dest-masq': () => [
    encodeNewDest({ key: vip }, rs('10.0.0.1', 8080, { forwarding: 'masq', weight: 3, upperThreshold: 100, lowerThreshold: 10 })),
  ],
  'add-dest-route': () => [encodeNewDest({ key: vip }, rs('10.0.0.2', 80))],
  'add-dest-ipip': () => [encodeNewDest({ key: vip }, rs('10.0.0.3', 80, { forwarding: 'tunnel' }))],
  'add-dest-gue': () => [
    encodeNewDest({ key: vip }, rs('10.0.0.4', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelCsum: 'csum' })),
  ],
  'add-dest-gue-remcsum': () => [
    encodeNewDest({ key: vip }, rs('10.0.0.8', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6081, tunnelCsum: 'remcsum' })),
  ],
  'add-dest-gre': () => [encodeNewDest({ key: vip }, rs('10.0.0.5', 80, { forwarding: 'tunnel', tunnelType: 'gre', tunnelCsum: 'csum' }))],
  'add-dest-mixed': () => [encodeNewDest({ key: vip6 }, rs('10.0.0.6', 443, { forwarding: 'tunnel' }))],
  'add-dest-v6': () => [encodeNewDest({ key: vip6 }, rs('2001:db8::100', 8443, { forwarding: 'masq', weight: 2 }))],
  'add-dest-duplicate': () => [encodeNewDest({ key: vip }, rs('10.0.0.2', 80))],
  'add-dest-fwmark': () => [encodeNewDest({ key: { fwmark: 7, family: 'ipv4' } }, rs('10.0.0.7', 0, { weight: 0 }))],
  'add-dest-no-service': () => [encodeNewDest({ key: missing }, rs('10.0.0.1', 80))],
  'edit-dest': () => [encodeSetDest({ key: vip }, rs('10.0.0.1', 8080, { forwarding: 'masq', weight: 5, upperThreshold: 200 }))],
  'list-all': listing,
  'list-stats': listing,
  save: listing,
  'list-one': () => [encodeGetService({ key: vip }), encodeGetDests(vip)],
  'list-one-fwmark6': () => [encodeGetService({ key: { fwmark: 8, family: 'ipv6' } }), encodeGetDests({ fwmark: 8, family: 'ipv6' })],
  'list-one-missing': () => [encodeGetService({ key: missing })],
  'del-dest': () => [encodeDelDest({ key: vip }, { address: '10.0.0.2', port: 80 })],
  'del-dest-missing': () => [encodeDelDest({ key: vip }, { address: '10.0.0.99', port: 80 })],
  'zero-service': () => [encodeZeroService(vip)],
  'zero-all': () => [encodeZeroAll()],
  'del-service': () => [encodeDelService({ key: { protocol: 'udp', address: '192.0.2.10', port: 53 } })],
  'del-service-fwmark': () => [encodeDelService({ key: { fwmark: 8, family: 'ipv6' } })],
  'del-service-missing': () => [encodeDelService({ key: missing })],
  'set-timeouts': () => [encodeSetTimeouts({ tcp: 900, tcpFin: 120, udp: 300 })],
  'get-timeouts': () => [encodeGetTimeouts()],
  'start-daemon-mixed': () => [encodeNewDaemon({ state: 'master', mcastIfn: 'sync0', syncId: 0 })],
  'del-dest-mixed': () => [encodeDelDest({ key: vip6 }, { address: '10.0.0.6', port: 443 })],
  'start-daemon-master': () => [
    encodeNewDaemon({
      state: 'master',
      mcastIfn: 'sync0',
      syncId: 5,
      syncMaxlen: 1400,
      mcastGroup: '239.1.2.3',
      mcastPort: 8849,
      mcastTtl: 2,
    }),
  ],
  'start-daemon-backup6': () => [encodeNewDaemon({ state: 'backup', mcastIfn: 'sync0', syncId: 6, mcastGroup: 'ff02::1:3' })],
  'list-daemons': () => [encodeGetDaemons()],
  'start-daemon-duplicate': () => [encodeNewDaemon({ state: 'master', mcastIfn: 'sync0', syncId: 0 })],
  'stop-daemon-master': () => [encodeDelDaemon({ state: 'master' })],
  'stop-daemon-backup': () => [encodeDelDaemon({ state: 'backup' })],
  'stop-daemon-missing': () => [encodeDelDaemon({ state: 'master' })],
  flush: () => [encodeFlush()],
};

// encodeZero lives in codec.js too; imported lazily here to keep the table above readable.
import { encodeZero } from '../../../src/ipvs/codec.js';

function encodeZeroService(key: ServiceKey): IpvsRequest {
  return encodeZero({ key });
}
function encodeZeroAll(): IpvsRequest {
  return encodeZero();
}

/** The errno each failing step gets from the kernel. */
const expectedErrno: Record<string, number> = {
  'add-service-duplicate': 17,
  'add-dest-duplicate': 17,
  'add-dest-no-service': 3,
  'list-one-missing': 3,
  'del-dest-missing': 2,
  'del-service-missing': 3,
  'start-daemon-mixed': 22,
  'start-daemon-duplicate': 17,
  'stop-daemon-missing': 3,
};

const hex = (b: Buffer) => b.toString('hex');

/** Captures of an IPv4 real server of an IPv6 service (see zeroMixedAddrTail). */
const mixedFamily = new Set(['add-dest-mixed', 'del-dest-mixed']);

describe(`captures of ipvsadm ${file.ipvsadm} (libnl ${file.libnl}) on kernel ${file.kernel}`, () => {
  it('has a capture with messages for every step, and an expectation for each', () => {
    expect(file.captures.length).toBeGreaterThan(40);
    for (const c of file.captures) {
      expect(c.messages.length, c.name).toBeGreaterThan(0);
      expect(expected[c.name], `no expectation for capture ${c.name}`).toBeDefined();
    }
  });

  it('ipvsadm exits 0 exactly for the steps expected to succeed', () => {
    for (const c of file.captures) expect(c.exitCode !== 0, c.name).toBe(c.name in expectedErrno);
  });

  describe('our encoders produce the bytes ipvsadm sent (modulo seq and pid)', () => {
    for (const c of file.captures) {
      it(c.name, () => {
        const got = opRequests(c);
        const want = expected[c.name]!(c);
        expect(got.map((x) => cmdOf(x.m))).toEqual(want.map((r) => r.cmd));
        got.forEach((x, i) => {
          const ours = frameRequest(want[i]!, { familyId: x.m.header.type, seq: x.m.header.seq, pid: x.m.header.pid });
          const theirs = mixedFamily.has(c.name) ? zeroMixedAddrTail(x.raw) : x.raw;
          expect(hex(ours), `${c.name} request ${i}`).toBe(hex(theirs));
        });
      });
    }
  });

  it('GETFAMILY "IPVS" and GET_INFO are byte-identical too', () => {
    let families = 0;
    let infos = 0;
    for (const c of file.captures) {
      for (const x of messagesOf(c).filter((y) => y.direction === 'to-kernel')) {
        if (x.m.header.type === GENL_ID_CTRL) {
          families++;
          expect(hex(encodeGetFamily('IPVS', { seq: x.m.header.seq, pid: x.m.header.pid }))).toBe(hex(x.raw));
        } else if (cmdOf(x.m) === IPVS_CMD.GET_INFO) {
          infos++;
          expect(hex(frameRequest(encodeGetInfo(), { familyId: FAMILY_ID, seq: x.m.header.seq, pid: x.m.header.pid }))).toBe(hex(x.raw));
        }
      }
    }
    expect(families).toBeGreaterThan(100);
    expect(infos).toBe(file.captures.length);
  });
});

describe('the wire questions, answered by the captures', () => {
  const all = file.captures.flatMap(messagesOf);
  const requests = all.filter((x) => x.direction === 'to-kernel');
  const replies = all.filter((x) => x.direction === 'to-user');

  it('libnl sets NLA_F_NESTED on request nests; the kernel does not on reply nests', () => {
    const req = opRequests(capture('add-dest-masq'))[0]!;
    expect(req.m.payload.readUInt16LE(6) & NLA_F_NESTED).toBe(NLA_F_NESTED); // IPVS_CMD_ATTR_SERVICE
    const svcReply = replies.find((x) => x.m.header.type === FAMILY_ID && cmdOf(x.m) === IPVS_CMD.NEW_SERVICE)!;
    expect(svcReply.m.payload.readUInt16LE(6)).toBe(1);
  });

  it('request flags: REQUEST|ACK (0x5) for doit, REQUEST|ACK|DUMP (0x305) for dumps', () => {
    for (const x of requests) {
      const dump = x.m.header.type === FAMILY_ID && [IPVS_CMD.GET_DEST, IPVS_CMD.GET_DAEMON].includes(cmdOf(x.m) as 8 | 11);
      if (dump) expect(x.m.header.flags).toBe(0x305);
      else if (x.m.header.type === GENL_ID_CTRL) expect(x.m.header.flags).toBe(0x5);
    }
    expect(opRequests(capture('list-empty'))[0]!.m.header.flags).toBe(0x305);
    expect(opRequests(capture('list-one'))[0]!.m.header.flags).toBe(0x5);
  });

  it('success ACKs are capped (NLM_F_CAPPED, header echo only); errors echo the whole request', () => {
    for (const x of replies.filter((y) => y.m.header.type === NLMSG.ERROR)) {
      const e = decodeError(x.m);
      if (e.ack) {
        expect(x.m.header.flags).toBe(NLM_F.CAPPED);
        expect(x.raw.length).toBe(36);
      } else {
        expect(x.m.header.flags).toBe(0);
        expect(e.requestPayload?.length).toBe(e.request.len - 16);
        expect(e.extAck).toBeUndefined();
      }
    }
  });

  it('successful dumps get no ACK, only NLMSG_DONE (flags MULTI, error 0)', () => {
    const msgs = messagesOf(capture('list-daemons'));
    const dumpSeq = opRequests(capture('list-daemons'))[0]!.m.header.seq;
    const answers = msgs.filter(
      (x) =>
        x.direction === 'to-user' && x.m.header.seq === dumpSeq && x.m.header.pid === opRequests(capture('list-daemons'))[0]!.m.header.pid,
    );
    expect(answers.map((x) => x.m.header.type)).toEqual([FAMILY_ID, FAMILY_ID, NLMSG.DONE]);
    const done = answers[2]!;
    expect(done.m.header.flags).toBe(NLM_F.MULTI);
    expect(decodeDone(done.m)).toEqual({ error: 0 });
  });

  it('ADDR is always the 16-byte nf_inet_addr, in requests and replies', () => {
    const req = opRequests(capture('add-service-tcp-rr'))[0]!;
    // SERVICE nest at 4 + 4, AF (8), PROTOCOL (8), then ADDR: len 20 = 4 + 16.
    expect(req.m.payload.readUInt16LE(24)).toBe(20);
    expect(req.m.payload.readUInt16LE(26)).toBe(3);
  });

  it('MCAST_PORT and SYNC_MAXLEN are host-order u16; MCAST_GROUP is network order', () => {
    const req = opRequests(capture('start-daemon-master'))[0]!;
    const bytes = hex(req.m.payload);
    expect(bytes).toContain('060004007805'); // SYNC_MAXLEN 1400 = 0x0578, little-endian
    expect(bytes).toContain('060007009122'); // MCAST_PORT 8849 = 0x2291, little-endian
    expect(bytes).toContain('08000500ef010203'); // MCAST_GROUP 239.1.2.3
  });

  it('no STATS_ATTR_PAD in reply stats nests (x86-64 needs no 64-bit alignment padding)', () => {
    for (const x of replies.filter(
      (y) => y.m.header.type === FAMILY_ID && [IPVS_CMD.NEW_SERVICE, IPVS_CMD.NEW_DEST].includes(cmdOf(y.m) as 1 | 5),
    )) {
      const svc = cmdOf(x.m) === IPVS_CMD.NEW_SERVICE;
      const reencoded = svc ? encodeServiceReply(decodeServiceReply(x.m.payload)) : encodeDestReply(decodeDestReply(x.m.payload));
      // Re-encoding without PAD reproduces the kernel's bytes: it sent none.
      expect(hex(reencoded)).toBe(hex(x.m.payload));
    }
  });
});

describe('our decoders read every kernel answer, and the reply builders reproduce it', () => {
  for (const c of file.captures) {
    it(c.name, () => {
      const msgs = messagesOf(c);
      const sentByKey = new Map(msgs.filter((x) => x.direction === 'to-kernel').map((x) => [`${x.m.header.pid}/${x.m.header.seq}`, x]));
      for (const x of msgs.filter((y) => y.direction === 'to-user')) {
        const { m } = x;
        const frame = { familyId: m.header.type, seq: m.header.seq, pid: m.header.pid, multi: (m.header.flags & NLM_F.MULTI) !== 0 };
        if (m.header.type === NLMSG.ERROR) {
          const e = decodeError(m);
          const req = sentByKey.get(`${e.request.pid}/${e.request.seq}`);
          expect(req, 'an answer to a request of the capture').toBeDefined();
          if (!e.ack) {
            expect(e.errno).toBe(expectedErrno[c.name]);
            expect(hex(e.requestPayload!)).toBe(hex(req!.m.payload));
          }
        } else if (m.header.type === NLMSG.DONE) {
          expect(decodeDone(m).error).toBe(0);
        } else if (m.header.type === GENL_ID_CTRL) {
          const fam = decodeFamily(m);
          expect(fam).toMatchObject({ id: FAMILY_ID, name: 'IPVS', version: 1, hdrsize: 0, maxattr: 6 });
          // Every command but SET_INFO; all need CAP_NET_ADMIN (GENL_ADMIN_PERM, 0x1); GET_DEST and
          // GET_DAEMON are dump-only (0xd), GET_SERVICE both (0xf), the rest doit-only (0xb).
          expect(fam.ops.map((o) => o.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17]);
          expect(fam.ops.map((o) => o.flags)).toEqual([0xb, 0xb, 0xb, 0xf, 0xb, 0xb, 0xb, 0xd, 0xb, 0xb, 0xd, 0xb, 0xb, 0xb, 0xb, 0xb]);
          expect(hex(encodeFamilyReply(fam, { seq: m.header.seq, pid: m.header.pid }))).toBe(hex(x.raw));
        } else {
          expect(m.header.type).toBe(FAMILY_ID);
          let rebuilt: Buffer;
          switch (cmdOf(m)) {
            case IPVS_CMD.NEW_SERVICE:
              rebuilt = encodeServiceReply(decodeServiceReply(m.payload));
              break;
            case IPVS_CMD.NEW_DEST:
              rebuilt = encodeDestReply(decodeDestReply(m.payload));
              break;
            case IPVS_CMD.NEW_DAEMON:
              rebuilt = encodeDaemonReply(decodeDaemonReply(m.payload));
              break;
            case IPVS_CMD.SET_CONFIG:
              rebuilt = encodeTimeoutsReply(decodeTimeoutsReply(m.payload));
              break;
            case IPVS_CMD.SET_INFO:
              expect(decodeInfoReply(m.payload)).toEqual({ versionCode: 0x010201, version: '1.2.1', connTabSize: 4096 });
              continue;
            default:
              throw new Error(`unexpected reply command ${cmdOf(m)}`);
          }
          expect(hex(frameReply(rebuilt, frame))).toBe(hex(x.raw));
        }
      }
    });
  }
});

describe('what the kernel reported back', () => {
  const decoded = (name: string, cmd: number) =>
    messagesOf(capture(name))
      .filter((x) => x.direction === 'to-user' && x.m.header.type === FAMILY_ID && cmdOf(x.m) === cmd)
      .map((x) => x.m.payload);

  it('services (-L -n): the kernel adds IP_VS_SVC_F_HASHED and reports what was configured', () => {
    const services = decoded('list-all', IPVS_CMD.NEW_SERVICE).map((p) => decodeServiceReply(p));
    const byName = new Map<string, Service>(services.map((s) => [JSON.stringify(s.key), s]));
    expect(byName.get(JSON.stringify(vip))).toMatchObject({
      scheduler: 'wlc',
      flags: IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.HASHED,
      timeout: 120,
    });
    expect(byName.get(JSON.stringify(vip6))).toMatchObject({ scheduler: 'sh', flags: 0x1b, timeout: 600, netmask: 64 });
    expect(byName.get(JSON.stringify({ protocol: 'udp', address: '192.0.2.10', port: 5060 }))).toMatchObject({
      peName: 'sip',
      timeout: 60,
    });
    expect(byName.get(JSON.stringify({ fwmark: 8, family: 'ipv6' }))).toMatchObject({ scheduler: 'lc', netmask: 128 });
    for (const s of services) {
      expect(s.stats).toBeDefined();
      expect(s.stats64).toBeDefined();
    }
  });

  it('real servers: forwarding, tunnel options, mixed family', () => {
    const dests = decoded('list-one', IPVS_CMD.NEW_DEST).map((p) => decodeDestReply(p));
    const by = new Map(dests.map((d) => [d.address, d]));
    // -e sends every field: the lower threshold set by -a (10) is back to 0.
    expect(by.get('10.0.0.1')).toMatchObject({ port: 8080, forwarding: 'masq', weight: 5, upperThreshold: 200, lowerThreshold: 0 });
    expect(by.get('10.0.0.4')).toMatchObject({ forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelCsum: 'csum' });
    expect(by.get('10.0.0.8')).toMatchObject({ tunnelType: 'gue', tunnelPort: 6081, tunnelCsum: 'remcsum' });
    expect(by.get('10.0.0.5')).toMatchObject({ tunnelType: 'gre', tunnelCsum: 'csum' });
    const mixed = decoded('list-all', IPVS_CMD.NEW_DEST)
      .map((p) => decodeDestReply(p))
      .find((d) => d.address === '10.0.0.6');
    expect(mixed).toMatchObject({ family: 'ipv4', port: 443, forwarding: 'tunnel' });
  });

  it('daemons: defaults filled in by the kernel (maxlen from the MTU, port 8848, ttl 1)', () => {
    expect(decoded('list-daemons', IPVS_CMD.NEW_DAEMON).map((p) => decodeDaemonReply(p))).toEqual([
      { state: 'master', mcastIfn: 'sync0', syncId: 5, syncMaxlen: 1400, mcastGroup: '239.1.2.3', mcastPort: 8849, mcastTtl: 2 },
      { state: 'backup', mcastIfn: 'sync0', syncId: 6, syncMaxlen: 1452, mcastGroup: 'ff02::1:3', mcastPort: 8848, mcastTtl: 1 },
    ]);
  });

  it('timeouts', () => {
    expect(decoded('get-timeouts', IPVS_CMD.SET_CONFIG).map((p) => decodeTimeoutsReply(p))).toEqual([{ tcp: 900, tcpFin: 120, udp: 300 }]);
  });
});
