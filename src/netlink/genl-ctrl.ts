/**
 * The generic netlink controller ("nlctrl", id 0x10): resolving a family name such as "IPVS"
 * to its dynamic id with CTRL_CMD_GETFAMILY, and decoding the CTRL_CMD_NEWFAMILY reply.
 */
import { type AttrNames, AttrWriter, type NestOptions, parseAttrs } from './attrs.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';
import { buildGenlMessage, NLM_F, type NetlinkMessage, splitGenl } from './message.js';

/** Fixed family id of the controller (GENL_ID_CTRL = NLMSG_MIN_TYPE). */
export const GENL_ID_CTRL = 0x10;
/** Family names are at most this long including the NUL (GENL_NAMSIZ). */
export const GENL_NAMSIZ = 16;
/** Version put in GETFAMILY requests (libnl's genl_ctrl_resolve sends 1). */
export const CTRL_REQUEST_VERSION = 1;

/** Controller commands (enum CTRL_CMD_*). */
export const CTRL_CMD = {
  UNSPEC: 0,
  NEWFAMILY: 1,
  DELFAMILY: 2,
  GETFAMILY: 3,
  NEWOPS: 4,
  DELOPS: 5,
  GETOPS: 6,
  NEWMCAST_GRP: 7,
  DELMCAST_GRP: 8,
  GETMCAST_GRP: 9,
  GETPOLICY: 10,
} as const;

/** Controller attributes (enum CTRL_ATTR_*). */
export const CTRL_ATTR = {
  FAMILY_ID: 1,
  FAMILY_NAME: 2,
  VERSION: 3,
  HDRSIZE: 4,
  MAXATTR: 5,
  OPS: 6,
  MCAST_GROUPS: 7,
  POLICY: 8,
  OP_POLICY: 9,
  OP: 10,
} as const;

/** Attributes of one CTRL_ATTR_OPS entry. */
export const CTRL_ATTR_OP = { ID: 1, FLAGS: 2 } as const;
/** Attributes of one CTRL_ATTR_MCAST_GROUPS entry. */
export const CTRL_ATTR_MCAST_GRP = { NAME: 1, ID: 2 } as const;

const CTRL_NAMES: AttrNames = {
  1: 'CTRL_ATTR_FAMILY_ID',
  2: 'CTRL_ATTR_FAMILY_NAME',
  3: 'CTRL_ATTR_VERSION',
  4: 'CTRL_ATTR_HDRSIZE',
  5: 'CTRL_ATTR_MAXATTR',
  6: 'CTRL_ATTR_OPS',
  7: 'CTRL_ATTR_MCAST_GROUPS',
};
const OP_NAMES: AttrNames = { 1: 'CTRL_ATTR_OP_ID', 2: 'CTRL_ATTR_OP_FLAGS' };
const GRP_NAMES: AttrNames = { 1: 'CTRL_ATTR_MCAST_GRP_NAME', 2: 'CTRL_ATTR_MCAST_GRP_ID' };

/** One operation of a family, with its GENL_* capability flags. */
export interface GenlOp {
  readonly id: number;
  readonly flags: number;
}

/** One multicast group of a family. */
export interface GenlMcastGroup {
  readonly name: string;
  readonly id: number;
}

/** A resolved generic netlink family. */
export interface GenlFamily {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly hdrsize: number;
  readonly maxattr: number;
  readonly ops: readonly GenlOp[];
  readonly mcastGroups: readonly GenlMcastGroup[];
}

/** Options of {@link encodeGetFamily}. */
export interface GetFamilyOptions {
  readonly seq: number;
  readonly pid?: number;
  /** Defaults to NLM_F_REQUEST | NLM_F_ACK, as libnl sends. */
  readonly flags?: number;
}

/** Encodes CTRL_CMD_GETFAMILY for `name` (a full netlink message to send). */
export function encodeGetFamily(name: string, options: GetFamilyOptions): Buffer {
  if (name.length === 0) throw new NetlinkEncodeError('family name is empty');
  const attrs = new AttrWriter(32).string(CTRL_ATTR.FAMILY_NAME, name, GENL_NAMSIZ - 1).finish();
  return buildGenlMessage(
    {
      familyId: GENL_ID_CTRL,
      flags: options.flags ?? NLM_F.REQUEST | NLM_F.ACK,
      seq: options.seq,
      pid: options.pid ?? 0,
      cmd: CTRL_CMD.GETFAMILY,
      version: CTRL_REQUEST_VERSION,
    },
    attrs,
  );
}

