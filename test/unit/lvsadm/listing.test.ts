/**
 * Golden listings: every listing variant, byte for byte (⏎ marks line ends, to show trailing
 * spaces), from the format strings of ipvsadm 1.31 (reference doc section 4.6 and more).
 */
import { describe, expect, test } from 'vitest';
import type { DestinationSpec, ServiceSpec, Stats } from '../../../src/ipvs/types.js';
import { largeNumber } from '../../../src/lvsadm/format/number.js';
import { IpvsModel } from '../../support/ipvs-model.js';
import { golden, run, tableResolver } from './helpers.js';

const dest = (address: string, port: number, extra: Partial<DestinationSpec> = {}): DestinationSpec => ({
  address,
  port,
  forwarding: 'route',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelCsum: 'nocsum',
  ...extra,
});
const tcp = (address: string, port: number, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  key: { protocol: 'tcp', address, port },
  scheduler: 'wlc',
  flags: 0,
  timeout: 0,
  netmask: 0xffffffff,
  ...extra,
});

function referenceTable(): IpvsModel {
  const model = new IpvsModel();
  model.load([
    {
      service: tcp('10.0.0.1', 80, { scheduler: 'rr', flags: 1, timeout: 360, netmask: 0xffffff00, peName: 'sip' }),
      stats: {
        conns: 12n,
        inpkts: 123456789n,
        outpkts: 2000000000n,
        inbytes: 500000000000n,
        outbytes: 200000000000000n,
        cps: 1n,
        inpps: 2n,
        outpps: 3n,
        inbps: 4n,
        outbps: 5n,
      },
      dests: [
        { dest: dest('192.168.10.2', 80, { weight: 100, upperThreshold: 100, lowerThreshold: 50 }), activeConns: 12, inactiveConns: 345 },
        {
          dest: dest('192.168.10.1', 80, { forwarding: 'masq' }),
          stats: { conns: 12n, inpkts: 34n, inbytes: 4567n, cps: 1n, inpps: 2n, outpps: 3n, inbps: 4n, outbps: 5n },
        },
      ],
    },
    {
      service: {
        key: { protocol: 'udp', address: '10.0.0.1', port: 53 },
        scheduler: 'sh',
        flags: 0x4 | 0x8 | 0x10,
        timeout: 0,
        netmask: 0xffffffff,
      },
    },
    {
      service: { key: { protocol: 'tcp', address: '2001:db8::80', port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 128 },
      dests: [{ dest: dest('2001:db8::a0a0', 80, { forwarding: 'tunnel' }) }],
    },
    { service: { key: { fwmark: 1, family: 'ipv4' }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff } },
    { service: { key: { fwmark: 2, family: 'ipv6' }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 128 } },
  ]);
  return model;
}

describe('reference listings (doc 4.6)', () => {
  test('ipvsadm -Ln', async () => {
    expect((await run(['-Ln'], { model: referenceTable() })).stdout).toBe(
      golden(`IP Virtual Server version 1.2.1 (size=4096)⏎
Prot LocalAddress:Port Scheduler Flags⏎
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn⏎
TCP  10.0.0.1:80 rr persistent 360 mask 255.255.255.0 pe sip⏎
  -> 192.168.10.1:80              Masq    1      0          0         ⏎
  -> 192.168.10.2:80              Route   100    12         345       ⏎
UDP  10.0.0.1:53 sh (sh-fallback,sh-port) ops⏎
TCP  [2001:db8::80]:80 wlc⏎
  -> [2001:db8::a0a0]:80          Tunnel  1      0          0         ⏎
FWM  1 wlc⏎
FWM  2 IPv6 wlc⏎
`),
    );
  });

  test('--stats and --stats --exact', async () => {
    const model = referenceTable();
    expect((await run(['-Ln', '--stats', '-t', '10.0.0.1:80'], { model })).stdout).toBe(
      golden(`Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes⏎
  -> RemoteAddress:Port⏎
TCP  10.0.0.1:80                        12  123456K    2000M     500G     200T⏎
  -> 192.168.10.1:80                    12       34        0     4567        0⏎
  -> 192.168.10.2:80                     0        0        0        0        0⏎
`),
    );
    const exact = (await run(['-Ln', '--stats', '--exact', '-t', '10.0.0.1:80'], { model })).stdout.split('\n')[2];
    expect(exact).toBe('TCP  10.0.0.1:80                        12 123456789 2000000000 500000000000 200000000000000');
  });

  test('--rate', async () => {
    expect((await run(['-Ln', '--rate', '-t', '10.0.0.1:80'], { model: referenceTable() })).stdout).toBe(
      golden(`Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS⏎
  -> RemoteAddress:Port⏎
TCP  10.0.0.1:80                         1        2        3        4        5⏎
  -> 192.168.10.1:80                     1        2        3        4        5⏎
  -> 192.168.10.2:80                     0        0        0        0        0⏎
`),
    );
  });

  test('--thresholds and --persistent-conn', async () => {
    const model = referenceTable();
    expect((await run(['-Ln', '--thresholds', '-t', '10.0.0.1:80'], { model })).stdout).toBe(
      golden(`Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ⏎
  -> RemoteAddress:Port⏎
TCP  10.0.0.1:80 rr persistent 360 mask 255.255.255.0 pe sip⏎
  -> 192.168.10.1:80              0          0          0          0         ⏎
  -> 192.168.10.2:80              100        50         12         345       ⏎
`),
    );
    expect((await run(['-Ln', '--persistent-conn', '-t', '10.0.0.1:80'], { model })).stdout).toBe(
      golden(`Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ⏎
  -> RemoteAddress:Port⏎
TCP  10.0.0.1:80 rr persistent 360 mask 255.255.255.0 pe sip⏎
  -> 192.168.10.1:80              1         0           0          0         ⏎
  -> 192.168.10.2:80              100       0           12         345       ⏎
`),
    );
  });

  test('--tun-info', async () => {
    const model = new IpvsModel();
    model.load([
      {
        service: tcp('10.0.0.1', 80, { scheduler: 'rr' }),
        dests: [
          { dest: dest('192.168.10.1', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 6080 }) },
          { dest: dest('192.168.10.2', 80, { forwarding: 'tunnel', tunnelType: 'gre', tunnelCsum: 'csum' }) },
          { dest: dest('192.168.10.3', 80) },
          { dest: dest('192.168.10.4', 80, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 65535, tunnelCsum: 'remcsum' }) },
          { dest: dest('192.168.10.5', 80, { forwarding: 'tunnel' }) },
          { dest: dest('192.168.10.6', 80, { forwarding: 'local' }) },
        ],
      },
    ]);
    expect((await run(['-Ln', '--tun-info'], { model })).stdout).toBe(
      golden(`IP Virtual Server version 1.2.1 (size=4096)⏎
Prot LocalAddress:Port Scheduler Flags⏎
  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn⏎
TCP  10.0.0.1:80 rr⏎
  -> 192.168.10.1:80              Tunnel  gue:6080:-c   1      0          0         ⏎
  -> 192.168.10.2:80              Tunnel  gre:+c        1      0          0         ⏎
  -> 192.168.10.3:80              Route   n/a           1      0          0         ⏎
  -> 192.168.10.4:80              Tunnel  gue:65535:r+c 1      0          0         ⏎
  -> 192.168.10.5:80              Tunnel  ipip          1      0          0         ⏎
  -> 192.168.10.6:80              Local   n/a           1      0          0         ⏎
`),
    );
    expect((await run(['-Sn'], { model })).stdout).toBe(`-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.10.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
-a -t 10.0.0.1:80 -r 192.168.10.2:80 -i -w 1 --tun-type gre --tun-csum
-a -t 10.0.0.1:80 -r 192.168.10.3:80 -g -w 1
-a -t 10.0.0.1:80 -r 192.168.10.4:80 -i -w 1 --tun-type gue --tun-port 65535 --tun-remcsum
-a -t 10.0.0.1:80 -r 192.168.10.5:80 -i -w 1 --tun-type ipip
-a -t 10.0.0.1:80 -r 192.168.10.6:80 -g -w 1
`);
  });

  test('-Sn', async () => {
    const model = referenceTable();
    await run(['-a', '-t', '[2001:db8::80]:80', '-r', '192.168.20.1', '-i', '--tun-type', 'gue', '--tun-port', '6080'], { model });
    await run(['-a', '-f', '1', '-r', '192.168.10.5', '-i'], { model });
    expect((await run(['-Sn'], { model })).stdout).toBe(`-A -t 10.0.0.1:80 -s rr -p 360 -M 255.255.255.0 --pe sip
-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m -w 1
-a -t 10.0.0.1:80 -r 192.168.10.2:80 -g -w 100
-A -u 10.0.0.1:53 -s sh -o -b sh-fallback,sh-port
-A -t [2001:db8::80]:80 -s wlc
-a -t [2001:db8::80]:80 -r 192.168.20.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
-a -t [2001:db8::80]:80 -r [2001:db8::a0a0]:80 -i -w 1 --tun-type ipip
-A -f 1 -s wlc
-a -f 1 -r 192.168.10.5:0 -i -w 1 --tun-type ipip
-A -f 2 -6 -s wlc
`);
  });
});

