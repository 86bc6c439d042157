/**
 * What the VRRP driver needs from the wire: send an encoded VRRP message to a destination, and hear every received
 * one with its source, destination and (when the transport can see it) TTL / hop limit. Two transports implement
 * it: `ip` (IP protocol 112, raw sockets through the native addon) and `udp` (VRRP inside UDP, Node's dgram).
 */
import type { Family } from '../addr.js';

/** What the socket saw of a received message. `ttl` is undefined when the transport cannot read it (udp). */
export interface ReceivedMeta {
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly ttl?: number;
}

export interface VrrpTransport {
  /** Sends one encoded VRRP message (no IP header) to `dstAddr`. Throws on a socket error. */
  send(payload: Uint8Array, dstAddr: string): void;
  /** Stops receiving and closes the sockets (idempotent). */
  close(): void;
}

export type ReceiveHandler = (payload: Uint8Array, meta: ReceivedMeta) => void;

/** What opening a transport needs. */
export interface TransportOptions {
  readonly family: Family;
  /** The interface the instance runs on. */
  readonly ifname: string;
  /** Our address: the advert source. */
  readonly localAddress: string;
  /** Multicast group to join, when the instance is multicast. */
  readonly group?: string;
  readonly onMessage: ReceiveHandler;
  /** A receive-side error (the transport keeps going). */
  readonly onError?: (err: unknown) => void;
}
