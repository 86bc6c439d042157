/**
 * The lvsd config of the director tests: one file for the d1/d2 pair of the netns lab. A sync group moves both
 * lab VIPs together (the client routes to the back LAN through the front VIP, the real servers answer through
 * the gateway VIP), the sync daemons follow it on eth1, and one virtual service on the front VIP, in NAT or DR
 * mode, is checked by tcp checks with short intervals.
 */
import { LAB_ADDR } from '../../support/netns-lab.js';

export const VIP = LAB_ADDR.frontVip;
export const VPORT = 80;
/** The NAT real servers listen here (NAT maps the port); DR servers listen on VPORT. */
export const NAT_RS_PORT = 8080;
/** Connection-sync daemons' id (ipvsadm -L --daemon shows it). */
export const SYNC_ID = 7;

/** Check timing: one tcp check a second, no retry, 1 s connect timeout. */
export const CHECK = { delayLoop: 1, connectTimeout: 1, retry: 0 } as const;
/** How long a dead real server may stay in IPVS: a check period per attempt plus the connect timeout. */
export const CHECK_BUDGET_MS = (CHECK.delayLoop * (CHECK.retry + 1) + CHECK.connectTimeout) * 1000;
/** Seconds between lvsd's full comparisons of the kernel table with the config. */
export const RESYNC_S = 2;

export interface PairConfig {
  readonly mode: 'nat' | 'dr';
  /** Real server numbers (rsN of the lab). */
  readonly realServers: readonly number[];
  readonly scheduler?: string;
}

/** The real server port of a mode. */
export function rsPort(mode: PairConfig['mode']): number {
  return mode === 'nat' ? NAT_RS_PORT : VPORT;
}

/** The IPVS destination (address:port) of real server n. */
export function rsEndpoint(mode: PairConfig['mode'], n: number): string {
  return `${LAB_ADDR.realServer(n).back}:${rsPort(mode)}`;
}

/** The config text. */
export function pairConfig(c: PairConfig): string {
  const servers = c.realServers
    .map(
      (n) => `      - address: ${LAB_ADDR.realServer(n).back}
        port: ${rsPort(c.mode)}
        checks:
          - type: tcp
`,
    )
    .join('');
  return `# lvsd director test: ${c.mode.toUpperCase()} pair on the netns lab
global:
  ipvs_resync_interval: ${RESYNC_S}

logging:
  level: info

lvs_sync_daemon:
  state: auto
  follow: VG
  mcast_interface: eth1
  syncid: ${SYNC_ID}

vrrp_sync_groups:
  VG:
    group: [VI_FRONT, VI_BACK]

vrrp_instances:
  VI_FRONT:
    interface: eth0
    virtual_router_id: 51
    advert_int: 1
    garp_master_delay: 1
    virtual_ipaddress:
      - ${VIP}/24 dev eth0
  VI_BACK:
    interface: eth1
    virtual_router_id: 52
    advert_int: 1
    garp_master_delay: 1
    virtual_ipaddress:
      - ${LAB_ADDR.gatewayVip}/24 dev eth1

virtual_servers:
  - name: web
    address: ${VIP}
    port: ${VPORT}
    protocol: tcp
    scheduler: ${c.scheduler ?? 'rr'}
    forwarding_method: ${c.mode}
    delay_loop: ${CHECK.delayLoop}
    connect_timeout: ${CHECK.connectTimeout}
    retry: ${CHECK.retry}
    real_servers:
${servers}
nodes:
  d1:
    vrrp_instances:
      VI_FRONT: { state: MASTER, priority: 150 }
      VI_BACK: { state: MASTER, priority: 150 }
  d2:
    vrrp_instances:
      VI_FRONT: { priority: 100 }
      VI_BACK: { priority: 100 }
`;
}
