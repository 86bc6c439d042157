/**
 * The live comparisons need the real ipvsadm and a C compiler (for the LD_PRELOAD shim). When either
 * is missing the test file fails with the reason (scripts/bootstrap.sh installs both): never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function requireLiveTools(ipvsadm: string): true {
  if (!existsSync(ipvsadm))
    throw new Error(`live lvsadm tests: ${ipvsadm} is missing (apt-get install ipvsadm, or run scripts/bootstrap.sh)`);
  if (spawnSync('cc', ['--version']).status !== 0)
    throw new Error('live lvsadm tests: no C compiler `cc` (apt-get install gcc libc6-dev, or run scripts/bootstrap.sh)');
  return true;
}
