/**
 * Accept_Mode off (RFC 5798 section 6.4.3, keepalived `no_accept`): a master that is not the address owner must not
 * accept packets addressed to its virtual addresses. As keepalived does, this is a packet filter: an nftables table
 * of our own (`inet lvsd` by default) with a hook on input dropping packets to the addresses, and one on output
 * dropping packets from them (so the master neither answers nor originates on them). ARP is not IP and passes;
 * IPv6 neighbour solicitations and advertisements are let through before the drops. Forwarded traffic (a director
 * routing through the gateway address) does not go through these hooks.
 *
 * The table holds the addresses of every instance that is master with accept off; it is rewritten whole, in one
 * nft transaction (`nft -f -`), on every change, so applying is idempotent and a crashed predecessor's table is
 * simply replaced. Without any address the table is deleted. `reset()` (startup) and `close()` (exit) delete it.
 */
import { spawn } from 'node:child_process';
import type { Family } from '../addr.js';

/** An address the filter protects. */
export interface FilteredAddress {
  readonly address: string;
  readonly family: Family;
}

/** Runs `nft` with argv and standard input; rejects with its error output. */
export type NftRunner = (args: readonly string[], input: string) => Promise<void>;

/** The real runner: spawns `nft` (found on PATH; no shell). */
export function nftRunner(program = 'nft'): NftRunner {
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn(program, [...args], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${program} ${args.join(' ')}: ${err.trim() || `exit ${code ?? signal}`}`));
      });
      child.stdin.on('error', () => {}); // a failing nft may close its input early: the exit reports it
      child.stdin.end(input);
    });
}

const ND_TYPES = '{ nd-neighbor-solicit, nd-neighbor-advert }';

/** The nft script that replaces the table with one dropping traffic to and from `addrs` (none: just deletes it). */
export function filterScript(table: string, addrs: readonly FilteredAddress[]): string {
  // Declaring the table first makes the delete succeed whether or not it exists.
  const lines = [`table inet ${table} {}`, `delete table inet ${table}`];
  if (addrs.length === 0) return `${lines.join('\n')}\n`;
  const v4 = [...new Set(addrs.filter((a) => a.family === 'ipv4').map((a) => a.address))].sort();
  const v6 = [...new Set(addrs.filter((a) => a.family === 'ipv6').map((a) => a.address))].sort();
  const set = (name: string, type: string, elems: string[]) =>
    `  set ${name} {\n    type ${type}\n${elems.length > 0 ? `    elements = { ${elems.join(', ')} }\n` : ''}  }`;
  const chain = (name: string, hook: 'input' | 'output', dir: 'daddr' | 'saddr') =>
    [
      `  chain ${name} {`,
      `    type filter hook ${hook} priority -1; policy accept;`,
      `    icmpv6 type ${ND_TYPES} accept`,
      `    ip ${dir} @vips4 drop`,
      `    ip6 ${dir} @vips6 drop`,
      '  }',
    ].join('\n');
  lines.push(
    `table inet ${table} {`,
    set('vips4', 'ipv4_addr', v4),
    set('vips6', 'ipv6_addr', v6),
    chain('in', 'input', 'daddr'),
    chain('out', 'output', 'saddr'),
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** The addresses each instance has asked to filter, kept in nftables. */
export class AcceptFilter {
  readonly #owners = new Map<string, readonly FilteredAddress[]>();
  #queue: Promise<void> = Promise.resolve();
  /** nft transactions applied, for tests and status. */
  applied = 0;

  constructor(readonly opts: { readonly table?: string; readonly run?: NftRunner } = {}) {}

  get table(): string {
    return this.opts.table ?? 'lvsd';
  }

  /** Every address currently filtered. */
  addresses(): FilteredAddress[] {
    return [...this.#owners.values()].flat();
  }

  /** Drops traffic to and from `addrs` on behalf of `owner` (replacing what it asked before). */
  set(owner: string, addrs: readonly FilteredAddress[]): Promise<void> {
    this.#owners.set(owner, [...addrs]);
    return this.#apply();
  }

  /** Stops filtering `owner`'s addresses (nothing to do when it had none). */
  clear(owner: string): Promise<void> {
    if (!this.#owners.delete(owner)) return this.#queue;
    return this.#apply();
  }

  /** Deletes the table whatever it holds (at startup: left by a killed predecessor). */
  reset(): Promise<void> {
    this.#owners.clear();
    return this.#apply();
  }

  /** Deletes the table (at exit). */
  close(): Promise<void> {
    return this.reset();
  }

  /** Writes the current state; runs one at a time, each writing the state as it is when it runs. */
  #apply(): Promise<void> {
    const run = this.opts.run ?? nftRunner();
    const next = this.#queue.then(async () => {
      await run(['-f', '-'], filterScript(this.table, this.addresses()));
      this.applied++;
    });
    this.#queue = next.catch(() => {});
    return next;
  }
}
