/**
 * A GET_DEST dump entry (the genl payload of a NEW_DEST message) straight to lvsadm's DestEntry:
 * a listing of thousands of real servers reads a few integers of each, so the common case, a
 * well-formed IPv4 destination (src/ipvs/replies.ts scanIpv4Dest), is read off the bytes without building the client's Destination
 * (strings, lazy counters) and parsing its address text back. The counters are decoded only when
 * printed, through the general decoder. Anything else (IPv6, an odd attribute size, a missing
 * attribute, an unknown enum value, a malformed message) goes through decodeDestReply, errors
 * included.
 */
import { toIpvsError } from '../ipvs/errors.js';
import { decodeDestReply, scanIpv4Dest } from '../ipvs/replies.js';
import type { AddressFamily, Stats } from '../ipvs/types.js';
import { type DestEntry, FORWARD, TUN_FLAGS, TUN_TYPES, destEntry } from './entries.js';
import { AF_INET } from './model.js';

/** The DestEntry of an IPv4 destination decoded in place; the counters come from the full decoder. */
class Ipv4Dest implements DestEntry {
  readonly af = AF_INET;
  constructor(
    readonly addr: Uint8Array,
    readonly port: number,
    readonly connFlags: number,
    readonly weight: number,
    readonly uThreshold: number,
    readonly lThreshold: number,
    readonly activeConns: number,
    readonly inactConns: number,
    readonly persistConns: number,
    readonly tunType: number,
    readonly tunPort: number,
    readonly tunFlags: number,
    /** The payload is `buf[start, end)`. */
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get stats(): Stats {
    return destEntry(decodeDestReply(this.buf.subarray(this.start, this.end), 'ipv4')).stats;
  }
}

function fastDest(p: Buffer, start: number, end: number, serviceFamily: AddressFamily): DestEntry | undefined {
  const f = scanIpv4Dest(p, serviceFamily, start, end);
  if (f === undefined) return undefined;
  const bytes = new Uint8Array(16);
  const a = f.addr;
  bytes[0] = p[a]!;
  bytes[1] = p[a + 1]!;
  bytes[2] = p[a + 2]!;
  bytes[3] = p[a + 3]!;
  return new Ipv4Dest(
    bytes,
    f.port,
    FORWARD[f.forwarding],
    f.weight,
    f.upperThreshold,
    f.lowerThreshold,
    f.activeConns,
    f.inactiveConns,
    f.persistentConns,
    TUN_TYPES[f.tunnelType],
    f.tunnelPort,
    TUN_FLAGS[f.tunnelCsum],
    p,
    start,
    end,
  );
}

/**
 * The DestEntry of one dump entry of a service of family `serviceFamily`; throws an IpvsError
 * (op listDestinations) when the message cannot be decoded, as listDestinations would reject.
 */
export function destEntryFromPayload(p: Buffer, serviceFamily: AddressFamily): DestEntry {
  return destEntryAt(p, 0, p.length, serviceFamily);
}

/**
 * destEntryFromPayload of the payload `buf[start, end)` (an entry inside a received datagram),
 * read in place in the common case: no Buffer of its own unless its counters are printed.
 */
export function destEntryAt(buf: Buffer, start: number, end: number, serviceFamily: AddressFamily): DestEntry {
  const fast = fastDest(buf, start, end, serviceFamily);
  if (fast !== undefined) return fast;
  try {
    return destEntry(decodeDestReply(buf.subarray(start, end), serviceFamily));
  } catch (err) {
    throw toIpvsError('listDestinations', undefined, err);
  }
}
