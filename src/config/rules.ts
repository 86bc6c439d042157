/**
 * Cross-field rules: what the schema cannot say about one value in isolation. Each rule reports a path and a
 * message; positions are attached later. `fileRules` checks the file as written (as much of it as is valid);
 * `nodeRules` checks the model resolved for one node, where per-node overrides are in effect.
 */
import { type Family, familyName, formatEndpoint, maxPrefix, parseIp } from './ip.js';
import type { Config, RealServerConfig, ResolvedConfig, TunnelConfig, VirtualServerConfig, VrrpInstanceConfig } from './model.js';
import type { Named, PartialConfig } from './partial.js';
import { formatPath, type Path, type PathSegment, type Problem } from './path.js';
import { didYouMean } from './suggest.js';

function familyOf(address: string): Family {
  return parseIp(address)?.family ?? 'ipv4';
}

/** `unknown X 'name'` with a suggestion, or the list of what exists. */
function unknownName(kind: string, name: string, known: Iterable<string>, section: string): string {
  const names = [...known];
  const hint = didYouMean(name, names);
  if (hint) return `unknown ${kind} '${name}'${hint}`;
  if (names.length === 0) return `unknown ${kind} '${name}' (${section} defines none)`;
  return `unknown ${kind} '${name}' (${section} defines ${names.map((n) => `'${n}'`).join(', ')})`;
}

/** The family of a virtual server: from its address, or the family key of a fwmark service. */
export function serviceFamily(vs: VirtualServerConfig): Family {
  if (vs.fwmark !== undefined) return vs.family ?? 'ipv4';
  return vs.address !== undefined ? familyOf(vs.address) : 'ipv4';
}

/** The address family an instance's virtual addresses give it (IPv4 when it has none). */
export function instanceFamily(inst: VrrpInstanceConfig): Family {
  return inst.virtual_ipaddress[0]?.family ?? 'ipv4';
}

export function instanceVersion(inst: VrrpInstanceConfig): 2 | 3 {
  return inst.version ?? (instanceFamily(inst) === 'ipv6' ? 3 : 2);
}

