/**
 * The one scanner of an IPv4 ADDR:PORT as restore input writes it, shared by both restore fast paths
 * (restore-scan.ts over the whole text, fast-restore.ts over one token): a dotted quad of decimal parts 0..255
 * without leading zeros (inet_aton would read those as octal, so such text goes to the general parser), a colon,
 * and 1 to 5 decimal digits up to 65535, ending at a space or the end. Scanned by hand: a restore has thousands.
 */

/** What the last successful scan read (module-level scratch: nothing allocated per scan). */
export const scanned = {
  /** The address as a host-order number. */
  addr: 0,
  port: 0,
  /** Where the port's digits start (the colon is just before). */
  portStart: 0,
};

/** Scans `t` from `from` up to a space or `end`: the index after the port, or -1 when it is not an ADDR:PORT. */
export function scanIpv4AddrPort(t: string, from: number, end: number): number {
  let at = from;
  let a = 0;
  for (let part = 0; part < 4; part++) {
    const start = at;
    let v = 0;
    while (at < end && at - start < 4) {
      const c = t.charCodeAt(at);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      at++;
    }
    const len = at - start;
    if (len === 0 || len > 3 || v > 0xff || (len > 1 && t.charCodeAt(start) === 48)) return -1;
    if (at >= end || t.charCodeAt(at) !== (part < 3 ? 46 : 58)) return -1;
    at++;
    a = a * 256 + v;
  }
  const start = at;
  let p = 0;
  while (at < end) {
    const c = t.charCodeAt(at);
    if (c === 32) break;
    if (c < 48 || c > 57 || at - start >= 5) return -1;
    p = p * 10 + (c - 48);
    at++;
  }
  if (at === start || p > 0xffff) return -1;
  scanned.addr = a;
  scanned.port = p;
  scanned.portStart = start;
  return at;
}
