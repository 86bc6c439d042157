/**
 * `lvsd run -c FILE [--node NAME]`: runs the VRRP instances of a config (as `keepalived -P` runs only the VRRP
 * side): addresses, adverts over the `ip` or `udp` transport, gratuitous ARPs / NAs and notify scripts.
 * Transitions are logged as JSON lines (pino) with {vrid, instance, from, to, priority}.
 * Also: tracked interfaces, vrrp_scripts and track files; sync groups (members move together, group notify);
 * Accept_Mode off (`accept: false`) enforced with an nftables table of our own while master; scripts and notify
 * programs run as `global.script_user` / a script's `user`.
 * SIGTERM: planned stop (a master hands over make-before-break, keeping its addresses until the new master speaks);
 * SIGINT: immediate stop (priority 0 advert, addresses removed at once). Exit status: 0 stopped, 1 config or start
 * error, 2 usage error.
 */
import { networkInterfaces } from 'node:os';
import { pino } from 'pino';
import { systemClock } from '../clock.js';
import type { ResolvedConfig, ResolvedVrrpInstance } from '../config/index.js';
import { AddressManager } from '../rtnl/addresses.js';
import { LinkMonitor } from '../rtnl/links.js';
import { addrFamily, canonicalAddr } from '../vrrp/addr.js';
import { PRIORITY_OWNER } from '../vrrp/constants.js';
import { VrrpInstance } from '../vrrp/instance.js';
import { AcceptFilter } from '../vrrp/io/accept-filter.js';
import { SyncGroupNotifier } from '../vrrp/io/group-notify.js';
import { InstanceIo, type VipSpec } from '../vrrp/io/instance-io.js';
import { IpTransport } from '../vrrp/io/ip.js';
import { type ScriptCredentials, UserResolver, runCheckScript, runNotify } from '../vrrp/io/run-as.js';
import type { ReceivedMeta, VrrpTransport } from '../vrrp/io/transport.js';
import { UdpTransport } from '../vrrp/io/udp.js';
import { machineParamsFromConfig, trackingFromConfig } from '../vrrp/params.js';
import { ScriptRunner } from '../vrrp/script-runner.js';
import { SyncGroupLink } from '../vrrp/sync-link.js';
import { TrackFileWatcher } from '../vrrp/track-file.js';
import { type TrackStatus, type TrackingConfig, evaluateTracking } from '../vrrp/tracking.js';
import { type ConfigCommandArgs, loadConfigOrReport, parseConfigCommandArgs } from './config-command.js';

const USAGE = `Usage: lvsd run -c FILE [--node NAME]

Runs the VRRP instances of FILE for one node (the one named by --node, else this host's name).
Logs go to standard output as JSON lines. SIGTERM stops with a planned handover (the master keeps
its addresses until the new master is heard); SIGINT stops at once.

Options:
  -c, --config FILE   the config file (required)
  -n, --node NAME     run as this node instead of this host's name
  -h, --help          show this help
`;

/**
 * Our address on an interface for the advert source: IPv4, the first address that is not a virtual one; IPv6, the
 * link-local address (RFC 5798 section 5.1.2.1).
 */
export function interfaceAddress(ifname: string, family: 'ipv4' | 'ipv6', exclude: readonly string[]): string | undefined {
  const list = networkInterfaces()[ifname] ?? [];
  const skip = new Set(exclude.map((a) => canonicalAddr(a) ?? a));
  for (const a of list) {
    const fam = a.family === 'IPv4' ? 'ipv4' : 'ipv6';
    if (fam !== family) continue;
    const addr = canonicalAddr(a.address.replace(/%.*$/, ''));
    if (addr === undefined || skip.has(addr)) continue;
    if (family === 'ipv6' && !addr.startsWith('fe80:')) continue;
    return addr;
  }
  return undefined;
}

