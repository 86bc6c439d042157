/**
 * Two-way mappings between the model's names and the kernel's numbers. Unknown numbers from
 * the wire raise {@link NetlinkDecodeError}; unknown names (only possible by bypassing the
 * types) raise {@link NetlinkEncodeError}.
 */
import { NetlinkDecodeError, NetlinkEncodeError } from '../netlink/errors.js';
import { AF, IP_VS_CONN_F, IP_VS_STATE, IP_VS_TUNNEL_ENCAP_FLAG, IP_VS_TUNNEL_TYPE, IPPROTO } from './constants.js';
import type { AddressFamily, ForwardMethod, Protocol, SyncState, TunnelCsum, TunnelType } from './types.js';

/** A bidirectional name ↔ number table. */
export interface Enum<N extends string> {
  /** The wire value of a name. */
  toWire(name: N): number;
  /** The name of a wire value; throws NetlinkDecodeError when unknown. */
  fromWire(value: number, context: string): N;
}

function makeEnum<N extends string>(what: string, table: Readonly<Record<N, number>>): Enum<N> {
  const reverse = new Map<number, N>();
  for (const [name, value] of Object.entries(table) as [N, number][]) reverse.set(value, name);
  return {
    toWire(name: N): number {
      const v = Object.hasOwn(table, name) ? table[name] : undefined;
      if (v === undefined) throw new NetlinkEncodeError(`unknown ${what} ${JSON.stringify(name)}`);
      return v;
    },
    fromWire(value: number, context: string): N {
      const n = reverse.get(value);
      if (n === undefined) throw new NetlinkDecodeError(`${context}: unknown ${what} ${value}`);
      return n;
    },
  };
}

/** Address family ↔ AF_INET / AF_INET6. */
export const familyEnum: Enum<AddressFamily> = makeEnum('address family', { ipv4: AF.INET, ipv6: AF.INET6 });

/** Protocol ↔ IPPROTO_*. */
export const protocolEnum: Enum<Protocol> = makeEnum('protocol', {
  tcp: IPPROTO.TCP,
  udp: IPPROTO.UDP,
  sctp: IPPROTO.SCTP,
});

/** Forwarding method ↔ IP_VS_CONN_F_* (masked with IP_VS_CONN_F_FWD_MASK). */
export const forwardEnum: Enum<ForwardMethod> = makeEnum('forwarding method', {
  masq: IP_VS_CONN_F.MASQ,
  local: IP_VS_CONN_F.LOCALNODE,
  tunnel: IP_VS_CONN_F.TUNNEL,
  route: IP_VS_CONN_F.DROUTE,
  bypass: IP_VS_CONN_F.BYPASS,
});

/** Tunnel type ↔ IP_VS_CONN_F_TUNNEL_TYPE_*. */
export const tunnelTypeEnum: Enum<TunnelType> = makeEnum('tunnel type', {
  ipip: IP_VS_TUNNEL_TYPE.IPIP,
  gue: IP_VS_TUNNEL_TYPE.GUE,
  gre: IP_VS_TUNNEL_TYPE.GRE,
});

/** Tunnel checksum option ↔ IP_VS_TUNNEL_ENCAP_FLAG_*. */
export const tunnelCsumEnum: Enum<TunnelCsum> = makeEnum('tunnel checksum flag', {
  nocsum: IP_VS_TUNNEL_ENCAP_FLAG.NOCSUM,
  csum: IP_VS_TUNNEL_ENCAP_FLAG.CSUM,
  remcsum: IP_VS_TUNNEL_ENCAP_FLAG.REMCSUM,
});

/** Sync daemon role ↔ IP_VS_STATE_*. */
export const syncStateEnum: Enum<SyncState> = makeEnum('sync daemon state', {
  master: IP_VS_STATE.MASTER,
  backup: IP_VS_STATE.BACKUP,
});