/**
 * Decodes a CTRL_CMD_NEWFAMILY reply (the answer to GETFAMILY). FAMILY_ID and FAMILY_NAME are
 * required; missing numeric fields read as 0 and missing lists as empty.
 */
export function decodeFamily(msg: NetlinkMessage): GenlFamily {
  if (msg.header.type !== GENL_ID_CTRL) {
    throw new NetlinkDecodeError(`expected a nlctrl message (type 0x10), got type ${msg.header.type}`);
  }
  const { genl, attrs } = splitGenl(msg.payload);
  if (genl.cmd !== CTRL_CMD.NEWFAMILY) {
    throw new NetlinkDecodeError(`expected CTRL_CMD_NEWFAMILY, got command ${genl.cmd}`);
  }
  const a = parseAttrs(attrs, 'nlctrl', CTRL_NAMES);
  const ops: GenlOp[] = [];
  for (const entry of a.getNested(CTRL_ATTR.OPS)?.list ?? []) {
    const op = parseAttrs(entry.value, `CTRL_ATTR_OPS[${entry.type}]`, OP_NAMES);
    ops.push({ id: op.u32(CTRL_ATTR_OP.ID), flags: op.getU32(CTRL_ATTR_OP.FLAGS) ?? 0 });
  }
  const mcastGroups: GenlMcastGroup[] = [];
  for (const entry of a.getNested(CTRL_ATTR.MCAST_GROUPS)?.list ?? []) {
    const g = parseAttrs(entry.value, `CTRL_ATTR_MCAST_GROUPS[${entry.type}]`, GRP_NAMES);
    mcastGroups.push({ name: g.string(CTRL_ATTR_MCAST_GRP.NAME), id: g.u32(CTRL_ATTR_MCAST_GRP.ID) });
  }
  return {
    id: a.u16(CTRL_ATTR.FAMILY_ID),
    name: a.string(CTRL_ATTR.FAMILY_NAME),
    version: a.getU32(CTRL_ATTR.VERSION) ?? 0,
    hdrsize: a.getU32(CTRL_ATTR.HDRSIZE) ?? 0,
    maxattr: a.getU32(CTRL_ATTR.MAXATTR) ?? 0,
    ops,
    mcastGroups,
  };
}

/** Options of {@link encodeFamilyReply}. */
export interface FamilyReplyOptions extends NestOptions {
  readonly seq: number;
  readonly pid?: number;
}

/**
 * Encodes the CTRL_CMD_NEWFAMILY reply the kernel sends (attribute order as ctrl_fill_info:
 * NAME, ID, VERSION, HDRSIZE, MAXATTR, OPS, MCAST_GROUPS; nests without NLA_F_NESTED).
 * For tests and fakes of the kernel side.
 */
export function encodeFamilyReply(f: GenlFamily, options: FamilyReplyOptions): Buffer {
  const nest = { nestedFlag: options.nestedFlag ?? false };
  const w = new AttrWriter()
    .string(CTRL_ATTR.FAMILY_NAME, f.name, GENL_NAMSIZ - 1)
    .u16(CTRL_ATTR.FAMILY_ID, f.id)
    .u32(CTRL_ATTR.VERSION, f.version)
    .u32(CTRL_ATTR.HDRSIZE, f.hdrsize)
    .u32(CTRL_ATTR.MAXATTR, f.maxattr);
  if (f.ops.length > 0) {
    w.nest(
      CTRL_ATTR.OPS,
      (o) => {
        f.ops.forEach((op, i) => {
          o.nest(i + 1, (e) => e.u32(CTRL_ATTR_OP.ID, op.id).u32(CTRL_ATTR_OP.FLAGS, op.flags), nest);
        });
      },
      nest,
    );
  }
  if (f.mcastGroups.length > 0) {
    w.nest(
      CTRL_ATTR.MCAST_GROUPS,
      (o) => {
        f.mcastGroups.forEach((g, i) => {
          o.nest(i + 1, (e) => e.u32(CTRL_ATTR_MCAST_GRP.ID, g.id).string(CTRL_ATTR_MCAST_GRP.NAME, g.name), nest);
        });
      },
      nest,
    );
  }
  return buildGenlMessage(
    { familyId: GENL_ID_CTRL, flags: 0, seq: options.seq, pid: options.pid ?? 0, cmd: CTRL_CMD.NEWFAMILY, version: 2 },
    w.finish(),
  );
}
