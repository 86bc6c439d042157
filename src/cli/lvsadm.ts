#!/usr/bin/env node
/**
 * lvsadm: a drop-in for ipvsadm 1.31. This file only wires the process (argv, stdio, exit
 * status) and the real IPVS client to runLvsadm; all behaviour lives in src/lvsadm/.
 */
import { basename } from 'node:path';
import { text } from 'node:stream/consumers';
import { openIpvs } from '../ipvs/netlink-client.js';
import { runLvsadm } from '../lvsadm/run.js';
import { systemResolver } from '../lvsadm/system-resolver.js';

/** Writes to a stream (Node flushes pending writes before the process exits). */
function sink(stream: NodeJS.WriteStream): { write(s: string): boolean } {
  // A closed pipe ends ipvsadm through SIGPIPE (status 141) without a message; do the same.
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
  return { write: (s: string) => (s === '' ? true : stream.write(s)) };
}

const status = await runLvsadm(process.argv.slice(2), {
  stdout: sink(process.stdout),
  stderr: sink(process.stderr),
  stdin: () => text(process.stdin),
  ipvs: () => openIpvs(),
  resolver: systemResolver(),
  // ipvsadm prints argv[0]; a script started through its shebang only knows its path.
  program: basename(process.argv[1] ?? 'lvsadm').replace(/\.js$/, ''),
  env: process.env,
  privileged: process.geteuid?.() === 0,
});
process.exitCode = status;
