/**
 * The real servers and the client of the director tests: an echo server per rs namespace (killed and started
 * again to fail and heal it), DR's VIP-on-lo setup, short client connections and one long-lived connection.
 * Everything runs in the lab's own namespaces and ends with its down().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from '../../support/netns-lab.js';
import { VIP, VPORT } from './config.js';

const tool = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const ECHO_SERVER = tool('echo-server.mjs');
const TCP_CLIENT = tool('tcp-client.mjs');

/** The echo servers, by real server number. */
export class RealServers {
  readonly #running = new Map<number, ChildProcess>();

  constructor(
    private readonly lab: NetnsLab,
    private readonly port: number,
  ) {}

  /** Starts rsN's server (named "rsN") and waits until it listens. */
  async start(n: number): Promise<void> {
    if (this.#running.has(n)) throw new Error(`rs${n}: server already running`);
    const child = await this.lab.spawn(`rs${n}`, ['node', ECHO_SERVER, `rs${n}`, String(this.port)], /listening/, 60_000);
    this.#running.set(n, child);
  }

  /** Kills rsN's server (SIGKILL) and waits until it is gone: its port then refuses connections. */
  async kill(n: number): Promise<void> {
    const child = this.#running.get(n);
    if (child === undefined) throw new Error(`rs${n}: no server running`);
    this.#running.delete(n);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/**
 * Direct routing: rsN accepts the VIP's packets (the VIP on lo) without answering ARP for it or using it as an
 * ARP source (arp_ignore=1, arp_announce=2), as a DR real server must.
 */
export async function makeDrRealServer(lab: NetnsLab, n: number): Promise<void> {
  const host = `rs${n}` as const;
  await lab.exec(host, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
  for (const scope of ['all', 'eth1'])
    await lab.exec(host, ['sysctl', '-qw', `net.ipv4.conf.${scope}.arp_ignore=1`, `net.ipv4.conf.${scope}.arp_announce=2`]);
}

/** `count` short connections from the client to the VIP, one after another: each one's greeting (or "ERR code"). */
export async function burst(lab: NetnsLab, count: number): Promise<string[]> {
  const { stdout } = await lab.exec('client', ['node', TCP_CLIENT, 'burst', VIP, String(VPORT), String(count), '3000'], {
    timeoutMs: 30_000 + count * 3000,
  });
  return stdout.trimEnd().split('\n');
}

/** One long-lived client connection to the VIP; lines are sent on its stdin, the server's answers come back. */
export class HeldConnection {
  readonly lines: string[] = [];
  #waiters: (() => void)[] = [];

  private constructor(readonly child: ChildProcess) {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      this.#wake();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => this.#wake());
  }

  /** Opens the connection; resolves with the real server that greeted it ("rs1"). */
  static async open(lab: NetnsLab): Promise<{ conn: HeldConnection; server: string }> {
    // Started in the client namespace by hand (not lab.spawn) for its stdin; the lab's down() kills it too.
    const child = spawn('ip', ['netns', 'exec', lab.ns('client'), 'node', TCP_CLIENT, 'hold', VIP, String(VPORT)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const conn = new HeldConnection(child);
    const line = await conn.#next((l) => l.startsWith('connected ') || l.startsWith('ERR') || l === 'closed', 30_000);
    if (!line.startsWith('connected ')) throw new Error(`long-lived connection to ${VIP}:${VPORT} failed: ${conn.lines.join(' | ')}`);
    return { conn, server: line.slice('connected '.length) };
  }

  /** Sends one line and waits for its echo; resolves with the echo ("rs1 LINE"). */
  async echo(text: string, timeoutMs = 30_000): Promise<string> {
    const from = this.lines.length;
    this.child.stdin?.write(`${text}\n`);
    return this.#next((l) => l.endsWith(` ${text}`) || l.startsWith('ERR') || l === 'closed', timeoutMs, from).then((l) => {
      if (!l.endsWith(` ${text}`))
        throw new Error(`long-lived connection ended while waiting for the echo of '${text}': ${this.lines.join(' | ')}`);
      return l;
    });
  }

  /** Closes the connection (kills the client). */
  close(): void {
    this.child.kill('SIGKILL');
  }

  async #next(pred: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(pred);
      if (hit !== undefined) return hit;
      const left = end - Date.now();
      if (left <= 0 || this.child.exitCode !== null)
        throw new Error(
          `long-lived connection: nothing after ${timeoutMs} ms (exit ${String(this.child.exitCode)}): ${this.lines.join(' | ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** Polls `fn` until it returns a value other than undefined/false; fails naming `what` and the last value seen. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
