/**
 * The monitor end to end on the resolved config model and a fake clock: several checks per real server, quorum and
 * sorry server, alpha, dynamic weight, reload without flapping, omega, ha_suspend.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FakeClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedVirtualServer } from '../../../src/config/model.js';
import { type HealthEvent, HealthMonitor } from '../../../src/health/monitor.js';
import { FAIL, type Outcome, PASS, ScriptedChecker, weighted } from './helpers.js';

const T0 = 1_700_000_000_000;
/** The service key of web(): what events and ha_suspend name it by. */
const WEB = 'tcp:192.0.2.10:80';

function model(virtualServers: unknown[]): ResolvedVirtualServer[] {
  const r = loadConfig(stringify({ virtual_servers: virtualServers }), { file: 'test.yaml', hostname: 'lvs1' });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return [...r.config.virtual_servers];
}

interface VsOpts {
  alpha?: boolean;
  omega?: boolean;
  quorum?: number;
  hysteresis?: number;
  sorry?: boolean;
  extraChecks?: unknown[];
  webWeight?: number;
  httpDelay?: number;
  withApi?: boolean;
}

/** web: 10.0.0.1 (tcp + http), 10.0.0.2 (exec with dynamic weight, inhibit_on_failure); checks every second. */
function web(o: VsOpts = {}) {
  const servers: unknown[] = [
    {
      address: '10.0.0.1',
      weight: o.webWeight ?? 2,
      checks: [
        { type: 'tcp' },
        { type: 'http', path: '/health', ...(o.httpDelay ? { delay_loop: o.httpDelay } : {}) },
        ...(o.extraChecks ?? []),
      ],
    },
    {
      address: '10.0.0.2',
      weight: 2,
      inhibit_on_failure: true,
      checks: [{ type: 'exec', script: ['/usr/bin/true'], dynamic_weight: true }],
    },
  ];
  if (o.withApi ?? false) servers.push({ address: '10.0.0.3', weight: 1, checks: [{ type: 'tcp' }] });
  return {
    name: 'web',
    address: '192.0.2.10',
    port: 80,
    delay_loop: 1,
    retry: 0,
    quorum: o.quorum ?? 3,
    hysteresis: o.hysteresis ?? 0,
    alpha: o.alpha ?? false,
    omega: o.omega ?? false,
    ...(o.sorry === false ? {} : { sorry_server: { address: '10.9.9.9' } }),
    real_servers: servers,
  };
}

function setup(scripts: Record<string, Outcome[]> = {}) {
  const clock = new FakeClock(T0);
  const checkers = new Map<string, ScriptedChecker>();
  let built = 0;
  const monitor = new HealthMonitor({
    clock,
    random: () => 0,
    checkerFor: (check, rs) => {
      built++;
      const key = `${rs.address}/${check.type}`;
      const c = new ScriptedChecker(clock, scripts[key] ?? [PASS]);
      checkers.set(key, c);
      return c;
    },
  });
  const events: HealthEvent[] = [];
  monitor.onEvent((e) => events.push(e));
  const summary = () =>
    events.map((e) => ('rs' in e ? `${e.kind} ${e.rs}${e.kind === 'down' ? '' : ` w${e.weight}`}` : `${e.kind} ${e.vs}`));
  const checker = (key: string) => checkers.get(key) as ScriptedChecker;
  return { clock, monitor, events, summary, checker, built: () => built };
}

