/**
 * The native addon (src/native/vrrp_socket.cc, built by node-gyp into build/Release): raw IP protocol 112 sockets
 * and AF_PACKET frame sending, which Node does not have. Loaded lazily, so modules that only type against it load
 * without it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The addon, from the package's build/Release (found by walking up from this module to the package root). */
export function vrrpNative(): VrrpNative {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) break;
    const up = dirname(dir);
    if (up === dir) throw new Error('lvsd native addon: package root (binding.gyp) not found; run `npm run build:native`');
    dir = up;
  }
  const file = join(dir, 'build', 'Release', 'vrrp_socket.node');
  if (!existsSync(file)) throw new Error(`lvsd native addon not built (${file}); run \`npm run build:native\``);
  loaded = require(file) as VrrpNative;
  return loaded;
}
