/**
 * Test-side handle on scripts/netns-lab.sh: builds a director-pair topology of network namespaces,
 * runs commands and background servers inside them, and tears everything down (also on process exit,
 * so a failing or interrupted test leaves no namespaces behind).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Path of the lab script every suite (and the demo) uses. */
export const LAB_SCRIPT = fileURLToPath(new URL('../../scripts/netns-lab.sh', import.meta.url));

/** Deterministic addresses of the lab (see scripts/netns-lab.sh). */
export const LAB_ADDR = {
  frontVip: '203.0.113.10',
  frontVip6: '2001:db8:f::10',
  gatewayVip: '192.0.2.254',
  gatewayVip6: '2001:db8:b::254',
  client: '203.0.113.100',
  client6: '2001:db8:f::100',
  director: (n: 1 | 2) => ({ front: `203.0.113.${n}`, back: `192.0.2.${n}`, front6: `2001:db8:f::${n}`, back6: `2001:db8:b::${n}` }),
  realServer: (n: number) => ({ back: `192.0.2.${10 + n}`, back6: `2001:db8:b::${10 + n}` }),
} as const;

export type LabHost = 'd1' | 'd2' | 'client' | `rs${number}`;

export interface LabOptions {
  /** Number of real servers (rs1..rsN), default 2. */
  realServers?: number;
  /** Put the front and gateway VIPs on this director at once, for plain routing without VRRP. */
  gateway?: 'd1' | 'd2';
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

let labCounter = 0;
const liveLabs = new Set<NetnsLab>();
process.once('exit', () => {
  for (const lab of liveLabs) lab.downSync();
});

/** A running lab; create with NetnsLab.up() and always call down() (afterAll). */
export class NetnsLab {
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly prefix: string,
    readonly realServers: number,
  ) {}

  /** Builds a fresh lab with a prefix unique to this process. */
  static async up(options: LabOptions = {}): Promise<NetnsLab> {
    const realServers = options.realServers ?? 2;
    const prefix = `lt${process.pid}${String.fromCharCode(97 + (labCounter++ % 26))}`;
    const lab = new NetnsLab(prefix, realServers);
    liveLabs.add(lab);
    const args = ['up', '-p', prefix, '-r', String(realServers)];
    if (options.gateway) args.push('--gateway', options.gateway);
    await execFileP('bash', [LAB_SCRIPT, ...args]);
    return lab;
  }

  /** Namespace name of a host. */
  ns(host: LabHost): string {
    return `${this.prefix}-${host}`;
  }

  /** Runs argv inside host; rejects with stdout/stderr in the message on a non-zero exit unless allowFailure. */
  async exec(host: LabHost, argv: string[], opts: { allowFailure?: boolean; timeoutMs?: number } = {}): Promise<ExecResult> {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('exec: empty argv');
    try {
      const { stdout, stderr } = await execFileP('ip', ['netns', 'exec', this.ns(host), cmd, ...args], {
        timeout: opts.timeoutMs ?? 20_000,
        maxBuffer: 16 << 20,
      });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      const result = { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
      if (opts.allowFailure) return result;
      throw new Error(`[${host}] ${argv.join(' ')} failed (${String(e.code)}): ${result.stderr || result.stdout}`);
    }
  }

  /**
   * Starts a long-running process inside host; resolves once a line of its stdout matches `ready`
   * (or at once without it). The process is killed by down().
   */
  async spawn(host: LabHost, argv: string[], ready?: RegExp, timeoutMs = 10_000): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    if (!ready) return child;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`[${host}] ${argv.join(' ')}: not ready after ${timeoutMs} ms: ${seen}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (ready.test(seen)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`[${host}] ${argv.join(' ')} exited (${String(code)}) before ready: ${seen}`));
      });
    });
    return child;
  }

  /** Kills the lab's processes and deletes its namespaces. */
  async down(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    liveLabs.delete(this);
    await execFileP('bash', [LAB_SCRIPT, 'down', '-p', this.prefix]);
  }

  /** Synchronous teardown for the process exit hook. */
  downSync(): void {
    for (const child of this.children) child.kill('SIGKILL');
    liveLabs.delete(this);
    try {
      execFileSync('bash', [LAB_SCRIPT, 'down', '-p', this.prefix], { stdio: 'ignore' });
    } catch {
      // best effort at exit
    }
  }

  /** Namespaces of this lab that currently exist. */
  async namespaces(): Promise<string[]> {
    const { stdout } = await execFileP('ip', ['netns', 'list']);
    return stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(`${this.prefix}-`));
  }
}
