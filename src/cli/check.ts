/** `lvsd check`: placeholder until the config model lands. */
export async function runCheck(_argv: string[]): Promise<number> {
  process.stderr.write('lvsd check: not implemented yet\n');
  return 1;
}
