import { describe, expect, test } from 'vitest';
import { COMMANDS, type CommandEntry, type CommandName, OPTIONS, type OptionName } from '../../../src/lvsadm/model.js';
import { type ParseResult, parseCommandLine } from '../../../src/lvsadm/options.js';
import { matrixCell } from '../../../src/lvsadm/validate.js';
import { tableResolver } from './helpers.js';

const resolver = tableResolver({
  hosts: { www: '10.0.0.80', mask24: '255.255.255.0' },
  services: { 'http/tcp': 80, 'domain/udp': 53, 'sip/sctp': 5060 },
});

async function parse(...args: string[]): Promise<ParseResult> {
  return parseCommandLine(['ipvsadm', ...args], { program: 'ipvsadm', resolver });
}

async function entry(...args: string[]): Promise<CommandEntry> {
  const r = await parse(...args);
  if (r.kind !== 'command') throw new Error(`expected a command, got ${JSON.stringify(r)}`);
  return r.entry;
}

async function failure(...args: string[]): Promise<[string, number]> {
  const r = await parse(...args);
  if (r.kind !== 'exit') throw new Error(`expected a failure for ${args.join(' ')}`);
  return [r.stderr, r.status];
}

const hex = (a: Uint8Array): string => Buffer.from(a).toString('hex');

