/**
 * The director on a fake clock, scripted checkers, an in-memory IPVS and a scripted VRRP view: a failed real
 * server leaves the kernel in the same turn and comes back, inhibit_on_failure, quorum and the sorry server,
 * notify programs, ha_suspend, sync roles following VRRP, reload (unchanged = 0 ops, add, remove, edit in place,
 * drain), drift repaired, restart adoption with 0 ops, foreign services left alone, IPVS errors recovered, stop
 * with and without --keep-ipvs.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import type { ResolvedConfig } from '../../../src/config/model.js';
import { Director, type VrrpComponent, type VrrpStateName } from '../../../src/director/director.js';
import { HealthMonitor } from '../../../src/health/monitor.js';
import type { IpvsApi } from '../../../src/ipvs/api.js';
import { openIpvs } from '../../../src/ipvs/netlink-client.js';
import type { Logger } from '../../../src/logger.js';
import type { ServiceKey } from '../../../src/ipvs/types.js';
import { FAIL, type Outcome, PASS, ScriptedChecker, weighted } from '../health/helpers.js';
import { IpvsModel } from '../../support/ipvs-model.js';
import { model } from './helpers.js';

const T0 = 1_700_000_000_000;
const WEB: ServiceKey = { protocol: 'tcp', address: '192.0.2.10', port: 80 };
const MUTATING = new Set([
  'addService',
  'editService',
  'deleteService',
  'addDestination',
  'editDestination',
  'deleteDestination',
  'startDaemon',
  'stopDaemon',
  'flush',
]);

/** web on 192.0.2.10:80 with three real servers checked by tcp every second. */
function webConfig(
  o: { servers?: number; extra?: Record<string, unknown>; vs?: Record<string, unknown>[]; top?: Record<string, unknown> } = {},
) {
  const servers = Array.from({ length: o.servers ?? 3 }, (_, i) => ({
    address: `198.51.100.${11 + i}`,
    weight: 2,
    checks: [{ type: 'tcp' }],
  }));
  return {
    ...(o.top ?? {}),
    virtual_servers: [
      {
        name: 'web',
        address: '192.0.2.10',
        port: 80,
        scheduler: 'wlc',
        delay_loop: 1,
        retry: 0,
        real_servers: servers,
        ...(o.extra ?? {}),
      },
      ...(o.vs ?? []),
    ],
  };
}

