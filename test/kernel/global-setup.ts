/**
 * Fails the kernel suite, with the reason, when it cannot run here: it needs root and a kernel with
 * IPVS, i.e. the kernel lab (`bash scripts/kernel-lab.sh run -- npx vitest run --project kernel`).
 * Nothing is skipped: a missing IPVS is an error, not a reason to pass.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The IPVS modules the tests use besides ip_vs itself: every scheduler of kernel 6.1 and the SIP persistence engine. */
const IPVS_MODULES = ['rr', 'wrr', 'lc', 'wlc', 'fo', 'ovf', 'lblc', 'lblcr', 'dh', 'sh', 'mh', 'sed', 'nq', 'pe_sip'].map(
  (m) => `ip_vs_${m}`,
);

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
  // The schedulers and the SIP persistence engine, loaded now rather than by the kernel on first use: its
  // request_module runs modprobe (the host's, over 9p) in the middle of a command, and twice under load a command
  // of either tool (ipvsadm or lvsadm) then hung past the runner's 120 s limit on a scheduler's first use.
  try {
    run('modprobe', ['-a', ...IPVS_MODULES]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kernel suite: \`modprobe -a ${IPVS_MODULES.join(' ')}\` failed, ${where()}: ${(e.stderr || e.message).trim()}`);
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
