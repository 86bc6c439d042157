/**
 * The `udp` transport: VRRP messages inside UDP datagrams (Node's dgram), to a multicast group and port or to unicast
 * peers. The encoded message is exactly what the `ip` transport sends (checksum included, computed over the same
 * pseudo-header), so receivers validate it the same way.
 *
 * TTL rule: dgram cannot read a datagram's TTL / hop limit, so the udp transport reports none and validation skips
 * the TTL check (RFC 5798's "TTL must be 255" protects a link-local protocol; a udp deployment relies on the network
 * and, for unicast, on check_unicast_src instead). Sends still use TTL / hop limit 255. The destination of a received
 * datagram is not visible either: a multicast instance takes it to be its group, a unicast one its own address.
 */
import dgram from 'node:dgram';
import type { TransportOptions, VrrpTransport } from './transport.js';

export interface UdpTransportOptions extends TransportOptions {
  readonly port: number;
}

export class UdpTransport implements VrrpTransport {
  readonly #sock: dgram.Socket;
  #closed = false;
  readonly ready: Promise<void>;

  constructor(readonly opts: UdpTransportOptions) {
    const v6 = opts.family === 'ipv6';
    this.#sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
    const sock = this.#sock;
    const group = opts.group;
    const dstAddr = group ?? opts.localAddress;
    sock.on('message', (msg, rinfo) => {
      try {
        opts.onMessage(msg, { srcAddr: rinfo.address.replace(/%.*$/, ''), dstAddr });
      } catch (err) {
        opts.onError?.(err);
      }
    });
    sock.on('error', (err) => opts.onError?.(err));
    this.ready = new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      // Multicast: bind the wildcard (the group is joined on the interface); unicast: our address, so it is the source.
      const address = group !== undefined ? (v6 ? '::' : '0.0.0.0') : opts.localAddress;
      sock.bind({ port: opts.port, address, exclusive: false }, () => {
        sock.off('error', reject);
        try {
          sock.setTTL(255);
          if (group !== undefined) {
            const iface = v6 ? `::%${opts.ifname}` : opts.localAddress;
            sock.setMulticastInterface(iface);
            sock.setMulticastTTL(255);
            sock.setMulticastLoopback(false);
            sock.addMembership(group, iface);
          }
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Opens the transport once the socket is bound and joined. */
  static async open(opts: UdpTransportOptions): Promise<UdpTransport> {
    const t = new UdpTransport(opts);
    try {
      await t.ready;
    } catch (err) {
      t.close();
      throw err;
    }
    return t;
  }

  send(payload: Uint8Array, dstAddr: string): void {
    if (this.#closed) throw new Error('transport closed');
    const dst = this.opts.family === 'ipv6' && dstAddr.toLowerCase().startsWith('fe80') ? `${dstAddr}%${this.opts.ifname}` : dstAddr;
    const scoped = this.opts.family === 'ipv6' && dstAddr.toLowerCase().startsWith('ff02') ? `${dstAddr}%${this.opts.ifname}` : dst;
    this.#sock.send(payload, this.opts.port, scoped, (err) => {
      if (err) this.opts.onError?.(err);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#sock.close();
    } catch {
      // not bound yet or already closed
    }
  }
}
