#!/usr/bin/env node
/**
 * lvsadm: a drop-in for ipvsadm 1.31. This file only wires the process (argv, stdio, exit
 * status) and the real IPVS client to runLvsadm; all behaviour lives in src/lvsadm/.
 *
 * lvsadm is a short-lived command, so start-up counts: `npm run build` bundles this entry point
 * and everything it imports into one file (scripts/bundle-cli.mjs), and the output goes to
 * the file descriptors with write(2) (fs.writeSync) rather than through process.stdout, whose
 * stream machinery (net.Socket for a pipe) would be set up for one write.
 */
import { readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { openIpvs } from '../ipvs/netlink-client.js';
import { runLvsadm } from '../lvsadm/run.js';
import { systemResolver } from '../lvsadm/system-resolver.js';

/** A closed pipe ends ipvsadm through SIGPIPE (status 141) without a message; lvsadm does the same. */
function onWriteError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(141);
  throw err;
}

/**
 * Writes to file descriptor `fd` synchronously. If the descriptor turns out to be non-blocking
 * (EAGAIN: a parent's non-blocking pipe), the rest goes through the process's stream, which Node
 * flushes before the process exits.
 */
function sink(fd: 1 | 2, stream: () => NodeJS.WriteStream): { write(s: string): boolean; flushed(): Promise<void> } {
  let fallback: NodeJS.WriteStream | undefined;
  const viaStream = (data: string | Buffer): boolean => {
    if (!fallback) {
      fallback = stream();
      fallback.on('error', onWriteError);
    }
    return fallback.write(data);
  };
  return {
    /** Resolves once everything written has reached the descriptor. */
    flushed(): Promise<void> {
      const f = fallback;
      return f === undefined ? Promise.resolve() : new Promise((resolve) => f.write('', () => resolve()));
    },
    write(s: string): boolean {
      if (s === '') return true;
      if (fallback) return viaStream(s);
      const data = Buffer.from(s, 'utf8');
      let off = 0;
      try {
        while (off < data.length) off += writeSync(fd, data, off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') onWriteError(err as NodeJS.ErrnoException);
        return viaStream(data.subarray(off));
      }
      return true;
    },
  };
}

/** All of standard input (only -R reads it): read(2) in a loop, or the stream if fd 0 is non-blocking. */
async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    const { text } = await import('node:stream/consumers');
    return text(process.stdin);
  }
}

const stdout = sink(1, () => process.stdout);
const stderr = sink(2, () => process.stderr);

// No top-level await: the bundle is CommonJS (scripts/bundle-cli.mjs).
void runLvsadm(process.argv.slice(2), {
  stdout,
  stderr,
  stdin: readStdin,
  // A blocking socket: lvsadm waits for each answer anyway, and saves the event loop's work per datagram.
  ipvs: () => openIpvs({ blocking: true }),
  resolver: systemResolver(),
  // ipvsadm prints argv[0]; a script started through its shebang only knows its path.
  program: basename(process.argv[1] ?? 'lvsadm').replace(/\.c?js$/, ''),
  env: process.env,
  privileged: process.geteuid?.() === 0,
}).then(async (status) => {
  process.exitCode = status;
  // Like ipvsadm's exit(): once the output is out, the command is over, whatever handle (a socket, a
  // resolver, a timer) might still be referenced.
  await Promise.all([stdout.flushed(), stderr.flushed()]);
  process.exit(status);
});
