/** runLvsadm end to end on the IPVS model: start-up, kernel errors, exit statuses, what is sent. */
import { describe, expect, test } from 'vitest';
import { IpvsModel } from '../../support/ipvs-model.js';
import { run, setup } from './helpers.js';

const INIT_FAIL = (reason: string): string =>
  `Can't initialize ipvs: ${reason}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n`;
const missing = async (): Promise<never> => Promise.reject(Object.assign(new Error('no IPVS family'), { code: 'ENOENT' }));

describe('start-up', () => {
  test('IPVS missing: modprobe is tried, then the init failure, whatever the arguments', async () => {
    let probes = 0;
    const modprobe = async (): Promise<boolean> => {
      probes++;
      return false;
    };
    for (const args of [['-L'], ['-h'], ['--bogus'], []]) {
      expect(await run(args, { ipvs: missing, modprobe })).toEqual({ status: 2, stdout: '', stderr: INIT_FAIL('Protocol not available') });
    }
    expect(probes).toBe(4);
  });

  test('as non-root the fallback fails with EPERM', async () => {
    expect((await run(['-L'], { ipvs: missing, privileged: false })).stderr).toBe(INIT_FAIL('Permission denied (you must be root)'));
  });

  test('GET_INFO refused (not root): that error', async () => {
    const model = new IpvsModel();
    model.failNext({ op: 'info', errno: 'EPERM' });
    const api = model.api();
    expect(await run(['-Ln'], { ipvs: async () => api })).toEqual({
      status: 2,
      stdout: '',
      stderr: INIT_FAIL('Permission denied (you must be root)'),
    });
    expect(api.closed).toBe(true);
  });

  test('modprobe that helps: the retry succeeds', async () => {
    const model = new IpvsModel();
    let loaded = false;
    const r = await run(['-v'], {
      ipvs: async () => (loaded ? model.api() : missing()),
      modprobe: async () => {
        loaded = true;
        return true;
      },
    });
    expect(r).toEqual({ status: 0, stdout: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n', stderr: '' });
  });

  test('an old IPVS version is warned about', async () => {
    const model = new IpvsModel({ info: { versionCode: 0x010103, version: '1.1.3', connTabSize: 64 } });
    expect(await run(['-Ln'], { model })).toEqual({
      status: 0,
      stdout:
        'IP Virtual Server version 1.1.3 (size=64)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
      stderr:
        'Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version 1.1.3\n  ipvsadm v1.31  requires minimum IPVS version 1.1.4\n\n',
    });
  });

  test('no arguments lists with names; the client is closed', async () => {
    const api = new IpvsModel().api();
    expect((await run([], { ipvs: async () => api })).stdout.startsWith('IP Virtual Server version 1.2.1 (size=4096)\n')).toBe(true);
    expect(api.closed).toBe(true);
  });

  test('the usage text names the program', async () => {
    const r = await run(['-h'], { program: 'lvsadm' });
    expect(r.stdout).toContain('\n  lvsadm -A|E virtual-service');
    expect((await run(['-q'], { program: 'lvsadm' })).stderr).toBe("Try `lvsadm -h' or 'lvsadm --help' for more information.\n");
  });
});

describe('kernel errors: ipvs_strerror text on stderr, status 255', () => {
  test.each([
    [['-A -t 1.2.3.4:80'], '-A -t 1.2.3.4:80', 'Service already exists'],
    [[], '-A -t 1.2.3.4:80 -s nosuch', 'Scheduler or persistence engine not found'],
    [[], '-A -t 1.2.3.4:80 --pe nosuch', 'Scheduler or persistence engine not found'],
    [[], '-E -t 1.2.3.4:80', 'No such service'],
    [['-A -t 1.2.3.4:80'], '-E -t 1.2.3.4:80 -s nosuch', 'Scheduler or persistence engine not found'],
    [[], '-D -t 1.2.3.4:80', 'No such service'],
    [[], '-Z -t 1.2.3.4:80', 'No such service'],
    [[], '-a -t 1.2.3.4:80 -r 5.6.7.8', 'Service not defined'],
    [['-A -t 1.2.3.4:80', '-a -t 1.2.3.4:80 -r 5.6.7.8'], '-a -t 1.2.3.4:80 -r 5.6.7.8', 'Destination already exists'],
    [['-A -t 1.2.3.4:80'], '-a -t 1.2.3.4:80 -r 5.6.7.8 -y 5', 'Numerical result out of range'],
    [['-A -t 1.2.3.4:80'], '-a -t 1.2.3.4:80 -r 0.0.0.0', 'Invalid operation.  Possibly wrong module version, address not unicast, ...'],
    [[], '-e -t 1.2.3.4:80 -r 5.6.7.8', 'Service not defined'],
    [['-A -t 1.2.3.4:80'], '-e -t 1.2.3.4:80 -r 5.6.7.8', 'No such destination'],
    [[], '-d -t 1.2.3.4:80 -r 5.6.7.8', 'Service not defined'],
    [['-A -t 1.2.3.4:80', '-a -t 1.2.3.4:80 -r 5.6.7.8:8080 -m'], '-d -t 1.2.3.4:80 -r 5.6.7.8', 'No such destination'],
    [['--start-daemon master'], '--start-daemon master', 'Daemon has already run'],
    [[], '--stop-daemon backup', 'No daemon is running'],
  ])('after %j: %s', async (before, line, message) => {
    const model = new IpvsModel();
    await setup(model, ...before);
    expect(await run(line.split(' '), { model })).toEqual({ status: 255, stdout: '', stderr: `${message}\n` });
  });

  test('an unknown interface is strerror(ENODEV)', async () => {
    const model = new IpvsModel({ interfaces: { eth0: 1500 } });
    expect(await run(['--start-daemon', 'master', '--mcast-interface', 'eth9'], { model })).toEqual({
      status: 255,
      stdout: '',
      stderr: 'No such device\n',
    });
  });

  test('flush keeps the function libipvs last recorded (ESRCH is then plain strerror)', async () => {
    const model = new IpvsModel();
    model.failNext({ op: 'flush', errno: 'ESRCH' });
    expect((await run(['-C'], { model })).stderr).toBe('No such process\n');
  });

  test("the client's errno number wins (kernel-internal codes print as glibc does)", async () => {
    const api = new IpvsModel().api();
    api.addService = async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTSUPP', errno: 524 }));
    expect((await run(['-A', '-t', '1.2.3.4:80'], { ipvs: async () => api })).stderr).toBe('Unknown error 524\n');
  });

  test('codes that are not errno names are reported as EINVAL', async () => {
    const model = new IpvsModel();
    model.failNext({ op: 'addService', errno: 'EDECODE' });
    expect((await run(['-A', '-t', '1.2.3.4:80'], { model })).stderr).toBe(
      'Invalid operation.  Possibly wrong module version, address not unicast, ...\n',
    );
  });
});

describe('listing errors: status 1', () => {
  test('-L -t for a missing service', async () => {
    expect(await run(['-L', '-t', '1.2.3.4:80'], {})).toEqual({ status: 1, stdout: '', stderr: 'No such service\n' });
  });
  test('services dump failing: the header was printed', async () => {
    const model = new IpvsModel();
    model.failNext({ op: 'listServices', errno: 'EPERM' });
    expect(await run(['-Ln'], { model })).toEqual({
      status: 1,
      stdout: 'IP Virtual Server version 1.2.1 (size=4096)\n',
      stderr: 'Permission denied (you must be root)\n',
    });
  });
  test('destinations dump failing: output up to that service', async () => {
    const model = new IpvsModel();
    await setup(model, '-A -t 1.2.3.4:80');
    model.failNext({ op: 'listDestinations', errno: 'ESRCH' });
    expect(await run(['-Ln'], { model })).toEqual({
      status: 1,
      stdout:
        'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
      stderr: 'No such service\n',
    });
  });
  test('--timeout / --daemon failing: status 1, silent', async () => {
    const model = new IpvsModel();
    model.failNext({ op: 'getTimeouts', errno: 'EPERM' });
    model.failNext({ op: 'listDaemons', errno: 'EPERM' });
    expect(await run(['-L', '--timeout'], { model })).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await run(['-L', '--daemon'], { model })).toEqual({ status: 1, stdout: '', stderr: '' });
  });
  test('-c without the proc file', async () => {
    expect(await run(['-Lc'], { procConnPath: '/nonexistent/ip_vs_conn' })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'cannot open file /proc/net/ip_vs_conn\n',
    });
  });
});

