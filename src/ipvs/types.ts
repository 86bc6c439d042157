/**
 * The typed model of IPVS objects exchanged over generic netlink. Addresses are text
 * ("10.0.0.1", "2001:db8::1"); ports are plain numbers (the codec handles network order).
 */

/** Transport protocol of a virtual service. */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** Address family. */
export type AddressFamily = 'ipv4' | 'ipv6';

/** A service identified by protocol, virtual address and port; the family follows the address. */
export interface ProtocolServiceKey {
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
}

/** A service identified by firewall mark (non-zero) and address family. */
export interface FwmarkServiceKey {
  readonly fwmark: number;
  readonly family: AddressFamily;
}

/** What identifies a virtual service. */
export type ServiceKey = ProtocolServiceKey | FwmarkServiceKey;

/**
 * The configurable part of a virtual service (what NEW_SERVICE / SET_SERVICE send).
 *
 * `netmask` is the persistence granularity exactly as ipvsadm carries it: for IPv4 the mask as
 * a number (255.255.255.0 is 0xffffff00), sent in network order; for IPv6 the prefix length
 * (1..128), sent as a host-order u32.
 */
export interface ServiceSpec {
  readonly key: ServiceKey;
  /** Scheduler name, e.g. "wlc"; the kernel reports "none" when there is none. */
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent, hashed, one-packet, scheduler flags). */
  readonly flags: number;
  /** Persistence timeout in seconds. */
  readonly timeout: number;
  readonly netmask: number;
  /** Persistence engine, e.g. "sip"; absent when none. */
  readonly peName?: string;
}

/** Counters and rates of a service or destination. Rates are per second. */
export interface Stats {
  readonly conns: bigint;
  readonly inpkts: bigint;
  readonly outpkts: bigint;
  readonly inbytes: bigint;
  readonly outbytes: bigint;
  readonly cps: bigint;
  readonly inpps: bigint;
  readonly outpps: bigint;
  readonly inbps: bigint;
  readonly outbps: bigint;
}

/** A virtual service as the kernel reports it. */
export interface Service extends ServiceSpec {
  /** IPVS_SVC_ATTR_STATS: conns/packets/rates truncated to 32 bits by the kernel, bytes 64-bit. */
  readonly stats?: Stats;
  /** IPVS_SVC_ATTR_STATS64 (kernels ≥ 4.1): every field 64-bit. */
  readonly stats64?: Stats;
}

/** Forwarding method of a destination. */
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';

/** Encapsulation of a tunnel destination. */
export type TunnelType = 'ipip' | 'gue' | 'gre';

/** Checksum option of a GUE/GRE tunnel destination. */
export type TunnelCsum = 'nocsum' | 'csum' | 'remcsum';

/**
 * The configurable part of a real server (what NEW_DEST / SET_DEST send). Its address family
 * follows `address`; it may differ from the service's for tunnel destinations.
 */
export interface DestinationSpec {
  readonly address: string;
  readonly port: number;
  readonly forwarding: ForwardMethod;
  readonly weight: number;
  /** Upper connection threshold (0 = none). */
  readonly upperThreshold: number;
  /** Lower connection threshold (0 = none). */
  readonly lowerThreshold: number;
  readonly tunnelType: TunnelType;
  /** GUE destination UDP port (0 = n/a). */
  readonly tunnelPort: number;
  readonly tunnelCsum: TunnelCsum;
}

/** A real server as the kernel reports it. */
export interface Destination extends DestinationSpec {
  readonly family: AddressFamily;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly stats?: Stats;
  readonly stats64?: Stats;
}

/** Role of a connection-sync daemon. */
export type SyncState = 'master' | 'backup';

/**
 * A connection-sync daemon. Optional fields left out (or 0) take the kernel's defaults
 * (maxlen from the MTU, group 224.0.0.81, port 8848, ttl 1); the kernel reports the values in use.
 */
export interface DaemonConfig {
  readonly state: SyncState;
  readonly mcastIfn: string;
  readonly syncId: number;
  readonly syncMaxlen?: number;
  /** IPv4 or IPv6 multicast group. */
  readonly mcastGroup?: string;
  readonly mcastPort?: number;
  readonly mcastTtl?: number;
}

/** Connection timeouts in seconds (SET_CONFIG / GET_CONFIG); 0 in a SET means "keep". */
export interface Timeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

/** The GET_INFO reply. */
export interface Info {
  /** IP_VS_VERSION_CODE, e.g. 0x010201. */
  readonly versionCode: number;
  /** The same as "major.minor.patch", e.g. "1.2.1". */
  readonly version: string;
  /** Size of the connection hash table. */
  readonly connTabSize: number;
}
