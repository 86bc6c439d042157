/**
 * ipvs_strerror: libipvs's messages for kernel errors, some specific to the call that failed
 * ("Service already exists" for an add, "No such destination" for an edit), then generic ones,
 * then glibc strerror(). The call is tracked the way libipvs tracks it (ipvs_func), including
 * the calls that never update it (flush and the service dump), so messages match.
 */
import { ERRNO, errnoName, errnoNumber, strerror } from '../netlink/errno.js';

/** The libipvs function an error is attributed to. */
export type IpvsFunc =
  | 'init'
  | 'add_service'
  | 'update_service'
  | 'del_service'
  | 'zero_service'
  | 'add_dest'
  | 'update_dest'
  | 'del_dest'
  | 'set_timeout'
  | 'start_daemon'
  | 'stop_daemon'
  | 'get_services'
  | 'get_dests'
  | 'get_service'
  | 'get_timeout'
  | 'get_daemon';

const TABLE: readonly [IpvsFunc | null, string, string][] = [
  ['add_service', 'EEXIST', 'Service already exists'],
  ['add_service', 'ENOENT', 'Scheduler or persistence engine not found'],
  ['update_service', 'ESRCH', 'No such service'],
  ['update_service', 'ENOENT', 'Scheduler or persistence engine not found'],
  ['del_service', 'ESRCH', 'No such service'],
  ['zero_service', 'ESRCH', 'No such service'],
  ['add_dest', 'ESRCH', 'Service not defined'],
  ['add_dest', 'EEXIST', 'Destination already exists'],
  ['update_dest', 'ESRCH', 'Service not defined'],
  ['update_dest', 'ENOENT', 'No such destination'],
  ['del_dest', 'ESRCH', 'Service not defined'],
  ['del_dest', 'ENOENT', 'No such destination'],
  ['start_daemon', 'EEXIST', 'Daemon has already run'],
  ['stop_daemon', 'ESRCH', 'No daemon is running'],
  ['get_services', 'ESRCH', 'No such service'],
  ['get_dests', 'ESRCH', 'No such service'],
  ['get_service', 'ESRCH', 'No such service'],
  [null, 'EPERM', 'Permission denied (you must be root)'],
  [null, 'EINVAL', 'Invalid operation.  Possibly wrong module version, address not unicast, ...'],
  [null, 'ENOPROTOOPT', 'Protocol not available'],
  [null, 'ENOMEM', 'Memory allocation problem'],
  [null, 'EOPNOTSUPP', 'Operation not supported with IPv6'],
  [null, 'EAFNOSUPPORT', 'Operation not supported with specified address family'],
  [null, 'EMSGSIZE', 'Module is wrong version'],
];

/**
 * The errno libipvs would hold for an error from the IPVS client: its errno number, or the number
 * of its code when that is an errno name, otherwise EINVAL (what libipvs sets when a reply cannot
 * be parsed or a request not sent).
 */
export function errnoOf(err: unknown): number {
  const e = err as { errno?: unknown; code?: unknown } | null;
  if (typeof e?.errno === 'number' && e.errno > 0) return e.errno;
  const byName = typeof e?.code === 'string' ? errnoNumber(e.code) : undefined;
  return byName ?? ERRNO.EINVAL;
}

/** ipvs_strerror(errno) with ipvs_func = `func`. */
export function ipvsStrerror(func: IpvsFunc, errno: number): string {
  const name = errnoName(errno);
  for (const [f, c, message] of TABLE) {
    if ((f === null || f === func) && c === name) return message;
  }
  return strerror(errno);
}
