/**
 * Reading the director benchmark's captures (tcpdump -w files; plain ESM, no dependencies):
 * - nlmon (LINKTYPE_NETLINK): every netlink message a process sends to the kernel, with the kernel's timestamp.
 *   The IPVS requests among them tell which table changes a daemon made and when (the kernel applies a request
 *   as it receives it: the timestamp is the moment of the change, to a few microseconds).
 * - the director's veth (Ethernet): TCP resets from the real servers, the wire event a failed check reacts to.
 */
import { readFileSync } from 'node:fs';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_NETLINK = 253;
const NETLINK_GENERIC = 16;
const GENL_ID_CTRL = 16;
const NLM_F_REQUEST = 1;

/** IPVS generic netlink commands (include/uapi/linux/ip_vs.h). */
export const IPVS_CMD_NAMES = {
  1: 'NEW_SERVICE',
  2: 'SET_SERVICE',
  3: 'DEL_SERVICE',
  4: 'GET_SERVICE',
  5: 'NEW_DEST',
  6: 'SET_DEST',
  7: 'DEL_DEST',
  8: 'GET_DEST',
  9: 'NEW_DAEMON',
  10: 'DEL_DAEMON',
  11: 'GET_DAEMON',
  12: 'SET_CONFIG',
  13: 'GET_CONFIG',
  14: 'SET_INFO',
  15: 'GET_INFO',
  16: 'ZERO',
  17: 'FLUSH',
};
/** The commands that change the table (an "op"). */
export const MUTATING = new Set([1, 2, 3, 5, 6, 7, 16, 17]);

/** The records of a pcap file: { ts (epoch ms, fractional), data }, and the link type. */
export function readPcap(path) {
  const buf = readFileSync(path);
  if (buf.length < 24) return { linktype: -1, records: [] };
  const magic = buf.readUInt32LE(0);
  let le = true;
  let nano = false;
  if (magic === 0xa1b2c3d4) nano = false;
  else if (magic === 0xa1b23c4d) nano = true;
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) {
    le = false;
    nano = buf.readUInt32BE(0) === 0xa1b23c4d;
  } else throw new Error(`${path}: not a pcap file`);
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  const records = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break; // a record cut short by the capture's end
    records.push({ ts: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), data: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return { linktype, records };
}

/** Attributes of a netlink attribute stream: Map type -> value buffer (nested flag stripped). */
function attrs(buf, start, end) {
  const out = new Map();
  let o = start;
  while (o + 4 <= end) {
    const len = buf.readUInt16LE(o);
    const type = buf.readUInt16LE(o + 2) & 0x3fff;
    if (len < 4 || o + len > end) break;
    out.set(type, buf.subarray(o + 4, o + len));
    o += (len + 3) & ~3;
  }
  return out;
}

const ipv4 = (b) => (b !== undefined && b.length >= 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined);

/**
 * The IPVS requests in an nlmon capture (messages to the kernel on NETLINK_GENERIC whose family is not nlctrl),
 * in capture order: { ts, cmd, name, service?, dest? } (addresses IPv4 text, ports numbers).
 */
export function ipvsRequests(path) {
  const { linktype, records } = readPcap(path);
  if (records.length === 0) return [];
  if (linktype !== LINKTYPE_NETLINK) throw new Error(`${path}: link type ${linktype}, not netlink (nlmon)`);
  const out = [];
  for (const { ts, data } of records) {
    // The nlmon pseudo-header (as Linux cooked capture): packet type, ARPHRD, address length, address, protocol.
    // The packet type is "outgoing" both ways (nlmon transmits every message): a request is told by NLM_F_REQUEST,
    // which the kernel's answers (acknowledgements, dump parts, events) never carry.
    if (data.length < 16 || data.readUInt16BE(14) !== NETLINK_GENERIC) continue;
    let o = 16;
    while (o + 20 <= data.length) {
      const len = data.readUInt32LE(o);
      if (len < 16 || o + len > data.length) break;
      const type = data.readUInt16LE(o + 4);
      const flags = data.readUInt16LE(o + 6);
      if (type !== GENL_ID_CTRL && type >= 16 && flags & NLM_F_REQUEST) {
        const cmd = data[o + 16];
        const a = attrs(data, o + 20, o + len);
        const req = { ts, cmd, name: IPVS_CMD_NAMES[cmd] ?? `CMD_${cmd}` };
        const svc = a.get(1);
        if (svc !== undefined) {
          const s = attrs(svc, 0, svc.length);
          const port = s.get(4);
          req.service = { address: ipv4(s.get(3)), port: port?.length >= 2 ? port.readUInt16BE(0) : undefined };
        }
        const dest = a.get(2);
        if (dest !== undefined) {
          const d = attrs(dest, 0, dest.length);
          const port = d.get(2);
          const weight = d.get(4);
          req.dest = {
            address: ipv4(d.get(1)),
            port: port?.length >= 2 ? port.readUInt16BE(0) : undefined,
            weight: weight?.length >= 4 ? weight.readInt32LE(0) : undefined,
          };
        }
        out.push(req);
      }
      o += (len + 3) & ~3;
    }
  }
  return out;
}

/** TCP resets in an Ethernet capture: { ts, src } (IPv4 source address), in capture order. */
export function tcpResets(path) {
  const { linktype, records } = readPcap(path);
  if (records.length === 0) return [];
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${linktype}, not Ethernet`);
  const out = [];
  for (const { ts, data } of records) {
    if (data.length < 14 + 20 || data.readUInt16BE(12) !== 0x0800) continue;
    const ihl = (data[14] & 0x0f) * 4;
    if (data[14 + 9] !== 6 || data.length < 14 + ihl + 14) continue;
    const tcpFlags = data[14 + ihl + 13];
    if (!(tcpFlags & 0x04)) continue;
    out.push({ ts, src: ipv4(data.subarray(14 + 12, 14 + 16)) });
  }
  return out;
}
