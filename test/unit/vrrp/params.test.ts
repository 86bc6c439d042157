/** From the config model to the VRRP core's parameters. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/model.js';
import { LvsdError } from '../../../src/errors.js';
import { passwordAuthData } from '../../../src/vrrp/packet.js';
import { advertIntMs, machineParamsFromConfig, trackingFromConfig } from '../../../src/vrrp/params.js';

function load(yaml: string): ResolvedConfig {
  const r = loadConfig(yaml, { file: 'test.yaml', node: 'lvs1' });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

const inst = (c: ResolvedConfig, name: string) => {
  const i = c.vrrp_instances[name];
  if (i === undefined) throw new Error(`no instance ${name}`);
  return i;
};

const base = `
vrrp_scripts:
  chk: { script: [/bin/true], rise: 2, fall: 3, weight: -30 }
  must: { script: [/bin/true] }
vrrp_track_files:
  f: { file: /run/prio }
vrrp_instances:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    priority: 150
    advert_int: 2
    mcast_src_ip: 192.0.2.1
    authentication: { auth_pass: s3cret }
    virtual_ipaddress: [192.0.2.10/24, 192.0.2.11/24]
    virtual_ipaddress_excluded: [198.51.100.5/32]
    track_interface: [eth1, { name: eth2, weight: -20 }]
    track_script: [chk, must]
    track_file: [f]
    preempt_delay: 30
    garp_master_delay: 3
    garp_master_refresh: 60
  VI_6:
    interface: eth0
    virtual_router_id: 52
    advert_int: 0.35
    unicast_src_ip: fe80::1
    unicast_peer: [fe80::2, fe80::3]
    virtual_ipaddress: [2001:db8::10/64]
  VI_OWN:
    interface: eth0
    virtual_router_id: 53
    priority: 255
    nopreempt: true
    virtual_ipaddress: [192.0.2.20]
    track_interface: [{ name: eth2, weight: 10 }]
  VI_M:
    interface: eth0
    virtual_router_id: 54
    state: MASTER
    preempt_delay: 5
    virtual_ipaddress: [192.0.2.30]
vrrp_sync_groups:
  G: { group: [VI_M, VI_6] }
`;

describe('machineParamsFromConfig', () => {
  const c = load(base);

  it('maps a VRRPv2 instance with PASS authentication', () => {
    const { spec, notes } = machineParamsFromConfig(inst(c, 'VI_1'));
    expect(notes).toEqual([]);
    expect(spec.machine).toEqual({
      version: 2,
      priority: 150,
      advertIntMs: 2000,
      localAddress: '192.0.2.1',
      preempt: true,
      preemptDelayMs: 30_000,
      acceptMode: true,
      downTimerAdverts: 3,
      garp: {
        masterDelayMs: 3000,
        masterRepeat: 5,
        masterRefreshMs: 60_000,
        masterRefreshRepeat: 1,
        lowerPrioDelayMs: 3000,
        lowerPrioRepeat: 5,
      },
      handoverTimeoutMs: 6000,
      syncGroup: false,
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: true,
    });
    expect(spec.wire).toEqual({
      vrid: 51,
      family: 'ipv4',
      vips: ['192.0.2.10', '192.0.2.11'],
      auth: { type: 'pass', data: passwordAuthData('s3cret') },
      destinations: ['224.0.0.18'],
      unicast: false,
      checkAddrList: true,
      checkUnicastSrc: false,
    });
  });

  it('maps a unicast VRRPv3 IPv6 instance in a sync group (centisecond interval)', () => {
    const { spec } = machineParamsFromConfig(inst(c, 'VI_6'), { handoverTimeoutMs: 900 });
    expect(spec.machine).toMatchObject({ version: 3, advertIntMs: 350, localAddress: 'fe80::1', syncGroup: true, handoverTimeoutMs: 900 });
    expect(spec.wire).toMatchObject({ family: 'ipv6', unicast: true, destinations: ['fe80::2', 'fe80::3'], auth: { type: 'none' } });
  });

  it('ignores nopreempt for the owner, and nopreempt / preempt_delay with state MASTER (as keepalived)', () => {
    const own = machineParamsFromConfig(inst(c, 'VI_OWN'), { localAddress: '192.0.2.20' });
    expect(own.spec.machine.preempt).toBe(true);
    expect(own.notes.map((n) => n.field)).toEqual(['nopreempt']);
    // The config rules refuse nopreempt with state MASTER; the mapping copes with it all the same.
    const m = machineParamsFromConfig(
      { ...inst(c, 'VI_M'), nopreempt: true },
      { localAddress: '192.0.2.2', global: { vrrp_mcast_group4: '224.0.0.19' } },
    );
    expect(m.spec.machine).toMatchObject({ preempt: true, preemptDelayMs: 0 });
    expect(m.notes.map((n) => n.field)).toEqual(['nopreempt', 'preempt_delay']);
    expect(m.spec.wire.destinations).toEqual(['224.0.0.19']);
  });

  it('higher_prio_send_advert: on by default (unlike keepalived), off when configured, and the option overrides', () => {
    expect(machineParamsFromConfig(inst(c, 'VI_1')).spec.machine.higherPrioSendAdvert).toBe(true);
    const off = load(base.replace('    garp_master_refresh: 60\n', '    garp_master_refresh: 60\n    higher_prio_send_advert: false\n'));
    expect(inst(off, 'VI_1').higher_prio_send_advert).toBe(false);
    expect(machineParamsFromConfig(inst(off, 'VI_1')).spec.machine.higherPrioSendAdvert).toBe(false);
    expect(machineParamsFromConfig(inst(off, 'VI_1'), { higherPrioSendAdvert: true }).spec.machine.higherPrioSendAdvert).toBe(true);
  });

  it('needs a local address', () => {
    expect(() => machineParamsFromConfig(inst(c, 'VI_OWN'))).toThrow(LvsdError);
    try {
      machineParamsFromConfig(inst(c, 'VI_OWN'));
    } catch (e) {
      expect((e as LvsdError).code).toBe('EVRRPSRC');
    }
  });

  it('advertIntMs rounds to the unit of the version', () => {
    expect(advertIntMs(2, 1)).toBe(1000);
    expect(advertIntMs(3, 0.01)).toBe(10);
    expect(advertIntMs(3, 40.95)).toBe(40950);
    expect(advertIntMs(3, 0.1 + 0.2)).toBe(300);
  });
});

describe('trackingFromConfig', () => {
  const c = load(base);

  it('takes weights from the references and rise/fall from the scripts', () => {
    const { config, notes } = trackingFromConfig(inst(c, 'VI_1'), c.vrrp_scripts);
    expect(notes).toEqual([]);
    expect(config).toEqual({
      basePriority: 150,
      interfaces: [
        { name: 'eth1', weight: 0 },
        { name: 'eth2', weight: -20 },
      ],
      scripts: [
        { name: 'chk', weight: -30, rise: 2, fall: 3 },
        { name: 'must', weight: 0, rise: 1, fall: 1 },
      ],
      files: [{ name: 'f', weight: 1 }],
    });
  });

  it('applies the owner rules', () => {
    const { config, notes } = trackingFromConfig(inst(c, 'VI_OWN'), c.vrrp_scripts);
    expect(config.interfaces).toEqual([]);
    expect(notes).toEqual([{ kind: 'interface', name: 'eth2', change: 'dropped', because: 'owner' }]);
  });
});
