/** Wire constants of the transports. */

/** IP protocol number of VRRP (RFC 5798 section 5.1.1.4). */
export const VRRP_PROTOCOL = 112;
/** IP protocol number of ICMPv6 (unsolicited neighbour advertisements). */
export const ICMPV6_PROTOCOL = 58;
/** Default UDP port of the udp transport (the schema's default). */
export const VRRP_UDP_PORT = 5798;
