/**
 * Harness of the IPVS kernel tests (test/kernel/ipvs-*.test.ts): a fresh network namespace per
 * test file, with the IPVS client running *inside* it.
 *
 * Why an agent process: a netlink socket belongs to the network namespace of the thread that opens
 * it, Node cannot setns(), and vitest's workers run in the caller's namespace. So each namespace
 * gets a small agent (agent.ts) started with `ip netns exec NS node agent.mjs`, which opens the real
 * client (src/ipvs/netlink-client.ts) there and serves it over stdin/stdout (JSON lines). Node 20
 * cannot run TypeScript, so the agent and the sources it imports are bundled into one ESM file with
 * esbuild (vite's own dependency) under node_modules/.cache/ at first use; the `netlink` package
 * (native addon) stays external and resolves from the project's node_modules. This keeps the tests
 * on the current sources with no build step, and works the same on the host and in the kernel lab
 * (where / is a writable overlay).
 *
 * The real ipvsadm runs in the same namespace for the cross-checks (`ns.ipvsadm(...)`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AGENT_SRC = fileURLToPath(new URL('./agent.ts', import.meta.url));
const CACHE = `${ROOT}node_modules/.cache/lvsd-kernel-tests`;

let bundled: Promise<string> | undefined;

/** Bundles agent.ts (once per process) and returns the path of the .mjs. */
export function agentBundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    mkdirSync(CACHE, { recursive: true });
    const outfile = `${CACHE}/ipvs-agent-${process.pid}.mjs`;
    await build({
      entryPoints: [AGENT_SRC],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

/** An error reported by the agent, with the fields of the IpvsError it stands for. */
export class AgentError extends Error {
  code?: string;
  errno?: number;
  op?: string;
  target?: string;
  familyErrno?: number;
  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    Object.assign(this, fields);
    this.name = String(fields.name ?? 'AgentError');
  }
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$bigint' in value) return BigInt((value as { $bigint: string }).$bigint);
  return value;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

let counter = 0;

/** A network namespace with lo up, an IPVS agent inside, and ipvsadm at hand. */
export class IpvsNamespace {
  private agent: ChildProcess | undefined;
  private readonly waiting = new Map<number, { resolve: (v: { value: unknown; ms: number }) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  private constructor(readonly name: string) {}

  /**
   * Creates the namespace (`ip netns add`, lo up unless `loUp: false`) and starts the agent in it.
   * lo must have been up once: until then the namespace has no local routing table and the kernel
   * rejects every IPv4 real server with EINVAL (see ipvs-client.test.ts).
   */
  static async create(tag: string, options: { loUp?: boolean } = {}): Promise<IpvsNamespace> {
    const name = `lvsd-${tag}-${process.pid}-${counter++}`;
    await execFileP('ip', ['netns', 'add', name]);
    if (options.loUp !== false) await execFileP('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const ns = new IpvsNamespace(name);
    await ns.startAgent();
    return ns;
  }

  private async startAgent(): Promise<void> {
    const bundle = await agentBundle();
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, bundle], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.agent = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`IPVS agent in ${this.name} exited (${code}): ${stderr}`));
      child.once('exit', onExit);
      lines.once('line', () => {
        child.off('exit', onExit);
        resolve();
      });
    });
    lines.on('line', (line) => {
      const msg = JSON.parse(line, reviver) as { id: number; ok: boolean; value?: unknown; error?: Record<string, unknown>; ms: number };
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve({ value: msg.value, ms: msg.ms });
      else w.reject(new AgentError(msg.error ?? {}));
    });
    child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`IPVS agent in ${this.name} exited (${code}): ${stderr}`));
      this.waiting.clear();
    });
  }

  /** Calls an IpvsApi method (or open/stats/listConnections) in the namespace, with its in-agent time. */
  callTimed<T>(method: string, ...args: unknown[]): Promise<{ value: T; ms: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: { value: unknown; ms: number }) => void, reject });
      this.agent?.stdin?.write(`${JSON.stringify({ id, method, args }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
    });
  }

  /** Calls an IpvsApi method in the namespace. */
  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    return (await this.callTimed<T>(method, ...args)).value;
  }

  /** Runs a command in the namespace; never rejects on a non-zero exit. */
  async exec(cmd: string, args: string[], input?: string, timeoutMs = 600_000): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: code ?? -1 });
      });
      child.stdin.end(input ?? '');
    });
  }

  /** Runs the real ipvsadm in the namespace. */
  ipvsadm(...args: string[]): Promise<ExecResult> {
    return this.exec('ipvsadm', args);
  }

  /** `ipvsadm ARGS` stdout, failing on a non-zero exit. */
  async ipvsadmOk(...args: string[]): Promise<string> {
    const r = await this.ipvsadm(...args);
    if (r.code !== 0) throw new Error(`ipvsadm ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Stops the agent and deletes the namespace (its IPVS table goes with it). */
  async destroy(): Promise<void> {
    if (this.agent && this.agent.exitCode === null) {
      const exited = new Promise((r) => this.agent?.once('exit', r));
      this.agent.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (this.agent.exitCode === null) this.agent.kill('SIGKILL');
    }
    await execFileP('ip', ['netns', 'del', this.name]).catch(() => undefined);
  }
}

/** The scheduler modules of the running kernel (ip_vs_rr.ko → 'rr'), persistence engines excluded. */
export async function kernelSchedulers(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const { release } = await import('node:os');
  const dir = `/lib/modules/${release()}/kernel/net/netfilter/ipvs`;
  const names = (await readdir(dir))
    .map((f) => /^ip_vs_([a-z0-9]+)\.ko/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'ftp' && !n.startsWith('pe_'));
  return names.sort();
}