interface Running {
  readonly inst: VrrpInstance;
  readonly tracking: TrackingConfig;
  readonly io: InstanceIo;
  readonly transport: VrrpTransport;
  /** The sync group the instance is in: its own tracking fault goes there. */
  group?: SyncGroupLink;
  /** Its own tracking verdict (a sync group member's state shows the group's). */
  ownFault?: boolean;
}

async function openTransport(
  inst: ResolvedVrrpInstance,
  localAddress: string,
  group: string | undefined,
  onMessage: (buf: Uint8Array, meta: ReceivedMeta) => void,
  onError: (err: unknown) => void,
): Promise<VrrpTransport> {
  const base = { family: inst.family, ifname: inst.interface, localAddress, onMessage, onError, ...(group ? { group } : {}) };
  if (inst.transport.type === 'udp') return UdpTransport.open({ ...base, port: inst.transport.port });
  return new IpTransport(base);
}

export async function runRun(argv: string[]): Promise<number> {
  let args: ConfigCommandArgs;
  try {
    args = parseConfigCommandArgs(argv);
  } catch (err) {
    process.stderr.write(`lvsd run: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const loaded = await loadConfigOrReport('lvsd run', args.file, args.node, process.stderr);
  if (loaded === 1) return 1;
  const config: ResolvedConfig = loaded;
  const log = pino({ base: { node: config.node }, level: config.logging.level ?? 'info' });
  if (config.virtual_servers.length > 0)
    log.warn({ count: config.virtual_servers.length }, 'virtual servers are ignored by lvsd run (VRRP only)');

  const addresses = new AddressManager();
  const running: Running[] = [];
  const scriptStatus = new Map<string, TrackStatus>();
  const fileValues = new Map<string, number>();
  const runners: ScriptRunner[] = [];
  const fileWatchers: TrackFileWatcher[] = [];
  const groups: { link: SyncGroupLink; notifier: SyncGroupNotifier }[] = [];
  let links: LinkMonitor | undefined;
  let acceptFilter: AcceptFilter | undefined;
  const closeAll = () => {
    for (const r of runners) r.stop();
    for (const w of fileWatchers) w.stop();
    links?.close();
    for (const g of groups) {
      g.link.close();
      g.notifier.close();
    }
    for (const r of running) {
      r.transport.close();
      r.io.close();
    }
    addresses.close();
  };
  /** Removes our filter table (at exit, and when the start fails). */
  const closeFilter = async () => {
    await acceptFilter?.close().catch((err: unknown) => log.error({ err: String(err) }, 'removing the accept filter failed'));
  };
  /** Tracking's verdict for one instance, given to it (or to its sync group) when it changed. */
  const evaluate = (r: Running) => {
    const v = evaluateTracking(r.tracking, { interfaces: links?.states ?? new Map(), scripts: scriptStatus, files: fileValues });
    const s = r.inst.state;
    if (v.fault !== (r.ownFault ?? s.fault)) log.info({ instance: r.inst.name, fault: v.fault, reasons: v.reasons }, 'tracking');
    r.ownFault = v.fault;
    if (r.group !== undefined) r.group.setOwnFault(r.inst.name, v.fault);
    else r.inst.setFault(v.fault);
    if (v.priority !== (s.trackedPriority ?? s.basePriority)) {
      log.info({ instance: r.inst.name, priority: v.priority }, 'tracked priority');
      r.inst.setPriority(v.priority);
    }
  };
  const users = new UserResolver();
  let notifyUser: ScriptCredentials | undefined;
  const scriptUsers = new Map<string, ScriptCredentials | undefined>();
  try {
    const instances = Object.values(config.vrrp_instances);
    // Who scripts run as: resolved now, so an unknown user stops the start rather than a script running as root.
    if (config.global.script_user !== undefined) notifyUser = users.resolve(config.global.script_user);
    const usedScripts = new Set(instances.flatMap((i) => i.track_script.map((t) => t.name)));
    for (const name of usedScripts) {
      const user = config.vrrp_scripts[name]?.user;
      scriptUsers.set(name, user !== undefined ? users.resolve(user) : undefined);
    }
    const groupDefs = Object.values(config.vrrp_sync_groups);
    const hasNotify =
      instances.some((i) => [i.notify, i.notify_master, i.notify_backup, i.notify_fault, i.notify_stop].some((n) => n !== undefined)) ||
      groupDefs.some((g) => [g.notify, g.notify_master, g.notify_backup, g.notify_fault, g.notify_stop].some((n) => n !== undefined));
    const asRoot = process.getuid?.() === 0;
    if (asRoot && ((hasNotify && notifyUser === undefined) || [...scriptUsers.values()].some((u) => u === undefined)))
      log.warn({}, 'scripts run as root: set global.script_user (or a vrrp_script user) to run them as another user');
    // Accept_Mode off, for an instance that is not the address owner: an nftables table drops traffic to its
    // addresses while it is master. A predecessor's table is replaced; nft missing means we cannot keep the promise.
    if (instances.some((i) => !i.accept && i.priority !== PRIORITY_OWNER)) {
      acceptFilter = new AcceptFilter();
      try {
        await acceptFilter.reset();
      } catch (err) {
        acceptFilter = undefined;
        throw new Error(`accept: false needs nftables (the nft command): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // Track files: the value each holds, read once now and followed from then on.
    const usedFiles = new Set(instances.flatMap((i) => i.track_file.map((t) => t.name)));
    for (const name of usedFiles) {
      const def = config.vrrp_track_files[name];
      if (def === undefined) continue;
      const w = new TrackFileWatcher({
        name,
        path: def.file,
        clock: systemClock,
        onChange: (value) => {
          fileValues.set(name, value);
          log.info({ trackFile: name, value }, 'track file');
          for (const r of running) evaluate(r);
        },
        onWarning: (message, detail) => log.warn(detail, message),
      });
      fileWatchers.push(w);
      await w.start();
      fileValues.set(name, w.value);
    }
    // keepalived tracks each instance's own interface too (weight 0: down means fault).
    const linkNames = new Set(instances.flatMap((i) => [i.interface, ...i.track_interface.map((t) => t.name)]));
    links = await LinkMonitor.open([...linkNames]);
    links.on((name, up) => {
      log.info({ interface: name, up }, 'link');
      for (const r of running) evaluate(r);
    });
    for (const inst of instances) {
      const t = trackingFromConfig(inst, config.vrrp_scripts);
      for (const n of t.notes) log.warn({ instance: inst.name, ...n }, 'tracking setting changed as keepalived does');
      const tracking: TrackingConfig = {
        ...t.config,
        interfaces: t.config.interfaces.some((x) => x.name === inst.interface)
          ? t.config.interfaces
          : [...t.config.interfaces, { name: inst.interface, weight: 0 }],
      };
      const allVips = [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded];
      const local = interfaceAddress(
        inst.interface,
        inst.family,
        allVips.map((v) => v.address),
      );
      const { spec, notes } = machineParamsFromConfig(inst, {
        ...(local !== undefined ? { localAddress: local } : {}),
        global: config.global,
      });
      for (const n of notes) log.warn({ instance: inst.name, field: n.field }, n.message);
      const vips: VipSpec[] = allVips.map((v) => ({
        address: v.address,
        prefix: v.prefix,
        family: v.family ?? addrFamily(v.address) ?? inst.family,
        dev: v.dev,
        label: v.label,
        broadcast: v.brd,
        scope: v.scope,
      }));
      const vrid = spec.wire.vrid;
      let instance: VrrpInstance | undefined;
      const transport = await openTransport(
        inst,
        spec.machine.localAddress,
        spec.wire.unicast ? undefined : spec.wire.destinations[0],
        (buf, meta) => instance?.receive(buf, meta),
        (err) => log.warn({ instance: inst.name, vrid, err: String(err) }, 'transport error'),
      );
      const io = new InstanceIo({
        name: inst.name,
        vrid,
        transport,
        addresses,
        vips,
        log,
        notify: {
          master: inst.notify_master,
          backup: inst.notify_backup,
          fault: inst.notify_fault,
          stop: inst.notify_stop,
          any: inst.notify,
        },
        ...(notifyUser !== undefined ? { scriptUser: notifyUser } : {}),
        ...(acceptFilter !== undefined ? { acceptFilter } : {}),
      });
      instance = new VrrpInstance(spec, systemClock, io);
      running.push({ inst: instance, io, transport, tracking });
      instance.on((e) => {
        if (e.type === 'transition') log.info({ vrid, instance: inst.name, from: e.from, to: e.to, priority: e.priority }, 'transition');
        else if (e.type === 'ioError')
          log.error(
            { vrid, instance: inst.name, action: e.action, err: e.error instanceof Error ? e.error.stack : String(e.error) },
            'I/O error',
          );
        else if (e.type === 'anomaly') log.warn({ vrid, instance: inst.name, kind: e.kind, detail: e.detail }, 'anomaly');
      });
      // A predecessor killed while master leaves its addresses behind.
      await io.removeStale();
    }
    // Sync groups: the members' transitions drive each other and their tracking faults are pooled.
    for (const [name, def] of Object.entries(config.vrrp_sync_groups)) {
      const members = running.filter((r) => def.group.includes(r.inst.name));
      if (members.length === 0) continue;
      if (members.length === 1) log.warn({ syncGroup: name }, 'sync group has only one instance; this probably is not what you want');
      const insts = members.map((r) => r.inst);
      const link = new SyncGroupLink(name, insts);
      for (const r of members) r.group = link;
      const notifier = new SyncGroupNotifier({
        name,
        members: insts,
        notify: { master: def.notify_master, backup: def.notify_backup, fault: def.notify_fault, stop: def.notify_stop, any: def.notify },
        run: (argv) => runNotify(argv, notifyUser, log),
        onChange: (state, from) => log.info({ syncGroup: name, from: from ?? 'INIT', to: state }, 'sync group'),
      });
      groups.push({ link, notifier });
    }
  } catch (err) {
    closeAll();
    await closeFilter();
    process.stderr.write(`lvsd run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  const used = new Set(running.flatMap((r) => r.tracking.scripts.map((x) => x.name)));
  for (const name of used) {
    const def = config.vrrp_scripts[name];
    if (def === undefined) continue;
    const runner = new ScriptRunner({
      name,
      rise: def.rise,
      fall: def.fall,
      intervalMs: def.interval * 1000,
      timeoutMs: def.timeout * 1000,
      clock: systemClock,
      run: (signal) => runCheckScript(def.script, scriptUsers.get(name), signal),
      onChange: (status) => {
        scriptStatus.set(name, status);
        log.info({ script: name, status }, 'vrrp_script');
        for (const r of running) evaluate(r);
      },
    });
    runners.push(runner);
  }
  for (const r of running) evaluate(r);
  for (const r of running) r.inst.start();
  for (const r of runners) r.start();
  log.info({ instances: running.map((r) => r.inst.name) }, 'running');

  return new Promise<number>((resolve) => {
    let stopping = false;
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      await Promise.all(running.map((r) => r.io.idle()));
      closeAll();
      await closeFilter();
      log.info({}, 'stopped');
      resolve(0);
    };
    const stop = (immediate: boolean) => {
      if (stopping && !immediate) return;
      const first = !stopping;
      stopping = true;
      log.info({ immediate }, 'stopping');
      for (const r of running) r.inst.stop({ immediate });
      const allStopped = () => running.every((r) => r.inst.state.name === 'initialize');
      if (allStopped()) {
        void finish();
        return;
      }
      if (!first) return;
      // Planned: wait for the leaving masters to hear their successors (bounded by the machine's handover timeout).
      const offs = running.map((r) =>
        r.inst.on((e) => {
          if (e.type === 'transition' && allStopped()) {
            for (const off of offs) off();
            void finish();
          }
        }),
      );
    };
    process.on('SIGTERM', () => stop(false));
    process.on('SIGINT', () => stop(true));
  });
}