describe('commands, short and long', () => {
  test.each([
    [['-A', '-t', '1.2.3.4:80'], 'add-service'],
    [['--add-service', '-t', '1.2.3.4:80'], 'add-service'],
    [['-E', '-t', '1.2.3.4:80'], 'edit-service'],
    [['--edit-service', '-t', '1.2.3.4:80'], 'edit-service'],
    [['-D', '-t', '1.2.3.4:80'], 'delete-service'],
    [['--delete-service', '-t', '1.2.3.4:80'], 'delete-service'],
    [['-C'], 'flush'],
    [['--clear'], 'flush'],
    [['-L'], 'list'],
    [['-l'], 'list'],
    [['--list'], 'list'],
    [['-Z'], 'zero'],
    [['--zero'], 'zero'],
    [['-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'add-server'],
    [['--add-server', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'add-server'],
    [['-e', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'edit-server'],
    [['--edit-server', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'edit-server'],
    [['-d', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'delete-server'],
    [['--delete-server', '-t', '1.2.3.4:80', '-r', '5.6.7.8'], 'delete-server'],
    [['--set', '1', '2', '3'], 'set'],
    [['-R'], 'restore'],
    [['--restore'], 'restore'],
    [['-S'], 'save'],
    [['--save'], 'save'],
    [['--start-daemon', 'master'], 'start-daemon'],
    [['--stop-daemon', 'backup'], 'stop-daemon'],
  ])('%j is %s', async (args, cmd) => {
    expect((await entry(...args)).cmd).toBe(cmd);
  });

  test('-h / --help / -v / --version', async () => {
    for (const a of ['-h', '--help']) {
      const r = await parse(a, '--bogus');
      expect(r).toMatchObject({ kind: 'exit', status: 0, stderr: '' });
      expect(
        r.kind === 'exit' && r.stdout.startsWith('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n  ipvsadm -A|E'),
      ).toBe(true);
    }
    for (const a of ['-v', '--version']) {
      expect(await parse(a)).toEqual({
        kind: 'exit',
        status: 0,
        stderr: '',
        stdout: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n',
      });
    }
  });

  test('the first option must be a command', async () => {
    const tryHelp = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n";
    for (const args of [['-n'], ['foo'], ['--bogus'], [], ['-t', '1.2.3.4:80', '-A'], ['--start-daemon']]) {
      expect(await failure(...args)).toEqual([tryHelp, 255]);
    }
  });

  test('a second command is an invalid option, named by the word popt consumed last', async () => {
    expect(await failure('-L', '-A')).toEqual(["invalid option `-A'\n", 2]);
    expect(await failure('-Ln', '--start-daemon', 'master')).toEqual(["invalid option `master'\n", 2]);
    expect(await failure('-LZ')).toEqual(["invalid option `-LZ'\n", 2]);
  });
});

describe('services and servers', () => {
  test('-t/-u/--sctp-service addresses, ports and names', async () => {
    const e = await entry('-A', '-t', 'www:http');
    expect([e.svc.af, e.svc.protocol, hex(e.svc.addr.subarray(0, 4)), e.svc.port]).toEqual([2, 6, '0a000050', 80]);
    const u = await entry('-A', '--udp-service', '10.1:domain');
    expect([u.svc.protocol, hex(u.svc.addr.subarray(0, 4)), u.svc.port]).toEqual([17, '0a000001', 53]);
    const s = await entry('-A', '--sctp-service', '[2001:db8::1]:sip');
    expect([s.svc.af, s.svc.protocol, s.svc.netmask, s.svc.port]).toEqual([10, 132, 128, 5060]);
  });

  test('unbracketed IPv6 is taken whole, port 0', async () => {
    expect(await failure('-A', '-t', '2001:db8::1:80')).toEqual(['Zero port specified for non-persistent service\n', 2]);
    const e = await entry('-A', '-t', '2001:db8::1:80', '-p');
    expect([e.svc.af, e.svc.port, e.svc.timeout]).toEqual([10, 0, 360]);
  });

  test('"[1.2.3.4]:80" loses its port', async () => {
    expect(await failure('-A', '-t', '[1.2.3.4]:80')).toEqual(['Zero port specified for non-persistent service\n', 2]);
  });

  test('-f, -6 and the netmask', async () => {
    const f = await entry('-A', '--fwmark-service', '4294967295', '-6', '-M', '64', '-p', '10');
    expect([f.svc.fwmark, f.svc.af, f.svc.netmask, f.svc.timeout]).toEqual([4294967295, 10, 64, 10]);
    const m = await entry('-A', '-f', '1', '-M', '64', '-6');
    expect(m.svc.netmask).toBe(128);
    const v4 = await entry('-A', '-t', '1.2.3.4:80', '--netmask', 'mask24');
    expect(v4.svc.netmask).toBe(0xffffff00);
    expect(await failure('-A', '-6', '-f', '1')).toEqual(['-6 used before -f\n\n', 2]);
  });

  test('-r inherits the service port, is forced to it for -g/-i, keeps it for -m', async () => {
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8')).dest.port).toBe(80);
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8:8080')).dest.port).toBe(80);
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8:8080', '-i')).dest.port).toBe(80);
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8:8080', '-m')).dest.port).toBe(8080);
    expect((await entry('-a', '-f', '3', '-r', '5.6.7.8:8080', '-g')).dest.port).toBe(8080);
    expect((await entry('-a', '-r', '5.6.7.8', '-t', '1.2.3.4:80', '-m')).dest.port).toBe(0);
    expect((await entry('-d', '-t', '1.2.3.4:80', '-r', '5.6.7.8:8080')).dest.port).toBe(8080);
  });

  test('-r resolves service names with the protocol parsed so far', async () => {
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8:http', '-m')).dest.port).toBe(80);
    expect(await failure('-a', '-r', '5.6.7.8:http', '-t', '1.2.3.4:80')).toEqual(['illegal real server address[:port] specified\n', 2]);
  });

  test('forwarding methods, weight, thresholds', async () => {
    for (const [flag, conn] of [
      ['-m', 0],
      ['--masquerading', 0],
      ['-i', 2],
      ['--ipip', 2],
      ['-g', 3],
      ['--gatewaying', 3],
    ] as const) {
      expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8', flag)).dest.connFlags).toBe(conn);
    }
    const e = await entry('-e', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '--weight', '0', '--u-threshold', '10', '--l-threshold', '5');
    expect([e.dest.weight, e.dest.uThreshold, e.dest.lThreshold]).toEqual([0, 10, 5]);
    expect((await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-w', '2147483647')).dest.weight).toBe(2147483647);
  });

  test('tunnel options', async () => {
    const e = await entry('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-i', '--tun-type', 'gue', '--tun-port', '6080', '--tun-remcsum');
    expect([e.dest.tunType, e.dest.tunPort, e.dest.tunFlags]).toEqual([1, 6080, 2]);
    const g = await entry('-a', '-t', '1.2.3.4:80', '-r', '[2001:db8::2]:80', '-i', '--tun-type', 'gre', '--tun-csum');
    expect([g.dest.af, g.dest.tunType, g.dest.tunFlags]).toEqual([10, 2, 1]);
    expect(
      await failure('-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-i', '--tun-type', 'gue', '--tun-port', '1', '--tun-csum', '--tun-nocsum'),
    ).toEqual(["The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type\n", 2]);
  });

  test('scheduler, persistence, pe, ops, sched flags', async () => {
    const e = await entry(
      '-A',
      '-u',
      '1.2.3.4:53',
      '--scheduler',
      'sh',
      '--persistent',
      '--pe',
      'sip',
      '--ops',
      '--sched-flags',
      'sh-port,sh-fallback',
    );
    expect([e.svc.schedName, e.svc.flags, e.svc.timeout, e.svc.peName]).toEqual(['sh', 0x1 | 0x4 | 0x8 | 0x10, 360, 'sip']);
    expect((await entry('-A', '-t', '1.2.3.4:80', '-s', 'a-very-long-scheduler-name')).svc.schedName).toBe('a-very-long-sch');
    expect((await entry('-A', '-t', '1.2.3.4:80')).svc.schedName).toBe('wlc');
    expect((await entry('-E', '-t', '1.2.3.4:80', '-b', 'flag-1,flag-3')).svc.flags).toBe(0x8 | 0x20);
    expect(await failure('-A', '-t', '1.2.3.4:80', '-b', 'mh-port')).toEqual(["incompatible scheduler flag `mh-port'\n", 2]);
    expect(await parse('-A', '-t', '1.2.3.4:80', '-b', ',,')).toEqual({ kind: 'exit', stdout: '', stderr: '', status: 139 });
  });

  test('daemon options', async () => {
    const e = await entry(
      '--start-daemon',
      'backup',
      '--mcast-interface',
      'eth1',
      '--syncid',
      '9',
      '--sync-maxlen',
      '1400',
      '--mcast-group',
      'ff02::5',
      '--mcast-port',
      '9000',
      '--mcast-ttl',
      '3',
    );
    expect([
      e.daemon.state,
      e.daemon.mcastIfn,
      e.daemon.syncid,
      e.daemon.syncMaxlen,
      e.daemon.mcastAf,
      e.daemon.mcastPort,
      e.daemon.mcastTtl,
    ]).toEqual([2, 'eth1', 9, 1400, 10, 9000, 3]);
    expect((await entry('--start-daemon', 'master')).daemon.mcastIfn).toBe('eth0');
    expect((await entry('--stop-daemon', 'master')).daemon.mcastIfn).toBe('');
    expect(await failure('--start-daemon', 'slave')).toEqual(['illegal start-daemon parameter specified\n', 2]);
    expect(await failure('--stop-daemon', 'slave')).toEqual(['illegal start_daemon specified\n', 2]);
    expect(await failure('--start-daemon', 'master', '--mcast-group', '10.0.0.1')).toEqual(["invalid IPv4 mcast-group `10.0.0.1'\n", 2]);
  });

  test('--set and listing flags', async () => {
    const s = await entry('--set', '900', '0', '300');
    expect(s.timeout).toEqual({ tcp: 900, tcpFin: 0, udp: 300 });
    const l = await entry('-L', '--numeric', '--exact', '--nosort', '--sort', '--thresholds', '--tun-info');
    expect(l.format).toMatchObject({ numeric: true, exact: true, nosort: true, thresholds: true, tunInfo: true });
    expect((await entry('-L', '-X')).format.exact).toBe(true);
    expect((await entry('-L', '--connection', '--persistent-conn')).options).toEqual(new Set(['connection', 'persistent-conn']));
    expect((await entry('-L', '--timeout')).options).toEqual(new Set(['timeout']));
    expect((await entry('-L', '--daemon')).options).toEqual(new Set(['daemon']));
    expect((await entry('-L', '--stats')).format.stats).toBe(true);
    expect((await entry('-L', '--rate')).format.rate).toBe(true);
  });
});

describe('value errors', () => {
  test.each([
    [['-A', '-t', 'nohost:80'], 'illegal virtual server address[:port] specified'],
    [['-A', '-t', '1.2.3.4:nosvc'], 'illegal virtual server address[:port] specified'],
    [['-A', '-t', '1.2.3.4:80', '-M', 'x'], 'illegal virtual server persistent mask specified'],
    [['-A', '-t', '[::1]:80', '-M', '129'], 'illegal ipv6 netmask specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', 'x:y'], 'illegal real server address[:port] specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-w', 'x'], 'illegal weight specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-x', '-1'], 'illegal u_threshold specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-y', 'z'], 'illegal l_threshold specified'],
    [['--start-daemon', 'master', '--syncid', '300'], 'illegal syncid specified'],
    [['--start-daemon', 'master', '--mcast-group', 'ff02::1:x'], "invalid IPv6 mcast-group `ff02::1:x'"],
    [['--start-daemon', 'master', '--mcast-port', '65536'], 'illegal mcast-port specified'],
    [['--start-daemon', 'master', '--mcast-ttl', '0'], 'illegal mcast-ttl specified'],
    [['--start-daemon', 'master', '--sync-maxlen', '65508'], 'illegal sync-maxlen specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-i', '--tun-type', 'vxlan'], 'illegal tunnel type specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-i', '--tun-port', '70000'], 'illegal tunnel port specified'],
    [['-A', '-f', '0'], "invalid fwmark value `0' specified"],
    [['-A', '-t', '1.2.3.4:80', '-p', '0'], "invalid timeout value `0' specified"],
    [['--set', '1', 'x', '2'], "invalid timeout value `x' specified"],
    [['--set', '1', '2'], '--set option requires 3 timeout values'],
    [['-L', 'extra'], 'unexpected argument extra'],
    [['-A', '-t', '1.2.3.4:80', '-b', 'flag-9'], "invalid scheduler flag `flag-9'"],
    [['-A', '-t', '1.2.3.4:80', '-o'], 'One-Packet Scheduling is only for UDP virtual services'],
    [['-a', '-t', '1.2.3.4:80', '-r', '[::2]'], 'illegal real server address[:port] specified'],
    [['-a', '-t', '1.2.3.4:80', '-r', '[::2]:80'], 'Different address family is allowed only for tunneling servers'],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '--tun-nocsum'], 'Tunnel options conflict with forward method'],
    [
      ['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-i', '--tun-type', 'gue'],
      "You need to supply the 'tun-port' option for the 'gue' tunnel type",
    ],
    [
      ['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-i', '--tun-type', 'gre', '--tun-port', '9'],
      "Illegal 'tun-port' option with the 'gre' tunnel type",
    ],
    [['-a', '-t', '1.2.3.4:80', '-r', '1.1.1.1', '-m', '-g'], "multiple 'forwarding-method' options specified"],
    [['-L', '-c', '--rate'], 'options conflicts in the list command'],
    [['-L', '--timeout', '--persistent-conn'], 'options conflicts in the list command'],
    [['-L', '--daemon', '-c'], "The option 'daemon' conflicts with the 'connection' option in the 'list' command"],
    [['-L', '-t', '1.2.3.4:80', '--timeout'], "The option 'timeout' conflicts with the 'service-address' option in the 'list' command"],
  ])('%j', async (args, message) => {
    expect(await failure(...args)).toEqual([`${message}\n`, 2]);
  });

  test('popt errors print the word and the popt message, status 255', async () => {
    expect(await failure('-L', '--bogus')).toEqual(['--bogus: unknown option\n', 255]);
    expect(await failure('-A', '-t')).toEqual(['-t: missing argument\n', 255]);
    expect(await failure('-L', '--stats=1')).toEqual(['--stats=1: option does not take an argument\n', 255]);
  });
});

