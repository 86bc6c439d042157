/**
 * The IPVS requests ipvsadm sends for a parsed command, expressed as IpvsApi operations, with
 * the libipvs function each is attributed to (for error messages).
 */
import type { IpvsApi, IpvsOp } from '../ipvs/api.js';
import type { DaemonConfig, DestinationSpec, ForwardMethod, ServiceKey, ServiceSpec, TunnelCsum, TunnelType } from '../ipvs/types.js';
import {
  AF_INET6,
  CONN_F,
  type CommandEntry,
  type DaemonArgs,
  type DestArgs,
  IPPROTO_TCP,
  IPPROTO_UDP,
  STATE_MASTER,
  type SvcArgs,
} from './model.js';
import { ntop } from './names.js';
import type { IpvsFunc } from './strerror.js';

/** The key identifying the service ipvsadm parsed. */
export function serviceKey(svc: SvcArgs): ServiceKey {
  if (svc.fwmark) return { fwmark: svc.fwmark, family: svc.af === AF_INET6 ? 'ipv6' : 'ipv4' };
  const protocol = svc.protocol === IPPROTO_TCP ? 'tcp' : svc.protocol === IPPROTO_UDP ? 'udp' : 'sctp';
  return { protocol, address: ntop(svc.af, svc.addr), port: svc.port };
}

/** ipvs_zero_service's choice: a key, or undefined to zero everything (no fwmark, address ::, port 0). */
export function zeroKey(svc: SvcArgs): ServiceKey | undefined {
  if (svc.fwmark || svc.addr.some((b) => b !== 0) || svc.port) return serviceKey(svc);
  return undefined;
}

/** What NEW_SERVICE / SET_SERVICE carry. */
export function serviceSpec(svc: SvcArgs): ServiceSpec {
  const spec = { key: serviceKey(svc), scheduler: svc.schedName, flags: svc.flags, timeout: svc.timeout, netmask: svc.netmask };
  return svc.peName ? { ...spec, peName: svc.peName } : spec;
}

function forwarding(connFlags: number): ForwardMethod {
  switch (connFlags & CONN_F.FWD_MASK) {
    case CONN_F.MASQ:
      return 'masq';
    case CONN_F.LOCALNODE:
      return 'local';
    case CONN_F.TUNNEL:
      return 'tunnel';
    case CONN_F.BYPASS:
      return 'bypass';
    default:
      return 'route';
  }
}

const TUNNEL_TYPES: readonly TunnelType[] = ['ipip', 'gue', 'gre'];
const TUNNEL_CSUM: readonly TunnelCsum[] = ['nocsum', 'csum', 'remcsum'];

/** What NEW_DEST / SET_DEST carry. */
export function destSpec(dest: DestArgs): DestinationSpec {
  return {
    address: ntop(dest.af, dest.addr),
    port: dest.port,
    forwarding: forwarding(dest.connFlags),
    weight: dest.weight,
    upperThreshold: dest.uThreshold,
    lowerThreshold: dest.lThreshold,
    tunnelType: TUNNEL_TYPES[dest.tunType] ?? 'ipip',
    tunnelPort: dest.tunPort,
    tunnelCsum: TUNNEL_CSUM[dest.tunFlags] ?? 'nocsum',
  };
}

/** What NEW_DAEMON carries (optional values only when given, as libipvs does). */
export function daemonConfig(d: DaemonArgs): DaemonConfig {
  const out: { -readonly [K in keyof DaemonConfig]: DaemonConfig[K] } = {
    state: d.state === STATE_MASTER ? 'master' : 'backup',
    mcastIfn: d.mcastIfn,
    syncId: d.syncid,
  };
  if (d.syncMaxlen) out.syncMaxlen = d.syncMaxlen;
  if (d.mcastPort) out.mcastPort = d.mcastPort;
  if (d.mcastTtl) out.mcastTtl = d.mcastTtl;
  if (d.mcastAf) out.mcastGroup = ntop(d.mcastAf, d.mcastGroup);
  return out;
}

/** A modifying command as one IpvsApi operation, and the libipvs function it runs under (null: unchanged). */
export interface KernelOp {
  readonly op: IpvsOp;
  readonly func: IpvsFunc | null;
}

/** The operation of a modifying command; undefined for list, save and restore. */
export function kernelOp(e: CommandEntry): KernelOp | undefined {
  switch (e.cmd) {
    case 'flush':
      return { op: { op: 'flush' }, func: null };
    case 'add-service':
      return { op: { op: 'addService', service: serviceSpec(e.svc) }, func: 'add_service' };
    case 'edit-service':
      return { op: { op: 'editService', service: serviceSpec(e.svc) }, func: 'update_service' };
    case 'delete-service':
      return { op: { op: 'deleteService', key: serviceKey(e.svc) }, func: 'del_service' };
    case 'zero': {
      const key = zeroKey(e.svc);
      return { op: key ? { op: 'zero', key } : { op: 'zero' }, func: 'zero_service' };
    }
    case 'add-server':
      return { op: { op: 'addDestination', key: serviceKey(e.svc), dest: destSpec(e.dest) }, func: 'add_dest' };
    case 'edit-server':
      return { op: { op: 'editDestination', key: serviceKey(e.svc), dest: destSpec(e.dest) }, func: 'update_dest' };
    case 'delete-server': {
      const { address, port } = destSpec(e.dest);
      return { op: { op: 'deleteDestination', key: serviceKey(e.svc), dest: { address, port } }, func: 'del_dest' };
    }
    case 'set':
      return { op: { op: 'setTimeouts', timeouts: { ...e.timeout } }, func: 'set_timeout' };
    case 'start-daemon':
      return { op: { op: 'startDaemon', daemon: daemonConfig(e.daemon) }, func: 'start_daemon' };
    case 'stop-daemon':
      return { op: { op: 'stopDaemon', state: e.daemon.state === STATE_MASTER ? 'master' : 'backup' }, func: 'stop_daemon' };
    default:
      return undefined;
  }
}

/** Runs one operation through the matching IpvsApi method. */
export async function applyOp(api: IpvsApi, op: IpvsOp): Promise<void> {
  switch (op.op) {
    case 'addService':
      return api.addService(op.service);
    case 'editService':
      return api.editService(op.service);
    case 'deleteService':
      return api.deleteService(op.key);
    case 'addDestination':
      return api.addDestination(op.key, op.dest);
    case 'editDestination':
      return api.editDestination(op.key, op.dest);
    case 'deleteDestination':
      return api.deleteDestination(op.key, op.dest);
    case 'zero':
      return op.key ? api.zero(op.key) : api.zero();
    case 'flush':
      return api.flush();
    case 'setTimeouts':
      return api.setTimeouts(op.timeouts);
    case 'startDaemon':
      return api.startDaemon(op.daemon);
    case 'stopDaemon':
      return api.stopDaemon(op.state);
  }
}
