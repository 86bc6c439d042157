/**
 * Errors of the IPVS client: every failure of an IpvsApi method is an {@link IpvsError} whose
 * `code` is the errno name ('EEXIST', 'ESRCH', 'ENOENT', 'EINVAL', 'EPERM', 'EBUSY', ...) and whose
 * message names the operation and its object, e.g.
 * `addService tcp 192.0.2.10:80: File exists (EEXIST)`.
 *
 * What the kernel answers for IPVS commands (kernel 6.1, checked in the kernel lab):
 * - EEXIST: the service, real server or sync daemon (of that state) already exists;
 * - ESRCH: no such service (also editing/deleting/zeroing one, adding a real server to one,
 *   getService), no such sync daemon (stopDaemon);
 * - ENOENT: no such real server (editDestination, deleteDestination), and an unknown scheduler
 *   or persistence engine whose module cannot be loaded;
 * - EINVAL: malformed or inconsistent attributes (e.g. masquerading to a real server while lo is
 *   down, a mixed-family real server other than a tunnel, a sync daemon while a mixed-family
 *   real server exists, a non-multicast sync group);
 * - EPERM: the caller lacks CAP_NET_ADMIN in the namespace's user namespace;
 * - EOPNOTSUPP, EAFNOSUPPORT: IPv6 or a protocol the kernel was built without.
 */
import { LvsdError } from '../errors.js';
import { ERRNO, errnoName, strerror } from '../netlink/errno.js';
import { NetlinkDecodeError, NetlinkEncodeError } from '../netlink/errors.js';
import { NetlinkRequestError } from '../netlink/genl-client.js';
import { TransportError } from '../netlink/transport.js';
import { AddressError } from './addr.js';
import type { DestinationSpec, ServiceKey } from './types.js';

/** A failed IPVS operation. */
export class IpvsError extends LvsdError {
  constructor(
    /** The IpvsApi method, e.g. 'addService'. */
    readonly op: string,
    /** What it was applied to, e.g. 'tcp 192.0.2.10:80', or undefined. */
    readonly target: string | undefined,
    /** The errno (positive), 0 when the failure has none (e.g. a malformed reply). */
    readonly errno: number,
    code: string,
    /** The failure alone, e.g. 'File exists (EEXIST)'. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${op}${target === undefined ? '' : ` ${target}`}: ${detail}`, options);
  }
}

/**
 * The kernel has no IPVS: the "IPVS" generic netlink family does not resolve (ip_vs not loaded or
 * not built). `errno` is ENOPROTOOPT, what ipvsadm reports in that case after its own fallback
 * (`Can't initialize ipvs: Protocol not available`); `familyErrno` is nlctrl's answer (ENOENT).
 */
export class IpvsUnavailableError extends IpvsError {
  constructor(
    readonly familyErrno: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('open', undefined, ERRNO.ENOPROTOOPT, 'EIPVSUNAVAILABLE', detail, options);
  }
}

/** "tcp 192.0.2.10:80", "udp [2001:db8::1]:53", "fwmark 7 ipv4". */
export function describeServiceKey(key: ServiceKey): string {
  if ('fwmark' in key) return `fwmark ${key.fwmark} ${key.family}`;
  return `${key.protocol} ${hostPort(key.address, key.port)}`;
}

/** "tcp 192.0.2.10:80 -> 10.0.0.1:8080". */
export function describeDestination(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): string {
  return `${describeServiceKey(key)} -> ${hostPort(dest.address, dest.port)}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** "File exists (EEXIST)". */
export function errnoDetail(errno: number): string {
  return `${strerror(errno)} (${errnoName(errno)})`;
}

/** Wraps any failure of an operation as an {@link IpvsError}. */
export function toIpvsError(op: string, target: string | undefined, err: unknown): IpvsError {
  if (err instanceof IpvsError) return err;
  if (err instanceof NetlinkRequestError) {
    const ext = err.extAck?.message ? ` (${err.extAck.message})` : '';
    return new IpvsError(op, target, err.errno, err.code, `${errnoDetail(err.errno)}${ext}`, { cause: err });
  }
  if (err instanceof TransportError) return new IpvsError(op, target, err.errno, err.code, err.message, { cause: err });
  if (err instanceof NetlinkEncodeError || err instanceof AddressError) {
    return new IpvsError(op, target, ERRNO.EINVAL, 'EINVAL', `invalid request, not sent: ${err.message}`, { cause: err });
  }
  if (err instanceof NetlinkDecodeError) {
    return new IpvsError(op, target, 0, 'EDECODE', `malformed answer from the kernel: ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new IpvsError(op, target, 0, 'EUNKNOWN', message, { cause: err });
}
