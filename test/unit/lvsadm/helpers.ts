/** Test helpers: run lvsadm against the IPVS model and a table-driven resolver, capturing output. */
import { formatAddress, parseAddress } from '../../../src/ipvs/addr.js';
import { type LvsadmIo, runLvsadm } from '../../../src/lvsadm/run.js';
import type { Resolver, ServiceProto } from '../../../src/lvsadm/resolver.js';
import { IpvsModel } from '../../support/ipvs-model.js';

/** What one run printed and returned. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** The IPVS to run on (default: an empty one); each run opens an IpvsApi client of its own on it. */
  readonly model?: IpvsModel;
  readonly resolver?: Resolver;
  readonly stdin?: string;
  readonly procConnPath?: string;
  readonly program?: string;
  readonly env?: Record<string, string | undefined>;
  readonly ipvs?: LvsadmIo['ipvs'];
  readonly modprobe?: LvsadmIo['modprobe'];
  readonly privileged?: boolean;
}

/** Runs lvsadm with `args` (no program name) and captures everything. */
export async function run(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const model = opts.model ?? new IpvsModel();
  let stdout = '';
  let stderr = '';
  const status = await runLvsadm(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: async () => opts.stdin ?? '',
    ipvs: opts.ipvs ?? (async () => model.api()),
    resolver: opts.resolver ?? tableResolver({}),
    program: opts.program ?? 'ipvsadm',
    modprobe: opts.modprobe ?? (async () => false),
    ...(opts.procConnPath !== undefined ? { procConnPath: opts.procConnPath } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.privileged !== undefined ? { privileged: opts.privileged } : {}),
  });
  return { status, stdout, stderr };
}

/** Runs several command lines (split on spaces) in sequence on one model; fails the test on a non-zero status. */
export async function setup(model: IpvsModel, ...lines: string[]): Promise<void> {
  for (const line of lines) {
    const r = await run(line.split(' '), { model });
    if (r.status !== 0) throw new Error(`setup "${line}" failed (${r.status}): ${r.stderr}`);
  }
}

/** Name tables for {@link tableResolver}. */
export interface NameTables {
  /** host name → IPv4 address text (gethostbyname). */
  readonly hosts?: Record<string, string>;
  /** address text → host name (gethostbyaddr). */
  readonly addrs?: Record<string, string>;
  /** "name/proto" → port, e.g. "http/tcp": 80 (getservbyname). */
  readonly services?: Record<string, number>;
  /** "port/proto" → name, e.g. "80/tcp": "http" (getservbyport). */
  readonly ports?: Record<string, string>;
}

/** A resolver answering from fixed tables. */
export function tableResolver(t: NameTables): Resolver {
  return {
    async hostToIPv4(name: string) {
      const a = t.hosts?.[name];
      return a === undefined ? undefined : parseAddress(a).bytes;
    },
    async addrToHost(addr: Uint8Array) {
      return t.addrs?.[formatAddress(addr)];
    },
    async serviceToPort(name: string, proto: ServiceProto) {
      return t.services?.[`${name}/${proto}`];
    },
    async portToService(port: number, proto: ServiceProto) {
      return t.ports?.[`${port}/${proto}`];
    },
  };
}

/** Replaces "⏎" line-end markers: golden texts are written with visible line ends. */
export function golden(text: string): string {
  return text.replace(/⏎\n?/g, '\n');
}
