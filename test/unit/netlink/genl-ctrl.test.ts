import { describe, expect, it } from 'vitest';
import { NetlinkDecodeError, NetlinkEncodeError } from '../../../src/netlink/errors.js';
import {
  CTRL_CMD,
  decodeFamily,
  encodeFamilyReply,
  encodeGetFamily,
  GENL_ID_CTRL,
  type GenlFamily,
} from '../../../src/netlink/genl-ctrl.js';
import { buildGenlMessage, parseMessages } from '../../../src/netlink/message.js';
import { fixture, fixtureBytes, fixtureHeader } from '../ipvs/fixtures/format.js';
import { replyFixtures } from '../ipvs/fixtures/replies.js';
import { requestFixtures } from '../ipvs/fixtures/requests.js';

const ipvsFamily: GenlFamily = {
  id: 0x22,
  name: 'IPVS',
  version: 1,
  hdrsize: 0,
  maxattr: 6,
  ops: [
    { id: 1, flags: 0x03 },
    { id: 4, flags: 0x07 },
  ],
  mcastGroups: [],
};

describe('nlctrl', () => {
  it('encodes GETFAMILY "IPVS" as libnl does', () => {
    const f = fixture(requestFixtures, 'getfamily-ipvs');
    const h = fixtureHeader(f);
    expect(encodeGetFamily('IPVS', { seq: h.seq, pid: h.pid }).toString('hex')).toBe(fixtureBytes(f).toString('hex'));
  });

  it('decodes the NEWFAMILY reply and re-encodes it byte for byte', () => {
    const f = fixture(replyFixtures, 'family-ipvs');
    const [m] = parseMessages(fixtureBytes(f));
    expect(decodeFamily(m!)).toEqual(ipvsFamily);
    expect(encodeFamilyReply(ipvsFamily, { seq: 1, pid: 0x1234 }).toString('hex')).toBe(fixtureBytes(f).toString('hex'));
  });

  it('round-trips multicast groups', () => {
    const fam: GenlFamily = {
      ...ipvsFamily,
      name: 'nl80211',
      id: 0x1c,
      mcastGroups: [
        { name: 'config', id: 5 },
        { name: 'scan', id: 6 },
      ],
    };
    const [m] = parseMessages(encodeFamilyReply(fam, { seq: 7, nestedFlag: true }));
    expect(decodeFamily(m!)).toEqual(fam);
  });

  it('rejects names that do not fit GENL_NAMSIZ', () => {
    expect(() => encodeGetFamily('', { seq: 1 })).toThrow(NetlinkEncodeError);
    expect(() => encodeGetFamily('0123456789abcdef', { seq: 1 })).toThrow(NetlinkEncodeError);
    expect(encodeGetFamily('0123456789abcde', { seq: 1 }).length).toBe(40);
  });

  it('rejects replies that are not NEWFAMILY or lack the id', () => {
    const wrongCmd = buildGenlMessage({ familyId: GENL_ID_CTRL, flags: 0, seq: 1, cmd: CTRL_CMD.GETFAMILY, version: 1 }, Buffer.alloc(0));
    expect(() => decodeFamily(parseMessages(wrongCmd)[0]!)).toThrow(NetlinkDecodeError);
    const noId = buildGenlMessage(
      { familyId: GENL_ID_CTRL, flags: 0, seq: 1, cmd: CTRL_CMD.NEWFAMILY, version: 2 },
      Buffer.from('0900020049505653000000 00'.replace(/ /g, ''), 'hex'),
    );
    expect(() => decodeFamily(parseMessages(noId)[0]!)).toThrow(/FAMILY_ID is missing/);
    const notCtrl = buildGenlMessage({ familyId: 0x22, flags: 0, seq: 1, cmd: 1, version: 2 }, Buffer.alloc(0));
    expect(() => decodeFamily(parseMessages(notCtrl)[0]!)).toThrow(NetlinkDecodeError);
  });
});
