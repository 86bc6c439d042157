/**
 * `lvsd check -c FILE [--node NAME] [--json]`: validates a config file and prints the model resolved for a node
 * (YAML, or JSON with --json). Exit status: 0 valid, 1 invalid or unreadable, 2 usage error.
 */
import { stringify } from 'yaml';
import { type ConfigCommandArgs, loadConfigOrReport, parseConfigCommandArgs } from './config-command.js';

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

export async function runCheck(argv: string[]): Promise<number> {
  let args: ConfigCommandArgs;
  try {
    args = parseConfigCommandArgs(argv, { json: true });
  } catch (err) {
    process.stderr.write(`lvsd check: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const model = await loadConfigOrReport('lvsd check', args.file, args.node, process.stderr, { summary: true });
  if (model === 1) return 1;
  process.stdout.write(
    args.json
      ? `${JSON.stringify(model, null, 2)}\n`
      : `# ${args.file} resolved for node ${model.node}\n${stringify(model, { aliasDuplicateObjects: false, lineWidth: 0 })}`,
  );
  return 0;
}
