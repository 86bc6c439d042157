/**
 * The restore fast path (src/lvsadm/fast-restore.ts) against the general parser: for every line
 * it takes, the kernel operation must be exactly kernelOp of what parseCommandLine returns (so
 * also a command, not an error exit); lines it declines are left
 * to the general parser. Generated lines mix the accepted forms with near misses (octal/hex
 * parts, leading zeros, out-of-range numbers, names, other options and orders).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fastRestoreOp } from '../../../src/lvsadm/fast-restore.js';
import { kernelOp } from '../../../src/lvsadm/kernel.js';
import { parseCommandLine } from '../../../src/lvsadm/options.js';
import { tableResolver } from './helpers.js';

const ctx = { program: 'ipvsadm', resolver: tableResolver({ hosts: { web: '10.9.9.9' } }) };

async function general(tokens: string[]): Promise<unknown> {
  const r = await parseCommandLine(['ipvsadm', ...tokens], ctx);
  return r.kind === 'command' ? kernelOp(r.entry) : r;
}

/** Mostly what the fast path takes, with near misses mixed in at every position. */
const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
const part = often(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.constantFrom('256', '300', '999', '00', '01', '010', '0x1', '1a', '', '-1'),
);
const addr = often(
  fc.tuple(part, part, part, part).map((p) => p.join('.')),
  fc.constantFrom('web', '10.1', '1.2.3', '[::1]', '::1', '1.2.3.4.5', 'localhost'),
);
const port = often(
  fc.integer({ min: 0, max: 65535 }).map(String),
  fc.constantFrom('65536', '99999', '080', '0', '', 'http', '-1', '1e3', '000000000000000080'),
);
const addrPort = often(
  fc.tuple(addr, port).map(([a, p]) => `${a}:${p}`),
  addr,
);
const num = often(
  fc.integer({ min: 0, max: 3000000 }).map(String),
  fc.constantFrom('0', '1', '2147483647', '2147483648', '2678400', '2678401', '007', '-1', '+1', ' 1', 'x', ''),
);
const sched = often(fc.constantFrom('rr', 'wlc', 'sh', 'mh', 'none', 'nosuch'), fc.constantFrom('averyveryverylongname', 'Rr', '', 'r r'));
const svcOpt = often(fc.constantFrom('-t', '-u'), fc.constantFrom('--sctp-service', '-f', '-x', '--tcp-service'));
const fwd = often(fc.constantFrom('-g', '-m', '-i'), fc.constantFrom('-w', '-o', '--masquerading'));

const serviceLine = fc
  .tuple(
    often(fc.constantFrom('-A', '-E'), fc.constantFrom('-a', '-D', '--add-service')),
    svcOpt,
    addrPort,
    often(fc.constant('-s'), fc.constantFrom('-p', '-M')),
    sched,
    fc.option(fc.tuple(often(fc.constant('-p'), fc.constantFrom('-o', '-s', '-M')), num)),
  )
  .map(([c, o, a, s, n, p]) => [c, o, a, s, n, ...(p ?? [])]);
const serverLine = fc
  .tuple(
    often(fc.constantFrom('-a', '-e'), fc.constantFrom('-A', '-d')),
    svcOpt,
    addrPort,
    often(fc.constant('-r'), fc.constantFrom('-R', '-s')),
    addrPort,
    fwd,
    often(fc.constant('-w'), fc.constantFrom('-x', '-y')),
    num,
  )
  .map((t) => [...t]);
const mutated = fc.tuple(fc.oneof(serviceLine, serverLine), fc.nat(), fc.nat()).map(([t, i, j]) => {
  const out = [...t];
  // swap two tokens, or drop one: other orders and shapes must not be mistaken for the forms
  if (i % 3 === 0 && out.length > 1) out.splice(i % out.length, 1);
  else {
    const a = i % out.length;
    const b = j % out.length;
    [out[a], out[b]] = [out[b]!, out[a]!];
  }
  return out;
});

describe('restore fast path', () => {
  test('takes the lines ipvsadm -S -n writes for IPv4 TCP/UDP services and real servers', () => {
    for (const line of [
      '-A -t 10.0.0.1:80 -s wlc',
      '-A -u 10.0.0.1:53 -s rr -p 300',
      '-E -t 10.0.0.1:80 -s sh',
      '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1',
      '-a -u 10.0.0.1:53 -r 192.168.0.1:53 -g -w 0',
      '-e -t 10.0.0.1:80 -r 192.168.0.1:80 -i -w 2147483647',
    ]) {
      expect(fastRestoreOp(line.split(' ')), line).toBeDefined();
    }
  });

  test('declines other forms and what ipvsadm rejects', () => {
    for (const line of [
      '-A -t 10.0.0.1:0 -s wlc',
      '-A -t 010.0.0.1:80 -s wlc',
      '-A -t web:80 -s wlc',
      '-A -t 10.0.0.1:http -s wlc',
      '-A -t [::1]:80 -s wlc',
      '-A -t 10.0.0.1:80 -s wlc -o',
      '-A -f 1 -s wlc',
      '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m',
      '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 2147483648',
      '-a -t 10.0.0.1:80 -r 192.168.0.1 -m -w 1',
      '-A -t 10.0.0.1:80 -s wlc -p 0',
    ]) {
      expect(fastRestoreOp(line.split(' ')), line).toBeUndefined();
    }
  });

  test('whatever it takes, parseCommandLine gives the same command', async () => {
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(serviceLine, serverLine, mutated), async (tokens) => {
        const fast = fastRestoreOp(tokens);
        if (fast === undefined) return;
        taken++;
        expect(fast).toEqual(await general(tokens));
      }),
      { numRuns: 20000 },
    );
    // And the declined ones: the general parser is still right about them (nothing to compare,
    // but the fast path must not throw on any shape).
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string(), { maxLength: 9 }), async (tokens) => {
        const fast = fastRestoreOp(tokens);
        if (fast !== undefined) expect(fast).toEqual(await general(tokens));
      }),
      { numRuns: 20000 },
    );
    // The generators must reach the fast path often, or the comparison proves little.
    expect(taken).toBeGreaterThan(2000);
  });
});
