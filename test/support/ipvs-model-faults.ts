/**
 * Injected faults of the IPVS model: "the next N calls (of one kind, on one service) fail with
 * this errno", checked before the table is touched, so a failed call changes nothing.
 */
import type { ServiceKey } from '../../src/ipvs/types.js';
import { errnoName, errnoNumber } from '../../src/netlink/errno.js';
import { type IpvsCall, type IpvsCallKind, IpvsModelError, callKey, isOpKind, serviceId } from './ipvs-model-calls.js';

/** A fault to inject (see IpvsModel.failNext). */
export interface IpvsFault {
  /**
   * The errno, by name ('ENOMEM') or number (12). A code that is no errno name ('EDECODE') fails
   * IpvsApi calls with that code (errno 0) and netlink requests with EINVAL.
   */
  readonly errno: string | number;
  /** How many matching calls fail (default 1; Infinity: every one until clearFaults()). */
  readonly count?: number;
  /** Only calls of this kind, reads included ('listServices'); by default any state-changing operation. */
  readonly op?: IpvsCallKind;
  /** Only calls on this service (operations on it, its destinations, getService, listDestinations). */
  readonly key?: ServiceKey;
}

interface Armed {
  readonly errno: number;
  readonly code: string;
  readonly op: IpvsCallKind | undefined;
  readonly keyId: string | undefined;
  left: number;
}

/** The faults still armed, first in first out. */
export class FaultQueue {
  private armed: Armed[] = [];

  add(fault: IpvsFault): void {
    const code = typeof fault.errno === 'number' ? errnoName(fault.errno) : fault.errno;
    const errno = typeof fault.errno === 'number' ? fault.errno : (errnoNumber(fault.errno) ?? 0);
    this.armed.push({
      errno,
      code,
      op: fault.op,
      keyId: fault.key === undefined ? undefined : serviceId(fault.key),
      left: fault.count ?? 1,
    });
  }

  /** The error `call` fails with, if an armed fault matches it (which then counts one down). */
  take(call: IpvsCall): IpvsModelError | undefined {
    const i = this.armed.findIndex((f) => this.matches(f, call));
    const f = this.armed[i];
    if (f === undefined) return undefined;
    if (--f.left <= 0) this.armed.splice(i, 1);
    return new IpvsModelError(f.errno, f.code);
  }

  clear(): void {
    this.armed = [];
  }

  /** How many calls the armed faults will still fail (Infinity when one has no end). */
  get pending(): number {
    return this.armed.reduce((n, f) => n + f.left, 0);
  }

  private matches(f: Armed, call: IpvsCall): boolean {
    if (f.op === undefined ? !isOpKind(call.op) : f.op !== call.op) return false;
    if (f.keyId === undefined) return true;
    const key = callKey(call);
    return key !== undefined && serviceId(key) === f.keyId;
  }
}