class ScriptedVrrp implements VrrpComponent {
  readonly states = new Map<string, VrrpStateName>();
  readonly #listeners = new Set<() => void>();
  reloads = 0;
  stopped: { immediate: boolean } | undefined;
  stateOf(name: string) {
    return this.states.get(name);
  }
  onChange(listener: () => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(name: string, state: VrrpStateName) {
    this.states.set(name, state);
    for (const l of this.#listeners) l();
  }
  async reload() {
    this.reloads++;
  }
  async stop(o: { immediate: boolean }) {
    this.stopped = o;
  }
}

function setup(
  config: ResolvedConfig,
  o: {
    kernel?: IpvsModel;
    scripts?: Record<string, Outcome[]>;
    vrrp?: ScriptedVrrp;
    opening?: Promise<void>;
    /** Talk to the model through the real netlink client (its framed dumps) instead of the IpvsApi face. */
    netlink?: boolean;
    /** Wraps the IpvsApi face the director gets (to hold a read back, say). */
    wrapApi?: (api: IpvsApi) => IpvsApi;
  } = {},
) {
  const clock = new FakeClock(T0);
  const kernel = o.kernel ?? new IpvsModel();
  const checkers = new Map<string, ScriptedChecker>();
  const notified: string[] = [];
  const logs: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => logs.push({ level, fields, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  const health = new HealthMonitor({
    clock,
    random: () => 0,
    timerSlackMs: 0,
    checkerFor: (_check, rs) => {
      const c = new ScriptedChecker(clock, o.scripts?.[rs.address] ?? [PASS]);
      checkers.set(rs.address, c);
      return c;
    },
  });
  let opens = 0;
  const director = new Director({
    config,
    health,
    ...(o.vrrp !== undefined ? { vrrp: o.vrrp } : {}),
    openIpvs: async (): Promise<IpvsApi> => {
      opens++;
      await o.opening;
      const api = o.netlink ? await openIpvs({ transport: kernel.transport() }) : kernel.api();
      return o.wrapApi ? o.wrapApi(api) : api;
    },
    clock,
    log,
    notify: (argv) => notified.push(argv.join(' ')),
  });
  const mark = { n: kernel.calls.length };
  /** Mutating IPVS calls made since the last call of this function. */
  const opsSince = () => {
    const calls = kernel.calls.slice(mark.n).filter((c) => MUTATING.has(c.op));
    mark.n = kernel.calls.length;
    return calls.map((c) => c.op);
  };
  const dests = (key: ServiceKey = WEB) =>
    kernel
      .snapshot()
      .find((s) => JSON.stringify(s.service.key) === JSON.stringify(key))
      ?.dests.map((d) => `${d.address}:${d.port} w${d.weight}`)
      .sort();
  const checker = (address: string) => checkers.get(address) as ScriptedChecker;
  return { clock, kernel, director, health, checker, notified, logs, opsSince, dests, opens: () => opens };
}

describe('Director: health drives the kernel', () => {
  it('programs the table at start; a failed server leaves it in the same turn; it comes back', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    expect(t.kernel.snapshot()[0]?.service).toMatchObject({ scheduler: 'wlc' });
    t.opsSince();
    t.checker('198.51.100.12').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.13:80 w2']);
    expect(t.opsSince()).toEqual(['deleteDestination']);
    t.checker('198.51.100.12').play(PASS);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    expect(t.opsSince()).toEqual(['addDestination']);
  });

  it('checks wait until the first run has programmed the table, then their verdicts apply', async () => {
    let opened = () => {};
    const opening = new Promise<void>((r) => {
      opened = r;
    });
    const t = setup(model(webConfig()), { scripts: { '198.51.100.12': [FAIL] }, opening });
    const started = t.director.start();
    await t.clock.advanceAsync(5000);
    expect(t.checker('198.51.100.12').calls).toEqual([]);
    opened();
    await started;
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    await t.clock.advanceAsync(0);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.13:80 w2']);
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('inhibit_on_failure: weight 0 instead of removal', async () => {
    const t = setup(model(webConfig({ extra: { inhibit_on_failure: true } })));
    await t.director.start();
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w0', '198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    expect(t.opsSince().slice(-1)).toEqual(['editDestination']);
  });

  it('quorum lost: the live servers go and the sorry server comes; quorum_up/down run; back on gain', async () => {
    const t = setup(
      model(
        webConfig({
          extra: { quorum: 5, sorry_server: { address: '198.51.100.99' }, quorum_up: ['/bin/q', 'up'], quorum_down: ['/bin/q', 'down'] },
        }),
      ),
    );
    await t.director.start();
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.99:80 w1']);
    expect(t.notified).toEqual(['/bin/q down']);
    t.checker('198.51.100.11').play(PASS);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    expect(t.notified).toEqual(['/bin/q down', '/bin/q up']);
  });

  it('notify_up and notify_down of a real server', async () => {
    const cfg = webConfig();
    const rs = (cfg.virtual_servers[0] as { real_servers: Record<string, unknown>[] }).real_servers[0] as Record<string, unknown>;
    rs.notify_up = ['/bin/n', 'up'];
    rs.notify_down = ['/bin/n', 'down'];
    const t = setup(model(cfg));
    await t.director.start();
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    t.checker('198.51.100.11').play(PASS);
    await t.clock.advanceAsync(1000);
    expect(t.notified).toEqual(['/bin/n down', '/bin/n up']);
  });

  it('dynamic weight from an exec check becomes the destination weight', async () => {
    const cfg = webConfig({ servers: 1 });
    const rs = (cfg.virtual_servers[0] as { real_servers: Record<string, unknown>[] }).real_servers[0] as Record<string, unknown>;
    rs.checks = [{ type: 'exec', script: ['/bin/weight'], dynamic_weight: true }];
    const t = setup(model(cfg));
    await t.director.start();
    t.checker('198.51.100.11').play(weighted(7));
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w7']);
  });

  it('sorry_server.inhibit keeps the sorry server at weight 0 while the pool is up', async () => {
    const t = setup(model(webConfig({ extra: { sorry_server: { address: '198.51.100.99', inhibit: true } } })));
    await t.director.start();
    expect(t.dests()).toContain('198.51.100.99:80 w0');
  });

  it('thresholds and forwarding are programmed as configured', async () => {
    const cfg = webConfig({ servers: 1, extra: { forwarding_method: 'nat' } });
    const rs = (cfg.virtual_servers[0] as { real_servers: Record<string, unknown>[] }).real_servers[0] as Record<string, unknown>;
    Object.assign(rs, { port: 8080, uthreshold: 100, lthreshold: 20 });
    const t = setup(model(cfg));
    await t.director.start();
    const [d] = await t.kernel.api().listDestinations(WEB);
    expect(d).toMatchObject({ address: '198.51.100.11', port: 8080, forwarding: 'masq', upperThreshold: 100, lowerThreshold: 20 });
  });

  it('alpha: starts with the servers out until their first check passes', async () => {
    const t = setup(model(webConfig({ extra: { alpha: true } })));
    await t.director.start();
    expect(t.dests()).toEqual([]);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
  });
});

/** n services on 192.0.2.10 ports 1000.., each with real servers .11 and .12 checked (tcp) every second, no retry. */
function tcpServices(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    address: '192.0.2.10',
    port: 1000 + i,
    delay_loop: 1,
    retry: 0,
    real_servers: [
      { address: '198.51.100.11', checks: [{ type: 'tcp' }] },
      { address: '198.51.100.12', checks: [{ type: 'tcp' }] },
    ],
  }));
}

describe('Director: a storm of verdicts', () => {
  it('every server of 20 services fails at once: the whole result in the kernel, without reading it', async () => {
    const services = tcpServices(20);
    // Every check of .12 passes once (at start), then fails: all 20 verdicts come in the same turn.
    const t = setup(model({ virtual_servers: services }), { netlink: true, scripts: { '198.51.100.12': [PASS, FAIL] } });
    await t.director.start();
    expect(t.kernel.snapshot().flatMap((s) => s.dests)).toHaveLength(40);
    await t.clock.advanceAsync(0);
    await t.director.idle();
    t.kernel.resetCalls();
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.kernel.snapshot().flatMap((s) => s.dests.map((d) => d.address))).toEqual(Array(20).fill('198.51.100.11'));
    // Verdicts are diffed against the kernel's last report and the changes it acknowledged since.
    const reads = t.kernel.calls.filter((c) => ['listServices', 'getService', 'listDestinations'].includes(c.op));
    expect(reads).toEqual([]);
  });

  it('a full run of a large table lets a verdict through between its chunks', async () => {
    // 150 services (three chunks of a full run); s149's second server fails at its second check.
    const services = Array.from({ length: 150 }, (_, i) => ({
      name: `s${i}`,
      address: '192.0.2.10',
      port: 1000 + i,
      delay_loop: 1,
      retry: 0,
      real_servers: [{ address: '198.51.100.11' }, { address: i === 149 ? '198.51.100.99' : '198.51.100.12' }].map((rs) => ({
        ...rs,
        checks: [{ type: 'tcp' }],
      })),
    }));
    let hold: Promise<void> | undefined;
    let release = () => {};
    const wrapApi = (api: IpvsApi): IpvsApi =>
      new Proxy(api, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop !== 'listDestinations' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: unknown[]) => {
            const gate = hold;
            hold = undefined;
            await gate;
            return value.apply(target, args);
          };
        },
      });
    const t = setup(model({ virtual_servers: services }), { scripts: { '198.51.100.99': [PASS, FAIL] }, wrapApi });
    await t.director.start();
    await t.clock.advanceAsync(0);
    await t.director.idle();
    t.kernel.resetCalls();
    // A full run starts and its first read is held; meanwhile s149's server fails.
    hold = new Promise<void>((r) => {
      release = r;
    });
    t.director.resync();
    await t.clock.advanceAsync(1000);
    release();
    await t.director.idle();
    const calls = t.kernel.calls.map((c) => c.op);
    const verdict = calls.indexOf('deleteDestination');
    expect(verdict).toBeGreaterThan(0);
    // Applied after the first chunk, before the full run read the rest of the table.
    expect(calls.slice(verdict).filter((op) => op === 'listDestinations').length).toBeGreaterThanOrEqual(64);
    expect(t.dests({ protocol: 'tcp', address: '192.0.2.10', port: 1149 })).toEqual(['198.51.100.11:1149 w1']);
  });

  it('after a failed op, verdicts read the kernel again until a full run has read it all', async () => {
    const services = tcpServices(3);
    // Every check of .11 passes once (at start), then fails.
    const t = setup(model({ virtual_servers: services }), { netlink: true, scripts: { '198.51.100.11': [PASS, FAIL] } });
    await t.director.start();
    await t.clock.advanceAsync(0);
    await t.director.idle();
    // Someone deletes a real server by hand from every service; the next verdict's delete of it is refused (ENOENT).
    for (const s of services) {
      t.kernel.drift.deleteDestination(
        { protocol: 'tcp', address: '192.0.2.10', port: s.port },
        { address: '198.51.100.11', port: s.port },
      );
    }
    t.kernel.resetCalls();
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.kernel.calls.filter((c) => c.op === 'deleteDestination').map((c) => c.error)).toContain('ENOENT');
    // The retry after the refusal is a full run: it reads the table again.
    await t.clock.advanceAsync(500);
    await t.director.idle();
    expect(t.kernel.calls.some((c) => c.op === 'listServices')).toBe(true);
    expect(t.kernel.snapshot().flatMap((s) => s.dests.map((d) => d.address))).toEqual(Array(3).fill('198.51.100.12'));
  });
});