/** A valid way to give each option category. */
const OPTION_ARGS: Record<OptionName, string[]> = {
  numeric: ['-n'],
  connection: ['-c'],
  'service-address': ['-t', '1.2.3.4:80'],
  scheduler: ['-s', 'rr'],
  persistent: ['-p'],
  netmask: ['-M', '255.255.255.0'],
  'real-server': ['-r', '5.6.7.8'],
  'forwarding-method': ['-i'],
  weight: ['-w', '1'],
  'u-threshold': ['-x', '1'],
  'l-threshold': ['-y', '1'],
  'mcast-interface': ['--mcast-interface', 'eth0'],
  timeout: ['--timeout'],
  daemon: ['--daemon'],
  stats: ['--stats'],
  rate: ['--rate'],
  thresholds: ['--thresholds'],
  'persistent-conn': ['--persistent-conn'],
  nosort: ['--nosort'],
  syncid: ['--syncid', '1'],
  exact: ['--exact'],
  ops: ['-o'],
  pe: ['--pe', 'sip'],
  'sched-flags': ['-b', 'flag-1'],
  'mcast-group': ['--mcast-group', '224.0.0.81'],
  'mcast-port': ['--mcast-port', '8848'],
  'mcast-ttl': ['--mcast-ttl', '1'],
  'sync-maxlen': ['--sync-maxlen', '1472'],
  'tun-info': ['--tun-info'],
  'tun-type': ['--tun-type', 'ipip'],
  'tun-port': ['--tun-port', '6080'],
  'tun-nocsum': ['--tun-nocsum'],
  'tun-csum': ['--tun-csum'],
  'tun-remcsum': ['--tun-remcsum'],
};

