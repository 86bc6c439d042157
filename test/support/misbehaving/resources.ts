/**
 * Counting what a process holds, for leak tests: socket file descriptors (/proc/self/fd entries that are
 * sockets), live child processes (entries of /proc whose parent is us, zombies included), and libuv
 * handles/requests by kind (process.getActiveResourcesInfo()), plus the native probes under way (checks/native-probe.ts,
 * whose libuv handles Node does not list).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pendingProbes } from '../../../checks/native-probe.js';

/** Open socket descriptors of this process. */
export function countSocketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile (e.g. the directory's own fd)
    }
  }
  return n;
}

/** Pids of this process's children (any state, zombies too). */
export function childPids(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Pids of the live members of process group `pgid` (any parent). Zombies are left out: they are dead, and once
 * orphaned they wait for init to reap them, which is init's business (and may take a while in a container).
 */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Active libuv resources by kind ("TCPSocketWrap", "Timeout", ..., "NativeProbe"). */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  const probes = pendingProbes();
  if (probes > 0) out['NativeProbe'] = probes;
  return out;
}

/** A snapshot of everything above. */
export interface ResourceSnapshot {
  readonly sockets: number;
  readonly children: number;
  readonly resources: Record<string, number>;
}

/** Takes a snapshot. */
export function snapshot(): ResourceSnapshot {
  return { sockets: countSocketFds(), children: childPids().length, resources: activeResources() };
}

/** The kinds whose count in `now` exceeds `base`, with both counts ("Timeout 3 > 1"). */
export function excess(base: ResourceSnapshot, now: ResourceSnapshot): string[] {
  const out: string[] = [];
  if (now.sockets > base.sockets) out.push(`socket fds ${now.sockets} > ${base.sockets}`);
  if (now.children > base.children) out.push(`children ${now.children} > ${base.children}`);
  for (const [kind, n] of Object.entries(now.resources)) {
    const b = base.resources[kind] ?? 0;
    if (n > b) out.push(`${kind} ${n} > ${b}`);
  }
  return out;
}

/** Polls until nothing exceeds `base` (returns []) or `timeoutMs` passes (returns the excess). */
export async function settleTo(base: ResourceSnapshot, timeoutMs = 5000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const over = excess(base, snapshot());
    if (over.length === 0 || Date.now() > until) return over;
    await new Promise((r) => setTimeout(r, 50));
  }
}
