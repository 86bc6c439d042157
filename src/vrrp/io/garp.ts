/**
 * Gratuitous ARP and unsolicited neighbour advertisement messages, pure. keepalived's gratuitous ARP is a broadcast
 * ARP request whose sender and target protocol addresses are both the virtual address and whose target hardware
 * address is the broadcast address ff:ff:ff:ff:ff:ff (byte for byte what keepalived 2.2.7 sends, checked against a
 * capture in test/unit/vrrp/keepalived-golden.test.ts); an unsolicited NA (RFC 4861 section 7.2.6) goes to ff02::1
 * with Override set and the target link-layer address option (keepalived sends the same 32 bytes, from the VIP itself
 * with hop limit 255; the kernel fills our checksum).
 */
import { addrBytes } from '../addr.js';

const ETH_P_ARP = 0x0806;

/** The Ethernet frame of a gratuitous ARP for `ip` from `mac`. */
export function garpFrame(mac: Uint8Array, ip: string): Uint8Array {
  const a = addrBytes(ip, 'ipv4');
  if (a === undefined) throw new RangeError(`not an IPv4 address: ${ip}`);
  if (mac.length !== 6) throw new RangeError('a MAC address has 6 bytes');
  const f = new Uint8Array(42);
  const dv = new DataView(f.buffer);
  f.fill(0xff, 0, 6); // broadcast
  f.set(mac, 6);
  dv.setUint16(12, ETH_P_ARP);
  dv.setUint16(14, 1); // hardware type: Ethernet
  dv.setUint16(16, 0x0800); // protocol type: IPv4
  f[18] = 6;
  f[19] = 4;
  dv.setUint16(20, 1); // request
  f.set(mac, 22); // sender hardware address
  f.set(a, 28); // sender protocol address
  f.fill(0xff, 32, 38); // target hardware address: broadcast, as keepalived sends it
  f.set(a, 38); // target protocol address
  return f;
}

/** The ICMPv6 message (checksum left 0: the kernel fills it on a raw ICMPv6 socket) of an unsolicited NA. */
export function unsolicitedNa(mac: Uint8Array, target: string): Uint8Array {
  const t = addrBytes(target, 'ipv6');
  if (t === undefined) throw new RangeError(`not an IPv6 address: ${target}`);
  if (mac.length !== 6) throw new RangeError('a MAC address has 6 bytes');
  const m = new Uint8Array(32);
  m[0] = 136; // Neighbor Advertisement
  m[1] = 0;
  m[4] = 0x20; // Override (not Router, not Solicited)
  m.set(t, 8);
  m[24] = 2; // option: target link-layer address
  m[25] = 1; // length in units of 8 bytes
  m.set(mac, 26);
  return m;
}

/** All-nodes multicast, where unsolicited NAs go. */
export const ALL_NODES6 = 'ff02::1';
