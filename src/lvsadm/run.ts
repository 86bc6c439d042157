/**
 * lvsadm's main program, free of process globals: open IPVS (as ipvsadm does, before looking at
 * the arguments), list everything when there are no arguments, otherwise parse and run one
 * command. Resolves to the exit status.
 */
import type { IpvsApi } from '../ipvs/api.js';
import { executeEntry, exitStatus } from './execute.js';
import { initIpvs, type Sink } from './init.js';
import { emptyFormat } from './model.js';
import { type ParseContext, parseCommandLine } from './options.js';
import type { Resolver } from './resolver.js';
import { runRestore } from './restore.js';
import { listAll, type Session } from './show.js';

/** Everything lvsadm touches outside itself. */
export interface LvsadmIo {
  readonly stdout: Sink;
  readonly stderr: Sink;
  /** The whole of standard input (read only by -R). */
  readonly stdin: () => Promise<string>;
  /** Opens the IPVS client; rejects when IPVS cannot be reached. */
  readonly ipvs: () => Promise<IpvsApi>;
  readonly resolver: Resolver;
  /** argv[0] as ipvsadm would print it (usage text, "Try ... -h"); default "lvsadm". */
  readonly program?: string;
  /** Connection table for -L -c; default /proc/net/ip_vs_conn. */
  readonly procConnPath?: string;
  /** Runs `modprobe -- ip_vs`; default /sbin/modprobe. */
  readonly modprobe?: () => Promise<boolean>;
  /** Environment (POSIXLY_CORRECT / POSIX_ME_HARDER change option parsing); default none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether the process runs as root; decides the message when IPVS is missing. Default true. */
  readonly privileged?: boolean;
}

/** Runs lvsadm with `args` (the arguments after the program name) and resolves to its exit status. */
export async function runLvsadm(args: readonly string[], io: LvsadmIo): Promise<number> {
  const session = await initIpvs(io);
  if ('status' in session) return session.status;
  const program = io.program ?? 'lvsadm';
  const env = io.env ?? {};
  const ctx: ParseContext = {
    program,
    resolver: io.resolver,
    posixMeHarder: env.POSIXLY_CORRECT !== undefined || env.POSIX_ME_HARDER !== undefined,
  };
  const s: Session = {
    api: session.api,
    info: session.info,
    stdout: io.stdout,
    stderr: io.stderr,
    resolver: io.resolver,
    ...(io.procConnPath !== undefined ? { procConnPath: io.procConnPath } : {}),
    lastFunc: 'init',
  };
  try {
    if (args.length === 0) return await listAll(s, emptyFormat());
    const parsed = await parseCommandLine([program, ...args], ctx);
    if (parsed.kind === 'exit') {
      io.stdout.write(parsed.stdout);
      io.stderr.write(parsed.stderr);
      return parsed.status;
    }
    if (parsed.entry.cmd === 'restore') return exitStatus(await runRestore(s, ctx, await io.stdin()));
    return exitStatus(await executeEntry(s, parsed.entry));
  } finally {
    await session.api.close().catch(() => undefined);
  }
}
