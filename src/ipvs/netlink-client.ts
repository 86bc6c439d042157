/**
 * The real {@link IpvsApi}: IPVS over generic netlink, one socket per client, in the network
 * namespace of the process (run it under `ip netns exec NS` to manage another namespace).
 *
 *   const ipvs = await openIpvs();
 *   await ipvs.addService({ key: { protocol: 'tcp', address: '192.0.2.10', port: 80 }, scheduler: 'rr',
 *                           flags: 0, timeout: 0, netmask: 0xffffffff });
 *   await ipvs.close();
 *
 * Requests are encoded as ipvsadm 1.31 encodes them (byte for byte, checked against nlmon captures)
 * and pipelined: concurrent calls and batches share the socket, answers are matched by sequence
 * number. Every method rejects with an {@link IpvsError} (code = errno name) naming the operation.
 */
import type { GenlFamily } from '../netlink/genl-ctrl.js';
import {
  type DumpEntryHandler,
  GenlClient,
  type GenlClientOptions,
  type GenlClientStats,
  type GenlRequest,
  NetlinkRequestError,
} from '../netlink/genl-client.js';
import type { NetlinkMessage } from '../netlink/message.js';
import type { NetlinkTransport } from '../netlink/transport.js';
import type { FramedIpvsRequests, IpvsApi, IpvsOp, IpvsOpResult } from './api.js';
import {
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  decodeTimeoutsReply,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetDaemons,
  encodeGetDests,
  encodeGetInfo,
  encodeGetService,
  encodeGetServices,
  encodeGetTimeouts,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetDest,
  encodeSetService,
  encodeSetTimeouts,
  encodeZero,
  type IpvsRequest,
} from './codec.js';
import { IPVS_CMD, IPVS_GENL_NAME } from './constants.js';
import { describeDestination, describeServiceKey, IpvsError, IpvsUnavailableError, toIpvsError } from './errors.js';
import { type IpvsConnection, parseIpvsConnections } from './proc-conn.js';
import type { DaemonConfig, Destination, DestinationSpec, Info, Service, ServiceKey, ServiceSpec, Timeouts } from './types.js';
import { keyFamily } from './wire.js';

/** Options of {@link openIpvs}. */
export interface OpenIpvsOptions extends GenlClientOptions {
  /** The socket to use (a fake kernel in tests); by default a new NETLINK_GENERIC socket. */
  readonly transport?: NetlinkTransport;
  /** SO_RCVBUF to request for the default socket (see SocketTransportOptions). */
  readonly recvBufferSize?: number;
  /**
   * Use a blocking socket (netlink/exchange-transport.ts) instead of the event-driven one: every
   * request is answered before send returns, so the thread waits on the kernel. For short-lived
   * commands (lvsadm), never for the daemon.
   */
  readonly blocking?: boolean;
}

const CMD_LABEL: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(IPVS_CMD).map(([name, value]) => [value, `IPVS_CMD_${name}`]),
);

/** An open IPVS client. Besides IpvsApi it exposes the resolved family and traffic counters. */
export interface IpvsClient extends IpvsApi {
  /** The resolved "IPVS" generic netlink family (id, version, ops). */
  readonly family: GenlFamily;
  /** Datagrams and messages sent so far, largest window used. */
  readonly stats: GenlClientStats;
  sendFramed(requests: FramedIpvsRequests): Promise<Array<{ index: number; error: IpvsError }>>;
  listServicePayloads(): Promise<Buffer[]>;
  dumpFramed(requests: FramedIpvsRequests, onEntry: DumpEntryHandler): Promise<{ index: number; error: IpvsError } | undefined>;
}

/**
 * Opens a client: a socket (unless one is given) and the IPVS family id resolved through nlctrl.
 * Rejects with {@link IpvsUnavailableError} when the kernel has no IPVS (ip_vs not loaded).
 */
