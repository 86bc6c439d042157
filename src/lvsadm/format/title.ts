/** print_title: the column headings above a service listing (none in save format). */
import { padRight } from '../c/printf.js';
import type { Format } from '../model.js';

const PROT = 'Prot LocalAddress:Port';
const REMOTE = '  -> RemoteAddress:Port\n';
const r8 = (s: string): string => s.padStart(8);

/** The heading lines for a format. */
export function titleText(format: Format): string {
  if (format.stats) {
    return `${padRight(PROT, 33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map(r8).join(' ')}\n${REMOTE}`;
  }
  if (format.rate) {
    return `${padRight(PROT, 33)} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map(r8).join(' ')}\n${REMOTE}`;
  }
  if (format.thresholds) {
    return `${padRight(PROT, 33)} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((s) => padRight(s, 10)).join(' ')}\n${REMOTE}`;
  }
  if (format.persistentConn) {
    return `${padRight(PROT, 33)} ${padRight('Weight', 9)} ${padRight('PersistConn', 11)} ${padRight('ActiveConn', 10)} ${padRight('InActConn', 10)}\n${REMOTE}`;
  }
  if (format.tunInfo) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  }
  if (!format.rule) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  }
  return '';
}