const COMMAND_ARGS: Record<CommandName, string[]> = {
  'add-service': ['-A'],
  'edit-service': ['-E'],
  'delete-service': ['-D'],
  flush: ['-C'],
  list: ['-L'],
  'add-server': ['-a'],
  'delete-server': ['-d'],
  'edit-server': ['-e'],
  set: ['--set'],
  'start-daemon': ['--start-daemon', 'master'],
  'stop-daemon': ['--stop-daemon', 'master'],
  restore: ['-R'],
  save: ['-S'],
  zero: ['-Z'],
};

describe('the command × option matrix', () => {
  const cases = COMMANDS.flatMap((cmd) => OPTIONS.map((option) => [cmd, option, matrixCell(cmd, option)] as const));
  test.each(cases)('%s with %s (%s)', async (cmd, option, cell) => {
    const args = [...(COMMAND_ARGS[cmd] ?? [])];
    // --set's values first: an optional-argument option at the end must not swallow one.
    if (cmd === 'set') args.push('1', '2', '3');
    const compulsory = OPTIONS.filter((o) => matrixCell(cmd, o) === '+' && o !== option);
    for (const o of compulsory) args.push(...OPTION_ARGS[o]);
    args.push(...OPTION_ARGS[option]);
    const r = await parse(...args);
    const stderr = r.kind === 'exit' ? r.stderr : '';
    if (cell === 'x') {
      expect(stderr).toBe(`Illegal '${option}' option with the '${cmd}' command\n`);
    } else {
      expect(stderr).not.toMatch(/^Illegal '|^You need to supply|conflicts with the/);
    }
  });

  test.each(COMMANDS.flatMap((cmd) => OPTIONS.filter((o) => matrixCell(cmd, o) === '+').map((o) => [cmd, o] as const)))(
    '%s without %s',
    async (cmd, option) => {
      const args = [...COMMAND_ARGS[cmd]];
      for (const o of OPTIONS.filter((x) => matrixCell(cmd, x) === '+' && x !== option)) args.push(...OPTION_ARGS[o]);
      expect(await failure(...args)).toEqual([`You need to supply the '${option}' option for the '${cmd}' command\n`, 2]);
    },
  );

  test('the matrix has ipvsadm 1.31 shape', () => {
    expect(COMMANDS.length).toBe(14);
    expect(OPTIONS.length).toBe(34);
    expect(COMMANDS.map((c) => OPTIONS.filter((o) => matrixCell(c, o) !== 'x').length)).toEqual([
      7, 7, 1, 0, 13, 11, 2, 11, 0, 6, 1, 0, 1, 1,
    ]);
  });
});

describe('every short option has the same effect as its long form', () => {
  const pairs: [string[], string[]][] = [
    [
      ['-A', '-t', '1.2.3.4:80', '-s', 'rr', '-p', '60', '-M', '255.0.0.0', '-b', 'flag-2'],
      [
        '--add-service',
        '--tcp-service',
        '1.2.3.4:80',
        '--scheduler',
        'rr',
        '--persistent',
        '60',
        '--netmask',
        '255.0.0.0',
        '--sched-flags',
        'flag-2',
      ],
    ],
    [
      ['-A', '-u', '1.2.3.4:53', '-o'],
      ['--add-service', '--udp-service=1.2.3.4:53', '--ops'],
    ],
    [
      ['-E', '-f', '9', '-6'],
      ['--edit-service', '--fwmark-service', '9', '--ipv6'],
    ],
    [
      ['-a', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-m', '-w', '3', '-x', '9', '-y', '1'],
      [
        '--add-server',
        '--tcp-service',
        '1.2.3.4:80',
        '--real-server',
        '5.6.7.8',
        '--masquerading',
        '--weight',
        '3',
        '--u-threshold',
        '9',
        '--l-threshold',
        '1',
      ],
    ],
    [
      ['-e', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-i'],
      ['--edit-server', '--tcp-service', '1.2.3.4:80', '--real-server', '5.6.7.8', '--ipip'],
    ],
    [
      ['-d', '-t', '1.2.3.4:80', '-r', '5.6.7.8', '-g'].slice(0, 5),
      ['--delete-server', '--tcp-service', '1.2.3.4:80', '--real-server', '5.6.7.8'],
    ],
    [
      ['-L', '-n', '-c'],
      ['--list', '--numeric', '--connection'],
    ],
    [
      ['-l', '-X', '--stats'],
      ['--list', '--exact', '--stats'],
    ],
    [['-Z'], ['--zero']],
    [['-C'], ['--clear']],
    [
      ['-S', '-n'],
      ['--save', '--numeric'],
    ],
  ];
  test.each(pairs)('%j', async (short, long) => {
    expect(await entry(...long)).toEqual(await entry(...short));
  });
});