describe('what is sent', () => {
  test('add service: defaults filled like ipvsadm (wlc, netmask, no flags)', async () => {
    const model = new IpvsModel();
    await setup(model, '-A -t 10.0.0.1:80');
    expect(model.calls.find((c) => c.op === 'addService')?.args).toEqual([
      { key: { protocol: 'tcp', address: '10.0.0.1', port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff },
    ]);
  });
  test('edit without -s resets the scheduler to wlc; -p alone is 360 s', async () => {
    const model = new IpvsModel();
    await setup(model, '-A -f 10 -s rr', '-E -f 10 -p');
    expect((await run(['-Ln'], { model })).stdout.split('\n')[3]).toBe('FWM  10 wlc persistent 360');
  });
  test('destinations: defaults and tunnel parameters', async () => {
    const model = new IpvsModel();
    await setup(
      model,
      '-A -t [2001:db8::1]:80',
      '-a -t [2001:db8::1]:80 -r 10.0.0.2:90 -i --tun-type gue --tun-port 6080 --tun-csum -w 7 -x 10 -y 2',
    );
    expect(model.calls.find((c) => c.op === 'addDestination')?.args).toEqual([
      { protocol: 'tcp', address: '2001:db8::1', port: 80 },
      {
        address: '10.0.0.2',
        port: 80,
        forwarding: 'tunnel',
        weight: 7,
        upperThreshold: 10,
        lowerThreshold: 2,
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelCsum: 'csum',
      },
    ]);
  });
  test('-Z without a service, or with 0.0.0.0:0, zeroes everything', async () => {
    const model = new IpvsModel();
    await setup(model, '-Z', '-Z -t 0.0.0.0:0');
    expect(model.calls.filter((c) => c.op === 'zero').map((c) => c.args)).toEqual([[], []]);
  });
  test('daemons: optional values only when given', async () => {
    const model = new IpvsModel();
    await setup(model, '--start-daemon master --syncid 5 --mcast-group 239.1.1.1', '--stop-daemon master');
    expect(model.calls.filter((c) => c.op.endsWith('Daemon')).map((c) => c.args)).toEqual([
      [{ state: 'master', mcastIfn: 'eth0', syncId: 5, mcastGroup: '239.1.1.1' }],
      ['master'],
    ]);
  });
  test('--set sends all three values (0 keeps the kernel value)', async () => {
    const model = new IpvsModel();
    await setup(model, '--set 0 60 0');
    expect((await run(['-L', '--timeout'], { model })).stdout).toBe('Timeout (tcp tcpfin udp): 900 60 300\n');
  });
});
