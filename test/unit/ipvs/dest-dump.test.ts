/** listDestinationsOf: the framed dump path (the netlink client) gives what listDestinations gives, per service. */
import { describe, expect, it } from 'vitest';
import { listDestinationsOf } from '../../../src/ipvs/dest-dump.js';
import { openIpvs } from '../../../src/ipvs/netlink-client.js';
import type { DestinationSpec, ServiceKey } from '../../../src/ipvs/types.js';
import { IpvsModel } from '../../support/ipvs-model.js';

const keys: ServiceKey[] = [
  { protocol: 'tcp', address: '192.0.2.10', port: 80 },
  { protocol: 'udp', address: '2001:db8::10', port: 53 },
  { fwmark: 7, family: 'ipv4' },
  { protocol: 'sctp', address: '192.0.2.10', port: 9 },
];
const dest = (address: string, weight: number): DestinationSpec => ({
  address,
  port: 80,
  forwarding: 'route',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
});

function model(): IpvsModel {
  const m = new IpvsModel();
  for (const key of keys) {
    const v6 = !('fwmark' in key) && key.address.includes(':');
    m.drift.addService({ key, scheduler: 'rr', flags: 0, timeout: 0, netmask: v6 ? 128 : 0xffffffff });
  }
  for (let i = 1; i <= 3; i++) m.drift.addDestination(keys[0] as ServiceKey, dest(`198.51.100.${i}`, i));
  m.drift.addDestination(keys[1] as ServiceKey, dest('2001:db8::1', 5));
  m.drift.addDestination(keys[2] as ServiceKey, dest('198.51.100.7', 2));
  return m;
}

describe('listDestinationsOf', () => {
  it('over the netlink client (dumpFramed) equals one listDestinations per service', async () => {
    const m = model();
    const ipvs = await openIpvs({ transport: m.transport() });
    expect(ipvs.dumpFramed).toBeDefined();
    const each = await Promise.all(keys.map((k) => ipvs.listDestinations(k)));
    expect(await listDestinationsOf(ipvs, keys)).toEqual(each);
    expect(each.map((d) => d.length)).toEqual([3, 1, 1, 0]);
  });

  it('over a client without dumpFramed', async () => {
    const m = model();
    const api = m.api();
    expect(await listDestinationsOf(api, keys)).toEqual(await Promise.all(keys.map((k) => api.listDestinations(k))));
  });

  it('a missing service lists nothing (the kernel ends its dump empty) and the next is still read', async () => {
    const ipvs = await openIpvs({ transport: model().transport() });
    const missing: ServiceKey = { protocol: 'tcp', address: '192.0.2.99', port: 1 };
    const r = await listDestinationsOf(ipvs, [missing, keys[0] as ServiceKey]);
    expect(r.map((d) => d.length)).toEqual([0, 3]);
  });

  it('rejects when the socket is broken', async () => {
    const m = model();
    const ipvs = await openIpvs({ transport: m.transport() });
    m.breakAll();
    await expect(listDestinationsOf(ipvs, keys)).rejects.toBeInstanceOf(Error);
  });

  it('no services, no request', async () => {
    expect(await listDestinationsOf(model().api(), [])).toEqual([]);
  });
});
