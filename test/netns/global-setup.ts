/** Fails the netns suite with its reason when it cannot run here (not root, no iproute2, no netns). */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.getuid?.() !== 0) throw new Error('netns suite: must run as root (it creates network namespaces)');
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('netns suite: iproute2 (`ip`) is not installed; run scripts/bootstrap.sh');
  }
  const probe = `lvsd-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`netns suite: cannot create a network namespace: ${String((err as Error).message)}`);
  }
}
