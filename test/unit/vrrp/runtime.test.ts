/** VrrpRuntime on fake adapters: start, events, stop, reload (kept, updated, replaced, added, removed), sync groups, failures. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/model.js';
import type { Logger } from '../../../src/logger.js';
import { advertOf } from '../../../src/vrrp/instance.js';
import type { VrrpTransport } from '../../../src/vrrp/io/transport.js';
import { decode, encode } from '../../../src/vrrp/packet.js';
import { machineParamsFromConfig } from '../../../src/vrrp/params.js';
import {
  type LinkStates,
  type TransportRequest,
  VrrpReloadError,
  VrrpRuntime,
  type VrrpRuntimeDeps,
  type VrrpRuntimeEvent,
  VrrpStartError,
} from '../../../src/vrrp/runtime.js';
import type { TrackFileFs } from '../../../src/vrrp/track-file.js';

const LOCAL = '192.0.2.1';
const PEER = '192.0.2.2';
const GROUP = '224.0.0.18';

type Conf = Record<string, unknown>;

/** An instance on its own interface (so tests find its transport by interface), without delayed GARPs. */
const inst = (vrid: number, ifname: string, priority: number, vip: string, more: Conf = {}): Conf => ({
  interface: ifname,
  virtual_router_id: vrid,
  priority,
  garp_master_delay: 0,
  virtual_ipaddress: [vip],
  ...more,
});
const VI_1 = inst(51, 'eth0', 150, '192.0.2.10/24');
const VI_2 = inst(52, 'eth1', 100, '192.0.2.20/24');
const BASE: Conf = { vrrp_instances: { VI_1, VI_2 } };

