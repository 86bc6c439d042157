/**
 * ipvsadm 1.31's popt option table: every long and short spelling, whether it takes an
 * argument, and the tag its handler switches on. Order matters where popt searches linearly
 * ("--list" finds the 'L' row before the 'l' row).
 */
import type { PoptOption } from './popt.js';

/** The tag popt returns for an option (ipvsadm's `val`). */
export type OptTag =
  | 'A'
  | 'E'
  | 'D'
  | 'C'
  | 'L'
  | 'l'
  | 'Z'
  | 'a'
  | 'e'
  | 'd'
  | 'set'
  | 'h'
  | 'v'
  | 'R'
  | 'S'
  | 'start-daemon'
  | 'stop-daemon'
  | 't'
  | 'u'
  | 'sctp-service'
  | 'f'
  | 's'
  | 'p'
  | 'M'
  | 'r'
  | 'm'
  | 'i'
  | 'g'
  | 'w'
  | 'x'
  | 'y'
  | 'n'
  | 'c'
  | 'mcast-interface'
  | 'syncid'
  | 'timeout'
  | 'daemon'
  | 'stats'
  | 'rate'
  | 'thresholds'
  | 'persistent-conn'
  | 'nosort'
  | 'sort'
  | 'X'
  | '6'
  | 'o'
  | 'pe'
  | 'b'
  | 'mcast-group'
  | 'mcast-port'
  | 'mcast-ttl'
  | 'sync-maxlen'
  | 'tun-info'
  | 'tun-type'
  | 'tun-port'
  | 'tun-nocsum'
  | 'tun-csum'
  | 'tun-remcsum';

const none = (long: string, short: string | undefined, val: OptTag): PoptOption<OptTag> =>
  short === undefined ? { long, arg: 'none', val } : { long, short, arg: 'none', val };
const str = (long: string, short: string | undefined, val: OptTag): PoptOption<OptTag> =>
  short === undefined ? { long, arg: 'string', val } : { long, short, arg: 'string', val };

/** The table, in ipvsadm's order. */
export const OPTION_TABLE: readonly PoptOption<OptTag>[] = [
  none('add-service', 'A', 'A'),
  none('edit-service', 'E', 'E'),
  none('delete-service', 'D', 'D'),
  none('clear', 'C', 'C'),
  none('list', 'L', 'L'),
  none('list', 'l', 'l'),
  none('zero', 'Z', 'Z'),
  none('add-server', 'a', 'a'),
  none('edit-server', 'e', 'e'),
  none('delete-server', 'd', 'd'),
  none('set', undefined, 'set'),
  none('help', 'h', 'h'),
  none('version', 'v', 'v'),
  none('restore', 'R', 'R'),
  none('save', 'S', 'S'),
  str('start-daemon', undefined, 'start-daemon'),
  str('stop-daemon', undefined, 'stop-daemon'),
  str('tcp-service', 't', 't'),
  str('udp-service', 'u', 'u'),
  str('sctp-service', undefined, 'sctp-service'),
  str('fwmark-service', 'f', 'f'),
  str('scheduler', 's', 's'),
  { long: 'persistent', short: 'p', arg: 'optional', val: 'p' },
  str('netmask', 'M', 'M'),
  str('real-server', 'r', 'r'),
  none('masquerading', 'm', 'm'),
  none('ipip', 'i', 'i'),
  none('gatewaying', 'g', 'g'),
  str('weight', 'w', 'w'),
  str('u-threshold', 'x', 'x'),
  str('l-threshold', 'y', 'y'),
  none('numeric', 'n', 'n'),
  none('connection', 'c', 'c'),
  str('mcast-interface', undefined, 'mcast-interface'),
  str('syncid', undefined, 'syncid'),
  none('timeout', undefined, 'timeout'),
  none('daemon', undefined, 'daemon'),
  none('stats', undefined, 'stats'),
  none('rate', undefined, 'rate'),
  none('thresholds', undefined, 'thresholds'),
  none('persistent-conn', undefined, 'persistent-conn'),
  none('nosort', undefined, 'nosort'),
  none('sort', undefined, 'sort'),
  none('exact', 'X', 'X'),
  none('ipv6', '6', '6'),
  none('ops', 'o', 'o'),
  str('pe', undefined, 'pe'),
  str('sched-flags', 'b', 'b'),
  str('mcast-group', undefined, 'mcast-group'),
  str('mcast-port', undefined, 'mcast-port'),
  str('mcast-ttl', undefined, 'mcast-ttl'),
  str('sync-maxlen', undefined, 'sync-maxlen'),
  none('tun-info', undefined, 'tun-info'),
  str('tun-type', undefined, 'tun-type'),
  str('tun-port', undefined, 'tun-port'),
  none('tun-nocsum', undefined, 'tun-nocsum'),
  none('tun-csum', undefined, 'tun-csum'),
  none('tun-remcsum', undefined, 'tun-remcsum'),
];
