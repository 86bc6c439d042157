/**
 * Sending gratuitous ARPs (IPv4, AF_PACKET) and unsolicited NAs (IPv6, raw ICMPv6) for a virtual address, behind a
 * small interface so an instance's I/O can be driven without raw sockets in tests. Sockets are opened on first use,
 * one per interface, and kept until `close`.
 */
import { type Family, addrBytes } from '../addr.js';
import { ICMPV6_PROTOCOL } from './constants.js';
import { ALL_NODES6, garpFrame, unsolicitedNa } from './garp.js';
import { type NativeHandle, vrrpNative } from './native.js';

/** An interface as an announcement needs it. */
export interface AnnounceInterface {
  readonly index: number;
  readonly mac: Buffer;
}

/** Announces virtual addresses on the link. */
export interface Announcer {
  /** Sends one gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `address` on interface `dev`. Throws on a socket error. */
  announce(v: { readonly address: string; readonly family: Family; readonly dev: string }, ifc: AnnounceInterface): void;
  /** Closes the sockets opened so far. */
  close(): void;
}

/** The real announcer, through the native addon. */
export class NativeAnnouncer implements Announcer {
  #packet: Map<number, NativeHandle> | undefined;
  #icmp6: Map<string, NativeHandle> | undefined;

  announce(v: { readonly address: string; readonly family: Family; readonly dev: string }, ifc: AnnounceInterface): void {
    const n = vrrpNative();
    if (v.family === 'ipv4') {
      this.#packet ??= new Map();
      let h = this.#packet.get(ifc.index);
      if (h === undefined) {
        h = n.openPacket(ifc.index);
        this.#packet.set(ifc.index, h);
      }
      n.sendFrame(h, ifc.index, garpFrame(ifc.mac, v.address));
      return;
    }
    this.#icmp6 ??= new Map();
    let h = this.#icmp6.get(v.dev);
    if (h === undefined) {
      h = n.openVrrp(6, v.dev, ICMPV6_PROTOCOL);
      this.#icmp6.set(v.dev, h);
    }
    n.sendTo(h, addrBytes(ALL_NODES6, 'ipv6') as Uint8Array, null, ifc.index, unsolicitedNa(ifc.mac, v.address));
  }

  close(): void {
    const n = this.#packet !== undefined || this.#icmp6 !== undefined ? vrrpNative() : undefined;
    for (const h of this.#packet?.values() ?? []) n?.close(h);
    for (const h of this.#icmp6?.values() ?? []) n?.close(h);
    this.#packet = undefined;
    this.#icmp6 = undefined;
  }
}
