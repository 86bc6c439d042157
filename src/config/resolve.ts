/**
 * Builds the model one node runs with from a validated file: picks the node's overrides, copies inherited check
 * settings down to every check, makes every default explicit, and freezes the result. Resolution itself never
 * fails; what can only be judged per node (a missing interface, say) is left for rules.ts to report.
 */
import { type Family, formatEndpoint, maxPrefix, parseHostPort, parseIp } from './ip.js';
import type {
  CheckConfig,
  Config,
  RealServerConfig,
  ResolvedCheck,
  ResolvedConfig,
  ResolvedRealServer,
  ResolvedVirtualServer,
  ResolvedVrrpInstance,
  TimingKey,
  Vip,
  VirtualServerConfig,
  VrrpInstanceConfig,
} from './model.js';
import { checkPort, instanceFamily, instanceVersion, serviceFamily } from './rules.js';
import { TIMING_KEYS } from './schema.js';

/** Default UDP port of VRRP over UDP. */
export const VRRP_UDP_PORT = 5798;

function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function withoutKey<T extends object, K extends keyof T>(o: T, key: K): Omit<T, K> {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function omitTiming<T extends object>(o: T): Omit<T, TimingKey> {
  const out = { ...o } as Record<string, unknown>;
  for (const k of TIMING_KEYS) delete out[k];
  return out as Omit<T, TimingKey>;
}

function resolveCheck(
  c: CheckConfig,
  rs: RealServerConfig,
  vs: VirtualServerConfig,
  routerId: string,
  scriptUser: string | undefined,
): ResolvedCheck {
  const timing = Object.fromEntries(TIMING_KEYS.map((k) => [k, c[k as keyof CheckConfig] ?? rs[k] ?? vs[k]])) as Record<TimingKey, number>;
  if (c.type === 'exec') {
    const { connect_timeout: _unused, ...execTiming } = timing;
    const user = c.user ?? scriptUser;
    // Object.assign keeps the key order of its first argument: type and timing first when printed.
    return Object.assign(
      { type: c.type, ...execTiming, timeout: c.timeout ?? rs.connect_timeout ?? vs.connect_timeout },
      omitTiming(c),
      user !== undefined ? { user } : {},
    );
  }
  const base = Object.assign(
    {
      type: c.type,
      ...timing,
      connect_ip: c.connect_ip ?? rs.address,
      connect_port: checkPort(c.connect_port, rs, vs) ?? 0,
    },
    omitTiming(c),
  );
  switch (c.type) {
    case 'http':
    case 'https': {
      const virtualhost = c.virtualhost ?? vs.virtualhost;
      const withHost = { ...base, ...(virtualhost !== undefined ? { virtualhost } : {}) } as typeof base;
      if (c.type === 'https' && virtualhost !== undefined && c.tls.sni === undefined) {
        return { ...withHost, tls: { ...c.tls, sni: virtualhost } } as ResolvedCheck;
      }
      return withHost as ResolvedCheck;
    }
    case 'smtp':
      return { ...base, helo_name: c.helo_name ?? routerId } as ResolvedCheck;
    case 'udp':
      return { ...base, require_reply: c.require_reply ?? c.expected_reply !== undefined } as ResolvedCheck;
    default:
      return base as ResolvedCheck;
  }
}

function resolveVirtualServer(vs: VirtualServerConfig, routerId: string, scriptUser: string | undefined): ResolvedVirtualServer {
  const family = serviceFamily(vs);
  const protocol = vs.fwmark === undefined ? (vs.protocol ?? 'tcp') : undefined;
  const name =
    vs.name ?? (vs.fwmark !== undefined ? `fwmark/${vs.fwmark}` : `${protocol}/${formatEndpoint(vs.address ?? '', vs.port ?? 0)}`);
  const servicePort = vs.fwmark === undefined ? vs.port : undefined;
  const defaultTunnel = vs.tunnel ?? { type: 'ipip' as const, checksum: 'nocsum' as const };

  const realServers = vs.real_servers.map((rs): ResolvedRealServer => {
    const method = rs.forwarding_method ?? vs.forwarding_method;
    const { checks, tunnel, port, forwarding_method: _m, inhibit_on_failure, ...rest } = omitTiming(rs);
    const resolvedPort = port ?? servicePort;
    const { address, ...others } = rest;
    return {
      address,
      family: addressFamily(address),
      ...(resolvedPort !== undefined ? { port: resolvedPort } : {}),
      ...others,
      forwarding_method: method,
      ...(method === 'tun' ? { tunnel: tunnel ?? defaultTunnel } : {}),
      inhibit_on_failure: inhibit_on_failure ?? vs.inhibit_on_failure,
      checks: checks.map((c) => resolveCheck(c, rs, vs, routerId, scriptUser)),
    };
  });

  const { name: _n, family: _f, protocol: _p, persistence, sorry_server, tunnel: _t, real_servers: _r, ...rest } = omitTiming(vs);
  const out: ResolvedVirtualServer = {
    name,
    family,
    ...(protocol !== undefined ? { protocol } : {}),
    ...rest,
    ...(persistence
      ? {
          persistence: {
            timeout: persistence.timeout,
            granularity: persistence.granularity ?? maxPrefix(family),
            ...(persistence.engine !== undefined ? { engine: persistence.engine } : {}),
          },
        }
      : {}),
    ...(sorry_server
      ? {
          sorry_server: {
            address: sorry_server.address,
            family: addressFamily(sorry_server.address),
            ...((sorry_server.port ?? servicePort) !== undefined ? { port: sorry_server.port ?? servicePort } : {}),
            forwarding_method: sorry_server.forwarding_method ?? vs.forwarding_method,
            inhibit: sorry_server.inhibit,
          },
        }
      : {}),
    real_servers: realServers,
  };
  return out;
}

function addressFamily(address: string): Family {
  return parseIp(address)?.family ?? 'ipv4';
}

function resolveInstance(
  name: string,
  inst: VrrpInstanceConfig,
  config: Config,
  node: string,
  syncGroup: string | undefined,
): ResolvedVrrpInstance {
  const o = own(own(config.nodes, node)?.vrrp_instances, name);
  const iface = o?.interface ?? inst.interface ?? '';
  const vip = (v: Vip) => ({
    address: v.address,
    prefix: v.prefix,
    family: v.family,
    dev: v.dev ?? iface,
    ...(v.label !== undefined ? { label: v.label } : {}),
    scope: v.scope ?? 'global',
    ...(v.brd !== undefined ? { brd: v.brd } : {}),
  });
  const {
    interface: _i,
    version: _v,
    transport,
    virtual_ipaddress,
    virtual_ipaddress_excluded,
    track_interface,
    track_script,
    track_file,
    garp_lower_prio_delay,
    garp_lower_prio_repeat,
    ...rest
  } = inst;
  return {
    name,
    interface: iface,
    version: instanceVersion(inst),
    family: instanceFamily(inst),
    ...rest,
    transport:
      transport.type === 'udp'
        ? {
            type: 'udp',
            port: transport.port ?? VRRP_UDP_PORT,
            ...(transport.group !== undefined ? { group: transport.group } : {}),
          }
        : { type: 'ip' },
    state: o?.state ?? inst.state,
    priority: o?.priority ?? inst.priority,
    ...((o?.unicast_src_ip ?? inst.unicast_src_ip) !== undefined ? { unicast_src_ip: o?.unicast_src_ip ?? inst.unicast_src_ip } : {}),
    unicast_peer: o?.unicast_peer ?? inst.unicast_peer,
    ...((o?.mcast_src_ip ?? inst.mcast_src_ip) !== undefined ? { mcast_src_ip: o?.mcast_src_ip ?? inst.mcast_src_ip } : {}),
    virtual_ipaddress: virtual_ipaddress.map(vip),
    virtual_ipaddress_excluded: virtual_ipaddress_excluded.map(vip),
    track_interface: track_interface.map((t) => ({ name: t.name, weight: 'weight' in t ? (t.weight ?? 0) : 0 })),
    track_script: track_script.map((t) => ({
      name: t.name,
      weight: ('weight' in t ? t.weight : undefined) ?? own(config.vrrp_scripts, t.name)?.weight ?? 0,
    })),
    track_file: track_file.map((t) => ({
      name: t.name,
      weight: ('weight' in t ? t.weight : undefined) ?? own(config.vrrp_track_files, t.name)?.weight ?? 1,
    })),
    garp_lower_prio_delay: garp_lower_prio_delay ?? inst.garp_master_delay,
    garp_lower_prio_repeat: garp_lower_prio_repeat ?? inst.garp_master_repeat,
    ...(syncGroup !== undefined ? { sync_group: syncGroup } : {}),
  };
}

/** The model `node` runs with. `node` need not be listed in `nodes:` (then no overrides apply). */
export function resolveNode(config: Config, node: string): ResolvedConfig {
  const ov = own(config.nodes, node);
  const routerId = ov?.router_id ?? config.global.router_id ?? node;
  const scriptUser = config.global.script_user;

  const metrics = ov?.control?.metrics_listen ?? config.control.metrics_listen;
  const listen = metrics !== undefined ? parseHostPort(metrics) : undefined;

  const groupOf = new Map<string, string>();
  for (const [g, def] of Object.entries(config.vrrp_sync_groups)) {
    for (const member of def.group) if (!groupOf.has(member)) groupOf.set(member, g);
  }

  const lsd = config.lvs_sync_daemon;
  const model: ResolvedConfig = {
    node,
    nodes: Object.keys(config.nodes),
    global: { router_id: routerId, ...withoutKey(config.global, 'router_id') },
    logging: config.logging,
    control: {
      socket: ov?.control?.socket ?? config.control.socket,
      ...(listen ? { metrics_listen: { host: listen.host, port: listen.port } } : {}),
    },
    ...(lsd
      ? {
          lvs_sync_daemon: {
            ...lsd,
            state: ov?.lvs_sync_daemon?.state ?? lsd.state,
            mcast_interface: ov?.lvs_sync_daemon?.mcast_interface ?? lsd.mcast_interface ?? '',
          },
        }
      : {}),
    vrrp_scripts: Object.fromEntries(
      Object.entries(config.vrrp_scripts).map(([n, s]) => {
        const user = s.user ?? scriptUser;
        return [n, { ...s, timeout: s.timeout ?? s.interval, ...(user !== undefined ? { user } : {}) }];
      }),
    ),
    vrrp_track_files: config.vrrp_track_files,
    vrrp_sync_groups: config.vrrp_sync_groups,
    vrrp_instances: Object.fromEntries(
      Object.entries(config.vrrp_instances).map(([n, inst]) => [n, resolveInstance(n, inst, config, node, groupOf.get(n))]),
    ),
    virtual_servers: config.virtual_servers.map((vs) => resolveVirtualServer(vs, routerId, scriptUser)),
  };
  return deepFreeze(structuredClone(model));
}
