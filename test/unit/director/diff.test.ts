/**
 * diffTables: table tests (in the style of Seesaw's vserver tests: state in, ops out) and properties over random
 * tables: diff(d, d) is empty; applying diff(d, o) to o gives d on owned services and leaves the others; the
 * order is valid (a service before its destinations, a destination out before its service).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredService } from '../../../src/director/desired.js';
import { destKey, serviceKeyId } from '../../../src/director/desired.js';
import { type ObservedService, destDifference, diffTables, serviceDifference } from '../../../src/director/diff.js';
import type { DestinationSpec, Service, ServiceSpec } from '../../../src/ipvs/types.js';
import { applyOps, reported } from './helpers.js';

const svc = (port: number, o: Partial<ServiceSpec> = {}): ServiceSpec => ({
  key: { protocol: 'tcp', address: '192.0.2.10', port },
  scheduler: 'wlc',
  flags: 0,
  timeout: 0,
  netmask: 0xffffffff,
  ...o,
});
const dest = (last: number, o: Partial<DestinationSpec> = {}): DestinationSpec => ({
  address: `198.51.100.${last}`,
  port: 80,
  forwarding: 'route',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
  ...o,
});
const want = (spec: ServiceSpec, dests: DestinationSpec[]): [string, DesiredService] => [
  serviceKeyId(spec.key),
  { vs: 'x', spec, dests: new Map(dests.map((d) => [destKey(d), d])) },
];
const have = (spec: ServiceSpec, dests: DestinationSpec[], conns: number[] = []): [string, ObservedService] => [
  serviceKeyId(spec.key),
  { service: { ...spec, flags: spec.flags | 2 } as Service, dests: dests.map((d, i) => reported(d, { activeConns: conns[i] ?? 0 })) },
];

describe('diffTables: cases', () => {
  const cases: {
    name: string;
    desired: [string, DesiredService][];
    observed: [string, ObservedService][];
    retired?: string[];
    ops: string[];
  }[] = [
    { name: 'equal: nothing', desired: [want(svc(80), [dest(1)])], observed: [have(svc(80), [dest(1)])], ops: [] },
    {
      name: 'missing service: added, then its destinations',
      desired: [want(svc(80), [dest(1), dest(2)])],
      observed: [],
      ops: ['addService 80', 'addDestination 80 198.51.100.1:80', 'addDestination 80 198.51.100.2:80'],
    },
    {
      name: 'weight changed: edited in place',
      desired: [want(svc(80), [dest(1, { weight: 5 })])],
      observed: [have(svc(80), [dest(1)])],
      ops: ['editDestination 80 198.51.100.1:80'],
    },
    {
      name: 'scheduler changed: the service is edited, not re-added',
      desired: [want(svc(80, { scheduler: 'rr' }), [dest(1)])],
      observed: [have(svc(80), [dest(1)])],
      ops: ['editService 80'],
    },
    {
      name: 'a failed server: deleted; a new one: added first',
      desired: [want(svc(80), [dest(2)])],
      observed: [have(svc(80), [dest(1)])],
      ops: ['addDestination 80 198.51.100.2:80', 'deleteDestination 80 198.51.100.1:80'],
    },
    {
      name: 'a foreign service is left alone',
      desired: [want(svc(80), [dest(1)])],
      observed: [have(svc(80), [dest(1)]), have(svc(8080), [dest(9)])],
      ops: [],
    },
    {
      name: 'a retired service is deleted last',
      desired: [want(svc(80), [dest(1)])],
      observed: [have(svc(443), [dest(1)]), have(svc(80), [])],
      retired: ['tcp/192.0.2.10:443'],
      ops: ['addDestination 80 198.51.100.1:80', 'deleteService 443'],
    },
    {
      name: 'a local destination (reported as local) matches any forwarding',
      desired: [want(svc(80), [dest(1, { forwarding: 'masq' })])],
      observed: [have(svc(80), [dest(1, { forwarding: 'local' })])],
      ops: [],
    },
    {
      name: 'timeout of a non-persistent service is not compared',
      desired: [want(svc(80), [])],
      observed: [have(svc(80, { timeout: 300, netmask: 0 }), [])],
      ops: [],
    },
  ];
  const show = (op: ReturnType<typeof diffTables>['ops'][number]) => {
    switch (op.op) {
      case 'addService':
      case 'editService':
        return `${op.op} ${(op.service.key as { port: number }).port}`;
      case 'deleteService':
        return `${op.op} ${(op.key as { port: number }).port}`;
      case 'addDestination':
      case 'editDestination':
      case 'deleteDestination':
        return `${op.op} ${(op.key as { port: number }).port} ${destKey(op.dest)}`;
      default:
        return op.op;
    }
  };
  it.each(cases)('$name', (c) => {
    const r = diffTables({ desired: new Map(c.desired), observed: new Map(c.observed), retired: new Set(c.retired ?? []) });
    expect(r.ops.map(show)).toEqual(c.ops);
  });

  it('reports foreign services', () => {
    const r = diffTables({ desired: new Map([want(svc(80), [])]), observed: new Map([have(svc(80), []), have(svc(22), [])]) });
    expect(r.foreign).toEqual(['tcp/192.0.2.10:22']);
  });
});

describe('diffTables: draining', () => {
  const draining = new Map([['tcp/192.0.2.10:80', new Map([['198.51.100.1:80', { deadline: 10_000 }]])]]);
  const run = (conns: number, weight: number, now: number) =>
    diffTables({
      desired: new Map([want(svc(80), [dest(2)])]),
      observed: new Map([have(svc(80), [dest(1, { weight }), dest(2)], [conns, 0])]),
      draining,
      now,
    });

  it('a draining server with connections goes to weight 0 and stays', () => {
    const r = run(5, 3, 1000);
    expect(r.ops).toEqual([{ op: 'editDestination', key: svc(80).key, dest: { ...dest(1, { weight: 0 }) } }]);
    expect(run(5, 0, 2000).ops).toEqual([]);
  });

  it('deleted when idle, or when the deadline passes', () => {
    const idle = run(0, 0, 2000);
    expect(idle.ops.map((o) => o.op)).toEqual(['deleteDestination']);
    expect(idle.drained).toEqual([{ service: 'tcp/192.0.2.10:80', dest: '198.51.100.1:80', why: 'idle' }]);
    expect(run(5, 0, 10_000).drained[0]?.why).toBe('timeout');
  });
});

describe('differences', () => {
  it('names what differs', () => {
    expect(serviceDifference(svc(80, { scheduler: 'rr' }), svc(80))).toBe('scheduler wlc -> rr');
    expect(serviceDifference(svc(80, { flags: 1, timeout: 60 }), svc(80, { flags: 3, timeout: 300 }))).toBe(
      'persistence timeout 300 -> 60',
    );
    expect(destDifference(dest(1, { weight: 0 }), dest(1))).toBe('weight 1 -> 0');
    expect(destDifference(dest(1, { forwarding: 'tunnel', tunnelType: 'gre' }), dest(1, { forwarding: 'tunnel' }))).toBe(
      'tunnel type ipip -> gre',
    );
    expect(destDifference(dest(1), dest(1, { tunnelType: 'gre' }))).toBeUndefined();
  });
});

// ----- properties ------------------------------------------------------------------------------------------------

const arbDest = fc.record({
  last: fc.integer({ min: 1, max: 6 }),
  weight: fc.integer({ min: 0, max: 5 }),
  forwarding: fc.constantFrom('route', 'masq', 'tunnel') as fc.Arbitrary<DestinationSpec['forwarding']>,
  upper: fc.constantFrom(0, 100),
});
const arbService = fc.record({
  port: fc.integer({ min: 1, max: 6 }),
  scheduler: fc.constantFrom('rr', 'wlc', 'sh'),
  persistent: fc.boolean(),
  dests: fc.uniqueArray(arbDest, { selector: (d) => d.last, maxLength: 5 }),
});
const arbTable = fc.uniqueArray(arbService, { selector: (s) => s.port, maxLength: 5 });
type Arb = {
  port: number;
  scheduler: string;
  persistent: boolean;
  dests: { last: number; weight: number; forwarding: DestinationSpec['forwarding']; upper: number }[];
};

const specOf = (s: Arb) => svc(s.port, { scheduler: s.scheduler, flags: s.persistent ? 1 : 0, timeout: s.persistent ? 300 : 0 });
const destsOf = (s: Arb) => s.dests.map((d) => dest(d.last, { weight: d.weight, forwarding: d.forwarding, upperThreshold: d.upper }));
const desiredOf = (t: Arb[]) => new Map(t.map((s) => want(specOf(s), destsOf(s))));
const observedOf = (t: Arb[]) => new Map(t.map((s) => have(specOf(s), destsOf(s))));

/** The comparable content of a table: spec without HASHED, destinations' specs sorted. */
function content(t: ReadonlyMap<string, ObservedService>, ids: Iterable<string>) {
  return [...ids].sort().map((id) => {
    const s = t.get(id);
    if (s === undefined) return [id, undefined];
    const { stats: _s, stats64: _s64, ...spec } = s.service;
    return [
      id,
      { ...spec, flags: spec.flags & ~2 },
      s.dests
        .map((d) => ({ ...d, activeConns: 0 }))
        .map(({ family: _f, activeConns: _a, inactiveConns: _i, persistentConns: _p, stats: _st, stats64: _st64, ...spec }) => spec)
        .sort((a, b) => destKey(a).localeCompare(destKey(b))),
    ];
  });
}

