/**
 * Decoder fuzzing: random bytes, every truncation of valid messages, and mutated valid messages
 * go through every decoder. Each decoder must return a value or throw NetlinkDecodeError;
 * anything else (RangeError from a Buffer read, TypeError, AddressError…) fails the test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeIpvsRequest,
  decodeServiceReply,
  decodeTimeoutsReply,
  encodeDaemonReply,
  encodeDestReply,
  encodeServiceReply,
  encodeNewDest,
  encodeNewService,
  frameReply,
  frameRequest,
} from '../../../src/ipvs/codec.js';
import { IPVS_CMD } from '../../../src/ipvs/constants.js';
import { parseAttrs } from '../../../src/netlink/attrs.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { decodeFamily } from '../../../src/netlink/genl-ctrl.js';
import { decodeDone, decodeError, type NetlinkMessage, NLMSG, parseMessages } from '../../../src/netlink/message.js';
import * as arb from './arbitraries.js';
import { fixtureBytes } from './fixtures/format.js';
import { replyFixtures } from './fixtures/replies.js';
import { requestFixtures } from './fixtures/requests.js';

let decodeErrors = 0;
let successes = 0;

/** Runs `fn`; a NetlinkDecodeError is fine, any other exception is a bug. */
function tolerate(fn: () => unknown): void {
  try {
    fn();
    successes++;
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) {
      throw new Error(`decoder threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    }
    decodeErrors++;
  }
}

/** Every decoder that could see this genl payload. */
function decodePayload(payload: Buffer): void {
  tolerate(() => decodeServiceReply(payload));
  tolerate(() => decodeDestReply(payload));
  tolerate(() => decodeDestReply(payload, 'ipv6'));
  tolerate(() => decodeDaemonReply(payload));
  tolerate(() => decodeTimeoutsReply(payload));
  tolerate(() => decodeInfoReply(payload));
  tolerate(() => decodeIpvsRequest(payload));
}

function decodeMessage(m: NetlinkMessage): void {
  tolerate(() => decodeError(m));
  tolerate(() => decodeDone(m));
  tolerate(() => decodeFamily(m));
  decodePayload(m.payload);
}

/** The whole receive path: split, then every decoder on every message. */
function decodeBuffer(buf: Buffer): void {
  let msgs: NetlinkMessage[] = [];
  tolerate(() => {
    msgs = parseMessages(buf);
  });
  for (const m of msgs) decodeMessage(m);
}

/** Every getter on every attribute of a buffer, recursing once into nests. */
function readAllAttrs(buf: Buffer): void {
  tolerate(() => {
    const a = parseAttrs(buf);
    for (const { type } of a.list) {
      tolerate(() => a.u8(type));
      tolerate(() => a.u16(type));
      tolerate(() => a.u32(type));
      tolerate(() => a.u64(type));
      tolerate(() => a.be16(type));
      tolerate(() => a.be32(type));
      tolerate(() => a.string(type));
      tolerate(() => a.getFlag(type));
      tolerate(() => readAllAttrs(a.binary(type)));
    }
  });
}

const genlCmd = fc.constantFrom(IPVS_CMD.NEW_SERVICE, IPVS_CMD.NEW_DEST, IPVS_CMD.NEW_DAEMON, IPVS_CMD.SET_CONFIG, IPVS_CMD.SET_INFO);

/** Valid messages to truncate and mutate: every fixture plus generated replies and requests. */
const fixtureMessages = [...requestFixtures, ...replyFixtures].map(fixtureBytes);
const validMessage: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...fixtureMessages),
  arb.service.map((s) => frameReply(encodeServiceReply(s), { familyId: 0x22, seq: 1, multi: true })),
  arb.destination.map((d) => frameReply(encodeDestReply(d), { familyId: 0x22, seq: 1, multi: true })),
  arb.daemon.map((d) => frameReply(encodeDaemonReply(d), { familyId: 0x22, seq: 1 })),
  fc.tuple(arb.service, arb.destination).map(([s, d]) => frameRequest(encodeNewDest({ key: s.key }, d), { familyId: 0x22, seq: 2 })),
  arb.service.map((s) =>
    frameRequest(encodeNewService({ ...s, scheduler: s.scheduler || 'rr', flags: s.flags }), {
      familyId: 0x22,
      seq: 3,
    }),
  ),
);

describe('decoder fuzzing', () => {
  it('random bytes through the receive path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodeBuffer(Buffer.from(bytes))),
      { numRuns: 2000 },
    );
  });

  it('random genl payloads behind a plausible IPVS header', () => {
    fc.assert(
      fc.property(genlCmd, fc.uint8Array({ maxLength: 400 }), (cmd, attrs) => {
        decodePayload(Buffer.concat([Buffer.from([cmd, 1, 0, 0]), Buffer.from(attrs)]));
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes through every attribute getter', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => readAllAttrs(Buffer.from(bytes))),
      { numRuns: 1500 },
    );
  });

  it('random NLMSG_ERROR / NLMSG_DONE payloads with every flag combination', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(NLMSG.ERROR, NLMSG.DONE),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 200 }),
        (type, flags, payload) =>
          decodeMessage({ header: { len: 16 + payload.length, type, flags, seq: 0, pid: 0 }, payload: Buffer.from(payload) }),
      ),
      { numRuns: 1500 },
    );
  });

  it('every truncation of every fixture', () => {
    let cases = 0;
    for (const full of fixtureMessages) {
      for (let n = 0; n < full.length; n++) {
        const cut = Buffer.from(full.subarray(0, n));
        if (n >= 4) cut.writeUInt32LE(n, 0); // keep nlmsg_len consistent so the inner decoders are reached
        decodeBuffer(cut);
        decodeBuffer(full.subarray(0, n));
        cases += 2;
      }
    }
    expect(cases).toBeGreaterThan(3000);
  });

  it('truncated generated messages', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), (full, at) => {
        const n = at % (full.length + 1);
        const cut = Buffer.from(full.subarray(0, n));
        if (n >= 4) cut.writeUInt32LE(n, 0);
        decodeBuffer(cut);
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated valid messages', () => {
    const mutation = fc.array(fc.record({ pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(validMessage, mutation, (full, muts) => {
        const b = Buffer.from(full);
        for (const { pos, value } of muts) b[pos % b.length] = value;
        decodeBuffer(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('attribute length fields set to hostile values', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), fc.constantFrom(0, 1, 3, 4, 5, 0xfffe, 0xffff), (full, at, len) => {
        const b = Buffer.from(full);
        const pos = 20 + (((at % Math.max(1, b.length - 21)) >> 2) << 2);
        if (pos + 2 <= b.length) b.writeUInt16LE(len, pos);
        decodeBuffer(b);
      }),
      { numRuns: 1500 },
    );
  });

  it('exercised both outcomes', () => {
    expect(decodeErrors).toBeGreaterThan(1000);
    expect(successes).toBeGreaterThan(1000);
  });
});
