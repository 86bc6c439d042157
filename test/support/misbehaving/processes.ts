/**
 * Test-side handles on the bundled entry points (see bundle.ts): a process running misbehaving servers and a
 * process running checks, either here or inside a namespace (`prefix` = ['ip', 'netns', 'exec', NS]).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CheckResult, CheckTarget } from '../../../checks/checker.js';
import type { ResolvedCheck } from '../../../src/config/model.js';
import type { ServerSpec } from './serve.js';

function launch(argv: string[]): ChildProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin?.end();
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/** Servers running in their own process. */
export interface ServerProcess {
  readonly ports: readonly number[];
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node serveFile SPECS` (under `prefix`) and waits for its ports. */
export function startServers(serveFile: string, specs: readonly ServerSpec[], prefix: readonly string[] = []): Promise<ServerProcess> {
  const child = launch([...prefix, process.execPath, serveFile, JSON.stringify(specs)]);
  let stderr = '';
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      const { ports } = JSON.parse(line) as { ports: number[] };
      resolve({ ports, child, stop: () => stop(child) });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before ready: ${stderr}`)));
  });
}

/** The answer of a check runner. */
export interface RunnerAnswer {
  readonly result: CheckResult;
  readonly ms: number;
}

/** A process that runs checks on request. */
export interface CheckRunner {
  run(check: ResolvedCheck, target: CheckTarget, budgetMs: number): Promise<RunnerAnswer>;
  stop(): Promise<void>;
}

/** Starts `node runnerFile` (under `prefix`). */
export function startCheckRunner(runnerFile: string, prefix: readonly string[] = []): Promise<CheckRunner> {
  const child = launch([...prefix, process.execPath, runnerFile]);
  const pending = new Map<number, { resolve: (a: RunnerAnswer) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let stderr = '';
  child.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const err = new Error(`check runner exited (${code}): ${stderr}`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
    });
    lines.on('line', (line) => {
      if (line === 'ready') {
        resolve({
          run: (check, target, budgetMs) =>
            new Promise((res, rej) => {
              const id = nextId++;
              pending.set(id, { resolve: res, reject: rej });
              child.stdin?.write(`${JSON.stringify({ id, check, target, budgetMs })}\n`);
            }),
          stop: () => stop(child),
        });
        return;
      }
      const msg = JSON.parse(line) as { id: number; result?: CheckResult; ms?: number; error?: string };
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.error !== undefined || !msg.result) p.reject(new Error(msg.error ?? 'no result'));
      else p.resolve({ result: msg.result, ms: msg.ms ?? 0 });
    });
  });
}