/** The port a network check connects to, if one can be worked out. */
export function checkPort(connectPort: number | undefined, rs: RealServerConfig, vs: VirtualServerConfig): number | undefined {
  if (connectPort !== undefined) return connectPort;
  if (rs.port !== undefined) return rs.port;
  if (vs.fwmark === undefined && vs.port !== undefined && vs.port > 0) return vs.port;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules on the file as written
// ---------------------------------------------------------------------------------------------------------------

function tunnelRules(t: TunnelConfig, path: Path, out: Problem[]): void {
  if (t.type === 'gue' && t.port === undefined) {
    out.push({ path: [...path, 'port'], message: "missing required key 'port' (a gue tunnel needs its UDP port)" });
  }
  if (t.type !== 'gue' && t.port !== undefined) {
    out.push({ path: [...path, 'port'], message: `port only applies to gue tunnels, not ${t.type}` });
  }
  if (t.type === 'ipip' && t.checksum !== 'nocsum') {
    out.push({ path: [...path, 'checksum'], message: `ipip tunnels have no checksum option, got '${t.checksum}'` });
  }
  if (t.type === 'gre' && t.checksum === 'remcsum') {
    out.push({ path: [...path, 'checksum'], message: 'remcsum only applies to gue tunnels' });
  }
}

const SCHED_FLAG_BITS: Record<string, number> = {
  'sh-fallback': 1,
  'mh-fallback': 1,
  'flag-1': 1,
  'sh-port': 2,
  'mh-port': 2,
  'flag-2': 2,
  'flag-3': 3,
};

function virtualServerRules(vs: VirtualServerConfig, i: number, out: Problem[]): void {
  const at = (...rest: PathSegment[]): Path => ['virtual_servers', i, ...rest];
  const family = serviceFamily(vs);

  if (vs.fwmark !== undefined) {
    for (const key of ['address', 'port', 'protocol'] as const) {
      if (vs[key] !== undefined) {
        out.push({ path: at(key), atKey: true, message: `${key} does not apply to a fwmark service (the mark selects the packets)` });
      }
    }
  } else {
    if (vs.address === undefined) {
      out.push({ path: at('address'), message: "missing required key 'address' (expected an IPv4 or IPv6 address, or fwmark)" });
    }
    if (vs.port === undefined) {
      out.push({ path: at('port'), message: "missing required key 'port' (expected an integer 0..65535)" });
    }
    if (vs.family !== undefined) {
      out.push({ path: at('family'), atKey: true, message: 'family only applies to fwmark services (the address gives the family)' });
    }
    if (vs.port === 0 && vs.persistence === undefined) {
      out.push({ path: at('port'), message: 'port 0 (all ports) is only allowed for persistent services; add persistence' });
    }
  }

  const bits = new Map<number, string>();
  vs.sched_flags.forEach((flag, k) => {
    for (const sched of ['sh', 'mh'] as const) {
      if (flag.startsWith(`${sched}-`) && vs.scheduler !== sched) {
        out.push({
          path: at('sched_flags', k),
          message: `'${flag}' only applies to scheduler '${sched}', this service uses '${vs.scheduler}'`,
        });
      }
    }
    const bit = SCHED_FLAG_BITS[flag] as number;
    const prev = bits.get(bit);
    if (prev !== undefined) out.push({ path: at('sched_flags', k), message: `'${flag}' is the same flag as '${prev}'` });
    else bits.set(bit, flag);
  });

  const protocol = vs.fwmark === undefined ? (vs.protocol ?? 'tcp') : undefined;
  if (vs.persistence) {
    const max = maxPrefix(family);
    const g = vs.persistence.granularity;
    if (g !== undefined && g > max) {
      out.push({
        path: at('persistence', 'granularity'),
        message: `expected a prefix length 1..${max} for an ${familyName(family)} service, got ${g}`,
      });
    }
    if (vs.persistence.engine === 'sip' && protocol !== undefined && protocol !== 'udp') {
      out.push({ path: at('persistence', 'engine'), message: `persistence engine 'sip' needs protocol udp, this service is ${protocol}` });
    }
  }
  if (vs.ops && protocol !== undefined && protocol !== 'udp') {
    out.push({ path: at('ops'), message: `one-packet scheduling needs protocol udp, this service is ${protocol}` });
  }
  if (vs.hysteresis >= vs.quorum) {
    out.push({ path: at('hysteresis'), message: `hysteresis (${vs.hysteresis}) must be less than quorum (${vs.quorum})` });
  }

  if (vs.tunnel) {
    tunnelRules(vs.tunnel, at('tunnel'), out);
    const used =
      vs.forwarding_method === 'tun' ||
      vs.real_servers.some((rs) => rs.forwarding_method === 'tun' && rs.tunnel === undefined) ||
      vs.sorry_server?.forwarding_method === 'tun';
    if (!used) out.push({ path: at('tunnel'), atKey: true, message: 'tunnel only applies when forwarding_method is tun' });
  }

  const mixed = (what: string, address: string, method: string, path: Path) => {
    const f = familyOf(address);
    if (f !== family && method !== 'tun') {
      out.push({
        path,
        message: `${familyName(f)} ${what} in an ${familyName(family)} service: mixing address families needs forwarding_method tun`,
      });
    }
  };
  const portMap = (port: number | undefined, method: string, path: Path) => {
    if (vs.fwmark !== undefined || port === undefined || vs.port === undefined || vs.port === 0) return;
    if (port !== vs.port && method !== 'nat') {
      out.push({ path, message: `port ${port} differs from the service port ${vs.port}: only forwarding_method nat maps ports` });
    }
  };

  if (vs.sorry_server) {
    const method = vs.sorry_server.forwarding_method ?? vs.forwarding_method;
    mixed('sorry server', vs.sorry_server.address, method, at('sorry_server', 'address'));
    portMap(vs.sorry_server.port, method, at('sorry_server', 'port'));
  }

  const seen = new Map<string, number>();
  vs.real_servers.forEach((rs, j) => {
    const rat = (...rest: PathSegment[]) => at('real_servers', j, ...rest);
    const method = rs.forwarding_method ?? vs.forwarding_method;
    mixed('real server', rs.address, method, rat('address'));
    portMap(rs.port, method, rat('port'));
    if (rs.tunnel) {
      tunnelRules(rs.tunnel, rat('tunnel'), out);
      if (method !== 'tun') out.push({ path: rat('tunnel'), atKey: true, message: 'tunnel only applies when forwarding_method is tun' });
    }
    if (rs.uthreshold > 0 && rs.lthreshold > rs.uthreshold) {
      out.push({ path: rat('lthreshold'), message: `lthreshold (${rs.lthreshold}) must not exceed uthreshold (${rs.uthreshold})` });
    }
    const port = rs.port ?? (vs.fwmark === undefined ? vs.port : undefined);
    const key = port === undefined ? rs.address : formatEndpoint(rs.address, port);
    const first = seen.get(key);
    if (first !== undefined) {
      out.push({ path: rat('address'), message: `duplicate real server ${key} (first at ${formatPath(at('real_servers', first))})` });
    } else {
      seen.set(key, j);
    }

    rs.checks.forEach((c, k) => {
      const cat = (...rest: PathSegment[]) => rat('checks', k, ...rest);
      if (c.type === 'exec') return;
      if (checkPort(c.connect_port, rs, vs) === undefined) {
        out.push({
          path: cat('connect_port'),
          message: "missing required key 'connect_port' (the real server has no port to check)",
        });
      }
      const target = c.connect_ip ?? rs.address;
      if (c.bind_ip !== undefined && familyOf(c.bind_ip) !== familyOf(target)) {
        out.push({
          path: cat('bind_ip'),
          message: `bind_ip is ${familyName(familyOf(c.bind_ip))} but the check connects to ${familyName(familyOf(target))} address ${target}`,
        });
      }
      if ((c.type === 'http' || c.type === 'https') && c.regex_no_match && c.regex === undefined) {
        out.push({ path: cat('regex_no_match'), message: 'regex_no_match needs regex' });
      }
      if (c.type === 'https' && (c.tls.cert_file === undefined) !== (c.tls.key_file === undefined)) {
        const missing = c.tls.cert_file === undefined ? 'cert_file' : 'key_file';
        out.push({ path: cat('tls', missing), message: `missing required key '${missing}' (cert_file and key_file go together)` });
      }
      if (c.type === 'udp' && c.expected_reply !== undefined && c.require_reply === false) {
        out.push({ path: cat('require_reply'), message: 'expected_reply needs require_reply: true' });
      }
    });
  });
}

function instanceRules(name: string, inst: VrrpInstanceConfig, p: PartialConfig, vipOwners: Map<string, string>, out: Problem[]): void {
  const at = (...rest: PathSegment[]): Path => ['vrrp_instances', name, ...rest];
  const family = instanceFamily(inst);
  const version = instanceVersion(inst);

  inst.virtual_ipaddress.forEach((vip, k) => {
    if (vip.family !== family) {
      out.push({
        path: at('virtual_ipaddress', k),
        message: `${familyName(vip.family)} address in an ${familyName(family)} instance: an instance carries one family (use virtual_ipaddress_excluded or another instance)`,
      });
    }
  });
  for (const list of ['virtual_ipaddress', 'virtual_ipaddress_excluded'] as const) {
    inst[list].forEach((vip, k) => {
      const key = vip.address;
      const owner = vipOwners.get(key);
      if (owner !== undefined && owner !== name) {
        out.push({ path: at(list, k), message: `address ${vip.address} is also in ${formatPath(['vrrp_instances', owner])}` });
      } else if (owner === undefined) {
        vipOwners.set(key, name);
      }
    });
  }

  if (inst.version === 2 && family === 'ipv6') {
    out.push({ path: at('version'), message: 'IPv6 addresses need VRRP version 3' });
  }
  if (inst.authentication && version === 3) {
    out.push({
      path: at('authentication'),
      atKey: true,
      message: 'authentication only exists in VRRP version 2 (version 3 has none)',
    });
  }
  const adv = inst.advert_int;
  if (version === 2 && (!Number.isInteger(adv) || adv < 1 || adv > 255)) {
    out.push({ path: at('advert_int'), message: `expected whole seconds 1..255 for VRRP version 2, got ${adv}` });
  }
  if (version === 3 && (adv < 0.01 || adv > 40.95 || Math.abs(adv * 100 - Math.round(adv * 100)) > 1e-6)) {
    out.push({
      path: at('advert_int'),
      message: `expected 0.01..40.95 seconds in steps of 0.01 for VRRP version 3, got ${adv}`,
    });
  }
  if (inst.transport.type === 'ip') {
    for (const key of ['port', 'group'] as const) {
      if (inst.transport[key] !== undefined) {
        out.push({ path: at('transport', key), atKey: true, message: `${key} only applies to transport type udp` });
      }
    }
  }

  const refs = (list: 'track_script' | 'track_file', known: Named<unknown>, kind: string, section: string) => {
    inst[list].forEach((ref, k) => {
      if (!known.has(ref.name)) out.push({ path: at(list, k), message: unknownName(kind, ref.name, known.keys(), section) });
    });
  };
  for (const list of ['track_interface', 'track_script', 'track_file'] as const) {
    const seen = new Set<string>();
    inst[list].forEach((ref, k) => {
      if (seen.has(ref.name)) out.push({ path: at(list, k), message: `'${ref.name}' is listed twice` });
      seen.add(ref.name);
    });
  }
  refs('track_script', p.vrrp_scripts, 'vrrp_script', 'vrrp_scripts');
  refs('track_file', p.vrrp_track_files, 'track file', 'vrrp_track_files');
}

/** The name a virtual server goes by: its own, or one made from its service (`tcp/192.0.2.10:80`, `fwmark/1`). */
export function virtualServerName(vs: VirtualServerConfig): string {
  if (vs.name !== undefined) return vs.name;
  if (vs.fwmark !== undefined) return `fwmark/${vs.fwmark}`;
  return `${vs.protocol ?? 'tcp'}/${formatEndpoint(vs.address ?? '', vs.port ?? 0)}`;
}

/** Reports a second virtual server for the same IPVS service; true when `vs` is one. `services`: label to index. */
function duplicateService(vs: VirtualServerConfig, i: number, services: Map<string, number>, out: Problem[]): boolean {
  if (vs.fwmark === undefined && (vs.address === undefined || vs.port === undefined)) return false;
  const label =
    vs.fwmark !== undefined
      ? `fwmark ${vs.fwmark} (${familyName(serviceFamily(vs))})`
      : `${vs.protocol ?? 'tcp'} ${formatEndpoint(vs.address as string, vs.port as number)}`;
  const first = services.get(label);
  if (first === undefined) {
    services.set(label, i);
    return false;
  }
  out.push({
    path: ['virtual_servers', i, vs.fwmark !== undefined ? 'fwmark' : 'address'],
    message: `duplicate virtual server ${label} (first at virtual_servers[${first}])`,
  });
  return true;
}

/**
 * Reports a virtual server whose name, given or defaulted, another one already has: logs, notifications and the
 * status name virtual servers by it. A defaulted name is reported at the entry, except on a second entry for the
 * same service (reported already: its default name follows from that). `names`: name to index.
 */
function duplicateName(vs: VirtualServerConfig, i: number, sameService: boolean, names: Map<string, number>, out: Problem[]): void {
  const given = vs.name !== undefined;
  if (!given && vs.fwmark === undefined && (vs.address === undefined || vs.port === undefined)) return;
  const name = virtualServerName(vs);
  const first = names.get(name);
  if (first === undefined) {
    names.set(name, i);
    return;
  }
  if (given) {
    out.push({
      path: ['virtual_servers', i, 'name'],
      message: `duplicate virtual server name '${name}' (first at virtual_servers[${first}])`,
    });
  } else if (!sameService) {
    out.push({
      path: ['virtual_servers', i],
      message: `duplicate virtual server name '${name}', this service's default (first at virtual_servers[${first}]); give it a name`,
    });
  }
}

/** Rules on the file as written; entries that failed validation are skipped. */
export function fileRules(p: PartialConfig): Problem[] {
  const out: Problem[] = [];

  const services = new Map<string, number>();
  const names = new Map<string, number>();
  p.virtual_servers.forEach((vs, i) => {
    if (!vs) return;
    virtualServerRules(vs, i, out);
    const sameService = duplicateService(vs, i, services, out);
    duplicateName(vs, i, sameService, names, out);
  });

  const vipOwners = new Map<string, string>();
  for (const [name, inst] of p.vrrp_instances) if (inst) instanceRules(name, inst, p, vipOwners, out);

  const memberOf = new Map<string, string>();
  for (const [group, g] of p.vrrp_sync_groups) {
    if (!g) continue;
    const inGroup = new Set<string>();
    g.group.forEach((member, k) => {
      const path = ['vrrp_sync_groups', group, 'group', k];
      if (!p.vrrp_instances.has(member)) {
        out.push({ path, message: unknownName('VRRP instance', member, p.vrrp_instances.keys(), 'vrrp_instances') });
      } else if (inGroup.has(member)) {
        out.push({ path, message: `VRRP instance '${member}' is listed twice` });
      } else if (memberOf.has(member)) {
        out.push({ path, message: `VRRP instance '${member}' is already in sync group '${memberOf.get(member)}'` });
      } else {
        memberOf.set(member, group);
      }
      inGroup.add(member);
    });
  }

  const lsd = p.lvs_sync_daemon;
  if (lsd?.follow !== undefined && !p.vrrp_instances.has(lsd.follow) && !p.vrrp_sync_groups.has(lsd.follow)) {
    out.push({
      path: ['lvs_sync_daemon', 'follow'],
      message: unknownName(
        'VRRP instance or sync group',
        lsd.follow,
        [...p.vrrp_instances.keys(), ...p.vrrp_sync_groups.keys()],
        'the file',
      ),
    });
  }

  for (const [node, n] of p.nodes) {
    if (!n) continue;
    for (const inst of Object.keys(n.vrrp_instances ?? {})) {
      if (!p.vrrp_instances.has(inst)) {
        out.push({
          path: ['nodes', node, 'vrrp_instances', inst],
          atKey: true,
          message: unknownName('VRRP instance', inst, p.vrrp_instances.keys(), 'vrrp_instances'),
        });
      }
    }
    if (n.lvs_sync_daemon !== undefined && !p.hasSyncDaemon) {
      out.push({
        path: ['nodes', node, 'lvs_sync_daemon'],
        atKey: true,
        message: 'there is no top-level lvs_sync_daemon section to override',
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules on the model resolved for one node
// ---------------------------------------------------------------------------------------------------------------

type InstanceField = 'state' | 'priority' | 'interface' | 'unicast_src_ip' | 'unicast_peer' | 'mcast_src_ip';

/** Where an overridable instance field comes from for a node: its override if it has one, else the base. */
export function instanceFieldPath(config: Config, node: string, inst: string, field: InstanceField): Path {
  const ov = Object.hasOwn(config.nodes, node) ? config.nodes[node]?.vrrp_instances : undefined;
  const o = ov && Object.hasOwn(ov, inst) ? ov[inst] : undefined;
  return o?.[field] !== undefined ? ['nodes', node, 'vrrp_instances', inst, field] : ['vrrp_instances', inst, field];
}

/** Rules that depend on per-node overrides, checked on the model resolved for `node`. */
export function nodeRules(config: Config, model: ResolvedConfig, node: string): Problem[] {
  const out: Problem[] = [];
  const perNode = Object.keys(config.nodes).length > 0 ? ', here or in the nodes section' : '';
  const vrids = new Map<string, string>();

  for (const [name, inst] of Object.entries(model.vrrp_instances)) {
    const fieldPath = (f: InstanceField) => instanceFieldPath(config, node, name, f);
    if (inst.interface === '') {
      out.push({
        path: ['vrrp_instances', name, 'interface'],
        message: `missing required key 'interface' (expected an interface name${perNode})`,
      });
    } else {
      const key = `${inst.interface}/${inst.virtual_router_id}/${inst.family}`;
      const other = vrids.get(key);
      if (other !== undefined) {
        out.push({
          path: ['vrrp_instances', name, 'virtual_router_id'],
          message: `virtual_router_id ${inst.virtual_router_id} is also used by ${formatPath(['vrrp_instances', other])} on ${inst.interface} (${familyName(inst.family)})`,
        });
      } else {
        vrids.set(key, name);
      }
    }

    const family = inst.family;
    const checkFamily = (address: string | undefined, path: Path) => {
      if (address !== undefined && familyOf(address) !== family) {
        out.push({
          path,
          message: `expected an ${familyName(family)} address (the instance's addresses are ${familyName(family)}), got ${address}`,
        });
      }
    };
    checkFamily(inst.unicast_src_ip, fieldPath('unicast_src_ip'));
    checkFamily(inst.mcast_src_ip, fieldPath('mcast_src_ip'));
    inst.unicast_peer.forEach((peer, k) => {
      checkFamily(peer, [...fieldPath('unicast_peer'), k]);
    });
    if (inst.transport.type === 'udp') {
      if (inst.transport.group === undefined && inst.unicast_peer.length === 0) {
        out.push({
          path: ['vrrp_instances', name, 'transport', 'group'],
          message: "missing required key 'group' (udp transport without unicast_peer needs a multicast group)",
        });
      }
      checkFamily(inst.transport.group, ['vrrp_instances', name, 'transport', 'group']);
    }
    if (inst.nopreempt && inst.state === 'MASTER') {
      out.push({ path: fieldPath('state'), message: 'nopreempt needs state BACKUP (a node starting as MASTER preempts anyway)' });
    }
    for (const list of ['virtual_ipaddress', 'virtual_ipaddress_excluded'] as const) {
      inst[list].forEach((vip, k) => {
        if (vip.label !== undefined && vip.dev !== '' && !vip.label.startsWith(vip.dev)) {
          out.push({
            path: ['vrrp_instances', name, list, k],
            message: `label '${vip.label}' must start with the interface name '${vip.dev}'`,
          });
        }
      });
    }
  }

  const lsd = model.lvs_sync_daemon;
  if (lsd) {
    if (lsd.mcast_interface === '') {
      out.push({
        path: ['lvs_sync_daemon', 'mcast_interface'],
        message: `missing required key 'mcast_interface' (expected an interface name${perNode})`,
      });
    }
    if (lsd.state === 'auto' && lsd.follow === undefined) {
      out.push({
        path: ['lvs_sync_daemon', 'follow'],
        message: "missing required key 'follow' (state auto follows a VRRP instance or sync group)",
      });
    }
  }
  return out;
}

/** Rules across the models of all nodes of a pair. */
export function pairRules(config: Config, models: ReadonlyMap<string, ResolvedConfig>): Problem[] {
  const out: Problem[] = [];
  const owners = new Map<string, string>();
  for (const [node, model] of models) {
    for (const [name, inst] of Object.entries(model.vrrp_instances)) {
      if (inst.priority !== 255) continue;
      const owner = owners.get(name);
      if (owner === undefined) {
        owners.set(name, node);
        continue;
      }
      out.push({
        path: instanceFieldPath(config, node, name, 'priority'),
        message: `priority 255 (address owner) is given to both ${owner} and ${node}; only one node may own the addresses`,
      });
    }
  }
  return out;
}
