/**
 * IPVS generic netlink constants, from the kernel's include/uapi/linux/ip_vs.h (checked against
 * net/netfilter/ipvs/ip_vs_ctl.c and ipvsadm 1.31's libipvs).
 */
import type { AttrNames } from '../netlink/attrs.js';

/** Generic netlink family name. */
export const IPVS_GENL_NAME = 'IPVS';
/** genlmsghdr.version used by libipvs and the kernel. */
export const IPVS_GENL_VERSION = 1;

/** Commands (enum IPVS_CMD_*). SET/GET_CONFIG are libipvs's SET/GET_TIMEOUT. */
export const IPVS_CMD = {
  UNSPEC: 0,
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

/** A value of {@link IPVS_CMD}. */
export type IpvsCmd = (typeof IPVS_CMD)[keyof typeof IPVS_CMD];

/** Top-level attributes (enum IPVS_CMD_ATTR_*). */
export const IPVS_CMD_ATTR = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

/** Attributes nested in IPVS_CMD_ATTR_SERVICE (enum IPVS_SVC_ATTR_*). */
export const IPVS_SVC_ATTR = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** Attributes nested in IPVS_CMD_ATTR_DEST (enum IPVS_DEST_ATTR_*). */
export const IPVS_DEST_ATTR = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

/** Attributes nested in IPVS_CMD_ATTR_DAEMON (enum IPVS_DAEMON_ATTR_*). */
export const IPVS_DAEMON_ATTR = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

/** Attributes nested in *_STATS and *_STATS64 (enum IPVS_STATS_ATTR_*). */
export const IPVS_STATS_ATTR = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
  /** Alignment padding inserted by nla_put_u64_64bit on some architectures; ignored. */
  PAD: 11,
} as const;

/** Top-level attributes of the GET_INFO reply (enum IPVS_INFO_ATTR_*). */
export const IPVS_INFO_ATTR = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** Virtual service flags (IP_VS_SVC_F_*), carried in struct ip_vs_flags. */
export const IP_VS_SVC_F = {
  PERSISTENT: 0x0001,
  /** Kernel-internal, present in replies. */
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
  SCHED_SH_FALLBACK: 0x0008,
  SCHED_SH_PORT: 0x0010,
  SCHED_MH_FALLBACK: 0x0008,
  SCHED_MH_PORT: 0x0010,
} as const;

/** Forwarding methods (IP_VS_CONN_F_* & IP_VS_CONN_F_FWD_MASK). */
export const IP_VS_CONN_F = {
  FWD_MASK: 0x0007,
  MASQ: 0x0000,
  LOCALNODE: 0x0001,
  TUNNEL: 0x0002,
  DROUTE: 0x0003,
  BYPASS: 0x0004,
} as const;

/** Tunnel types (IP_VS_CONN_F_TUNNEL_TYPE_*). */
export const IP_VS_TUNNEL_TYPE = { IPIP: 0, GUE: 1, GRE: 2 } as const;

/** Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*). */
export const IP_VS_TUNNEL_ENCAP_FLAG = { NOCSUM: 0, CSUM: 1, REMCSUM: 2 } as const;

/** Sync daemon states (IP_VS_STATE_*). */
export const IP_VS_STATE = { NONE: 0, MASTER: 1, BACKUP: 2 } as const;

/** Address families (linux/socket.h). */
export const AF = { INET: 2, INET6: 10 } as const;

/** IP protocol numbers used by IPVS services. */
export const IPPROTO = { TCP: 6, UDP: 17, SCTP: 132 } as const;

/** IP_VS_SCHEDNAME_MAXLEN - 1: longest scheduler name the kernel accepts (policy len 15). */
export const SCHED_NAME_MAX = 15;
/** Longest persistence-engine name the kernel accepts (policy len IP_VS_PENAME_MAXLEN = 16). */
export const PE_NAME_MAX = 16;
/** IP_VS_IFNAME_MAXLEN - 1: longest sync interface name the kernel accepts. */
export const IFNAME_MAX = 15;

/** Size of the ADDR attributes: union nf_inet_addr. */
export const NF_INET_ADDR_LEN = 16;

/** Names for error messages. */
export const CMD_ATTR_NAMES: AttrNames = {
  1: 'IPVS_CMD_ATTR_SERVICE',
  2: 'IPVS_CMD_ATTR_DEST',
  3: 'IPVS_CMD_ATTR_DAEMON',
  4: 'IPVS_CMD_ATTR_TIMEOUT_TCP',
  5: 'IPVS_CMD_ATTR_TIMEOUT_TCP_FIN',
  6: 'IPVS_CMD_ATTR_TIMEOUT_UDP',
};

/** Names for error messages. */
export const SVC_ATTR_NAMES: AttrNames = {
  1: 'AF',
  2: 'PROTOCOL',
  3: 'ADDR',
  4: 'PORT',
  5: 'FWMARK',
  6: 'SCHED_NAME',
  7: 'FLAGS',
  8: 'TIMEOUT',
  9: 'NETMASK',
  10: 'STATS',
  11: 'PE_NAME',
  12: 'STATS64',
};

/** Names for error messages. */
export const DEST_ATTR_NAMES: AttrNames = {
  1: 'ADDR',
  2: 'PORT',
  3: 'FWD_METHOD',
  4: 'WEIGHT',
  5: 'U_THRESH',
  6: 'L_THRESH',
  7: 'ACTIVE_CONNS',
  8: 'INACT_CONNS',
  9: 'PERSIST_CONNS',
  10: 'STATS',
  11: 'ADDR_FAMILY',
  12: 'STATS64',
  13: 'TUN_TYPE',
  14: 'TUN_PORT',
  15: 'TUN_FLAGS',
};

/** Names for error messages. */
export const DAEMON_ATTR_NAMES: AttrNames = {
  1: 'STATE',
  2: 'MCAST_IFN',
  3: 'SYNC_ID',
  4: 'SYNC_MAXLEN',
  5: 'MCAST_GROUP',
  6: 'MCAST_GROUP6',
  7: 'MCAST_PORT',
  8: 'MCAST_TTL',
};

/** Names for error messages. */
export const STATS_ATTR_NAMES: AttrNames = {
  1: 'CONNS',
  2: 'INPKTS',
  3: 'OUTPKTS',
  4: 'INBYTES',
  5: 'OUTBYTES',
  6: 'CPS',
  7: 'INPPS',
  8: 'OUTPPS',
  9: 'INBPS',
  10: 'OUTBPS',
  11: 'PAD',
};

/** Names for error messages. */
export const INFO_ATTR_NAMES: AttrNames = { 1: 'IPVS_INFO_ATTR_VERSION', 2: 'IPVS_INFO_ATTR_CONN_TAB_SIZE' };
