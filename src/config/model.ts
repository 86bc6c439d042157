/**
 * The config model's types. `Config` is what the schema yields for the whole file (defaults filled in, nothing
 * resolved); `ResolvedConfig` is the immutable model one node runs with: its overrides applied, inherited check
 * settings copied down to every check, and every default made explicit.
 */
import type * as z from 'zod';
import type { Family } from './ip.js';
import type { ConfigSchema, IpScope, StatusRange, TIMING_DEFAULTS, Vip } from './schema.js';

export type { Family, IpScope, StatusRange, Vip };

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

// ----- The validated file, before resolution -------------------------------------------------------------------

/** What a config file may contain (the JSON Schema's view: defaulted keys are optional). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The validated file with defaults filled in. */
export type Config = z.output<typeof ConfigSchema>;
export type GlobalConfig = Config['global'];
export type LoggingConfig = Config['logging'];
export type ControlConfig = Config['control'];
export type LvsSyncDaemonConfig = NonNullable<Config['lvs_sync_daemon']>;
export type VrrpScriptConfig = Config['vrrp_scripts'][string];
export type VrrpTrackFileConfig = Config['vrrp_track_files'][string];
export type VrrpSyncGroupConfig = Config['vrrp_sync_groups'][string];
export type VrrpInstanceConfig = Config['vrrp_instances'][string];
export type VirtualServerConfig = Config['virtual_servers'][number];
export type RealServerConfig = VirtualServerConfig['real_servers'][number];
export type CheckConfig = RealServerConfig['checks'][number];
export type TunnelConfig = NonNullable<VirtualServerConfig['tunnel']>;
export type NodeConfig = Config['nodes'][string];

export type TimingKey = keyof typeof TIMING_DEFAULTS;
/** The check scheduling knobs, all resolved. */
export type Timing = { readonly [K in TimingKey]: number };

// ----- The resolved model ----------------------------------------------------------------------------------------

type NetworkCheck<C> = Omit<C, TimingKey | 'connect_ip' | 'connect_port'> &
  Timing & {
    /** Address the check connects to (default: the real server's). */
    readonly connect_ip: string;
    /** Port the check connects to (default: the real server's). */
    readonly connect_port: number;
  };

type ResolveCheck<C> = C extends { type: 'exec' }
  ? Omit<C, TimingKey | 'timeout'> & Omit<Timing, 'connect_timeout'> & { readonly timeout: number }
  : C extends { type: 'udp' }
    ? NetworkCheck<Omit<C, 'require_reply'>> & { readonly require_reply: boolean }
    : NetworkCheck<C>;

export type ResolvedCheck = DeepReadonly<ResolveCheck<CheckConfig>>;

export type ResolvedTunnel = DeepReadonly<TunnelConfig>;

export type ResolvedRealServer = DeepReadonly<
  Omit<RealServerConfig, TimingKey | 'port' | 'forwarding_method' | 'tunnel' | 'inhibit_on_failure' | 'checks'>
> & {
  readonly family: Family;
  /** Absent only for a fwmark service's real server given without a port. */
  readonly port?: number;
  readonly forwarding_method: VirtualServerConfig['forwarding_method'];
  /** Present exactly when forwarding_method is tun. */
  readonly tunnel?: ResolvedTunnel;
  readonly inhibit_on_failure: boolean;
  readonly checks: readonly ResolvedCheck[];
};

export interface ResolvedPersistence {
  readonly timeout: number;
  /** Prefix length clients are grouped by. */
  readonly granularity: number;
  readonly engine?: 'sip';
}

export interface ResolvedSorryServer {
  readonly address: string;
  readonly family: Family;
  readonly port?: number;
  readonly forwarding_method: VirtualServerConfig['forwarding_method'];
  readonly inhibit: boolean;
}

export type ResolvedVirtualServer = DeepReadonly<
  Omit<VirtualServerConfig, TimingKey | 'name' | 'family' | 'protocol' | 'persistence' | 'sorry_server' | 'tunnel' | 'real_servers'>
> & {
  /** Given, or `tcp/192.0.2.10:80`, `fwmark/1`. */
  readonly name: string;
  readonly family: Family;
  /** Absent for fwmark services. */
  readonly protocol?: VirtualServerConfig['protocol'];
  readonly persistence?: ResolvedPersistence;
  readonly sorry_server?: ResolvedSorryServer;
  readonly real_servers: readonly ResolvedRealServer[];
};

export interface ResolvedVip {
  readonly address: string;
  readonly prefix: number;
  readonly family: Family;
  /** The interface the address goes on (default: the instance interface). */
  readonly dev: string;
  readonly label?: string;
  readonly scope: IpScope;
  readonly brd?: string;
}

export interface ResolvedTrack {
  readonly name: string;
  readonly weight: number;
}

export type ResolvedTransport = { readonly type: 'ip' } | { readonly type: 'udp'; readonly port: number; readonly group?: string };

export type ResolvedVrrpInstance = DeepReadonly<
  Omit<
    VrrpInstanceConfig,
    | 'interface'
    | 'version'
    | 'transport'
    | 'virtual_ipaddress'
    | 'virtual_ipaddress_excluded'
    | 'track_interface'
    | 'track_script'
    | 'track_file'
    | 'garp_lower_prio_delay'
    | 'garp_lower_prio_repeat'
  >
> & {
  readonly name: string;
  readonly interface: string;
  readonly version: 2 | 3;
  /** Address family of the instance, from its virtual addresses (IPv4 when it has none). */
  readonly family: Family;
  readonly transport: ResolvedTransport;
  readonly virtual_ipaddress: readonly ResolvedVip[];
  readonly virtual_ipaddress_excluded: readonly ResolvedVip[];
  readonly track_interface: readonly ResolvedTrack[];
  readonly track_script: readonly ResolvedTrack[];
  readonly track_file: readonly ResolvedTrack[];
  readonly garp_lower_prio_delay: number;
  readonly garp_lower_prio_repeat: number;
  /** The sync group this instance belongs to, if any. */
  readonly sync_group?: string;
};

export type ResolvedVrrpScript = DeepReadonly<Omit<VrrpScriptConfig, 'timeout'>> & { readonly timeout: number };

export type ResolvedSyncDaemon = DeepReadonly<Omit<LvsSyncDaemonConfig, 'mcast_interface'>> & {
  readonly mcast_interface: string;
};

export interface ResolvedControl {
  readonly socket: string;
  readonly metrics_listen?: { readonly host: string; readonly port: number };
}

export interface ResolvedConfig {
  /** The node this model is for. */
  readonly node: string;
  /** Every node named in the file's `nodes:` section (empty when it has none). */
  readonly nodes: readonly string[];
  readonly global: DeepReadonly<Omit<GlobalConfig, 'router_id'>> & { readonly router_id: string };
  readonly logging: DeepReadonly<LoggingConfig>;
  readonly control: ResolvedControl;
  readonly lvs_sync_daemon?: ResolvedSyncDaemon;
  readonly vrrp_scripts: { readonly [name: string]: ResolvedVrrpScript };
  readonly vrrp_track_files: { readonly [name: string]: DeepReadonly<VrrpTrackFileConfig> };
  readonly vrrp_sync_groups: { readonly [name: string]: DeepReadonly<VrrpSyncGroupConfig> };
  readonly vrrp_instances: { readonly [name: string]: ResolvedVrrpInstance };
  readonly virtual_servers: readonly ResolvedVirtualServer[];
}
