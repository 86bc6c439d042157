/**
 * `lvsd run -c FILE [--node NAME]`: runs the VRRP instances of a config (as `keepalived -P` runs only the VRRP
 * side): addresses, adverts over the `ip` or `udp` transport, gratuitous ARPs / NAs and notify scripts.
 * Transitions are logged as JSON lines (pino) with {vrid, instance, from, to, priority}.
 * Also: tracked interfaces, vrrp_scripts and track files; sync groups (members move together, group notify);
 * Accept_Mode off (`accept: false`) enforced with an nftables table of our own while master; scripts and notify
 * programs run as `global.script_user` / a script's `user`.
 * SIGTERM: planned stop (a master hands over make-before-break, keeping its addresses until the new master speaks);
 * SIGINT: immediate stop (priority 0 advert, addresses removed at once). Exit status: 0 stopped, 1 config or start
 * error, 2 usage error. The VRRP wiring is src/vrrp/runtime.ts; this builds the real adapters, starts it and turns
 * signals into its stop.
 */
import { pino } from 'pino';
import type { ResolvedConfig } from '../config/index.js';
import { systemVrrpAdapters } from '../vrrp/adapters.js';
import { VrrpRuntime } from '../vrrp/runtime.js';
import { type ConfigCommandArgs, loadConfigOrReport, parseConfigCommandArgs } from './config-command.js';

export { interfaceAddress } from '../vrrp/adapters.js';

const USAGE = `Usage: lvsd run -c FILE [--node NAME]

Runs the VRRP instances of FILE for one node (the one named by --node, else this host's name).
Logs go to standard output as JSON lines. SIGTERM stops with a planned handover (the master keeps
its addresses until the new master is heard); SIGINT stops at once.

Options:
  -c, --config FILE   the config file (required)
  -n, --node NAME     run as this node instead of this host's name
  -h, --help          show this help
`;

/** `lvsd run ARGV`: resolves with the exit status once stopped. */
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

  const adapters = systemVrrpAdapters(log);
  let runtime: VrrpRuntime;
  try {
    runtime = await VrrpRuntime.start(config, adapters.deps);
  } catch (err) {
    adapters.close();
    process.stderr.write(`lvsd run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let done = false;
    const stop = (immediate: boolean) => {
      void runtime.stop({ immediate }).then(() => {
        if (done) return;
        done = true;
        adapters.close();
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop(false));
    process.on('SIGINT', () => stop(true));
  });
}
