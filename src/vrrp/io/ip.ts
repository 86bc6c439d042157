/**
 * The `ip` transport: VRRP as IP protocol 112 (RFC 5798 section 5.1), one raw socket per instance bound to the
 * instance's interface (SO_BINDTODEVICE), TTL / hop limit 255 on every send, the received TTL / hop limit passed
 * to validation (which drops multicast adverts whose TTL is not 255), multicast loop off, and the multicast group
 * joined on the interface when the instance is multicast.
 */
import { addrBytes, addrText } from '../addr.js';
import { VRRP_PROTOCOL } from './constants.js';
import { type NativeHandle, vrrpNative } from './native.js';
import type { TransportOptions, VrrpTransport } from './transport.js';

export class IpTransport implements VrrpTransport {
  readonly #h: NativeHandle;
  readonly #ifindex: number;
  readonly #src: Uint8Array;
  readonly #group: Uint8Array | undefined;
  #closed = false;

  constructor(readonly opts: TransportOptions) {
    const n = vrrpNative();
    const fam = opts.family === 'ipv4' ? 4 : 6;
    this.#ifindex = n.ifInfo(opts.ifname).index;
    const src = addrBytes(opts.localAddress, opts.family);
    if (src === undefined) throw new Error(`not an ${opts.family} address: ${opts.localAddress}`);
    this.#src = src;
    this.#h = n.openVrrp(fam, opts.ifname, VRRP_PROTOCOL);
    try {
      if (opts.group !== undefined) {
        const g = addrBytes(opts.group, opts.family);
        if (g === undefined) throw new Error(`not an ${opts.family} address: ${opts.group}`);
        n.membership(this.#h, g, this.#ifindex, true);
        this.#group = g;
      }
      n.startReceive(this.#h, (payload, s, d, ttl) => {
        try {
          const meta = { srcAddr: addrText(s), dstAddr: d === null ? '' : addrText(d), ...(ttl >= 0 ? { ttl } : {}) };
          opts.onMessage(payload, meta);
        } catch (err) {
          opts.onError?.(err);
        }
      });
    } catch (err) {
      n.close(this.#h);
      throw err;
    }
  }

  send(payload: Uint8Array, dstAddr: string): void {
    if (this.#closed) throw new Error('transport closed');
    const dst = addrBytes(dstAddr, this.opts.family);
    if (dst === undefined) throw new Error(`not an ${this.opts.family} address: ${dstAddr}`);
    vrrpNative().sendTo(this.#h, dst, this.#src, this.#ifindex, payload);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const n = vrrpNative();
    if (this.#group !== undefined) {
      try {
        n.membership(this.#h, this.#group, this.#ifindex, false);
      } catch {
        // the interface may be gone; closing drops the membership anyway
      }
    }
    n.close(this.#h);
  }
}
