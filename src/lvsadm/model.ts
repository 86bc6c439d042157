/**
 * What one ipvsadm command line parses into: the command, the set of option categories given,
 * the listing format flags, and the service / destination / daemon / timeout values, held the
 * way ipvsadm holds them (address families and protocols as numbers, addresses as 16 bytes)
 * so that its checks, defaults and quirks carry over unchanged.
 */

/** ipvsadm's commands, in CMD_* order; the names are the ones its messages use (cmdnames). */
export const COMMANDS = [
  'add-service',
  'edit-service',
  'delete-service',
  'flush',
  'list',
  'add-server',
  'delete-server',
  'edit-server',
  'set',
  'start-daemon',
  'stop-daemon',
  'restore',
  'save',
  'zero',
] as const;

/** A command, named as in ipvsadm's messages. */
export type CommandName = (typeof COMMANDS)[number];

/** ipvsadm's option categories, in OPTC_* order; the names are its optnames. */
export const OPTIONS = [
  'numeric',
  'connection',
  'service-address',
  'scheduler',
  'persistent',
  'netmask',
  'real-server',
  'forwarding-method',
  'weight',
  'u-threshold',
  'l-threshold',
  'mcast-interface',
  'timeout',
  'daemon',
  'stats',
  'rate',
  'thresholds',
  'persistent-conn',
  'nosort',
  'syncid',
  'exact',
  'ops',
  'pe',
  'sched-flags',
  'mcast-group',
  'mcast-port',
  'mcast-ttl',
  'sync-maxlen',
  'tun-info',
  'tun-type',
  'tun-port',
  'tun-nocsum',
  'tun-csum',
  'tun-remcsum',
] as const;

/** An option category. */
export type OptionName = (typeof OPTIONS)[number];

/** Address families as the kernel numbers them (0 = not set). */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** IP protocol numbers (0 = not set, e.g. fwmark services as the kernel reports them). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** Service flags (IP_VS_SVC_F_*). */
export const SVC_F = {
  PERSISTENT: 0x1,
  HASHED: 0x2,
  ONEPACKET: 0x4,
  SCHED1: 0x8,
  SCHED2: 0x10,
  SCHED3: 0x20,
} as const;

/** Forwarding methods (IP_VS_CONN_F_*). */
export const CONN_F = {
  FWD_MASK: 0x7,
  MASQ: 0,
  LOCALNODE: 1,
  TUNNEL: 2,
  DROUTE: 3,
  BYPASS: 4,
} as const;

/** Tunnel types, indexed like ipvsadm's tunnames. */
export const TUN_NAMES = ['ipip', 'gue', 'gre'] as const;

/** Sync daemon states. */
export const STATE_MASTER = 1;
export const STATE_BACKUP = 2;

/** Default persistence timeout of a bare -p (IPVS_SVC_PERSISTENT_TIMEOUT). */
export const DEFAULT_PERSISTENT_TIMEOUT = 360;
/** Longest timeout ipvsadm accepts (MAX_TIMEOUT, 31 days). */
export const MAX_TIMEOUT = 86400 * 31;

/** ipvs_service_t as ipvsadm fills it. `netmask` is an IPv4 mask read big-endian, or an IPv6 prefix length. */
export interface SvcArgs {
  af: number;
  protocol: number;
  addr: Uint8Array;
  port: number;
  fwmark: number;
  schedName: string;
  flags: number;
  timeout: number;
  netmask: number;
  peName: string;
}

/** ipvs_dest_t as ipvsadm fills it. */
export interface DestArgs {
  af: number;
  addr: Uint8Array;
  port: number;
  connFlags: number;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: number;
  tunPort: number;
  tunFlags: number;
}

/** ipvs_daemon_t as ipvsadm fills it. */
export interface DaemonArgs {
  state: number;
  mcastIfn: string;
  syncid: number;
  syncMaxlen: number;
  mcastPort: number;
  mcastTtl: number;
  mcastAf: number;
  mcastGroup: Uint8Array;
}

/** The three --set values. */
export interface TimeoutArgs {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/** Listing format flags (FMT_*). */
export interface Format {
  numeric: boolean;
  rule: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  nosort: boolean;
  exact: boolean;
  tunInfo: boolean;
}

/** One parsed command line (ipvsadm's struct ipvs_command_entry plus its option set and format). */
export interface CommandEntry {
  cmd: CommandName;
  options: Set<OptionName>;
  format: Format;
  svc: SvcArgs;
  dest: DestArgs;
  daemon: DaemonArgs;
  timeout: TimeoutArgs;
}

/** A format with every flag off. */
export function emptyFormat(): Format {
  return {
    numeric: false,
    rule: false,
    stats: false,
    rate: false,
    thresholds: false,
    persistentConn: false,
    nosort: false,
    exact: false,
    tunInfo: false,
  };
}

/** The defaults process_options starts from (weight 1, direct routing, netmask all ones). */
export function emptyEntry(): Omit<CommandEntry, 'cmd'> {
  return {
    options: new Set(),
    format: emptyFormat(),
    svc: {
      af: AF_UNSPEC,
      protocol: 0,
      addr: new Uint8Array(16),
      port: 0,
      fwmark: 0,
      schedName: '',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
      peName: '',
    },
    dest: {
      af: AF_UNSPEC,
      addr: new Uint8Array(16),
      port: 0,
      connFlags: CONN_F.DROUTE,
      weight: 1,
      uThreshold: 0,
      lThreshold: 0,
      tunType: 0,
      tunPort: 0,
      tunFlags: 0,
    },
    daemon: {
      state: 0,
      mcastIfn: '',
      syncid: 0,
      syncMaxlen: 0,
      mcastPort: 0,
      mcastTtl: 0,
      mcastAf: AF_UNSPEC,
      mcastGroup: new Uint8Array(16),
    },
    timeout: { tcp: 0, tcpFin: 0, udp: 0 },
  };
}