export async function openIpvs(options: OpenIpvsOptions = {}): Promise<IpvsClient> {
  let transport = options.transport;
  if (transport === undefined) {
    const sizes = options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize };
    try {
      if (options.blocking === true) {
        const { openExchangeSocket } = await import('../netlink/exchange-transport.js');
        transport = openExchangeSocket({ ...sizes, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
      } else {
        const { openGenericNetlinkSocket } = await import('../netlink/socket-transport.js');
        transport = openGenericNetlinkSocket(sizes);
      }
    } catch (err) {
      throw toIpvsError('open', undefined, err);
    }
  }
  const client = new GenlClient(transport, options);
  let family: GenlFamily;
  try {
    family = await client.resolveFamily(IPVS_GENL_NAME);
  } catch (err) {
    await client.close();
    if (err instanceof NetlinkRequestError && err.errno === 2) {
      throw new IpvsUnavailableError(
        err.errno,
        `IPVS is not available: the kernel has no "${IPVS_GENL_NAME}" generic netlink family (nlctrl answered ${err.code}); is the ip_vs module loaded?`,
        { cause: err },
      );
    }
    throw toIpvsError('open', undefined, err);
  }
  return new NetlinkIpvsClient(client, family);
}

/** What one operation sends and how its answer is read. */
interface Plan<T> {
  readonly op: string;
  /** What it applies to, for error messages (computed only on failure). */
  readonly target: () => string | undefined;
  readonly request: () => IpvsRequest;
  readonly decode: (messages: NetlinkMessage[]) => T;
}

const none = (): undefined => undefined;
const noTarget = (): undefined => undefined;

/** Doit commands answered by a reply message before the acknowledgement. */
const REPLYING = new Set<number>([IPVS_CMD.GET_SERVICE, IPVS_CMD.GET_INFO, IPVS_CMD.GET_CONFIG]);

class NetlinkIpvsClient implements IpvsClient {
  constructor(
    private readonly genl: GenlClient,
    readonly family: GenlFamily,
  ) {}

  get stats(): GenlClientStats {
    return this.genl.stats;
  }

  /** Sends one planned operation; every failure becomes an IpvsError. */
  private run<T>(plan: Plan<T>, signal?: AbortSignal): Promise<T> {
    // Acknowledgement-only operations (the bulk of a batch) skip the decoding step's promise hop.
    if ((plan.decode as unknown) === none) {
      let req: IpvsRequest;
      try {
        req = plan.request();
      } catch (err) {
        return Promise.reject(toIpvsError(plan.op, plan.target(), err));
      }
      // Acknowledgement-only: in a batch its success need not be acknowledged on its own.
      return this.genl.request(this.genlRequest(req, true), signal === undefined ? undefined : { signal }).then(
        () => undefined as T,
        (err: unknown) => {
          throw toIpvsError(plan.op, plan.target(), err);
        },
      );
    }
    return this.runDecoded(plan, signal);
  }

  private genlRequest(req: IpvsRequest, quietSuccess = false): GenlRequest {
    return {
      type: this.family.id,
      flags: req.flags,
      payload: req.payload,
      label: CMD_LABEL[req.cmd] ?? `IPVS command ${req.cmd}`,
      reply: REPLYING.has(req.cmd),
      quietSuccess,
    };
  }

  private async runDecoded<T>(plan: Plan<T>, signal?: AbortSignal): Promise<T> {
    let req: IpvsRequest;
    try {
      req = plan.request();
    } catch (err) {
      throw toIpvsError(plan.op, plan.target(), err);
    }
    let messages: NetlinkMessage[];
    try {
      messages = await this.genl.request(this.genlRequest(req), signal === undefined ? undefined : { signal });
    } catch (err) {
      throw toIpvsError(plan.op, plan.target(), err);
    }
    try {
      return plan.decode(messages.filter((m) => m.header.type === this.family.id));
    } catch (err) {
      throw toIpvsError(plan.op, plan.target(), err);
    }
  }

  info(): Promise<Info> {
    return this.run({ op: 'info', target: noTarget, request: encodeGetInfo, decode: (m) => decodeInfoReply(single(m, 'GET_INFO')) });
  }

  listServices(): Promise<Service[]> {
    return this.run({
      op: 'listServices',
      target: noTarget,
      request: encodeGetServices,
      decode: (m) => m.map((x) => decodeServiceReply(x.payload)),
    });
  }

  /** The GET_SERVICE dump undecoded: the genl payload of each NEW_SERVICE message. */
  listServicePayloads(): Promise<Buffer[]> {
    return this.run({
      op: 'listServices',
      target: noTarget,
      request: encodeGetServices,
      decode: (m) => m.map((x) => x.payload),
    });
  }

  getService(key: ServiceKey): Promise<Service> {
    return this.run({
      op: 'getService',
      target: () => describeKeySafe(key),
      request: () => encodeGetService({ key }),
      decode: (m) => decodeServiceReply(single(m, 'GET_SERVICE')),
    });
  }

  listDestinations(key: ServiceKey): Promise<Destination[]> {
    return this.run({
      op: 'listDestinations',
      target: () => describeKeySafe(key),
      request: () => encodeGetDests(key),
      decode: (m) => {
        const family = keyFamily(key);
        return m.map((x) => decodeDestReply(x.payload, family));
      },
    });
  }

  /** The GET_DEST dump of a service undecoded: the genl payload of each NEW_DEST message. */
  listDestinationPayloads(key: ServiceKey): Promise<Buffer[]> {
    return this.run({
      op: 'listDestinations',
      target: () => describeKeySafe(key),
      request: () => encodeGetDests(key),
      decode: (m) => m.map((x) => x.payload),
    });
  }

  addService(service: ServiceSpec): Promise<void> {
    return this.run(planOf({ op: 'addService', service }));
  }

  editService(service: ServiceSpec): Promise<void> {
    return this.run(planOf({ op: 'editService', service }));
  }

  deleteService(key: ServiceKey): Promise<void> {
    return this.run(planOf({ op: 'deleteService', key }));
  }

  addDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    return this.run(planOf({ op: 'addDestination', key, dest }));
  }

  editDestination(key: ServiceKey, dest: DestinationSpec): Promise<void> {
    return this.run(planOf({ op: 'editDestination', key, dest }));
  }

  deleteDestination(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): Promise<void> {
    return this.run(planOf({ op: 'deleteDestination', key, dest }));
  }

  zero(key?: ServiceKey): Promise<void> {
    return this.run(planOf(key === undefined ? { op: 'zero' } : { op: 'zero', key }));
  }

  flush(): Promise<void> {
    return this.run(planOf({ op: 'flush' }));
  }

  getTimeouts(): Promise<Timeouts> {
    return this.run({
      op: 'getTimeouts',
      target: noTarget,
      request: encodeGetTimeouts,
      decode: (m) => decodeTimeoutsReply(single(m, 'GET_CONFIG')),
    });
  }

  setTimeouts(timeouts: Timeouts): Promise<void> {
    return this.run(planOf({ op: 'setTimeouts', timeouts }));
  }

  listDaemons(): Promise<DaemonConfig[]> {
    return this.run({
      op: 'listDaemons',
      target: noTarget,
      request: encodeGetDaemons,
      decode: (m) => m.map((x) => decodeDaemonReply(x.payload)),
    });
  }

  startDaemon(daemon: DaemonConfig): Promise<void> {
    return this.run(planOf({ op: 'startDaemon', daemon }));
  }

  stopDaemon(state: DaemonConfig['state']): Promise<void> {
    return this.run(planOf({ op: 'stopDaemon', state }));
  }

  /**
   * Without stopOnError every operation is sent at once, pipelined (coalesced into datagrams, at
   * most `window` unacknowledged), and each gets its own result, in order.
   *
   * With stopOnError the operations go one at a time, each after the previous one's
   * acknowledgement, so nothing after a failure reaches the kernel (as `ipvsadm -R`, which stops at
   * the first failing line); the operations after the failed one report ECANCELED.
   */
  async batch(ops: readonly IpvsOp[], options: { stopOnError?: boolean } = {}): Promise<IpvsOpResult[]> {
    if (options.stopOnError) {
      const results: IpvsOpResult[] = [];
      let failed = false;
      for (const op of ops) {
        if (failed) {
          results.push({ ok: false, error: cancelledError(op) });
          continue;
        }
        try {
          await this.run(planOf(op));
          results.push({ ok: true });
        } catch (err) {
          failed = true;
          results.push({ ok: false, error: err as IpvsError });
        }
      }
      return results;
    }
    return this.pipelined(ops);
  }

  /**
   * The pipelined batch: requests are encoded and handed to the genl client as the window moves
   * (at most BATCH_QUEUE not yet answered), with a callback each rather than a promise: a restore
   * sends ten thousand of them, and encoding them all up front, each with its promise chain, is
   * most of what it costs (and memory the garbage collector then keeps copying).
   */
  private pipelined(ops: readonly IpvsOp[]): Promise<IpvsOpResult[]> {
    const results = new Array<IpvsOpResult>(ops.length);
    return new Promise((resolve) => {
      let next = 0;
      let unanswered = 0;
      const fill = (): void => {
        while (next < ops.length && unanswered < BATCH_QUEUE) {
          const i = next++;
          const op = ops[i]!;
          let req: IpvsRequest;
          try {
            req = encodeOp(op);
          } catch (err) {
            const plan = planOf(op);
            results[i] = { ok: false, error: toIpvsError(plan.op, plan.target(), err) };
            continue;
          }
          unanswered++;
          this.genl.submit(this.genlRequest(req, true), (err) => {
            unanswered--;
            if (err === undefined) {
              results[i] = OK;
            } else {
              const plan = planOf(op);
              results[i] = { ok: false, error: toIpvsError(plan.op, plan.target(), err) };
            }
            fill();
          });
        }
        if (next === ops.length && unanswered === 0) resolve(results);
      };
      fill();
    });
  }

  async sendFramed(requests: FramedIpvsRequests): Promise<Array<{ index: number; error: IpvsError }>> {
    const failures = await this.genl.sendFramed({ ...requests, type: this.family.id });
    return failures.map(({ index, error }) => ({ index, error: toIpvsError('sendFramed', undefined, error) }));
  }

  async dumpFramed(requests: FramedIpvsRequests, onEntry: DumpEntryHandler): Promise<{ index: number; error: IpvsError } | undefined> {
    const failure = await this.genl.dumpFramed({ ...requests, type: this.family.id }, onEntry);
    return failure === undefined ? undefined : { index: failure.index, error: toIpvsError('listDestinations', undefined, failure.error) };
  }

  close(): Promise<void> {
    return this.genl.close();
  }
}

