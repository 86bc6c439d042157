/**
 * ipvsadm's start-up, which happens before it even looks at its arguments: open IPVS and read
 * its version; on failure run `/sbin/modprobe -- ip_vs` once and retry; if IPVS is still not
 * there print "Can't initialize ipvs: ..." and exit 2. Also the warning for a kernel IPVS older
 * than 1.1.4.
 */
import type { IpvsApi } from '../ipvs/api.js';
import type { Info } from '../ipvs/types.js';
import { ERRNO } from '../netlink/errno.js';
import { errnoOf, ipvsStrerror } from './strerror.js';

/** Where output goes. */
export interface Sink {
  write(text: string): unknown;
}

/** What start-up needs. */
export interface InitIo {
  readonly stdout: Sink;
  readonly stderr: Sink;
  /** Opens the IPVS client; rejects when the IPVS generic-netlink family cannot be reached. */
  readonly ipvs: () => Promise<IpvsApi>;
  /** Runs `modprobe -- ip_vs`; resolves true when it exits 0. Defaults to /sbin/modprobe. */
  readonly modprobe?: () => Promise<boolean>;
  /** Whether the process may open raw sockets (root). Decides the message when IPVS is missing. */
  readonly privileged?: boolean;
}

/** An opened IPVS session. */
export interface IpvsSession {
  readonly api: IpvsApi;
  readonly info: Info;
}

/** The minimum IPVS version ipvsadm 1.31 accepts without a warning (1.1.4). */
const MINIMUM_VERSION = 0x010104;

/**
 * The errno libipvs ends up with when the netlink family is unreachable: it falls back to the
 * old socket-option interface, whose raw socket fails with EPERM for non-root users and whose
 * getsockopt fails with ENOPROTOOPT when the module is absent.
 */
function openErrno(err: unknown, privileged: boolean): number {
  const errno = errnoOf(err);
  if (errno === ERRNO.EPERM || errno === ERRNO.EACCES) return ERRNO.EPERM;
  return privileged ? ERRNO.ENOPROTOOPT : ERRNO.EPERM;
}

async function tryInit(io: InitIo): Promise<IpvsSession | { errno: number }> {
  let api: IpvsApi;
  try {
    api = await io.ipvs();
  } catch (err) {
    return { errno: openErrno(err, io.privileged ?? true) };
  }
  try {
    return { api, info: await api.info() };
  } catch (err) {
    await api.close().catch(() => undefined);
    return { errno: errnoOf(err) };
  }
}

/** Runs `/sbin/modprobe -- ip_vs`, forwarding its output; true when it exits 0. */
export async function systemModprobe(io: Pick<InitIo, 'stdout' | 'stderr'>): Promise<boolean> {
  // Loaded only when IPVS is missing: most runs never need child_process.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('/sbin/modprobe', ['--', 'ip_vs'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString()));
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** ipvs_init with ipvsadm's modprobe retry; on failure prints its message and gives exit status 2. */
export async function initIpvs(io: InitIo): Promise<IpvsSession | { status: number }> {
  let result = await tryInit(io);
  if ('errno' in result) {
    const loaded = await (io.modprobe ?? (() => systemModprobe(io)))();
    if (loaded) result = await tryInit(io);
  }
  if ('errno' in result) {
    io.stderr.write(
      `Can't initialize ipvs: ${ipvsStrerror('init', result.errno)}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n`,
    );
    return { status: 2 };
  }
  const v = result.info.versionCode;
  if (v < MINIMUM_VERSION) {
    io.stderr.write(
      `Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}\n` +
        '  ipvsadm v1.31  requires minimum IPVS version 1.1.4\n\n',
    );
  }
  return result;
}
