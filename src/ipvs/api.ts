/**
 * What lvsd asks of IPVS, as one interface: the netlink client (src/ipvs/netlink-client.ts) is the
 * real implementation; tests and the lvsadm formatter may use an in-memory fake. Every method
 * rejects with an IpvsError (code = errno name, e.g. 'EEXIST', 'ESRCH') naming the operation.
 */
import type { DaemonConfig, Destination, DestinationSpec, Info, Service, ServiceKey, ServiceSpec, Timeouts } from './types.js';

/** One operation of a batch (see IpvsApi.batch). */
export type IpvsOp =
  | { readonly op: 'addService'; readonly service: ServiceSpec }
  | { readonly op: 'editService'; readonly service: ServiceSpec }
  | { readonly op: 'deleteService'; readonly key: ServiceKey }
  | { readonly op: 'addDestination'; readonly key: ServiceKey; readonly dest: DestinationSpec }
  | { readonly op: 'editDestination'; readonly key: ServiceKey; readonly dest: DestinationSpec }
  | { readonly op: 'deleteDestination'; readonly key: ServiceKey; readonly dest: Pick<DestinationSpec, 'address' | 'port'> }
  | { readonly op: 'zero'; readonly key?: ServiceKey }
  | { readonly op: 'flush' }
  | { readonly op: 'setTimeouts'; readonly timeouts: Timeouts }
  | { readonly op: 'startDaemon'; readonly daemon: DaemonConfig }
  | { readonly op: 'stopDaemon'; readonly state: DaemonConfig['state'] };

/** Outcome of one batched operation, in the order given. */
export type IpvsOpResult = { readonly ok: true } | { readonly ok: false; readonly error: Error & { readonly code: string } };

/**
 * Acknowledgement-only IPVS requests framed by the caller, end to end in one buffer: a 16-byte
 * netlink header per message (nlmsg_len set; type, flags, seq and pid are the client's) and the
 * padded genl payload (see GenlClient.sendFramed).
 */
export interface FramedIpvsRequests {
  readonly buffer: Buffer;
  readonly count: number;
  /** Where message i ends in buffer. */
  readonly ends: Uint32Array;
  /** The longest genl payload. */
  readonly maxPayload: number;
}

/** The IPVS control surface. */
export interface IpvsApi {
  info(): Promise<Info>;
  listServices(): Promise<Service[]>;
  getService(key: ServiceKey): Promise<Service>;
  listDestinations(key: ServiceKey): Promise<Destination[]>;
  /**
   * Optional (the netlink client has it): listDestinations without the decoding, the generic
   * netlink payload (genlmsghdr + attributes) of each NEW_DEST message of the dump, for callers
   * that read only a few fields of many destinations (see decodeDestReply for the full decoding).
   */
  listDestinationPayloads?(key: ServiceKey): Promise<Buffer[]>;
  /**
   * Optional (the netlink client has it): listServices without the decoding, the generic netlink
   * payload of each NEW_SERVICE message of the dump (see decodeServiceReply).
   */
  listServicePayloads?(): Promise<Buffer[]>;
  addService(service: ServiceSpec): Promise<void>;
  editService(service: ServiceSpec): Promise<void>;
  deleteService(key: ServiceKey): Promise<void>;
  addDestination(key: ServiceKey, dest: DestinationSpec): Promise<void>;
  editDestination(key: ServiceKey, dest: DestinationSpec): Promise<void>;
  deleteDestination(key: ServiceKey, dest: Pick<DestinationSpec, 'address' | 'port'>): Promise<void>;
  /** Zeroes the counters of one service, or of all when key is omitted. */
  zero(key?: ServiceKey): Promise<void>;
  flush(): Promise<void>;
  getTimeouts(): Promise<Timeouts>;
  setTimeouts(timeouts: Timeouts): Promise<void>;
  listDaemons(): Promise<DaemonConfig[]>;
  startDaemon(daemon: DaemonConfig): Promise<void>;
  stopDaemon(state: DaemonConfig['state']): Promise<void>;
  /**
   * Sends many operations pipelined on one socket (acknowledgements matched by sequence number) and
   * reports each one's result; a failed operation does not stop the others unless stopOnError.
   */
  batch(ops: readonly IpvsOp[], options?: { stopOnError?: boolean }): Promise<IpvsOpResult[]>;
  /**
   * Optional (the netlink client has it): sends requests the caller already encoded and framed,
   * pipelined like batch(); resolves to the failed ones (index and IpvsError), in order.
   */
  sendFramed?(requests: FramedIpvsRequests): Promise<Array<{ readonly index: number; readonly error: Error & { readonly code: string } }>>;
  /**
   * Optional (the netlink client has it): runs dump requests the caller already encoded and framed
   * (GET_DEST for many services), one after the other, handing each entry's generic netlink payload
   * (`datagram[start, end)`, valid during the call only) to `onEntry` with the index of its dump;
   * resolves to undefined, or to the first failure (IpvsError), after which nothing more is sent.
   */
  dumpFramed?(
    requests: FramedIpvsRequests,
    onEntry: (index: number, datagram: Buffer, start: number, end: number) => void,
  ): Promise<{ readonly index: number; readonly error: Error & { readonly code: string } } | undefined>;
  close(): Promise<void>;
}
