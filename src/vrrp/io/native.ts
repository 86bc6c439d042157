/**
 * The native addon (src/native/vrrp_socket.cc, built by node-gyp into build/Release): raw IP protocol 112 sockets
 * and AF_PACKET frame sending, which Node does not have. Loaded lazily, so modules that only type against it load
 * without it.
 */
import { loadAddon } from '../../native/addon.js';

/** An open socket of the addon; opaque. */
export type NativeHandle = { readonly __nativeSocket: unique symbol };

export interface VrrpNative {
  ifInfo(name: string): { index: number; mac: Buffer };
  /** A raw socket of `protocol` (112 VRRP, 58 ICMPv6) bound to `ifname`, TTL / hop limit 255, no multicast loop. */
  openVrrp(family: 4 | 6, ifname: string, protocol: number): NativeHandle;
  membership(h: NativeHandle, group: Uint8Array, ifindex: number, join: boolean): void;
  /** Sends `payload` to `dst`, from `src` when given (IP_PKTINFO / IPV6_PKTINFO). */
  sendTo(h: NativeHandle, dst: Uint8Array, src: Uint8Array | null, ifindex: number, payload: Uint8Array): number;
  /** Delivers each received packet: the IP payload, source, destination (null if unknown) and TTL / hop limit (-1 if unknown). */
  startReceive(h: NativeHandle, cb: (payload: Buffer, src: Buffer, dst: Buffer | null, ttl: number) => void): void;
  unref(h: NativeHandle): void;
  openPacket(ifindex: number): NativeHandle;
  sendFrame(h: NativeHandle, ifindex: number, frame: Uint8Array): number;
  close(h: NativeHandle): void;
}

let loaded: VrrpNative | undefined;

/** The addon (see loadAddon for where it is found). */
export function vrrpNative(): VrrpNative {
  loaded ??= loadAddon<VrrpNative>('vrrp_socket');
  return loaded;
}
