/**
 * `lvsd run -c FILE [--node NAME] [--keep-ipvs]`: the director daemon. Builds the real adapters (IPVS over generic
 * netlink, the checkers, VRRP's sockets and rtnetlink, notify programs run as the configured user) and turns
 * signals into the daemon's calls:
 * - SIGHUP: reload. The file is validated first; a broken one is refused with its positioned errors in the log,
 *   and the running config, the kernel table and VRRP are untouched.
 * - SIGTERM: planned stop (a VRRP master hands over make-before-break), then the managed IPVS services and sync
 *   daemons are removed unless --keep-ipvs; SIGINT: the same, without waiting for a successor.
 * Logs go to standard output as JSON lines (pino). Exit status: 0 stopped, 1 config or start error, 2 usage error.
 */
import { pino } from 'pino';
import { createChecker } from '../../checks/index.js';
import { systemClock } from '../clock.js';
import { ConfigFileLoader, formatConfigError, type ResolvedConfig } from '../config/index.js';
import { DirectorDaemon } from '../director/daemon.js';
import { openIpvsAtStart, systemModprobeIpvs } from '../director/open-ipvs.js';
import { openIpvs } from '../ipvs/netlink-client.js';
import type { Logger } from '../logger.js';
import { systemVrrpAdapters } from '../vrrp/adapters.js';
import { type ScriptCredentials, UserResolver, runNotify } from '../vrrp/io/run-as.js';
import { type ConfigCommandArgs, loadConfigOrReport, parseConfigCommandArgs } from './config-command.js';

export { interfaceAddress } from '../vrrp/adapters.js';

const USAGE = `Usage: lvsd run -c FILE [--node NAME] [--keep-ipvs]

Runs the director for one node of FILE (the node named by --node, else this host's name): the IPVS
table of its virtual servers, kept equal to their health, the VRRP instances, and the kernel's
connection-sync daemons in the roles VRRP decides. Logs go to standard output as JSON lines.
SIGHUP reloads FILE (a broken file is refused and nothing changes). SIGTERM stops with a planned
VRRP handover; SIGINT stops at once. On either, the IPVS services and sync daemons lvsd manages
are removed, unless --keep-ipvs.

Options:
  -c, --config FILE   the config file (required)
  -n, --node NAME     run as this node instead of this host's name
      --keep-ipvs     leave the IPVS table and sync daemons in place on stop (restart, upgrade)
  -h, --help          show this help
`;

/** The credentials notify programs run with (global.script_user), resolved at start. */
function notifyCredentials(config: ResolvedConfig): ScriptCredentials | undefined {
  const user = config.global.script_user;
  return user === undefined ? undefined : new UserResolver().resolve(user);
}

/** Reads and validates FILE again; logs its errors and resolves to undefined when it is broken. */
async function reloadConfig(loader: ConfigFileLoader, file: string, node: string, log: Logger): Promise<ResolvedConfig | undefined> {
  try {
    const result = await loader.load(file, { node });
    if (result.ok) return result.config;
    for (const e of result.errors) log.error({ file: e.file, line: e.line, column: e.column, path: e.path }, formatConfigError(e));
    log.error({ file, errors: result.errors.length }, 'reload refused: the configuration has errors; nothing changed');
  } catch (err) {
    log.error({ file, err: err instanceof Error ? err.message : String(err) }, 'reload refused: the configuration cannot be read');
  }
  return undefined;
}

/** `lvsd run ARGV`: resolves with the exit status once stopped. */
export async function runRun(argv: string[]): Promise<number> {
  let args: ConfigCommandArgs;
  try {
    args = parseConfigCommandArgs(argv, { keepIpvs: true });
  } catch (err) {
    process.stderr.write(`lvsd run: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { file, keepIpvs } = args;
  // One loader for the start and every reload: an unchanged file is recognised and not validated again.
  const loader = new ConfigFileLoader();
  const loaded = await loadConfigOrReport('lvsd run', file, args.node, process.stderr, { loader });
  if (loaded === 1) return 1;
  const config: ResolvedConfig = loaded;
  const log = pino({ base: { node: config.node }, level: config.logging.level ?? 'info' });

  const adapters = systemVrrpAdapters(log);
  let daemon: DirectorDaemon;
  try {
    const creds = notifyCredentials(config);
    let opened = false;
    daemon = await DirectorDaemon.start(config, {
      clock: systemClock,
      log,
      openIpvs: () => {
        // The first open may load ip_vs (as ipvsadm does); a reopen after a lost socket just opens.
        if (opened) return openIpvs();
        opened = true;
        return openIpvsAtStart(() => openIpvs(), systemModprobeIpvs);
      },
      checkerFor: (check) => createChecker(check),
      vrrp: adapters.deps,
      notify: (argv) => runNotify(argv, creds, log),
    });
  } catch (err) {
    adapters.close();
    process.stderr.write(`lvsd run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    let reloads: Promise<void> = Promise.resolve();
    const reload = () => {
      if (stopping) return;
      reloads = reloads.then(async () => {
        if (stopping) return;
        const started = performance.now();
        const next = await reloadConfig(loader, file, daemon.config.node, log);
        if (next === undefined || stopping) return;
        try {
          const summary = await daemon.reload(next);
          log.info({ ...summary, ms: Math.round(performance.now() - started) }, 'reloaded');
        } catch (err) {
          log.error({ err: err instanceof Error ? err.message : String(err) }, 'reload failed; the previous configuration stays in force');
        }
      });
    };
    const stop = (immediate: boolean) => {
      if (stopping && !immediate) return;
      stopping = true;
      void reloads
        .then(() => daemon.stop({ immediate, keepIpvs }))
        .catch((err: unknown) => log.error({ err: String(err) }, 'stop failed'))
        .finally(() => {
          adapters.close();
          log.info({}, 'stopped');
          resolve(0);
        });
    };
    process.on('SIGHUP', reload);
    process.on('SIGTERM', () => stop(false));
    process.on('SIGINT', () => stop(true));
  });
}