describe('Director: reload', () => {
  it('an unchanged reload sends 0 IPVS ops and keeps counters', async () => {
    const cfg = model(webConfig());
    const t = setup(cfg);
    await t.director.start();
    t.kernel.setStats(WEB, { conns: 42n });
    t.opsSince();
    const summary = await t.director.reload(model(webConfig()));
    expect(summary).toEqual({ added: 0, removed: 0, changed: 0, ops: 0 });
    expect(t.opsSince()).toEqual([]);
    expect((await t.kernel.api().getService(WEB)).stats?.conns).toBe(42n);
    // The very same model again (an unchanged file through ConfigFileLoader): the same, and the kernel still read.
    t.kernel.resetCalls();
    expect(await t.director.reload(cfg)).toEqual({ added: 0, removed: 0, changed: 0, ops: 0 });
    expect(t.kernel.calls.some((c) => c.op === 'listServices')).toBe(true);
    expect(t.opsSince()).toEqual([]);
  });

  it('a changed scheduler and weight are edited in place; a new service is added; a removed one deleted', async () => {
    const t = setup(
      model(webConfig({ vs: [{ name: 'old', address: '192.0.2.10', port: 8080, real_servers: [{ address: '198.51.100.11' }] }] })),
    );
    await t.director.start();
    t.opsSince();
    const next = webConfig({
      extra: { scheduler: 'rr' },
      vs: [{ name: 'new', address: '192.0.2.10', port: 443, real_servers: [{ address: '198.51.100.11' }] }],
    });
    ((next.virtual_servers[0] as { real_servers: { weight: number }[] }).real_servers[0] as { weight: number }).weight = 5;
    const summary = await t.director.reload(model(next));
    expect(summary).toMatchObject({ added: 1, removed: 1, changed: 1 });
    expect(t.opsSince().sort()).toEqual(['addDestination', 'addService', 'deleteService', 'editDestination', 'editService']);
    expect(
      t.kernel
        .snapshot()
        .map((s) => (s.service.key as { port: number }).port)
        .sort(),
    ).toEqual([443, 80]);
    expect(t.dests()).toContain('198.51.100.11:80 w5');
  });

  it('a removed real server drains: weight 0 while it has connections, deleted when idle', async () => {
    const t = setup(model(webConfig({ extra: { drain_timeout: 60 } })));
    await t.director.start();
    t.kernel.setConnections(WEB, { address: '198.51.100.13', port: 80 }, { activeConns: 3 });
    await t.director.reload(model(webConfig({ servers: 2, extra: { drain_timeout: 60 } })));
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2', '198.51.100.13:80 w0']);
    await t.clock.advanceAsync(5000);
    await t.director.idle();
    expect(t.dests()).toContain('198.51.100.13:80 w0');
    t.kernel.setConnections(WEB, { address: '198.51.100.13', port: 80 }, { activeConns: 0 });
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2']);
  });

  it('drain_timeout passes: deleted even with connections', async () => {
    const t = setup(model(webConfig({ extra: { drain_timeout: 3 } })));
    await t.director.start();
    t.kernel.setConnections(WEB, { address: '198.51.100.13', port: 80 }, { activeConns: 3 });
    await t.director.reload(model(webConfig({ servers: 2, extra: { drain_timeout: 3 } })));
    await t.clock.advanceAsync(4000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2']);
  });

  it('without drain_timeout a removed server is deleted at once', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    await t.director.reload(model(webConfig({ servers: 2 })));
    expect(t.dests()).toEqual(['198.51.100.11:80 w2', '198.51.100.12:80 w2']);
  });
});

