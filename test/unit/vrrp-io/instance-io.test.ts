import { describe, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../../../src/logger.js';
import type { AddressManager, IfAddress } from '../../../src/rtnl/addresses.js';
import { InstanceIo } from '../../../src/vrrp/io/instance-io.js';
import type { VrrpTransport } from '../../../src/vrrp/io/transport.js';

function setup() {
  const sent: Array<{ payload: Uint8Array; dst: string }> = [];
  const commands: string[][] = [];
  const ops: string[] = [];
  const transport: VrrpTransport = { send: (payload, dst) => sent.push({ payload, dst }), close: () => {} };
  const addresses = {
    add: async (a: IfAddress) => {
      await new Promise((r) => setTimeout(r, 5));
      if (a.address === '192.0.2.99') throw new Error('EEXIST');
      ops.push(`add ${a.address}/${a.prefix} if${a.ifindex} ${a.label ?? ''}`);
    },
    remove: async (a: IfAddress) => {
      ops.push(`del ${a.address}/${a.prefix} if${a.ifindex}`);
      return true;
    },
    close: () => {},
  } as unknown as AddressManager;
  const log: Logger = { ...silentLogger, error: (o, m) => ops.push(`error ${m} ${JSON.stringify(o)}`) };
  const io = new InstanceIo({
    name: 'VI_1',
    vrid: 51,
    transport,
    addresses,
    vips: [
      { address: '192.0.2.10', prefix: 24, family: 'ipv4', dev: 'eth0', label: 'eth0:vip' },
      { address: '192.0.2.99', prefix: 32, family: 'ipv4', dev: 'eth0' },
      { address: '2001:db8::10', prefix: 64, family: 'ipv6', dev: 'eth1' },
    ],
    ifInfo: (dev) => ({ index: dev === 'eth0' ? 2 : 3, mac: Buffer.alloc(6) }),
    log,
    notify: { master: ['/bin/m', 'x'], backup: ['/bin/b'], stop: ['/bin/s'], any: ['/bin/any', 'arg'] },
    runCommand: (argv) => commands.push([...argv]),
  });
  return { io, sent, commands, ops };
}

describe('InstanceIo', () => {
  it('sends adverts through the transport', () => {
    const { io, sent } = setup();
    io.sendAdvert(Uint8Array.of(1, 2), '224.0.0.18');
    expect(sent).toEqual([{ payload: Uint8Array.of(1, 2), dst: '224.0.0.18' }]);
  });

  it('runs notify commands with argv, keepalived style (type name state priority)', () => {
    const { io, commands } = setup();
    io.notify({ from: 'initialize', to: 'backup', priority: 100 });
    io.notify({ from: 'backup', to: 'master', priority: 100 });
    io.notify({ from: 'master', to: 'leaving', priority: 100 });
    io.notify({ from: 'leaving', to: 'initialize', priority: 100 }); // still STOP: nothing more
    expect(commands).toEqual([
      ['/bin/b'],
      ['/bin/any', 'arg', 'INSTANCE', 'VI_1', 'BACKUP', '100'],
      ['/bin/m', 'x'],
      ['/bin/any', 'arg', 'INSTANCE', 'VI_1', 'MASTER', '100'],
      ['/bin/s'],
      ['/bin/any', 'arg', 'INSTANCE', 'VI_1', 'STOP', '100'],
    ]);
  });

  it('runs address changes in order and reports failures without stopping the queue', async () => {
    const { io, ops } = setup();
    io.addVips();
    io.removeVips();
    await io.idle();
    expect(ops[0]).toBe('add 192.0.2.10/24 if2 eth0:vip');
    expect(ops[1]).toMatch(/^error adding 192\.0\.2\.99 failed .*EEXIST/);
    expect(ops.slice(2)).toEqual(['add 2001:db8::10/64 if3 ', 'del 192.0.2.10/24 if2', 'del 192.0.2.99/32 if2', 'del 2001:db8::10/64 if3']);
  });
});