/** The single reply message of a doit request. */
function single(messages: NetlinkMessage[], what: string): Buffer {
  const m = messages[0];
  if (m === undefined) throw new IpvsError(what, undefined, 0, 'EDECODE', 'acknowledged without a reply message');
  return m.payload;
}

function describeKeySafe(key: ServiceKey): string {
  try {
    return describeServiceKey(key);
  } catch {
    return JSON.stringify(key);
  }
}

function describeDestSafe(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): string {
  try {
    return describeDestination(key, dest);
  } catch {
    return `${describeKeySafe(key)} -> ${JSON.stringify(dest)}`;
  }
}

/** The plan of a state-changing operation (answered by an acknowledgement only). */
function planOf(op: IpvsOp): Plan<undefined> {
  switch (op.op) {
    case 'addService':
      return { op: op.op, target: () => describeKeySafe(op.service.key), request: () => encodeNewService(op.service), decode: none };
    case 'editService':
      return { op: op.op, target: () => describeKeySafe(op.service.key), request: () => encodeSetService(op.service), decode: none };
    case 'deleteService':
      return { op: op.op, target: () => describeKeySafe(op.key), request: () => encodeDelService({ key: op.key }), decode: none };
    case 'addDestination':
      return {
        op: op.op,
        target: () => describeDestSafe(op.key, op.dest),
        request: () => encodeNewDest({ key: op.key }, op.dest),
        decode: none,
      };
    case 'editDestination':
      return {
        op: op.op,
        target: () => describeDestSafe(op.key, op.dest),
        request: () => encodeSetDest({ key: op.key }, op.dest),
        decode: none,
      };
    case 'deleteDestination':
      return {
        op: op.op,
        target: () => describeDestSafe(op.key, op.dest),
        request: () => encodeDelDest({ key: op.key }, { address: op.dest.address, port: op.dest.port }),
        decode: none,
      };
    case 'zero':
      return {
        op: op.op,
        target: () => (op.key === undefined ? undefined : describeKeySafe(op.key)),
        request: () => (op.key === undefined ? encodeZero() : encodeZero({ key: op.key })),
        decode: none,
      };
    case 'flush':
      return { op: op.op, target: noTarget, request: encodeFlush, decode: none };
    case 'setTimeouts':
      return { op: op.op, target: noTarget, request: () => encodeSetTimeouts(op.timeouts), decode: none };
    case 'startDaemon':
      return { op: op.op, target: () => op.daemon.state, request: () => encodeNewDaemon(op.daemon), decode: none };
    case 'stopDaemon':
      return { op: op.op, target: () => op.state, request: () => encodeDelDaemon({ state: op.state }), decode: none };
  }
}

