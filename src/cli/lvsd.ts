#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * lvsd: the director daemon's command line. Subcommands live in their own modules and are loaded lazily,
 * so `lvsd --help` stays fast and a subcommand's dependencies load only when it runs.
 *
 * `npm run build` bundles this entry point and everything it imports (npm packages aside) into one CommonJS file
 * with a V8 code cache (scripts/bundle-cli.mjs): dist/src/cli/lvsd.js is a stub that runs it, because resolving and
 * compiling dozens of ES modules was seconds of every start under emulation. So no top-level await here, and a use
 * of import.meta anywhere below must be checked against the bundle's path (the script says how).
 *
 * The hashbang gives V8 a 4 MB young-generation semi-space instead of 16 MB: the daemon's checks allocate
 * short-lived objects at a steady rate, and the young generation's size is most of what its RSS grows by
 * (`npm run bench -- checks` runs its engine with the flags of this line).
 */
import { VERSION } from '../version.js';

const USAGE = `lvsd ${VERSION} - health-checking HA director for Linux IPVS

Usage:
  lvsd check -c FILE [--node NAME] [--json]   validate a config and print the resolved model for a node
  lvsd genhash [options] URL                  print the MD5 digest of URL's body for an http check's digest
  lvsd run -c FILE [--node NAME] [--keep-ipvs] run the director: IPVS from config and health, VRRP, sync daemons
  lvsd --help | -h                            show this help
  lvsd --version | -v                         show the version

The config file describes the whole director pair; each node picks its section by
hostname or --node. See conf/ for examples and conf/lvsd.schema.json for the schema.
`;

type Subcommand = (argv: string[]) => Promise<number>;

const subcommands: Record<string, () => Promise<Subcommand>> = {
  check: async () => (await import('./check.js')).runCheck,
  genhash: async () => (await import('./genhash.js')).runGenhash,
  run: async () => (await import('./run.js')).runRun,
};

/** Runs lvsd with the given arguments and resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`lvsd ${VERSION}\n`);
    return 0;
  }
  const load = subcommands[first];
  if (!load) {
    process.stderr.write(`lvsd: unknown command '${first}'\n\n${USAGE}`);
    return 2;
  }
  const run = await load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lvsd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