describe('Director: the kernel as the truth', () => {
  it('restart: adopts a table that already matches with 0 ops', async () => {
    const kernel = new IpvsModel();
    const first = setup(model(webConfig()), { kernel });
    await first.director.start();
    await first.director.stop({ keepIpvs: true });
    const second = setup(model(webConfig()), { kernel });
    second.opsSince();
    const report = await second.director.start();
    expect(report.ops).toBe(0);
    expect(second.opsSince()).toEqual([]);
  });

  it('drift is repaired by the periodic resync (a deleted server, a changed weight, a deleted service)', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    t.kernel.drift.deleteDestination(WEB, { address: '198.51.100.11', port: 80 });
    await t.clock.advanceAsync(10_000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
    t.kernel.drift.deleteService(WEB);
    await t.clock.advanceAsync(10_000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
    expect(t.logs.some((l) => l.msg === 'drift repaired')).toBe(true);
  });

  it('a verdict goes before a pending resync, and resyncs keep coming after a reload took one over', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    await t.director.reload(model(webConfig()));
    t.kernel.drift.deleteDestination(WEB, { address: '198.51.100.13', port: 80 });
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(10_000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    t.kernel.drift.deleteDestination(WEB, { address: '198.51.100.13', port: 80 });
    await t.clock.advanceAsync(10_000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.12:80 w2', '198.51.100.13:80 w2']);
  });

  it('a service added by hand is left alone and logged once', async () => {
    const kernel = new IpvsModel();
    kernel.drift.addService({
      key: { protocol: 'tcp', address: '192.0.2.99', port: 22 },
      scheduler: 'rr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
    });
    const t = setup(model(webConfig()), { kernel });
    await t.director.start();
    await t.clock.advanceAsync(30_000);
    await t.director.idle();
    expect(kernel.snapshot()).toHaveLength(2);
    expect(t.logs.filter((l) => l.msg.includes('left alone'))).toHaveLength(1);
  });

  it('a failed op (ENOMEM) is retried by full runs with back-off', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    t.kernel.failNext({ op: 'deleteDestination', errno: 'ENOMEM', count: Number.POSITIVE_INFINITY });
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
    expect(t.logs.some((l) => l.level === 'error' && l.fields.code === 'ENOMEM')).toBe(true);
    t.kernel.clearFaults();
    await t.clock.advanceAsync(2000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(2);
  });

  it('EEXIST and ENOENT from a table changed underneath are repaired, not fatal', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    t.kernel.failNext({ op: 'addDestination', errno: 'EEXIST', count: Number.POSITIVE_INFINITY });
    t.kernel.drift.deleteDestination(WEB, { address: '198.51.100.11', port: 80 });
    t.director.resync();
    await t.director.idle();
    t.kernel.clearFaults();
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
  });

  it('ENOENT from a delete is logged and the next full run repairs what is left', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    t.kernel.failNext({ op: 'deleteDestination', errno: 'ENOENT' });
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toEqual(['198.51.100.12:80 w2', '198.51.100.13:80 w2']);
    expect(t.director.totals.failedOps).toBe(1);
  });

  it('a closed netlink socket: the batch fails, a new socket is opened and the change applied', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    const opensBefore = t.opens();
    t.kernel.breakAll();
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(2000);
    await t.director.idle();
    expect(t.opens()).toBeGreaterThan(opensBefore);
    expect(t.dests()).toEqual(['198.51.100.12:80 w2', '198.51.100.13:80 w2']);
  });

  it('a lost socket (reads fail) is reopened and the run retried', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    // The verdict's op is refused as on a dead socket, and so is every read of the full runs that follow.
    t.kernel.failNext({ op: 'deleteDestination', errno: 'EBADF', count: 1 });
    t.kernel.failNext({ op: 'listServices', errno: 'EBADF', count: Number.POSITIVE_INFINITY });
    t.kernel.failNext({ op: 'getService', errno: 'EBADF', count: Number.POSITIVE_INFINITY });
    t.checker('198.51.100.11').play(FAIL);
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(t.dests()).toHaveLength(3);
    const opensBefore = t.opens();
    t.kernel.clearFaults();
    await t.clock.advanceAsync(2000);
    await t.director.idle();
    expect(t.opens()).toBeGreaterThan(opensBefore);
    expect(t.dests()).toHaveLength(2);
  });
});

