/**
 * The vocabulary of the in-memory IPVS model (test/support/ipvs-model.ts): the calls it answers,
 * one shape for both faces. The IpvsApi face passes its method calls as they are; the netlink
 * face decodes each generic netlink request into the same call. So the log, the op counters and
 * the injected faults see the same thing whichever face a call came through.
 */
import type { IpvsOp } from '../../src/ipvs/api.js';
import { describeDestination, describeServiceKey } from '../../src/ipvs/errors.js';
import type { ServiceKey, ServiceSpec } from '../../src/ipvs/types.js';
import { canonicalAddress } from '../../src/ipvs/addr.js';
import { errnoName } from '../../src/netlink/errno.js';

/** A read of the table (what the IpvsApi's getters and the netlink GET commands ask). */
export type IpvsRead =
  | { readonly op: 'info' }
  | { readonly op: 'listServices' }
  | { readonly op: 'getService'; readonly key: ServiceKey }
  | { readonly op: 'listDestinations'; readonly key: ServiceKey }
  | { readonly op: 'getTimeouts' }
  | { readonly op: 'listDaemons' };

/** Anything the model answers: a state-changing operation (IpvsOp) or a read. */
export type IpvsCall = IpvsOp | IpvsRead;

/** The name of a call: the IpvsApi method it is. */
export type IpvsCallKind = IpvsCall['op'];

/** The name of a state-changing operation. */
export type IpvsOpKind = IpvsOp['op'];

/** Which face of the model a call came through. */
export type IpvsFace = 'api' | 'netlink';

/** One entry of the model's log. */
export interface IpvsCallRecord {
  /** The IpvsApi method; 'batch' for an IpvsApi batch() (its operations follow, each on its own). */
  readonly op: IpvsCallKind | 'batch';
  /** The method's arguments, as the IpvsApi takes them (a batch: the number of its operations). */
  readonly args: readonly unknown[];
  readonly via: IpvsFace;
  /** The code the call failed with ('EEXIST', ...); absent when it succeeded. */
  readonly error?: string;
}

const OP_KINDS: ReadonlySet<string> = new Set<IpvsOpKind>([
  'addService',
  'editService',
  'deleteService',
  'addDestination',
  'editDestination',
  'deleteDestination',
  'zero',
  'flush',
  'setTimeouts',
  'startDaemon',
  'stopDaemon',
]);

/** Whether a call (or a log entry's op) changes the table. */
export function isOpKind(op: string): op is IpvsOpKind {
  return OP_KINDS.has(op);
}

/**
 * A failure as the kernel reports it: a positive errno and its name. A code that is no errno name
 * (an injected 'EDECODE', say) has errno 0; the netlink face answers it as EINVAL.
 */
export class IpvsModelError extends Error {
  readonly code: string;
  constructor(
    readonly errno: number,
    code?: string,
  ) {
    const name = code ?? errnoName(errno);
    super(name);
    this.code = name;
    this.name = 'IpvsModelError';
  }
}

/** What the faces need of the model: one entry point for every call, and a look at a service. */
export interface IpvsExecutor {
  /** Logs `call`, applies a matching injected fault or the call itself; throws IpvsModelError. */
  execute(call: IpvsCall, via: IpvsFace): unknown;
  /** Logs an entry that is no call of its own (an IpvsApi batch). */
  note(op: 'batch', args: readonly unknown[], via: IpvsFace): void;
  /** The stored service of `key`, if any (the netlink face merges request flags with it). */
  storedService(key: ServiceKey): ServiceSpec | undefined;
}

/** The table's key of a service: fwmark and family, or protocol, canonical address and port. */
export function serviceId(key: ServiceKey): string {
  if ('fwmark' in key) return `fwm/${key.family}/${key.fwmark >>> 0}`;
  return `${key.protocol}/${canonicalAddress(key.address)}/${key.port}`;
}

/** The arguments of the IpvsApi method `call` stands for. */
export function callArgs(call: IpvsCall): unknown[] {
  switch (call.op) {
    case 'addService':
    case 'editService':
      return [call.service];
    case 'deleteService':
    case 'getService':
    case 'listDestinations':
      return [call.key];
    case 'addDestination':
    case 'editDestination':
    case 'deleteDestination':
      return [call.key, call.dest];
    case 'zero':
      return call.key === undefined ? [] : [call.key];
    case 'setTimeouts':
      return [call.timeouts];
    case 'startDaemon':
      return [call.daemon];
    case 'stopDaemon':
      return [call.state];
    default:
      return [];
  }
}

/** The service a call applies to, if any. */
export function callKey(call: IpvsCall): ServiceKey | undefined {
  switch (call.op) {
    case 'addService':
    case 'editService':
      return call.service.key;
    case 'deleteService':
    case 'getService':
    case 'listDestinations':
    case 'addDestination':
    case 'editDestination':
    case 'deleteDestination':
    case 'zero':
      return call.key;
    default:
      return undefined;
  }
}

/** What a call applies to, as the netlink client names it in errors ("tcp 192.0.2.10:80 -> 10.0.0.1:80"). */
export function callTarget(call: IpvsCall): string | undefined {
  try {
    switch (call.op) {
      case 'addDestination':
      case 'editDestination':
      case 'deleteDestination':
        return describeDestination(call.key, call.dest);
      case 'startDaemon':
        return call.daemon.state;
      case 'stopDaemon':
        return call.state;
      default: {
        const key = callKey(call);
        return key === undefined ? undefined : describeServiceKey(key);
      }
    }
  } catch {
    return JSON.stringify(callArgs(call));
  }
}
