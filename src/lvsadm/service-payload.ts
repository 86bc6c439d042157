/**
 * A GET_SERVICE dump entry (the genl payload of a NEW_SERVICE message) straight to lvsadm's
 * ServiceEntry, as dest-payload.ts does for destinations: a listing of a thousand services reads
 * a few fields of each, so the common case, an IPv4 service with a protocol, an address and a port,
 * no persistence engine and a plain ASCII scheduler name, is read off the bytes without building
 * the client's Service (key text, attribute maps) and parsing its address back. The key and the
 * counters come from the full decoder when asked for. Anything else (a fwmark or IPv6 service, a
 * PE name, an odd attribute size, a missing attribute, a malformed message) goes through
 * decodeServiceReply, errors included.
 */
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_SVC_ATTR } from '../ipvs/constants.js';
import { toIpvsError } from '../ipvs/errors.js';
import { decodeServiceReply } from '../ipvs/replies.js';
import type { ServiceKey, Stats } from '../ipvs/types.js';
import { readU16, readU32 } from '../netlink/host-order.js';
import { type ServiceEntry, serviceEntry } from './entries.js';
import { AF_INET, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './model.js';

const NLA_TYPE_MASK = 0x3fff;

/** The ServiceEntry of an IPv4 service decoded in place; key and counters from the full decoder. */
class Ipv4Service implements ServiceEntry {
  readonly af = AF_INET;
  readonly fwmark = 0;
  readonly peName = '';
  private full: ServiceEntry | undefined;
  constructor(
    readonly protocol: number,
    readonly addr: Uint8Array,
    readonly port: number,
    readonly schedName: string,
    readonly flags: number,
    readonly timeout: number,
    readonly netmask: number,
    private readonly payload: Buffer,
  ) {}

  private decoded(): ServiceEntry {
    this.full ??= serviceEntry(decodeServiceReply(this.payload));
    return this.full;
  }

  get key(): ServiceKey {
    return this.decoded().key;
  }

  get stats(): Stats {
    return this.decoded().stats;
  }
}

/** The fast case of {@link serviceEntryFromPayload}, or undefined. */
function fastService(p: Buffer): ServiceEntry | undefined {
  if (p.length < 8 || p[0] !== IPVS_CMD.NEW_SERVICE) return undefined;
  // The SERVICE nest among the top-level attributes (the last one wins, as in AttrSet).
  let s0 = -1;
  let s1 = -1;
  for (let off = 4; off + 4 <= p.length; ) {
    const len = readU16(p, off);
    if (len < 4 || off + len > p.length) return undefined;
    if ((readU16(p, off + 2) & NLA_TYPE_MASK) === IPVS_CMD_ATTR.SERVICE) {
      s0 = off + 4;
      s1 = off + len;
    }
    off += (len + 3) & ~3;
  }
  if (s0 < 0) return undefined;
  let af = -1;
  let protocol = -1;
  let addr = -1;
  let port = -1;
  let sched = -1;
  let schedEnd = -1;
  let flags = -1;
  let timeout = -1;
  let netmask = -1;
  for (let off = s0; off + 4 <= s1; ) {
    const len = readU16(p, off);
    if (len < 4 || off + len > s1) return undefined;
    const n = len - 4;
    const v = off + 4;
    switch (readU16(p, off + 2) & NLA_TYPE_MASK) {
      case IPVS_SVC_ATTR.AF:
        if (n !== 2) return undefined;
        af = readU16(p, v);
        break;
      case IPVS_SVC_ATTR.PROTOCOL:
        if (n !== 2) return undefined;
        protocol = readU16(p, v);
        break;
      case IPVS_SVC_ATTR.ADDR:
        if (n !== 16 && n !== 4) return undefined;
        addr = v;
        break;
      case IPVS_SVC_ATTR.PORT:
        if (n !== 2) return undefined;
        port = (p[v]! << 8) | p[v + 1]!;
        break;
      case IPVS_SVC_ATTR.FWMARK:
      case IPVS_SVC_ATTR.PE_NAME:
        return undefined;
      case IPVS_SVC_ATTR.SCHED_NAME: {
        // Plain ASCII up to the first NUL (what the UTF-8 decoder would give as well).
        let end = -1;
        for (let i = v; i < v + n; i++) {
          const c = p[i]!;
          if (c === 0) {
            end = i;
            break;
          }
          if (c >= 0x80) return undefined;
        }
        if (end < 0) return undefined;
        sched = v;
        schedEnd = end;
        break;
      }
      case IPVS_SVC_ATTR.FLAGS:
        if (n !== 8) return undefined;
        flags = (readU32(p, v) & readU32(p, v + 4)) >>> 0;
        break;
      case IPVS_SVC_ATTR.TIMEOUT:
        if (n !== 4) return undefined;
        timeout = readU32(p, v);
        break;
      case IPVS_SVC_ATTR.NETMASK:
        if (n !== 4) return undefined;
        netmask = p.readUInt32BE(v);
        break;
      default:
        break;
    }
    off += (len + 3) & ~3;
  }
  if (af !== AF_INET || addr < 0 || port < 0 || sched < 0 || flags < 0 || timeout < 0 || netmask < 0) return undefined;
  if (protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP && protocol !== IPPROTO_SCTP) return undefined;
  const bytes = new Uint8Array(16);
  bytes[0] = p[addr]!;
  bytes[1] = p[addr + 1]!;
  bytes[2] = p[addr + 2]!;
  bytes[3] = p[addr + 3]!;
  // serviceEntry keeps the first 15 characters of the scheduler name.
  const schedName = p.toString('latin1', sched, Math.min(schedEnd, sched + 15));
  return new Ipv4Service(protocol, bytes, port, schedName, flags, timeout, netmask, p);
}

/**
 * The ServiceEntry of one GET_SERVICE dump entry; throws an IpvsError (op listServices) when the
 * message cannot be decoded, as listServices would reject.
 */
export function serviceEntryFromPayload(p: Buffer): ServiceEntry {
  const fast = fastService(p);
  if (fast !== undefined) return fast;
  try {
    return serviceEntry(decodeServiceReply(p));
  } catch (err) {
    throw toIpvsError('listServices', undefined, err);
  }
}