describe('Director: VRRP', () => {
  const vrrpTop = (state: string) => ({
    lvs_sync_daemon: { state, follow: 'VI_1', mcast_interface: 'eth1', syncid: 7 },
    vrrp_instances: { VI_1: { interface: 'eth0', virtual_router_id: 51, virtual_ipaddress: ['192.0.2.10/24'] } },
  });

  it('auto: the backup daemon always, the master daemon while MASTER', async () => {
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'BACKUP');
    const t = setup(model(webConfig({ top: vrrpTop('auto') })), { vrrp });
    await t.director.start();
    expect(t.kernel.daemons().map((d) => d.state)).toEqual(['backup']);
    vrrp.set('VI_1', 'MASTER');
    await t.director.idle();
    expect(
      t.kernel
        .daemons()
        .map((d) => d.state)
        .sort(),
    ).toEqual(['backup', 'master']);
    vrrp.set('VI_1', 'BACKUP');
    await t.director.idle();
    expect(t.kernel.daemons().map((d) => d.state)).toEqual(['backup']);
  });

  it('restart after kill -9 on the master: the running master daemon is kept until VRRP decides', async () => {
    const kernel = new IpvsModel();
    kernel.drift.startDaemon({ state: 'master', mcastIfn: 'eth1', syncId: 7 });
    kernel.drift.startDaemon({ state: 'backup', mcastIfn: 'eth1', syncId: 7 });
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'BACKUP');
    const t = setup(model(webConfig({ top: vrrpTop('auto') })), { kernel, vrrp });
    await t.director.start();
    await t.clock.advanceAsync(1000);
    await t.director.idle();
    expect(
      kernel
        .daemons()
        .map((d) => d.state)
        .sort(),
    ).toEqual(['backup', 'master']);
    // No transition (a backup that hears a master stays backup): after the master-down interval, it is stopped.
    await t.clock.advanceAsync(5000);
    await t.director.idle();
    expect(kernel.daemons().map((d) => d.state)).toEqual(['backup']);
  });

  it('restart: VRRP becoming MASTER within the hold keeps the master daemon without a restart', async () => {
    const kernel = new IpvsModel();
    kernel.drift.startDaemon({ state: 'master', mcastIfn: 'eth1', syncId: 7 });
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'BACKUP');
    const t = setup(model(webConfig({ top: vrrpTop('auto') })), { kernel, vrrp });
    await t.director.start();
    t.opsSince();
    vrrp.set('VI_1', 'MASTER');
    await t.clock.advanceAsync(10_000);
    await t.director.idle();
    expect(t.opsSince().filter((op) => op.endsWith('Daemon'))).toEqual([]);
  });

  it('both nodes program IPVS whatever their VRRP state', async () => {
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'BACKUP');
    const t = setup(model(webConfig({ top: vrrpTop('auto') })), { vrrp });
    await t.director.start();
    expect(t.dests()).toHaveLength(3);
  });

  it('ha_suspend: checks run only while this node holds the address', async () => {
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'BACKUP');
    const t = setup(model(webConfig({ top: vrrpTop('auto'), extra: { ha_suspend: true } })), { vrrp });
    await t.director.start();
    await t.clock.advanceAsync(3000);
    expect(t.checker('198.51.100.11').calls).toHaveLength(0);
    vrrp.set('VI_1', 'MASTER');
    await t.clock.advanceAsync(3000);
    expect(t.checker('198.51.100.11').calls.length).toBeGreaterThan(0);
  });

  it('reload passes the config to VRRP; a changed sync setting restarts the daemons', async () => {
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'MASTER');
    const t = setup(model(webConfig({ top: vrrpTop('both') })), { vrrp });
    await t.director.start();
    t.opsSince();
    const top = vrrpTop('both');
    top.lvs_sync_daemon.syncid = 8;
    await t.director.reload(model(webConfig({ top })));
    expect(vrrp.reloads).toBe(1);
    expect(t.opsSince()).toEqual(['stopDaemon', 'startDaemon', 'stopDaemon', 'startDaemon']);
    expect(t.kernel.daemons().every((d) => d.syncId === 8)).toBe(true);
  });
});

