/**
 * What `lvsd check` and `lvsd run` share: the `-c FILE [--node NAME]` options and loading the config
 * with its errors reported the same way (FILE:LINE:COLUMN: PATH: MESSAGE, one per line).
 */
import { parseArgs } from 'node:util';
import { type ConfigFileLoader, type ResolvedConfig, formatConfigError, loadConfigFile } from '../config/index.js';
import { LvsdError, UsageError } from '../errors.js';

/** Parsed `-c FILE [--node NAME] [--json] [--keep-ipvs]`, or a request for help. */
export type ConfigCommandArgs = { help: true } | { help: false; file: string; node: string | undefined; json: boolean; keepIpvs: boolean };

/**
 * Parses the options of a config-driven command; `--json` is accepted only when `json` is set, `--keep-ipvs` only
 * when `keepIpvs` is.
 * @throws UsageError on anything else
 */
export function parseConfigCommandArgs(
  argv: string[],
  { json = false, keepIpvs = false }: { json?: boolean; keepIpvs?: boolean } = {},
): ConfigCommandArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        node: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h', default: false },
        ...(json ? { json: { type: 'boolean', default: false } as const } : {}),
        ...(keepIpvs ? { 'keep-ipvs': { type: 'boolean', default: false } as const } : {}),
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { help: true };
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.config === undefined || values.config === '') throw new UsageError('missing -c FILE');
    if (values.node === '') throw new UsageError('--node needs a name');
    return { help: false, file: values.config, node: values.node, json: values.json === true, keepIpvs: values['keep-ipvs'] === true };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/**
 * Loads and resolves the config for a node. On failure the problems are written to `stderr`
 * (prefixed with `command` when the file cannot be read, one positioned line per error otherwise,
 * followed by `summary` when given) and the exit status 1 is returned instead of a config.
 */
export async function loadConfigOrReport(
  command: string,
  file: string,
  node: string | undefined,
  stderr: { write(s: string): unknown },
  { summary = false, loader }: { summary?: boolean; loader?: ConfigFileLoader } = {},
): Promise<ResolvedConfig | 1> {
  let result: Awaited<ReturnType<typeof loadConfigFile>>;
  try {
    const opts = node !== undefined ? { node } : {};
    result = loader !== undefined ? await loader.load(file, opts) : await loadConfigFile(file, opts);
  } catch (err) {
    if (err instanceof LvsdError) {
      stderr.write(`${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (result.ok) return result.config;
  for (const e of result.errors) stderr.write(`${formatConfigError(e)}\n`);
  if (summary) {
    const n = result.errors.length;
    stderr.write(`${n} error${n === 1 ? '' : 's'} in ${file}\n`);
  }
  return 1;
}
