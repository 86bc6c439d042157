/**
 * The IpvsApi face of the IPVS model: what the netlink client (src/ipvs/netlink-client.ts) does,
 * without the netlink. Each call is checked by the client's own encoders (what they refuse is
 * EINVAL "not sent", as with the client) and failures are IpvsErrors named as the client names
 * them. After close() or break(), calls fail as on a closed client. The optional fast paths
 * (payload listings, framed requests) are left out, so callers take their general path.
 */
import type { IpvsApi, IpvsOp, IpvsOpResult } from '../../src/ipvs/api.js';
import {
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeGetDests,
  encodeGetService,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetDest,
  encodeSetService,
  encodeSetTimeouts,
  encodeZero,
} from '../../src/ipvs/codec.js';
import { errnoDetail, IpvsError, toIpvsError } from '../../src/ipvs/errors.js';
import type { DaemonConfig, Destination, DestinationSpec, Info, Service, ServiceKey, ServiceSpec, Timeouts } from '../../src/ipvs/types.js';
import { ERRNO } from '../../src/netlink/errno.js';
import { TransportError } from '../../src/netlink/transport.js';
import { type IpvsCall, type IpvsExecutor, IpvsModelError, callTarget } from './ipvs-model-calls.js';

/** Encodes what the client would send for `call`, for its checks only (ranges, addresses, names). */
function checkEncodable(call: IpvsCall): void {
  switch (call.op) {
    case 'addService':
      encodeNewService(call.service);
      break;
    case 'editService':
      encodeSetService(call.service);
      break;
    case 'deleteService':
      encodeDelService({ key: call.key });
      break;
    case 'getService':
      encodeGetService({ key: call.key });
      break;
    case 'listDestinations':
      encodeGetDests(call.key);
      break;
    case 'addDestination':
      encodeNewDest({ key: call.key }, call.dest);
      break;
    case 'editDestination':
      encodeSetDest({ key: call.key }, call.dest);
      break;
    case 'deleteDestination':
      encodeDelDest({ key: call.key }, { address: call.dest.address, port: call.dest.port });
      break;
    case 'zero':
      if (call.key !== undefined) encodeZero({ key: call.key });
      break;
    case 'setTimeouts':
      encodeSetTimeouts(call.timeouts);
      break;
    case 'startDaemon':
      encodeNewDaemon(call.daemon);
      break;
    case 'stopDaemon':
      encodeDelDaemon({ state: call.state });
      break;
  }
}

/** An IpvsApi client of the model (one per model.api() call, like one socket each). */
export class IpvsModelApi implements IpvsApi {
  /** Whether close() was called (or the client was broken). */
  closed = false;
  private failure: TransportError | undefined;

  constructor(private readonly model: IpvsExecutor) {}

  /**
   * Breaks the client as a dead socket would: every later call fails with ETRANSPORT ("the netlink
   * client is closed"), or with `errno` (as a receive error, e.g. ENOBUFS) when given.
   */
  break(errno?: number): void {
    this.closed = true;
    this.failure = errno === undefined ? undefined : TransportError.fromErrno(errno, 'recvmsg');
  }

  info(): Promise<Info> {
    return this.call({ op: 'info' });
  }

  listServices(): Promise<Service[]> {
    return this.call({ op: 'listServices' });
  }

  getService(key: ServiceKey): Promise<Service> {
    return this.call({ op: 'getService', key });
  }

  listDestinations(key: ServiceKey): Promise<Destination[]> {
    return this.call({ op: 'listDestinations', key });
  }

  addService(service: ServiceSpec): Promise<void> {
    return this.call({ op: 'addService', service });
  }

  editService(service: ServiceSpec): Promise<void> {
    return this.call({ op: 'editService', service });
  }

  deleteService(key: ServiceKey): Promise<void> {
    return this.call({ op: 'deleteService', key });
  }

  addDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    return this.call({ op: 'addDestination', key, dest });
  }

  editDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    return this.call({ op: 'editDestination', key, dest });
  }

  deleteDestination(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): Promise<void> {
    return this.call({ op: 'deleteDestination', key, dest });
  }

  zero(key?: ServiceKey): Promise<void> {
    return this.call(key === undefined ? { op: 'zero' } : { op: 'zero', key });
  }

  flush(): Promise<void> {
    return this.call({ op: 'flush' });
  }

  getTimeouts(): Promise<Timeouts> {
    return this.call({ op: 'getTimeouts' });
  }

  setTimeouts(timeouts: Timeouts): Promise<void> {
    return this.call({ op: 'setTimeouts', timeouts });
  }

  listDaemons(): Promise<DaemonConfig[]> {
    return this.call({ op: 'listDaemons' });
  }

  startDaemon(daemon: DaemonConfig): Promise<void> {
    return this.call({ op: 'startDaemon', daemon });
  }

  stopDaemon(state: DaemonConfig['state']): Promise<void> {
    return this.call({ op: 'stopDaemon', state });
  }

  /** Each operation in turn; with stopOnError those after a failure are not sent (ECANCELED), as with the client. */
  async batch(ops: readonly IpvsOp[], options: { stopOnError?: boolean } = {}): Promise<IpvsOpResult[]> {
    this.model.note('batch', [ops.length], 'api');
    const results: IpvsOpResult[] = [];
    let failed = false;
    for (const op of ops) {
      if (failed) {
        results.push({
          ok: false,
          error: new IpvsError(op.op, callTarget(op), ERRNO.ECANCELED, 'ECANCELED', 'not sent: an earlier operation of the batch failed'),
        });
        continue;
      }
      try {
        await this.call(op);
        results.push({ ok: true });
      } catch (err) {
        results.push({ ok: false, error: err as IpvsError });
        failed = options.stopOnError === true;
      }
    }
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async call<T>(call: IpvsCall): Promise<T> {
    try {
      checkEncodable(call);
    } catch (err) {
      throw toIpvsError(call.op, callTarget(call), err);
    }
    if (this.closed) throw toIpvsError(call.op, callTarget(call), this.failure ?? new TransportError(0, 'the netlink client is closed'));
    try {
      return this.model.execute(call, 'api') as T;
    } catch (err) {
      if (!(err instanceof IpvsModelError)) throw toIpvsError(call.op, callTarget(call), err);
      const detail = err.errno > 0 ? errnoDetail(err.errno) : `${err.code} (an injected fault)`;
      throw new IpvsError(call.op, callTarget(call), err.errno, err.code, detail, { cause: err });
    }
  }
}