describe('Director: stop', () => {
  it('a planned stop removes the managed services and the sync daemons, leaving foreign ones', async () => {
    const kernel = new IpvsModel();
    kernel.drift.addService({
      key: { protocol: 'tcp', address: '192.0.2.99', port: 22 },
      scheduler: 'rr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
    });
    const vrrp = new ScriptedVrrp();
    vrrp.states.set('VI_1', 'MASTER');
    const t = setup(
      model(
        webConfig({
          top: {
            lvs_sync_daemon: { state: 'both', mcast_interface: 'eth1' },
            vrrp_instances: { VI_1: { interface: 'eth0', virtual_router_id: 51 } },
          },
        }),
      ),
      { kernel, vrrp },
    );
    await t.director.start();
    expect(kernel.daemons()).toHaveLength(2);
    await t.director.stop();
    expect(kernel.snapshot().map((s) => (s.service.key as { port: number }).port)).toEqual([22]);
    expect(kernel.daemons()).toEqual([]);
    expect(vrrp.stopped).toEqual({ immediate: false });
  });

  it('--keep-ipvs leaves everything', async () => {
    const t = setup(model(webConfig()));
    await t.director.start();
    t.opsSince();
    await t.director.stop({ keepIpvs: true });
    expect(t.opsSince()).toEqual([]);
    expect(t.dests()).toHaveLength(3);
  });

  it('omega: notify_down and quorum_down run at stop', async () => {
    const cfg = webConfig({ extra: { omega: true, quorum_down: ['/bin/q', 'down'] } });
    const t = setup(model(cfg));
    await t.director.start();
    await t.director.stop({ keepIpvs: true });
    expect(t.notified).toEqual(['/bin/q down']);
  });
});
