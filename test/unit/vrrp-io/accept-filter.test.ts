/** Accept_Mode off: the nftables table kept by AcceptFilter, and when InstanceIo asks for it. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import type { AddressManager, IfAddress } from '../../../src/rtnl/addresses.js';
import { AcceptFilter, filterScript } from '../../../src/vrrp/io/accept-filter.js';
import { InstanceIo } from '../../../src/vrrp/io/instance-io.js';

function recordingRunner(fail?: (input: string) => boolean) {
  const runs: { args: readonly string[]; input: string }[] = [];
  const run = async (args: readonly string[], input: string) => {
    await new Promise((r) => setTimeout(r, 2));
    runs.push({ args, input });
    if (fail?.(input)) throw new Error('nft: Could not process rule');
  };
  return { run, runs };
}

/** The addresses in the sets of a script. */
function elements(script: string): { v4: string[]; v6: string[] } {
  const set = (name: string) => {
    const m = new RegExp(`set ${name} \\{[^}]*?elements = \\{ ([^}]*) \\}`).exec(script);
    return m?.[1] !== undefined ? m[1].split(', ') : [];
  };
  return { v4: set('vips4'), v6: set('vips6') };
}

describe('filterScript', () => {
  it('replaces the table atomically: drop to (input) and from (output) the addresses, ND allowed first', () => {
    const s = filterScript('lvsd', [
      { address: '203.0.113.10', family: 'ipv4' },
      { address: '2001:db8::10', family: 'ipv6' },
      { address: '192.0.2.254', family: 'ipv4' },
      { address: '203.0.113.10', family: 'ipv4' },
    ]);
    expect(s.split('\n').slice(0, 3)).toEqual(['table inet lvsd {}', 'delete table inet lvsd', 'table inet lvsd {']);
    expect(elements(s)).toEqual({ v4: ['192.0.2.254', '203.0.113.10'], v6: ['2001:db8::10'] });
    expect(s).toContain('chain in {\n    type filter hook input priority -1; policy accept;');
    expect(s).toContain('chain out {\n    type filter hook output priority -1; policy accept;');
    const inChain = s.slice(s.indexOf('chain in {'), s.indexOf('chain out {'));
    expect(inChain.indexOf('icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept')).toBeLessThan(
      inChain.indexOf('ip daddr @vips4 drop'),
    );
    expect(inChain).toContain('ip6 daddr @vips6 drop');
    expect(s).toContain('ip saddr @vips4 drop');
    expect(s).toContain('ip6 saddr @vips6 drop');
  });

  it('without addresses it only deletes the table (whether or not it exists)', () => {
    expect(filterScript('t1', [])).toBe('table inet t1 {}\ndelete table inet t1\n');
  });
});

describe('AcceptFilter', () => {
  it('keeps the union of the owners, rewriting the table on each change, one nft run at a time', async () => {
    const r = recordingRunner();
    const f = new AcceptFilter({ run: r.run });
    const a = f.set('VI_1', [{ address: '203.0.113.10', family: 'ipv4' }]);
    const b = f.set('VI_2', [{ address: '192.0.2.254', family: 'ipv4' }]);
    await Promise.all([a, b]);
    expect(r.runs.map((x) => x.args)).toEqual([
      ['-f', '-'],
      ['-f', '-'],
    ]);
    expect(elements(r.runs[1]?.input ?? '').v4).toEqual(['192.0.2.254', '203.0.113.10']);
    await f.clear('VI_1');
    expect(elements(r.runs[2]?.input ?? '').v4).toEqual(['192.0.2.254']);
    await f.clear('VI_1'); // not there: nothing to do
    expect(r.runs).toHaveLength(3);
    await f.clear('VI_2');
    expect(r.runs[3]?.input).toBe('table inet lvsd {}\ndelete table inet lvsd\n');
    await f.set('VI_1', [{ address: '2001:db8::10', family: 'ipv6' }]);
    await f.close();
    expect(r.runs.at(-1)?.input).toBe('table inet lvsd {}\ndelete table inet lvsd\n');
    expect(f.addresses()).toEqual([]);
    expect(f.applied).toBe(6);
  });

  it('a failing nft run rejects that change and does not block the next', async () => {
    let failNext = true;
    const r = recordingRunner(() => {
      const f = failNext;
      failNext = false;
      return f;
    });
    const f = new AcceptFilter({ run: r.run, table: 'x' });
    await expect(f.set('VI_1', [{ address: '203.0.113.10', family: 'ipv4' }])).rejects.toThrow('Could not process rule');
    await f.set('VI_2', [{ address: '203.0.113.11', family: 'ipv4' }]);
    expect(elements(r.runs[1]?.input ?? '').v4).toEqual(['203.0.113.10', '203.0.113.11']);
  });
});

describe('InstanceIo with accept off', () => {
  function setup() {
    const ops: string[] = [];
    const addresses = {
      add: async (a: IfAddress) => {
        ops.push(`add ${a.address}`);
      },
      remove: async (a: IfAddress) => {
        ops.push(`del ${a.address}`);
        return true;
      },
      close: () => {},
    } as unknown as AddressManager;
    const filter = new AcceptFilter({
      run: async (_args, input) => {
        const e = elements(input);
        ops.push(`nft [${[...e.v4, ...e.v6].join(' ')}]`);
      },
    });
    const io = new InstanceIo({
      name: 'VI_1',
      vrid: 51,
      transport: { send: () => {}, close: () => {} },
      addresses,
      vips: [
        { address: '203.0.113.10', prefix: 24, family: 'ipv4', dev: 'eth0' },
        { address: '2001:db8::10', prefix: 64, family: 'ipv6', dev: 'eth0' },
      ],
      ifInfo: () => ({ index: 2, mac: Buffer.alloc(6) }),
      log: { ...silentLogger, error: (o, m) => ops.push(`error ${m} ${JSON.stringify(o)}`) },
      notify: {},
      acceptFilter: filter,
    });
    return { io, ops, filter };
  }

  it('puts the drop rules in before the addresses and takes them out after', async () => {
    const { io, ops } = setup();
    io.addVips(false);
    io.removeVips();
    await io.idle();
    expect(ops).toEqual([
      'nft [203.0.113.10 2001:db8::10]',
      'add 203.0.113.10',
      'add 2001:db8::10',
      'del 203.0.113.10',
      'del 2001:db8::10',
      'nft []',
    ]);
  });

  it('with accept on (or the owner) no rule is added', async () => {
    const { io, ops } = setup();
    io.addVips(true);
    io.removeVips();
    await io.removeStale();
    expect(ops).toEqual([
      'add 203.0.113.10',
      'add 2001:db8::10',
      'del 203.0.113.10',
      'del 2001:db8::10',
      'del 203.0.113.10',
      'del 2001:db8::10',
    ]);
  });
});