/** A config as the loader gives it (JSON is YAML). */
function load(c: Conf): ResolvedConfig {
  const r = loadConfig(JSON.stringify(c), { file: 'test.yaml', node: 'lvs1' });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

/** A transport that records the priorities it sends and lets a test play adverts from a peer. */
class FakeTransport implements VrrpTransport {
  readonly sent: number[] = [];
  closed = false;

  constructor(readonly req: TransportRequest) {}

  send(payload: Uint8Array, dst: string): void {
    if (this.closed) throw new Error('transport closed');
    const d = decode(payload, { family: 'ipv4', srcAddr: this.req.localAddress, dstAddr: dst });
    if (!d.ok) throw new Error(d.detail);
    this.sent.push(d.advert.priority);
  }

  close(): void {
    this.closed = true;
  }

  /** An advert of instance `name` of `config` from the peer, with `priority`. */
  hear(config: ResolvedConfig, name: string, priority: number): void {
    const i = config.vrrp_instances[name];
    if (i === undefined) throw new Error(`no instance ${name}`);
    const { spec } = machineParamsFromConfig(i, { localAddress: PEER, global: config.global });
    const payload = encode(advertOf(spec, priority), { family: 'ipv4', srcAddr: PEER, dstAddr: GROUP });
    this.req.onMessage(payload, { srcAddr: PEER, dstAddr: GROUP, ttl: 255 });
  }
}

/** Link states that a test sets; every interface starts up. */
class FakeLinks implements LinkStates {
  readonly states = new Map<string, boolean>();
  readonly #listeners = new Set<(name: string, up: boolean) => void>();
  closed = false;

  constructor(readonly names: readonly string[]) {
    for (const n of names) this.states.set(n, true);
  }
  on(listener: (name: string, up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  close(): void {
    this.closed = true;
    this.#listeners.clear();
  }
  set(name: string, up: boolean): void {
    this.states.set(name, up);
    for (const l of [...this.#listeners]) l(name, up);
  }
}

class FakeFs implements TrackFileFs {
  readonly files = new Map<string, string>();
  async read(path: string) {
    return { text: this.files.get(path) };
  }
  watch() {
    return { close: () => {} };
  }
}

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/** Fake adapters on a fake clock, recording everything the runtime does through them. */
function world(opts: { failTransportOn?: string; nftMissing?: boolean } = {}) {
  const clock = new FakeClock(1_000_000);
  const transports: FakeTransport[] = [];
  const links: FakeLinks[] = [];
  const addressOps: string[] = [];
  const notifies: string[][] = [];
  const scriptRuns: string[] = [];
  const scriptResults = new Map<string, boolean>();
  const filterOps: string[] = [];
  const lines: LogLine[] = [];
  const events: VrrpRuntimeEvent[] = [];
  const fs = new FakeFs();
  const logAt =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, fields });
    };
  const log: Logger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error'), child: () => log };
  const deps: VrrpRuntimeDeps = {
    clock,
    log,
    openTransport: async (req) => {
      if (req.ifname === opts.failTransportOn) throw new Error(`cannot open a socket on ${req.ifname}`);
      const t = new FakeTransport(req);
      transports.push(t);
      return t;
    },
    addresses: {
      add: async (a) => {
        addressOps.push(`add ${a.address}`);
      },
      remove: async (a) => {
        addressOps.push(`del ${a.address}`);
        return true;
      },
    },
    openLinks: async (names) => {
      const l = new FakeLinks(names);
      links.push(l);
      return l;
    },
    interfaceAddress: () => LOCAL,
    ifInfo: (dev) => ({ index: Number(dev.slice(3)) + 2, mac: Buffer.alloc(6) }),
    openAnnouncer: () => ({ announce: () => {}, close: () => {} }),
    users: () => ({
      resolve: (user) => {
        if (user === 'nosuch') throw new Error(`script user '${user}' does not exist (not in /etc/passwd)`);
        return { user, uid: 1000, gid: 1000 };
      },
    }),
    runCheckScript: async (argv) => {
      scriptRuns.push(argv.join(' '));
      return scriptResults.get(argv[0] ?? '') ?? true;
    },
    runNotify: (argv) => notifies.push([...argv]),
    createAcceptFilter: () => ({
      set: async (owner) => void filterOps.push(`set ${owner}`),
      clear: async (owner) => void filterOps.push(`clear ${owner}`),
      reset: async () => {
        if (opts.nftMissing) throw new Error('nft: not found');
        filterOps.push('reset');
      },
      close: async () => void filterOps.push('close'),
    }),
    trackFileFs: fs,
    runsAsRoot: false,
  };
  return {
    clock,
    deps,
    transports,
    links,
    addressOps,
    notifies,
    scriptRuns,
    scriptResults,
    filterOps,
    lines,
    events,
    fs,
    start: (c: Conf) => VrrpRuntime.start(load(c), deps, { onEvent: (e) => events.push(e) }),
    /** The last transport opened on `ifname`. */
    transport: (ifname: string) => {
      const t = transports.filter((x) => x.req.ifname === ifname).at(-1);
      if (t === undefined) throw new Error(`no transport on ${ifname}`);
      return t;
    },
    /** The transitions reported, as "instance from>to". */
    transitions: () => events.flatMap((e) => (e.type === 'transition' ? [`${e.instance} ${e.from}>${e.to}`] : [])),
    /** The log messages at `level`. */
    messages: (level: string) => lines.filter((l) => l.level === level).map((l) => l.msg),
  };
}

type World = ReturnType<typeof world>;

/** Starts BASE-like `c` and runs until every instance (alone on its link) is master. */
async function masters(w: World, c: Conf = BASE): Promise<VrrpRuntime> {
  const rt = await w.start(c);
  await w.clock.advanceAsync(4000);
  return rt;
}

/** Counts of everything a reload must not cause for an untouched instance. */
function snapshot(w: World) {
  return {
    transports: w.transports.length,
    closed: w.transports.filter((t) => t.closed).length,
    sent: w.transports.map((t) => t.sent.length),
    addressOps: w.addressOps.length,
    notifies: w.notifies.length,
    events: w.events.length,
    scriptRuns: w.scriptRuns.length,
  };
}

describe('VrrpRuntime: start and stop', () => {
  it('opens one transport per instance, clears a predecessor’s addresses and reports transitions', async () => {
    const w = world();
    const rt = await w.start(BASE);
    expect(rt.instances()).toEqual(['VI_1', 'VI_2']);
    expect(w.transports.map((t) => [t.req.ifname, t.req.localAddress, t.req.group, t.req.kind])).toEqual([
      ['eth0', LOCAL, GROUP, { type: 'ip' }],
      ['eth1', LOCAL, GROUP, { type: 'ip' }],
    ]);
    expect(w.addressOps).toEqual(['del 192.0.2.10', 'del 192.0.2.20']);
    expect(w.links.map((l) => l.names)).toEqual([['eth0', 'eth1']]);
    expect(w.transitions()).toEqual(['VI_1 initialize>backup', 'VI_2 initialize>backup']);
    expect(w.lines.find((l) => l.msg === 'running')?.fields).toEqual({ instances: ['VI_1', 'VI_2'] });

    await w.clock.advanceAsync(4000);
    expect(w.events.slice(2)).toEqual([
      { type: 'transition', instance: 'VI_1', vrid: 51, from: 'backup', to: 'master', priority: 150 },
      { type: 'transition', instance: 'VI_2', vrid: 52, from: 'backup', to: 'master', priority: 100 },
    ]);
    expect(w.addressOps.slice(2)).toEqual(['add 192.0.2.10', 'add 192.0.2.20']);
    expect(rt.state('VI_1')).toEqual({ name: 'VI_1', vrid: 51, state: 'master', priority: 150, fault: false });
    expect(rt.state('nope')).toBeUndefined();
  });

  it('reports tracking changes and the transitions they cause', async () => {
    const w = world();
    const rt = await masters(w);
    const n = w.events.length;
    w.links[0]?.set('eth1', false);
    expect(w.events.slice(n)).toEqual([
      { type: 'tracking', instance: 'VI_2', fault: true, priority: 100, reasons: [{ kind: 'interface', name: 'eth1' }] },
      { type: 'transition', instance: 'VI_2', vrid: 52, from: 'master', to: 'fault', priority: 100 },
    ]);
    expect(w.transport('eth1').sent.at(-1)).toBe(0);
    expect(rt.state('VI_2')?.fault).toBe(true);
  });

  it('stops with a planned handover: addresses kept until the successor is heard, then everything closed', async () => {
    const w = world();
    const rt = await masters(w);
    let stopped = false;
    const stopping = rt.stop().then(() => {
      stopped = true;
    });
    await w.clock.advanceAsync(0);
    expect(w.transports.map((t) => t.sent.at(-1))).toEqual([0, 0]);
    expect(w.addressOps.slice(4)).toEqual([]);
    const config = load(BASE);
    w.transport('eth0').hear(config, 'VI_1', 100);
    w.transport('eth1').hear(config, 'VI_2', 90);
    await w.clock.advanceAsync(100);
    expect(stopped).toBe(false);
    await w.clock.advanceAsync(200);
    await stopping;
    expect(w.addressOps.slice(4)).toEqual(['del 192.0.2.10', 'del 192.0.2.20']);
    expect(w.transports.every((t) => t.closed)).toBe(true);
    expect(w.links[0]?.closed).toBe(true);
    expect(w.messages('info')).toContain('stopping');
    expect(w.messages('info').at(-1)).toBe('stopped');
    await expect(rt.reload(load(BASE))).rejects.toThrow(VrrpReloadError);
  });

  it('stops at once when immediate, even during a planned stop', async () => {
    const w = world();
    const rt = await masters(w);
    const planned = rt.stop();
    await w.clock.advanceAsync(0);
    await rt.stop({ immediate: true });
    await planned;
    expect(w.addressOps.slice(4)).toEqual(['del 192.0.2.10', 'del 192.0.2.20']);
    expect(w.transports.every((t) => t.closed)).toBe(true);
  });
});

describe('VrrpRuntime: start failures', () => {
  it('closes what it opened and throws VrrpStartError when a transport cannot be opened', async () => {
    const w = world({ failTransportOn: 'eth1' });
    const c: Conf = {
      vrrp_scripts: { chk: { script: ['/bin/chk'], weight: 10 } },
      vrrp_instances: { VI_1: { ...VI_1, accept: false, track_script: ['chk'] }, VI_2 },
    };
    const err = await w.start(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VrrpStartError);
    expect((err as Error).message).toBe('cannot open a socket on eth1');
    expect(w.transports.map((t) => [t.req.ifname, t.closed])).toEqual([['eth0', true]]);
    expect(w.links[0]?.closed).toBe(true);
    // The table is reset, VI_1's (stale) addresses cleared from it, and the table removed.
    expect(w.filterOps).toEqual(['reset', 'clear VI_1', 'close']);
    expect(w.scriptRuns).toEqual([]);
  });

  it('refuses an unknown script user and a missing nft before opening anything', async () => {
    const w = world({ nftMissing: true });
    const user = { ...BASE, global: { script_user: 'nosuch' } };
    await expect(w.start(user)).rejects.toThrow("script user 'nosuch' does not exist (not in /etc/passwd)");
    const noAccept = { vrrp_instances: { VI_1: { ...VI_1, accept: false } } };
    await expect(w.start(noAccept)).rejects.toThrow('accept: false needs nftables (the nft command): nft: not found');
    expect(w.transports).toEqual([]);
  });
});

describe('VrrpRuntime: reload', () => {
  it('leaves unchanged instances, scripts and track files alone', async () => {
    const w = world();
    w.fs.files.set('/run/prio', '5');
    const c: Conf = {
      vrrp_scripts: { chk: { script: ['/bin/chk'], interval: 2, weight: 10 } },
      vrrp_track_files: { f: { file: '/run/prio' } },
      vrrp_instances: { VI_1: { ...VI_1, track_script: ['chk'], track_file: ['f'] }, VI_2 },
    };
    const rt = await masters(w, c);
    expect(rt.state('VI_1')?.priority).toBe(165);
    const before = snapshot(w);
    const summary = await rt.reload(load(c));
    expect(summary).toEqual({ kept: ['VI_1', 'VI_2'], changed: [], replaced: [], added: [], removed: [] });
    expect(snapshot(w)).toEqual(before);
    expect(w.links).toHaveLength(1);
    // The advert timers run on as before: one advert each per second, none in between.
    await w.clock.advanceAsync(1000);
    expect(snapshot(w).sent).toEqual(before.sent.map((n) => n + 1));
    expect(w.addressOps.length).toBe(before.addressOps);
    expect(w.events.length).toBe(before.events);
    expect(rt.state('VI_1')).toMatchObject({ state: 'master', priority: 165 });
  });

  it('applies a priority change in place: no new instance, the next advert carries it', async () => {
    const w = world();
    const rt = await masters(w);
    const before = snapshot(w);
    const summary = await rt.reload(load({ vrrp_instances: { VI_1: { ...VI_1, priority: 120 }, VI_2 } }));
    expect(summary).toEqual({ kept: ['VI_2'], changed: ['VI_1'], replaced: [], added: [], removed: [] });
    expect(w.events.slice(before.events)).toEqual([{ type: 'tracking', instance: 'VI_1', fault: false, priority: 120, reasons: [] }]);
    await w.clock.advanceAsync(1000);
    expect(w.transport('eth0').sent.at(-1)).toBe(120);
    expect(w.transports).toHaveLength(before.transports);
    expect(w.addressOps.length).toBe(before.addressOps);
    expect(rt.state('VI_1')).toMatchObject({ state: 'master', priority: 120 });
  });

  it('applies new notify programs in place', async () => {
    const w = world();
    const rt = await masters(w);
    const summary = await rt.reload(load({ vrrp_instances: { VI_1, VI_2: { ...VI_2, notify_fault: ['/bin/on-fault'] } } }));
    expect(summary.changed).toEqual(['VI_2']);
    expect(summary.replaced).toEqual([]);
    w.links[0]?.set('eth1', false);
    expect(w.notifies).toEqual([['/bin/on-fault']]);
  });

  it('replaces a changed master after a planned handover, leaving the others alone', async () => {
    const w = world();
    const rt = await masters(w);
    const old = w.transport('eth1');
    const eth0 = w.transport('eth0');
    const before = snapshot(w);
    const next = load({ vrrp_instances: { VI_1, VI_2: { ...VI_2, virtual_ipaddress: ['192.0.2.21/24'] } } });
    let summary: unknown;
    const reloading = rt.reload(next).then((s) => {
      summary = s;
    });
    await w.clock.advanceAsync(0);
    expect(old.sent.at(-1)).toBe(0);
    expect(w.addressOps.length).toBe(before.addressOps);
    expect(rt.state('VI_2')?.state).toBe('leaving');
    old.hear(load(BASE), 'VI_2', 90); // the peer takes over
    await w.clock.advanceAsync(300);
    await reloading;
    expect(summary).toEqual({ kept: ['VI_1'], changed: ['VI_2'], replaced: ['VI_2'], added: [], removed: [] });
    expect(old.closed).toBe(true);
    expect(w.transport('eth1')).not.toBe(old);
    expect(w.addressOps.slice(before.addressOps)).toEqual(['del 192.0.2.20']);
    expect(w.transitions().slice(4)).toEqual(['VI_2 master>leaving', 'VI_2 leaving>initialize', 'VI_2 initialize>backup']);
    expect(rt.state('VI_2')?.state).toBe('backup');
    await w.clock.advanceAsync(4000);
    expect(rt.state('VI_2')?.state).toBe('master');
    expect(w.addressOps.slice(before.addressOps)).toEqual(['del 192.0.2.20', 'add 192.0.2.21']);
    expect(eth0.closed).toBe(false);
    expect(w.transitions().filter((t) => t.startsWith('VI_1'))).toEqual(['VI_1 initialize>backup', 'VI_1 backup>master']);
  });

  it('stops removed instances with a planned handover and starts added ones at once', async () => {
    const w = world();
    const rt = await masters(w);
    const removed = w.transport('eth1');
    const before = snapshot(w);
    let done = false;
    const reloading = rt.reload(load({ vrrp_instances: { VI_1, VI_3: inst(53, 'eth2', 100, '192.0.2.30/24') } })).then((s) => {
      done = true;
      return s;
    });
    await w.clock.advanceAsync(0);
    expect(removed.sent.at(-1)).toBe(0);
    expect(w.transitions().slice(4)).toEqual(['VI_2 master>leaving', 'VI_3 initialize>backup']);
    expect(rt.instances()).toEqual(['VI_1', 'VI_3']);
    expect(rt.state('VI_2')).toBeUndefined();
    // Nobody takes over: the addresses go when the handover timeout (3 adverts) is over.
    await w.clock.advanceAsync(2900);
    expect(done).toBe(false);
    await w.clock.advanceAsync(100);
    expect(await reloading).toEqual({ kept: ['VI_1'], changed: [], replaced: [], added: ['VI_3'], removed: ['VI_2'] });
    expect(removed.closed).toBe(true);
    expect(w.addressOps.slice(before.addressOps)).toEqual(['del 192.0.2.20']);
    // eth2 needed a new link monitor; the old one is closed.
    expect(w.links.map((l) => [l.names, l.closed])).toEqual([
      [['eth0', 'eth1'], true],
      [['eth0', 'eth2'], false],
    ]);
  });

  it('keeps a changed script’s verdict until its new runner has one (no flap)', async () => {
    const w = world();
    const c = (interval: number): Conf => ({
      vrrp_scripts: { chk: { script: ['/bin/chk'], interval, weight: 0 } },
      vrrp_instances: { VI_1: { ...VI_1, track_script: ['chk'] } },
    });
    const rt = await masters(w, c(2));
    expect(rt.state('VI_1')?.state).toBe('master');
    const runs = w.scriptRuns.length;
    const events = w.events.length;
    const summary = await rt.reload(load(c(3)));
    expect(summary.kept).toEqual(['VI_1']);
    await w.clock.advanceAsync(0);
    expect(w.scriptRuns.length).toBe(runs + 1);
    expect(w.events.length).toBe(events);
    w.scriptResults.set('/bin/chk', false);
    await w.clock.advanceAsync(3000);
    expect(rt.state('VI_1')?.state).toBe('fault');
  });

  it('refuses a config it cannot run and changes nothing', async () => {
    const w = world();
    const rt = await masters(w);
    const before = snapshot(w);
    const badUser = rt.reload(load({ ...BASE, global: { script_user: 'nosuch' } }));
    await expect(badUser).rejects.toThrow(VrrpReloadError);
    const w2 = world({ failTransportOn: 'eth2' });
    const rt2 = await masters(w2);
    const badSocket = rt2.reload(load({ vrrp_instances: { VI_1, VI_3: inst(53, 'eth2', 100, '192.0.2.30/24') } }));
    await expect(badSocket).rejects.toThrow('cannot open a socket on eth2');
    expect(rt2.instances()).toEqual(['VI_1', 'VI_2']);
    expect(w2.links.map((l) => l.closed)).toEqual([false, true]);
    expect(w2.transports.every((t) => !t.closed && t.sent.at(-1) !== 0)).toBe(true);
    expect(snapshot(w)).toEqual(before);
  });
});

describe('VrrpRuntime: sync groups', () => {
  const grouped = (notify: Conf): Conf => ({ ...BASE, vrrp_sync_groups: { G: { group: ['VI_1', 'VI_2'], ...notify } } });

  it('moves the members together and notifies the group once per change', async () => {
    const w = world();
    const rt = await masters(w, grouped({ notify_master: ['/bin/master'] }));
    expect(rt.groupState('G')).toBe('MASTER');
    expect(rt.groupState('nope')).toBeUndefined();
    expect(w.notifies).toEqual([['/bin/master']]);
    expect(w.events.filter((e) => e.type === 'syncGroup')).toEqual([
      { type: 'syncGroup', group: 'G', from: 'INIT', to: 'BACKUP' },
      { type: 'syncGroup', group: 'G', from: 'BACKUP', to: 'MASTER' },
    ]);
    w.links[0]?.set('eth0', false);
    expect(rt.state('VI_2')?.state).toBe('fault');
    expect(rt.groupState('G')).toBe('FAULT');
  });

  it('rebuilds a group whose notify programs changed, without notifying its state again', async () => {
    const w = world();
    const rt = await masters(w, grouped({ notify_master: ['/bin/master'] }));
    const before = snapshot(w);
    const summary = await rt.reload(load(grouped({ notify_master: ['/bin/master2'], notify_fault: ['/bin/fault'] })));
    expect(summary.kept).toEqual(['VI_1', 'VI_2']);
    expect(snapshot(w)).toEqual(before);
    expect(rt.groupState('G')).toBe('MASTER');
    w.links[0]?.set('eth0', false);
    expect(w.notifies).toEqual([['/bin/master'], ['/bin/fault']]);
    expect(w.events.filter((e) => e.type === 'syncGroup').at(-1)).toEqual({ type: 'syncGroup', group: 'G', from: 'MASTER', to: 'FAULT' });
  });

  it('rebuilds a group whose membership changed; the instance that left is replaced', async () => {
    const w = world();
    const rt = await masters(w, grouped({}));
    const eth0 = w.transport('eth0');
    const reloading = rt.reload(load({ ...BASE, vrrp_sync_groups: { G: { group: ['VI_1'] } } }));
    await w.clock.advanceAsync(3000);
    const summary = await reloading;
    expect(summary).toMatchObject({ kept: ['VI_1'], replaced: ['VI_2'] });
    expect(w.lines.some((l) => l.msg.startsWith('sync group has only one instance') && l.fields.syncGroup === 'G')).toBe(true);
    expect(eth0.closed).toBe(false);
    expect(rt.groupState('G')).toBe('MASTER');
    // The group now follows VI_1 alone.
    w.links[0]?.set('eth0', false);
    expect(rt.groupState('G')).toBe('FAULT');
    expect(rt.state('VI_2')?.state).toBe('backup');
  });
});
