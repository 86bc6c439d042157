/** list_daemon's lines: one per running sync daemon (at most two, in the kernel's order). */
import { canonicalAddress } from '../../ipvs/addr.js';
import type { DaemonConfig } from '../../ipvs/types.js';

/** "master sync daemon (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)". */
export function daemonText(daemons: readonly DaemonConfig[]): string {
  let out = '';
  for (const d of daemons.slice(0, 2)) {
    out += `${d.state} sync daemon (mcast=${d.mcastIfn.slice(0, 15)}, syncid=${d.syncId | 0}`;
    if (d.syncMaxlen) out += `, maxlen=${d.syncMaxlen >>> 0}`;
    if (d.mcastGroup) out += `, group=${canonicalAddress(d.mcastGroup)}`;
    if (d.mcastPort) out += `, port=${d.mcastPort & 0xffff}`;
    if (d.mcastTtl) out += `, ttl=${d.mcastTtl & 0xffff}`;
    out += ')\n';
  }
  return out;
}
