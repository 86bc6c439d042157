/**
 * Opening IPVS at start: as ipvsadm does, a first failure runs `modprobe -- ip_vs` once and tries again. What is
 * still missing then is one clear sentence naming the cause (no IPVS in the kernel, or no permission).
 */
import { LvsdError } from '../errors.js';
import type { IpvsApi } from '../ipvs/api.js';

/** IPVS could not be opened at start. */
export class IpvsStartError extends LvsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EIPVSSTART', message, options);
  }
}

function codeOf(err: unknown): string {
  return (err as { code?: unknown } | undefined)?.code?.toString() ?? '';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens IPVS, loading the module first if it is missing. `modprobe` runs `modprobe -- ip_vs` and resolves to
 * whether it succeeded. Rejects with an IpvsStartError whose message is the one line to print.
 */
export async function openIpvsAtStart(open: () => Promise<IpvsApi>, modprobe: () => Promise<boolean>): Promise<IpvsApi> {
  let first: unknown;
  try {
    return await open();
  } catch (err) {
    first = err;
  }
  if (['EPERM', 'EACCES'].includes(codeOf(first))) {
    throw new IpvsStartError(`cannot open IPVS: permission denied (lvsd needs CAP_NET_ADMIN: run it as root): ${messageOf(first)}`, {
      cause: first,
    });
  }
  const loaded = await modprobe().catch(() => false);
  try {
    return await open();
  } catch (err) {
    const tried = loaded ? '`modprobe ip_vs` succeeded but IPVS is still not there' : '`modprobe ip_vs` failed';
    throw new IpvsStartError(`IPVS is not available in this kernel (${tried}): ${messageOf(err)}`, { cause: err });
  }
}

/** Runs `/sbin/modprobe -- ip_vs` (argv, no shell) and resolves to whether it exited 0. */
export async function systemModprobeIpvs(): Promise<boolean> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('/sbin/modprobe', ['--', 'ip_vs'], { stdio: 'ignore', timeout: 30_000 });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
