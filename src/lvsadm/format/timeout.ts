/** list_timeout's line. */
import type { Timeouts } from '../../ipvs/types.js';

/** "Timeout (tcp tcpfin udp): 900 120 300". */
export function timeoutText(t: Timeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp | 0} ${t.tcpFin | 0} ${t.udp | 0}\n`;
}