describe('HealthMonitor', () => {
  it('starts from the snapshot: everyone up without alpha, quorum up, the pool without the sorry server', () => {
    const { monitor, events } = setup();
    expect(monitor.load(model([web()]))).toEqual([]);
    const [snap] = monitor.snapshot();
    expect(snap).toMatchObject({ vs: 'web', key: 'tcp:192.0.2.10:80', quorumUp: true, sorryActive: false, weightSum: 4 });
    expect(snap?.pool).toEqual([
      { address: '10.0.0.1', port: 80, weight: 2, sorry: false },
      { address: '10.0.0.2', port: 80, weight: 2, sorry: false },
    ]);
    expect(events).toEqual([]);
  });

  it('several checks combine: one failing takes the server down; quorum is lost and the sorry server serves', async () => {
    const { clock, monitor, summary, checker, events } = setup();
    monitor.load(model([web()]));
    await clock.advanceAsync(0);
    checker('10.0.0.1/http').play({ up: false, reason: 'status 503' });
    await clock.advanceAsync(1000);
    expect(summary()).toEqual(['down 10.0.0.1:80', 'quorum-down web', 'sorry-on web']);
    expect(events[0]).toMatchObject({ reason: 'status 503', check: 'tcp:192.0.2.10:80|10.0.0.1:80|http#0', key: WEB, vs: 'web' });
    expect(monitor.snapshot()[0]?.pool).toEqual([
      { address: '10.0.0.2', port: 80, weight: 0, sorry: false },
      { address: '10.9.9.9', port: 80, weight: 1, sorry: true },
    ]);
    checker('10.0.0.1/tcp').play(FAIL);
    await clock.advanceAsync(1000);
    expect(summary()).toHaveLength(3);
    checker('10.0.0.1/http').play(PASS);
    checker('10.0.0.1/tcp').play(PASS);
    await clock.advanceAsync(1000);
    expect(summary().slice(3)).toEqual(['up 10.0.0.1:80 w2', 'sorry-off web', 'quorum-up web']);
  });

  it('alpha: everyone starts down, the sorry server serves, and the first passes bring them up', async () => {
    const { clock, monitor, summary } = setup();
    monitor.load(model([web({ alpha: true })]));
    expect(monitor.snapshot()[0]).toMatchObject({ quorumUp: false, sorryActive: true, weightSum: 0 });
    await clock.advanceAsync(0);
    expect(summary()).toEqual(['up 10.0.0.1:80 w2', 'up 10.0.0.2:80 w2', 'sorry-off web', 'quorum-up web']);
  });

  it('a dynamic weight from the exec check becomes the server weight and moves the quorum', async () => {
    const { clock, monitor, summary } = setup({ '10.0.0.2/exec': [PASS, weighted(1)] });
    monitor.load(model([web({ sorry: false, quorum: 4 })]));
    await clock.advanceAsync(1000);
    expect(summary()).toEqual(['weight 10.0.0.2:80 w1', 'quorum-down web']);
    expect(monitor.snapshot()[0]?.pool).toContainEqual({ address: '10.0.0.2', port: 80, weight: 1, sorry: false });
  });

  it('inhibit_on_failure keeps a failed server in the pool with weight 0', async () => {
    const { clock, monitor, summary } = setup({ '10.0.0.2/exec': [FAIL] });
    monitor.load(model([web({ quorum: 1 })]));
    await clock.advanceAsync(0);
    expect(summary()).toEqual(['down 10.0.0.2:80']);
    expect(monitor.snapshot()[0]?.pool).toEqual([
      { address: '10.0.0.1', port: 80, weight: 2, sorry: false },
      { address: '10.0.0.2', port: 80, weight: 0, sorry: false },
    ]);
  });

  describe('reload', () => {
    it('the same configuration changes nothing: no events, no new checkers, schedules kept', async () => {
      const { clock, monitor, built } = setup();
      monitor.load(model([web()]));
      await clock.advanceAsync(500);
      const next = monitor.scheduler.nextAttemptAt('tcp:192.0.2.10:80|10.0.0.1:80|tcp#0');
      expect(monitor.load(model([web()]))).toEqual([]);
      expect(built()).toBe(3);
      expect(monitor.scheduler.nextAttemptAt('tcp:192.0.2.10:80|10.0.0.1:80|tcp#0')).toBe(next);
    });

    it('a changed check keeps its verdict: a down server stays down, an up one stays up', async () => {
      const { clock, monitor, summary, checker, built } = setup({ '10.0.0.1/http': [FAIL] });
      monitor.load(model([web({ quorum: 1 })]));
      await clock.advanceAsync(0);
      expect(summary()).toEqual(['down 10.0.0.1:80']);
      expect(monitor.load(model([web({ quorum: 1, httpDelay: 2 })]))).toEqual([]);
      expect(built()).toBe(4); // only the http check was rebuilt
      expect(monitor.snapshot()[0]?.realServers.map((r) => r.up)).toEqual([false, true]);
      checker('10.0.0.1/http').play(PASS);
      await clock.advanceAsync(0);
      expect(summary()).toEqual(['down 10.0.0.1:80', 'up 10.0.0.1:80 w2']);
    });

    it('removing the failing check brings the server up; a new check on an up server starts up even with alpha', async () => {
      const { clock, monitor, summary } = setup({ '10.0.0.1/http': [FAIL] });
      monitor.load(model([web({ quorum: 1, alpha: true, sorry: false })]));
      await clock.advanceAsync(0);
      expect(summary()).toEqual(['up 10.0.0.2:80 w2', 'quorum-up web']);
      const noHttp = web({ quorum: 1, alpha: true, sorry: false });
      (noHttp.real_servers[0] as { checks: unknown[] }).checks = [{ type: 'tcp' }];
      expect(monitor.load(model([noHttp])).map((e) => e.kind)).toEqual(['up']);
      const reloaded = monitor.load(model([web({ quorum: 1, alpha: true, sorry: false, extraChecks: [{ type: 'dns' }] })]));
      expect(reloaded).toEqual([]); // http#0 is new again but the server is up: it starts up
      expect(monitor.snapshot()[0]?.realServers[0]).toMatchObject({ up: true });
    });

    it('weight, quorum and membership edits are reported as transitions', async () => {
      const { clock, monitor, summary } = setup();
      monitor.load(model([web({ quorum: 4 })]));
      await clock.advanceAsync(0);
      const r1 = monitor.load(model([web({ quorum: 4, webWeight: 1 })]));
      expect(r1.map((e) => e.kind)).toEqual(['weight', 'quorum-down', 'sorry-on']);
      const r2 = monitor.load(model([web({ quorum: 4, webWeight: 1, withApi: true })]));
      expect(r2.map((e) => e.kind)).toEqual(['sorry-off', 'quorum-up']);
      const r3 = monitor.load(model([web({ quorum: 4, webWeight: 1 })]));
      expect(r3.map((e) => `${e.kind} ${'rs' in e ? e.rs : e.vs}`)).toEqual(['down 10.0.0.3:80', 'quorum-down web', 'sorry-on web']);
      expect(summary()).toHaveLength(8);
      const r4 = monitor.load(model([]));
      expect(r4.map((e) => e.kind)).toEqual(['down', 'down', 'sorry-off']);
      expect(monitor.snapshot()).toEqual([]);
    });
  });

  it('omega: stop reports the live servers down and quorum down; without omega, nothing', async () => {
    const a = setup();
    a.monitor.load(model([web({ omega: true })]));
    await a.clock.advanceAsync(0);
    expect(a.monitor.stop().map((e) => e.kind)).toEqual(['down', 'down', 'quorum-down']);
    expect(a.clock.pending).toBe(0);
    const b = setup();
    b.monitor.load(model([web()]));
    await b.clock.advanceAsync(0);
    expect(b.monitor.stop()).toEqual([]);
  });

  it('events name the virtual server by service key and display name; a rename keeps the key', async () => {
    const { clock, monitor, checker, events } = setup();
    monitor.load(model([web()]));
    await clock.advanceAsync(0);
    expect(monitor.load(model([{ ...web(), name: 'www' }]))).toEqual([]);
    checker('10.0.0.1/tcp').play(FAIL);
    await clock.advanceAsync(1000);
    expect(events.map((e) => [e.kind, e.key, e.vs])).toEqual([
      ['down', WEB, 'www'],
      ['quorum-down', WEB, 'www'],
      ['sorry-on', WEB, 'www'],
    ]);
    expect(monitor.stop()).toEqual([]);
  });

  it('ha_suspend takes the service key, not the display name', async () => {
    const { clock, monitor, checker } = setup();
    monitor.load(model([web()]));
    await clock.advanceAsync(0);
    monitor.setSuspended('web', true);
    await clock.advanceAsync(1000);
    expect(checker('10.0.0.1/tcp').calls).toHaveLength(2);
  });

  it('ha_suspend: a suspended virtual server runs no checks and keeps its state', async () => {
    const { clock, monitor, checker, events } = setup();
    monitor.load(model([web()]));
    await clock.advanceAsync(0);
    monitor.setSuspended(WEB, true);
    checker('10.0.0.1/tcp').play(FAIL);
    await clock.advanceAsync(5000);
    expect(checker('10.0.0.1/tcp').calls).toHaveLength(1);
    expect(events).toEqual([]);
    monitor.setSuspended(WEB, false);
    await clock.advanceAsync(1000);
    expect(events.map((e) => e.kind)).toContain('down');
  });
});
