/**
 * print_service_entry's first half: the service's name ("TCP  10.0.0.1:80", "FWM  5 IPv6",
 * or "-t 10.0.0.1:80" / "-f 5 -6" in save format) and the service line for each format.
 */
import { formatIPv4 } from '../../ipvs/addr.js';
import { cInt, padRight, truncateBytes } from '../c/printf.js';
import type { ServiceEntry } from '../entries.js';
import { AF_INET, AF_INET6, type Format, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SVC_F } from '../model.js';
import { addrportToAnyname, type Names } from '../names.js';
import { schedFlagsText } from '../sched-flags.js';
import { largeNumber } from './number.js';

const SCHED_FLAGS = SVC_F.SCHED1 | SVC_F.SCHED2 | SVC_F.SCHED3;

function protocolName(protocol: number): string {
  if (protocol === IPPROTO_TCP) return 'TCP';
  if (protocol === IPPROTO_UDP) return 'UDP';
  if (protocol === IPPROTO_SCTP) return 'SCTP';
  return '?';
}

function protocolOption(protocol: number): string {
  if (protocol === IPPROTO_TCP) return '-t';
  if (protocol === IPPROTO_UDP) return '-u';
  if (protocol === IPPROTO_SCTP) return '--sctp-service';
  return '--xxx-service';
}

function maskText(mask: number): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, mask >>> 0);
  return formatIPv4(b);
}

/** The svc_name ipvsadm builds for a service in a format. */
export function serviceName(se: ServiceEntry, format: Format, names: Names): string {
  if (se.fwmark) {
    const mark = cInt(se.fwmark);
    if (format.rule) return se.af === AF_INET6 ? `-f ${mark} -6` : `-f ${mark}`;
    return se.af === AF_INET6 ? `FWM  ${mark} IPv6` : `FWM  ${mark}`;
  }
  const vname = addrportToAnyname(se.af, se.addr, se.port, se.protocol, format.numeric, names);
  if (format.rule) return `${protocolOption(se.protocol)} ${vname}`;
  const name = `${padRight(protocolName(se.protocol), 4)} ${vname}`;
  return se.af !== AF_INET6 ? truncateBytes(name, 33) : name;
}

function persistence(se: ServiceEntry, rule: boolean): string {
  let out = rule ? ` -p ${se.timeout >>> 0}` : ` persistent ${se.timeout >>> 0}`;
  if (se.af === AF_INET && se.netmask >>> 0 !== 0xffffffff) out += rule ? ` -M ${maskText(se.netmask)}` : ` mask ${maskText(se.netmask)}`;
  if (se.af === AF_INET6 && se.netmask !== 128) out += rule ? ` -M ${cInt(se.netmask)}` : ` mask ${cInt(se.netmask)}`;
  return out;
}

/** The service line (with its newline) for `svcName` in a format. */
export function serviceLine(se: ServiceEntry, svcName: string, format: Format): string {
  const persistent = (se.flags & SVC_F.PERSISTENT) !== 0;
  const onePacket = (se.flags & SVC_F.ONEPACKET) !== 0;
  const hasSchedFlags = (se.flags & SCHED_FLAGS) !== 0;
  if (format.rule) {
    let out = `-A ${svcName} -s ${se.schedName}`;
    if (persistent) out += persistence(se, true);
    if (se.peName) out += ` --pe ${se.peName}`;
    if (onePacket) out += ' -o';
    if (hasSchedFlags) out += ` -b ${schedFlagsText(se.schedName, se.flags)}`;
    return `${out}\n`;
  }
  if (format.stats || format.rate) {
    const s = se.stats;
    const values = format.stats ? [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] : [s.cps, s.inpps, s.outpps, s.inbps, s.outbps];
    return `${padRight(svcName, 33)}${values.map((v) => largeNumber(v, format.exact)).join('')}\n`;
  }
  let out = `${svcName} ${se.schedName}`;
  if (hasSchedFlags) out += ` (${schedFlagsText(se.schedName, se.flags)})`;
  if (persistent) {
    out += persistence(se, false);
    if (se.peName) out += ` pe ${se.peName}`;
  }
  if (onePacket) out += ' ops';
  return `${out}\n`;
}
