/**
 * `lvsd check -c FILE [--node NAME] [--json]`: validates a config file and prints the model resolved for a node
 * (YAML, or JSON with --json). Exit status: 0 valid, 1 invalid or unreadable, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { formatConfigError, loadConfigFile } from '../config/index.js';
import { LvsdError, UsageError } from '../errors.js';

const USAGE = `Usage: lvsd check -c FILE [--node NAME] [--json]

Validates FILE and prints the configuration resolved for one node: the node named by
--node, else the one named like this host. Problems go to standard error, one per line
as FILE:LINE:COLUMN: PATH: MESSAGE.

Options:
  -c, --config FILE   the config file (required)
  -n, --node NAME     resolve for this node instead of this host's name
      --json          print the resolved model as JSON instead of YAML
  -h, --help          show this help
`;

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        node: { type: 'string', short: 'n' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { help: true as const };
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.config === undefined || values.config === '') throw new UsageError('missing -c FILE');
    if (values.node === '') throw new UsageError('--node needs a name');
    return { help: false as const, file: values.config, node: values.node, json: values.json };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

export async function runCheck(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`lvsd check: ${(err as Error).message}\n\n${USAGE}`);
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
      process.stderr.write(`lvsd check: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  if (!result.ok) {
    for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
    const n = result.errors.length;
    process.stderr.write(`${n} error${n === 1 ? '' : 's'} in ${args.file}\n`);
    return 1;
  }
  const model = result.config;
  process.stdout.write(
    args.json
      ? `${JSON.stringify(model, null, 2)}\n`
      : `# ${args.file} resolved for node ${model.node}\n${stringify(model, { aliasDuplicateObjects: false, lineWidth: 0 })}`,
  );
  return 0;
}
