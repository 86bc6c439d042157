/**
 * `lvsd run -c FILE [--node NAME]`: runs the VRRP instances of a config (as `keepalived -P` runs only the VRRP
 * side): addresses, adverts over the `ip` or `udp` transport, gratuitous ARPs / NAs and notify scripts.
 * Transitions are logged as JSON lines (pino) with {vrid, instance, from, to, priority}.
 * SIGTERM: planned stop (a master hands over make-before-break, keeping its addresses until the new master speaks);
 * SIGINT: immediate stop (priority 0 advert, addresses removed at once). Exit status: 0 stopped, 1 config or start
 * error, 2 usage error.
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { systemClock } from '../clock.js';
import { type ResolvedConfig, type ResolvedVrrpInstance, formatConfigError, loadConfigFile } from '../config/index.js';
import { LvsdError, UsageError } from '../errors.js';
import { AddressManager } from '../rtnl/addresses.js';
import { LinkMonitor } from '../rtnl/links.js';
import { addrFamily, canonicalAddr } from '../vrrp/addr.js';
import { VrrpInstance } from '../vrrp/instance.js';
import { InstanceIo, type VipSpec } from '../vrrp/io/instance-io.js';
import { IpTransport } from '../vrrp/io/ip.js';
import type { ReceivedMeta, VrrpTransport } from '../vrrp/io/transport.js';
import { UdpTransport } from '../vrrp/io/udp.js';
import { machineParamsFromConfig, trackingFromConfig } from '../vrrp/params.js';
import { ScriptRunner } from '../vrrp/script-runner.js';
import { type TrackStatus, type TrackingConfig, evaluateTracking } from '../vrrp/tracking.js';

const USAGE = `Usage: lvsd run -c FILE [--node NAME]

Runs the VRRP instances of FILE for one node (the one named by --node, else this host's name).
Logs go to standard output as JSON lines. SIGTERM stops with a planned handover (the master keeps
its addresses until the new master is heard); SIGINT stops at once.

Options:
  -c, --config FILE   the config file (required)
  -n, --node NAME     run as this node instead of this host's name
  -h, --help          show this help
`;

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        node: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { help: true as const };
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.config === undefined || values.config === '') throw new UsageError('missing -c FILE');
    if (values.node === '') throw new UsageError('--node needs a name');
    return { help: false as const, file: values.config, node: values.node };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** Runs a vrrp_script once (argv, no shell): true when it exits 0. Aborting kills it. */
function runScript(argv: readonly string[], signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      resolve(false);
      return;
    }
    const child = spawn(cmd, args, { stdio: 'ignore', signal, killSignal: 'SIGKILL' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

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
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`lvsd run: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let result: Awaited<ReturnType<typeof loadConfigFile>>;
  try {
    result = await loadConfigFile(args.file, args.node !== undefined ? { node: args.node } : {});
  } catch (err) {
    if (err instanceof LvsdError) {
      process.stderr.write(`lvsd run: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (!result.ok) {
    for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
    return 1;
  }
  const config: ResolvedConfig = result.config;
  const log = pino({ base: { node: config.node }, level: config.logging.level ?? 'info' });
  if (config.virtual_servers.length > 0)
    log.warn({ count: config.virtual_servers.length }, 'virtual servers are ignored by lvsd run (VRRP only)');
  if (Object.keys(config.vrrp_sync_groups).length > 0) log.warn({}, 'sync groups are not supported by lvsd run yet');

  const addresses = new AddressManager();
  const running: Running[] = [];
  const scriptStatus = new Map<string, TrackStatus>();
  const runners: ScriptRunner[] = [];
  let links: LinkMonitor | undefined;
  const closeAll = () => {
    for (const r of runners) r.stop();
    links?.close();
    for (const r of running) {
      r.transport.close();
      r.io.close();
    }
    addresses.close();
  };
  /** Tracking's verdict for one instance, given to it when it changed. */
  const evaluate = (r: Running) => {
    const v = evaluateTracking(r.tracking, { interfaces: links?.states ?? new Map(), scripts: scriptStatus, files: new Map() });
    const s = r.inst.state;
    if (v.fault !== s.fault) log.info({ instance: r.inst.name, fault: v.fault, reasons: v.reasons }, 'tracking');
    r.inst.setFault(v.fault);
    if (v.priority !== (s.trackedPriority ?? s.basePriority)) {
      log.info({ instance: r.inst.name, priority: v.priority }, 'tracked priority');
      r.inst.setPriority(v.priority);
    }
  };
  try {
    const instances = Object.values(config.vrrp_instances);
    // keepalived tracks each instance's own interface too (weight 0: down means fault).
    const linkNames = new Set(instances.flatMap((i) => [i.interface, ...i.track_interface.map((t) => t.name)]));
    links = await LinkMonitor.open([...linkNames]);
    links.on((name, up) => {
      log.info({ interface: name, up }, 'link');
      for (const r of running) evaluate(r);
    });
    for (const inst of instances) {
      if (inst.track_file.length > 0) log.warn({ instance: inst.name }, 'track_file is not supported by lvsd run yet; ignored');
      const t = trackingFromConfig(inst, config.vrrp_scripts);
      for (const n of t.notes) log.warn({ instance: inst.name, ...n }, 'tracking setting changed as keepalived does');
      const tracking: TrackingConfig = {
        ...t.config,
        interfaces: t.config.interfaces.some((x) => x.name === inst.interface)
          ? t.config.interfaces
          : [...t.config.interfaces, { name: inst.interface, weight: 0 }],
        files: [],
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
  } catch (err) {
    closeAll();
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
      run: (signal) => runScript(def.script, signal),
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