describe('details', () => {
  test('large numbers: scaled and exact', () => {
    expect(largeNumber(99999999n, false)).toBe(' 99999999');
    expect(largeNumber(100000000n, false)).toBe('  100000K');
    expect(largeNumber(999999999n, false)).toBe('  999999K');
    expect(largeNumber(1000000000n, false)).toBe('    1000M');
    expect(largeNumber(99999999999999n, false)).toBe('   99999G');
    expect(largeNumber(100000000000000n, false)).toBe('     100T');
    expect(largeNumber(18446744073709551615n, false)).toBe('18446744T');
    expect(largeNumber(12345678n, true)).toBe(' 12345678');
    expect(largeNumber(123456789n, true)).toBe(' 123456789');
    expect(largeNumber(0n, true)).toBe('        0');
  });

  test('IPv6 persistence mask, persistence without a mask, sched flags of other schedulers', async () => {
    const model = new IpvsModel();
    model.load([
      {
        service: {
          key: { protocol: 'tcp', address: '2001:db8::1', port: 443 },
          scheduler: 'wrr',
          flags: 1 | 0x20,
          timeout: 60,
          netmask: 64,
        },
      },
      { service: tcp('10.0.0.2', 0, { flags: 1 | 0x8, timeout: 2678400 }) },
      { service: { key: { fwmark: 3, family: 'ipv6' }, scheduler: 'mh', flags: 0x8 | 0x10 | 0x20, timeout: 0, netmask: 128 } },
      {
        service: { key: { protocol: 'sctp', address: '10.0.0.3', port: 9 }, scheduler: 'sh', flags: 0x20, timeout: 0, netmask: 0xffffffff },
      },
    ]);
    expect((await run(['-Ln'], { model })).stdout).toBe(
      golden(`IP Virtual Server version 1.2.1 (size=4096)⏎
Prot LocalAddress:Port Scheduler Flags⏎
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn⏎
TCP  10.0.0.2:0 wlc (flag-1) persistent 2678400⏎
SCTP 10.0.0.3:9 sh ()⏎
TCP  [2001:db8::1]:443 wrr (flag-3) persistent 60 mask 64⏎
FWM  3 IPv6 mh (mh-fallback,mh-port)⏎
`),
    );
    expect((await run(['-Sn'], { model })).stdout).toBe(`-A -t 10.0.0.2:0 -s wlc -p 2678400 -b flag-1
-A --sctp-service 10.0.0.3:9 -s sh -b 
-A -t [2001:db8::1]:443 -s wrr -p 60 -M 64 -b flag-3
-A -f 3 -6 -s mh -b mh-fallback,mh-port
`);
  });

  test('names: hosts and services resolved, cut to 33 / 28 bytes, fwmark ports never named', async () => {
    const resolver = tableResolver({
      addrs: { '10.0.0.1': 'a-rather-long-virtual-host-name.example.com', '192.168.10.1': 'real1', '2001:db8::1': 'six' },
      ports: { '80/tcp': 'http', '8990/tcp': 'clc-build-daemon', '0/tcp': 'zero' },
    });
    const model = new IpvsModel();
    model.load([
      {
        service: tcp('10.0.0.1', 80),
        dests: [
          { dest: dest('192.168.10.1', 8990, { forwarding: 'masq' }) },
          { dest: dest('192.168.10.2', 80) },
          { dest: dest('2001:db8::1', 80, { forwarding: 'tunnel' }) },
        ],
      },
      {
        service: { key: { fwmark: 9, family: 'ipv4' }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff },
        dests: [{ dest: dest('192.168.10.1', 80) }],
      },
    ]);
    expect((await run(['-L'], { model, resolver })).stdout).toBe(
      golden(`IP Virtual Server version 1.2.1 (size=4096)⏎
Prot LocalAddress:Port Scheduler Flags⏎
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn⏎
TCP  a-rather-long-virtual-host-n wlc⏎
  -> real1:clc-build-daemon       Masq    1      0          0         ⏎
  -> 192.168.10.2:http            Route   1      0          0         ⏎
  -> [six]:http                   Tunnel  1      0          0         ⏎
FWM  9 wlc⏎
  -> real1:80                     Route   1      0          0         ⏎
`),
    );
    expect((await run(['-S'], { model, resolver })).stdout).toBe(`-A -t a-rather-long-virtual-host-name.example.com:http -s wlc
-a -t a-rather-long-virtual-host-name.example.com:http -r real1:clc-build-daemon -m -w 1
-a -t a-rather-long-virtual-host-name.example.com:http -r 192.168.10.2:http -g -w 1
-a -t a-rather-long-virtual-host-name.example.com:http -r [six]:http -i -w 1 --tun-type ipip
-A -f 9 -s wlc
-a -f 9 -r real1:80 -g -w 1
`);
  });

  test('sorting: libipvs order with its int-truncation quirk, --nosort keeps the kernel order', async () => {
    const model = new IpvsModel();
    model.load([
      {
        service: tcp('10.0.0.1', 80),
        dests: [{ dest: dest('10.0.0.9', 80) }, { dest: dest('200.0.0.1', 80) }, { dest: dest('10.0.0.9', 79, { forwarding: 'masq' }) }],
      },
      { service: tcp('200.0.0.1', 80) },
      { service: { key: { protocol: 'udp', address: '1.1.1.1', port: 1 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff } },
      { service: tcp('10.0.0.1', 22) },
      { service: { key: { fwmark: 0x80000001, family: 'ipv4' }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff } },
      { service: { key: { fwmark: 1, family: 'ipv4' }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff } },
    ]);
    const lines = (await run(['-Ln'], { model })).stdout.split('\n').slice(3, -1);
    // fwmark 0x80000001 - 0 is negative as an int: that fwmark service sorts first.
    expect(lines.map((l) => l.trimEnd())).toEqual([
      'FWM  -2147483647 wlc',
      'TCP  200.0.0.1:80 wlc',
      'TCP  10.0.0.1:22 wlc',
      'TCP  10.0.0.1:80 wlc',
      '  -> 200.0.0.1:80                 Route   1      0          0',
      '  -> 10.0.0.9:79                  Masq    1      0          0',
      '  -> 10.0.0.9:80                  Route   1      0          0',
      'UDP  1.1.1.1:1 wlc',
      'FWM  1 wlc',
    ]);
    const unsorted = (await run(['-Ln', '--nosort'], { model })).stdout.split('\n').slice(3, 7);
    expect(unsorted.map((l) => l.trimEnd())).toEqual([
      'TCP  10.0.0.1:80 wlc',
      '  -> 10.0.0.9:80                  Route   1      0          0',
      '  -> 200.0.0.1:80                 Route   1      0          0',
      '  -> 10.0.0.9:79                  Masq    1      0          0',
    ]);
  });

  test('--timeout and --daemon', async () => {
    const model = new IpvsModel();
    expect((await run(['-L', '--timeout'], { model })).stdout).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
    expect(await run(['-L', '--daemon'], { model })).toEqual({ status: 0, stdout: '', stderr: '' });
    await run(['--start-daemon', 'master', '--syncid', '1'], { model });
    await run(
      [
        '--start-daemon',
        'backup',
        '--mcast-interface',
        'eth1',
        '--mcast-group',
        'ff02::81',
        '--mcast-port',
        '9000',
        '--mcast-ttl',
        '2',
        '--sync-maxlen',
        '1200',
      ],
      {
        model,
      },
    );
    expect((await run(['-L', '--daemon'], { model })).stdout).toBe(
      'master sync daemon (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n' +
        'backup sync daemon (mcast=eth1, syncid=0, maxlen=1200, group=ff02::81, port=9000, ttl=2)\n',
    );
    // As a kernel that reports none of the optional values.
    model.loadDaemons([{ state: 'backup', mcastIfn: 'eth0', syncId: 3 }]);
    expect((await run(['-L', '--daemon'], { model })).stdout).toBe('backup sync daemon (mcast=eth0, syncid=3)\n');
  });

  test('stats of destinations are read as libipvs reads them (low 32 bits except bytes)', async () => {
    const big: Partial<Stats> = { conns: (1n << 32n) + 5n, inbytes: (1n << 40n) + 1n };
    const model = new IpvsModel();
    model.load([{ service: tcp('10.0.0.1', 80), stats: big, dests: [{ dest: dest('10.0.0.2', 80), stats: big }] }]);
    const out = (await run(['-Ln', '--stats', '--exact'], { model })).stdout.split('\n');
    expect(out[3]).toBe('TCP  10.0.0.1:80                  4294967301        0        0 1099511627777        0');
    expect(out[4]).toBe('  -> 10.0.0.2:80                         5        0        0 1099511627777        0');
  });
});
