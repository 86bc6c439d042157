/**
 * VRRP protocol constants (RFC 3768 for version 2, RFC 5798 / RFC 9568 for version 3) and the keepalived values
 * lvsd keeps for compatibility.
 */

/** IP protocol number of VRRP (RFC 5798 section 5.2.1 / IANA). */
export const IPPROTO_VRRP = 112;

/** TTL (IPv4) / hop limit (IPv6) every advertisement is sent with and must arrive with (RFC 5798 section 5.1.1.3). */
export const VRRP_TTL = 255;

/** The only VRRP packet type: ADVERTISEMENT (RFC 5798 section 5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;

/** Priority of the address owner (RFC 5798 section 5.2.4): it takes over at once and is never changed by tracking. */
export const PRIORITY_OWNER = 255;

/** Priority a master sends when it stops, so that a backup takes over after Skew_Time (RFC 5798 section 5.2.4). */
export const PRIORITY_STOP = 0;

/** Highest priority a non-owner may have (RFC 5798 section 5.2.4). */
export const PRIORITY_MAX_BACKUP = 254;

/** Size of the fixed VRRP header, both versions (RFC 3768 section 5.1, RFC 5798 section 5.1). */
export const VRRP_HEADER_LEN = 8;

/** Size of the VRRPv2 authentication data that follows the addresses (RFC 3768 section 5.3.10; keepalived always sends it). */
export const VRRP_V2_AUTH_LEN = 8;

/** VRRPv2 Auth Type values (RFC 2338 section 5.3.6; RFC 3768 keeps them for compatibility). */
export const AUTH_NONE = 0;
/** Simple text password, the keepalived `auth_type PASS`. */
export const AUTH_PASS = 1;
/** IPsec AH, the keepalived `auth_type AH` (not supported by lvsd). */
export const AUTH_AH = 2;

/** VRRPv3 Max Adver Int: 12 bits of centiseconds (RFC 5798 section 5.2.7). */
export const V3_MAX_ADVER_INT_CS = 0x0fff;

/** VRRPv2 Adver Int: 8 bits of seconds (RFC 3768 section 5.3.7). */
export const V2_MAX_ADVER_INT_S = 0xff;

/** The IPv4 group (RFC 5798 section 5.1.1.2). */
export const VRRP_MCAST_GROUP4 = '224.0.0.18';
/** The IPv6 group (RFC 5798 section 5.1.2.2). */
export const VRRP_MCAST_GROUP6 = 'ff02::12';

/** keepalived's default number of missed adverts before a backup takes over (`down_timer_adverts`; RFC: 3). */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;
