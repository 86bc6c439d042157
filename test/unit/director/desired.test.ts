/** Config x health pool -> IPVS specs: keys, flags, persistence, forwarding, tunnels, thresholds, sorry server. */
import { describe, expect, it } from 'vitest';
import { desiredService, desiredTable, destKey, serviceKeyId, serviceSpecOf } from '../../../src/director/desired.js';
import { IP_VS_SVC_F } from '../../../src/ipvs/constants.js';
import { model } from './helpers.js';

const vsOf = (vs: Record<string, unknown>) => {
  const m = model({ virtual_servers: [vs] });
  return m.virtual_servers[0] as (typeof m.virtual_servers)[number];
};

describe('serviceSpecOf', () => {
  it.each([
    [
      'plain tcp service',
      { address: '192.0.2.10', port: 80 },
      { protocol: 'tcp', address: '192.0.2.10', port: 80 },
      'wlc',
      0,
      0,
      0xffffffff,
    ],
    [
      'persistent, granularity 24',
      { address: '192.0.2.10', port: 443, scheduler: 'rr', persistence: { timeout: 600, granularity: 24 } },
      { protocol: 'tcp', address: '192.0.2.10', port: 443 },
      'rr',
      IP_VS_SVC_F.PERSISTENT,
      600,
      0xffffff00,
    ],
    [
      'udp one-packet',
      { address: '192.0.2.10', port: 53, protocol: 'udp', ops: true, scheduler: 'rr' },
      { protocol: 'udp', address: '192.0.2.10', port: 53 },
      'rr',
      IP_VS_SVC_F.ONEPACKET,
      0,
      0xffffffff,
    ],
    [
      'sh with both flags',
      { address: '192.0.2.10', port: 80, scheduler: 'sh', sched_flags: ['sh-fallback', 'sh-port'] },
      { protocol: 'tcp', address: '192.0.2.10', port: 80 },
      'sh',
      IP_VS_SVC_F.SCHED_SH_FALLBACK | IP_VS_SVC_F.SCHED_SH_PORT,
      0,
      0xffffffff,
    ],
    ['fwmark ipv6', { fwmark: 7, family: 'ipv6' }, { fwmark: 7, family: 'ipv6' }, 'wlc', 0, 0, 128],
    [
      'ipv6 address, canonical',
      { address: '2001:DB8:0:0::10', port: 80, persistence: { granularity: 64 } },
      { protocol: 'tcp', address: '2001:db8::10', port: 80 },
      'wlc',
      IP_VS_SVC_F.PERSISTENT,
      300,
      64,
    ],
  ])('%s', (_name, vs, key, scheduler, flags, timeout, netmask) => {
    const spec = serviceSpecOf(vsOf(vs));
    expect(spec).toMatchObject({ key, scheduler, flags, timeout, netmask });
  });

  it('carries the persistence engine', () => {
    expect(serviceSpecOf(vsOf({ address: '192.0.2.10', port: 5060, protocol: 'udp', persistence: { engine: 'sip' } })).peName).toBe('sip');
  });

  it('names services by key', () => {
    expect(serviceKeyId({ protocol: 'tcp', address: '192.0.2.10', port: 80 })).toBe('tcp/192.0.2.10:80');
    expect(serviceKeyId({ protocol: 'udp', address: '2001:db8::1', port: 53 })).toBe('udp/[2001:db8::1]:53');
    expect(serviceKeyId({ fwmark: 1, family: 'ipv4' })).toBe('fwmark/ipv4/1');
  });
});

describe('desiredService', () => {
  const web = vsOf({
    address: '192.0.2.10',
    port: 80,
    forwarding_method: 'nat',
    sorry_server: { address: '198.51.100.99', port: 8080 },
    real_servers: [
      { address: '198.51.100.11', port: 8080, weight: 3, uthreshold: 100, lthreshold: 10 },
      { address: '198.51.100.12', forwarding_method: 'tun', tunnel: { type: 'gue', port: 6080, checksum: 'csum' }, weight: 1 },
    ],
  });

  it('builds each pool entry from its real server: port, forwarding, thresholds, tunnel', () => {
    const d = desiredService(web, [
      { address: '198.51.100.11', port: 8080, weight: 3, sorry: false },
      { address: '198.51.100.12', port: 80, weight: 0, sorry: false },
    ]);
    expect([...d.dests.keys()]).toEqual(['198.51.100.11:8080', '198.51.100.12:80']);
    expect(d.dests.get('198.51.100.11:8080')).toEqual({
      address: '198.51.100.11',
      port: 8080,
      forwarding: 'masq',
      weight: 3,
      upperThreshold: 100,
      lowerThreshold: 10,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelCsum: 'nocsum',
    });
    expect(d.dests.get('198.51.100.12:80')).toMatchObject({
      forwarding: 'tunnel',
      weight: 0,
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelCsum: 'csum',
    });
  });

  it('a server absent from the pool is absent from the service', () => {
    const d = desiredService(web, [{ address: '198.51.100.11', port: 8080, weight: 3, sorry: false }]);
    expect(d.dests.size).toBe(1);
  });

  it('the sorry server takes the service forwarding method', () => {
    const d = desiredService(web, [{ address: '198.51.100.99', port: 8080, weight: 1, sorry: true }]);
    expect(d.dests.get('198.51.100.99:8080')).toMatchObject({ forwarding: 'masq', weight: 1 });
  });

  it('desiredTable keys every virtual server, with an empty service when health has no pool yet', () => {
    const m = model({
      virtual_servers: [
        { address: '192.0.2.10', port: 80, real_servers: [{ address: '198.51.100.11' }] },
        { fwmark: 3, real_servers: [{ address: '198.51.100.11' }] },
      ],
    });
    const t = desiredTable(m.virtual_servers, () => undefined);
    expect([...t.keys()]).toEqual(['tcp/192.0.2.10:80', 'fwmark/ipv4/3']);
    expect(t.get('fwmark/ipv4/3')?.dests.size).toBe(0);
    expect(destKey({ address: '2001:db8::1', port: 80 })).toBe('[2001:db8::1]:80');
  });
});