/** A batch's operations in the genl client's queue at most (sent or not), see pipelined(). */
const BATCH_QUEUE = 1024;
const OK: IpvsOpResult = { ok: true };

/** The request of a state-changing operation (what planOf(op).request() returns, without the plan). */
function encodeOp(op: IpvsOp): IpvsRequest {
  switch (op.op) {
    case 'addService':
      return encodeNewService(op.service);
    case 'editService':
      return encodeSetService(op.service);
    case 'deleteService':
      return encodeDelService({ key: op.key });
    case 'addDestination':
      return encodeNewDest({ key: op.key }, op.dest);
    case 'editDestination':
      return encodeSetDest({ key: op.key }, op.dest);
    case 'deleteDestination':
      return encodeDelDest({ key: op.key }, { address: op.dest.address, port: op.dest.port });
    case 'zero':
      return op.key === undefined ? encodeZero() : encodeZero({ key: op.key });
    case 'flush':
      return encodeFlush();
    case 'setTimeouts':
      return encodeSetTimeouts(op.timeouts);
    case 'startDaemon':
      return encodeNewDaemon(op.daemon);
    case 'stopDaemon':
      return encodeDelDaemon({ state: op.state });
  }
}

function cancelledError(op: IpvsOp): IpvsError {
  const plan = planOf(op);
  return new IpvsError(plan.op, plan.target(), 125, 'ECANCELED', 'not sent: an earlier operation of the batch failed');
}

/** Options of {@link listConnections}. */
export interface ListConnectionsOptions {
  /** Default /proc/net/ip_vs_conn (the process's network namespace). */
  readonly path?: string;
}

/**
 * The IPVS connection table (not available over netlink) from /proc/net/ip_vs_conn. A missing
 * file means the kernel has no IPVS: rejects with {@link IpvsUnavailableError}.
 */
export async function listConnections(options: ListConnectionsOptions = {}): Promise<IpvsConnection[]> {
  const path = options.path ?? '/proc/net/ip_vs_conn';
  let text: string;
  try {
    // Imported here: most users of the client never read the connection table.
    const { readFile } = await import('node:fs/promises');
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT') {
      throw new IpvsUnavailableError(2, `IPVS is not available: ${path} does not exist; is the ip_vs module loaded?`, { cause: err });
    }
    throw new IpvsError('listConnections', path, 0, typeof code === 'string' ? code : 'EIO', String((err as Error).message), {
      cause: err,
    });
  }
  try {
    return parseIpvsConnections(text);
  } catch (err) {
    throw toIpvsError('listConnections', path, err);
  }
}
