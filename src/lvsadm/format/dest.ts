/**
 * print_service_entry's second half: one line per destination, in the listing formats and in
 * save format (where tunnel destinations carry their --tun-* options).
 */
import { cInt, cUint, padLeft, padRight, truncateBytes } from '../c/printf.js';
import type { DestEntry } from '../entries.js';
import { AF_INET6, CONN_F, type Format, TUN_NAMES } from '../model.js';
import { addrportToAnyname, type Names } from '../names.js';
import { largeNumber } from './number.js';

const TUN_FLAG_TEXT = ['-c', '+c', 'r+c'];
const TUN_FLAG_OPTS = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];

/** fwd_name; printf shows "(null)" for a method it has no name for. */
function fwdName(connFlags: number): string {
  switch (connFlags & CONN_F.FWD_MASK) {
    case CONN_F.MASQ:
      return 'Masq';
    case CONN_F.LOCALNODE:
      return 'Local';
    case CONN_F.TUNNEL:
      return 'Tunnel';
    case CONN_F.DROUTE:
      return 'Route';
    default:
      return '(null)';
  }
}

/** fwd_switch: the save-format option of a forwarding method. */
function fwdSwitch(connFlags: number): string {
  switch (connFlags & CONN_F.FWD_MASK) {
    case CONN_F.MASQ:
      return '-m';
    case CONN_F.TUNNEL:
      return '-i';
    case CONN_F.LOCALNODE:
    case CONN_F.DROUTE:
      return '-g';
    default:
      return '(null)';
  }
}

/** fwd_tun_info: "ipip", "gue:PORT:FLAG", "gre:FLAG" for tunnel destinations, else undefined (cut to 15 bytes). */
function tunInfo(e: DestEntry): string | undefined {
  if ((e.connFlags & CONN_F.FWD_MASK) !== CONN_F.TUNNEL) return undefined;
  const flag = TUN_FLAG_TEXT[e.tunFlags] ?? '(null)';
  switch (e.tunType) {
    case 0:
      return 'ipip';
    case 1:
      return truncateBytes(`gue:${e.tunPort}:${flag}`, 15);
    case 2:
      return truncateBytes(`gre:${flag}`, 15);
    default:
      return undefined;
  }
}

function ruleLine(svcName: string, dname: string, e: DestEntry): string {
  const head = `-a ${svcName} -r ${dname} ${fwdSwitch(e.connFlags)} -w ${cInt(e.weight)}`;
  if ((e.connFlags & CONN_F.FWD_MASK) !== CONN_F.TUNNEL) return `${head}\n`;
  const opts = TUN_FLAG_OPTS[e.tunFlags] ?? '(null)';
  switch (e.tunType) {
    case 2:
      return `${head} --tun-type ${TUN_NAMES[2]} ${opts}\n`;
    case 1:
      return `${head} --tun-type ${TUN_NAMES[1]} --tun-port ${e.tunPort} ${opts}\n`;
    case 0:
      return `${head} --tun-type ${TUN_NAMES[0]}\n`;
    default:
      return `${head}\n`;
  }
}

/** The line (with newline) printed for destination `e` of a service with IP protocol `protocol`. */
export function destLine(e: DestEntry, protocol: number, svcName: string, format: Format, names: Names): string {
  let dname = addrportToAnyname(e.af, e.addr, e.port, protocol, format.numeric, names);
  if (!format.rule && e.af !== AF_INET6) dname = truncateBytes(dname, 28);
  if (format.rule) return ruleLine(svcName, dname, e);
  const name = padRight(dname, 28);
  // Read only when printed: decoding the counters is most of a plain listing's work otherwise.
  if (format.stats) {
    const s = e.stats;
    return `  -> ${name}${[s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map((v) => largeNumber(v, format.exact)).join('')}\n`;
  }
  if (format.rate) {
    const s = e.stats;
    const plain = [s.cps, s.inpps, s.outpps].map((v) => padLeft(v.toString(), 8)).join(' ');
    return `  -> ${name} ${plain}${largeNumber(s.inbps, format.exact)}${largeNumber(s.outbps, format.exact)}\n`;
  }
  const u10 = (n: number): string => padRight(String(cUint(n)), 10);
  if (format.thresholds) {
    return `  -> ${name} ${u10(e.uThreshold)} ${u10(e.lThreshold)} ${u10(e.activeConns)} ${u10(e.inactConns)}\n`;
  }
  if (format.persistentConn) {
    return `  -> ${name} ${padRight(String(cUint(e.weight)), 9)} ${padRight(String(cUint(e.persistConns)), 11)} ${u10(e.activeConns)} ${u10(e.inactConns)}\n`;
  }
  const weight = padRight(String(cInt(e.weight)), 6);
  if (format.tunInfo) {
    return `  -> ${name} ${padRight(fwdName(e.connFlags), 7)} ${padRight(tunInfo(e) ?? 'n/a', 13)} ${weight} ${u10(e.activeConns)} ${u10(e.inactConns)}\n`;
  }
  return `  -> ${name} ${padRight(fwdName(e.connFlags), 7)} ${weight} ${u10(e.activeConns)} ${u10(e.inactConns)}\n`;
}