describe('diffTables: properties', () => {
  it('diff(d, d) is empty', () => {
    fc.assert(fc.property(arbTable, (t) => diffTables({ desired: desiredOf(t), observed: observedOf(t) }).ops.length === 0));
  });

  it('applying diff(d, o) to o gives d on owned services, leaves foreign ones, in a valid order', () => {
    fc.assert(
      fc.property(arbTable, arbTable, fc.boolean(), (d, o, retireAll) => {
        const desired = desiredOf(d);
        const observed = observedOf(o);
        const retired = new Set(retireAll ? [...observed.keys()].filter((id) => !desired.has(id)) : []);
        const r = diffTables({ desired, observed, retired });
        // applyOps throws on an order the kernel refuses (destination before its service, etc.).
        const after = applyOps(observed, r.ops);
        const asObserved = new Map([...desired].map(([_id, w]) => have(w.spec, [...w.dests.values()])));
        expect(content(after, desired.keys())).toEqual(content(asObserved, desired.keys()));
        for (const id of observed.keys()) {
          if (desired.has(id)) continue;
          if (retired.has(id)) expect(after.has(id)).toBe(false);
          else expect(content(after, [id])).toEqual(content(observed, [id]));
        }
        // Applying the diff again finds nothing left to do.
        expect(diffTables({ desired, observed: after, retired }).ops).toEqual([]);
      }),
    );
  });
});
