/**
 * Fails the kernel suite, with the reason, when it cannot run here: it needs root and a kernel with
 * IPVS, i.e. the kernel lab (`bash scripts/kernel-lab.sh run -- npx vitest run --project kernel`).
 * Nothing is skipped: a missing IPVS is an error, not a reason to pass.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function where(): string {
  return process.env.LVSD_KERNEL_LAB === '1'
    ? 'inside the kernel lab'
    : 'not inside the kernel lab (LVSD_KERNEL_LAB unset; run it through scripts/kernel-lab.sh)';
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export default function setup(): void {
  if (process.getuid?.() !== 0) throw new Error(`kernel suite: must run as root (${where()})`);
  try {
    run('modprobe', ['ip_vs']);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kernel suite: \`modprobe ip_vs\` failed, ${where()}: ${(e.stderr || e.message).trim()}`);
  }
  if (!existsSync('/proc/net/ip_vs')) {
    throw new Error(`kernel suite: /proc/net/ip_vs is missing after modprobe ip_vs, ${where()}`);
  }
  for (const [tool, probe] of [
    ['ipvsadm', ['--version']],
    ['ip', ['-V']],
  ] as const) {
    try {
      run(tool, [...probe]);
    } catch {
      throw new Error(`kernel suite: \`${tool}\` is not installed (run scripts/bootstrap.sh), ${where()}`);
    }
  }
  const probe = `lvsd-kprobe-${process.pid}`;
  try {
    run('ip', ['netns', 'add', probe]);
    run('ip', ['netns', 'del', probe]);
  } catch (err) {
    throw new Error(`kernel suite: cannot create a network namespace, ${where()}: ${(err as Error).message}`);
  }
}
