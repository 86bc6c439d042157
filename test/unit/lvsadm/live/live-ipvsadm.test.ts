/**
 * Live comparison with the installed ipvsadm (/usr/sbin/ipvsadm): the same arguments must give
 * the same stdout, stderr and exit status. This kernel has no IPVS, so two situations are
 * compared: IPVS missing (both must fail at start-up, after trying modprobe), and IPVS faked
 * through an LD_PRELOAD shim (ipvs-sockopt-shim.c), which lets ipvsadm reach its parser; the
 * cases are chosen so that nothing depends on kernel state beyond an empty table.
 * Skipped, saying why, when ipvsadm or a C compiler is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { requireLiveTools } from './require-tools.js';
import { systemModprobe } from '../../../../src/lvsadm/init.js';
import { systemResolver } from '../../../../src/lvsadm/system-resolver.js';
import { IpvsModel } from '../../../support/ipvs-model.js';
import { type RunResult, run } from '../helpers.js';

const IPVSADM = '/usr/sbin/ipvsadm';
const hasIpvsadm = requireLiveTools(IPVSADM);
const hasCc = hasIpvsadm;

const shimDirs: string[] = [];
afterAll(() => {
  for (const d of shimDirs) rmSync(d, { recursive: true, force: true });
});

function buildShim(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvsadm-shim-'));
  shimDirs.push(dir);
  const out = join(dir, 'shim.so');
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', out, join(import.meta.dirname, 'ipvs-sockopt-shim.c'), '-ldl']);
  return out;
}

function ipvsadm(args: readonly string[], env: Record<string, string>, input = ''): RunResult {
  const r = spawnSync(IPVSADM, args, { argv0: 'ipvsadm', env: { PATH: process.env.PATH ?? '', ...env }, input, encoding: 'utf8' });
  // A segfault is status 139 for a shell; lvsadm reproduces that status.
  const status = r.status ?? (r.signal === 'SIGSEGV' ? 139 : -1);
  return { status, stdout: r.stdout, stderr: r.stderr };
}

async function lvsadm(args: readonly string[], env: Record<string, string>, stdin = ''): Promise<RunResult> {
  return run(args, { model: new IpvsModel(), resolver: systemResolver(), program: 'ipvsadm', env, privileged: true, stdin });
}

/** Argument vectors whose handling does not depend on what the kernel holds. */
const PARSE_CASES: readonly (readonly string[])[] = [
  [],
  ['-h'],
  ['--help'],
  ['-v'],
  ['--version'],
  ['--bogus'],
  ['-q'],
  ['foo'],
  [''],
  ['-'],
  ['-6'],
  ['-t', '1.2.3.4:80', '-A'],
  ['-A'],
  ['-E'],
  ['-D'],
  ['-a'],
  ['-e'],
  ['-d'],
  ['-A', '-t', 'foo.invalid'],
  ['-A', '-t', '1.2.3.4'],
  ['-A', '-t', '1.2.3.4:80', '-s'],
  ['-A', '-t', '80'],
  ['-A', '-t', ''],
  ['-A', '-t', '[::1]'],
  ['-A', '-t', '[::1:80'],
  ['-A', '-t', '1.2.3.4:99999'],
  ['-A', '-t', '1.2.3.4:nosuchservice'],
  ['-A', '-t', '1.2.3.4:80 '],
  ['-A', '-t', ':80'],
  ['-A', '-t', '1.2.3.4:http', '-n'],
  ['-A', '-t', '1.2.3.4:80', '-o'],
  ['-A', '-u', '1.2.3.4:53', '-o', '-x', '5'],
  ['-A', '-f', '0'],
  ['-A', '-f', '-1'],
  ['-A', '-f', 'abc'],
  ['-A', '-f', '4294967296'],
  ['-A', '-f', ' 12x'],
  ['-A', '-6'],
  ['-A', '-f', '1', '-6x'],
  ['-A', '-t', '1.2.3.4:80', '-p', '0'],
  ['-A', '-t', '1.2.3.4:80', '-p', 'abc'],
  ['-A', '-t', '1.2.3.4:80', '-p', '2678401'],
  ['-A', '-t', '1.2.3.4:80', '-p', ''],
  ['-A', '-t', '1.2.3.4:80', '-M', '300.0.0.0'],
  ['-A', '-t', '[::1]:80', '-M', '200'],
  ['-A', '-t', '[::1]:80', '-M', '0'],
  ['-A', '-t', '[::1]:80', '-M', '-3'],
  ['-A', '-t', '1.2.3.4:80', '-b', 'flag-4'],
  ['-A', '-t', '1.2.3.4:80', '-b', 'sh-port'],
  ['-A', '-t', '1.2.3.4:80', '-s', 'mh', '-b', 'sh-port'],
  ['-A', '-t', '1.2.3.4:80', '-b', ','],
  ['-A', '-t', '1.2.3.4:80', '-s', 'rr', '-s', 'wrr'],
  ['-A', '-t', '1.2.3.4:80', '-f', '3'],
  ['-A', '-t', '1.2.3.4:80', '-r', '5.6.7.8'],
  ['-A', '-t', '1.2.3.4:80', '-a'],
  ['-A', '-t', '1.2.3.4:80', '--start-daemon', 'master'],
  ['-a', '-t', '1.2.3.4:80'],
  ['-a', '-t', '1.2.3.4:80', '-r', 'foo.invalid'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-w', '2147483648'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-w', '-1'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-x', 'abc'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-y', '2147483648'],
  ['-a', '-t', '1.2.3.4:80', '-r', '[::2]:80'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '--tun-type', 'gue'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'gue'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'ipip', '--tun-port', '5'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'gre', '--tun-csum', '--tun-nocsum'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'gre', '--tun-remcsum'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'gue', '--tun-port', '0'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-type', 'xyz'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-i', '--tun-csum'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-g', '-m'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-s', 'rr'],
  ['-a', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-b', 'nope'],
  ['-d', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '-w', '3'],
  ['-e', '-t', '1.2.3.4:80', '-r', '1.2.3.5', '--tun-csum'],
  ['-L', '-c', '--stats'],
  ['-L', '--timeout', '--daemon'],
  ['-L', '-c', '-t', '1.2.3.4:80'],
  ['-L', '--daemon', '--persistent-conn'],
  ['-L', '--timeout', '--rate'],
  ['-L', '-s', 'rr'],
  ['-Ln', 'x'],
  ['-L', '-h'],
  ['-L', '--list'],
  ['-Lq'],
  ['-L=3'],
  ['--list=x'],
  ['--list='],
  ['-L', '--numeric=1'],
  ['-L', '-n', '-n'],
  ['-L', '--nosort', '--nosort'],
  ['-L', '-X', '--exact'],
  ['--set', '1', '2'],
  ['--set', '1', '2', '3', '4'],
  ['--set', 'a', 'b', 'c'],
  ['--set', '-1', '2', '3'],
  ['--set', '1', '2', '2678401'],
  ['--set', '--', '-1', '2', '3'],
  ['--start-daemon'],
  ['--start-daemon', 'foo'],
  ['--stop-daemon', 'foo'],
  ['--start-daemon', 'master', '--mcast-group', '1.2.3.4'],
  ['--start-daemon', 'master', '--mcast-group', 'ff02::1x'],
  ['--start-daemon', 'master', '--mcast-group', 'fe80::1'],
  ['--start-daemon', 'master', '--mcast-port', '0'],
  ['--start-daemon', 'master', '--mcast-ttl', '256'],
  ['--start-daemon', 'master', '--sync-maxlen', '65508'],
  ['--start-daemon', 'master', '--syncid', '256'],
  ['--start-daemon', 'backup', '-n'],
  ['--stop-daemon', 'master', '--mcast-interface', 'eth1'],
  ['--stop-daemon', 'master', '--syncid', 'x'],
  ['-C', '-n'],
  ['-R', '-n'],
  ['-S', '-c'],
  ['-Z', '-n'],
  ['-Z', '-t', '1.2.3.4:80', '-s', 'rr'],
  ['-A', '--', '-t'],
  ['-A', '-t', '1.2.3.4:80', 'extra', 'more'],
  ['-D', '-t', '1.2.3.4:80', '-p'],
  ['-E', '-f', '5', '-s', 'sh', '-b', 'mh-fallback'],
];

/** Argument vectors that succeed on an empty table in both (the shim's kernel and the model). */
const OK_CASES: readonly (readonly string[])[] = [
  ['-Ln'],
  ['-l'],
  ['-L', '--sort'],
  ['-L', '--stats'],
  ['-L', '--rate', '--exact'],
  ['-L', '--thresholds'],
  ['-L', '--persistent-conn'],
  ['-L', '--tun-info', '--nosort'],
  ['-L', '--timeout'],
  ['-L', '--daemon'],
  ['-S'],
  ['--save', '-n'],
  ['-L', '-t', '1.2.3.4:80'],
  ['-L', '-c'],
  ['-A', '-t', '1.2.3.4:80', '-p', '-s', 'rr'],
  ['-A', '-t', '1.2.3.4:80', '-p600'],
  ['-A', '-t', '1.2.3.4:80', '-p=600'],
  ['-A', '-t', '1.2.3.4:80', '--persistent=600', '-M', '255.255.0.0'],
  ['-A', '-t', '1.2.3.4 x:80'],
  ['-A', '-t', '0x01020304:80'],
  ['-A', '-t', '1.2:80'],
  ['-A', '-t', 'localhost:http'],
  ['-A', '-t', '!#:+', '1.2.3.4:80'],
  ['-A', '-u', '1.2.3.4:53', '-o', '-s', 'sh', '-b', 'sh-fallback,,sh-port'],
  ['-A', '-t', '1.2.3.4:80', '-b', ''],
  ['-C'],
  ['--clear'],
  ['-Z'],
  ['--set', '0', '0', '60'],
  ['--start-daemon', 'master', '--mcast-interface', 'eth0', '--syncid', '3'],
];

const POSIX_CASES: readonly (readonly string[])[] = [
  ['-L', 'foo', '-n'],
  ['--set', '1', '2', '3', '-n'],
  ['-A', 'x', '-t', '1.2.3.4:80'],
];

/** Restore inputs ipvsadm accepts whole (and the model can apply from an empty table). */
const RESTORE_OK: readonly string[] = [
  '',
  '\n\n',
  '-A -t 1.2.3.4:80 -s rr\n-a -t 1.2.3.4:80 -r 1.2.3.5\n',
  'ipvsadm -A -t 1.2.3.4:80\n\n   \n\t-C\n',
  '-L --timeout\n',
  '-L --timeout\r\n',
  '-L --timeout',
  '-L --timeout ',
  '-L --timeout  ',
  '-L --timeout\t\t',
  '   -L    --timeout   \n',
  '-A -t 1.2.3.4:80\n-h\n-A -t nonsense\n',
  '-v\n',
  '-Ln --daemon\n-Z\n',
  '-L --timeout ipvsadm\n--set 10 20 30\n',
];

/** Restore inputs with a line ipvsadm rejects: same status, same message (lvsadm names the line). */
const RESTORE_BAD: readonly [string, number][] = [
  ['-A -t 1.2.3.4:80 -s rr\n# a comment\n', 2],
  ['-A -t 1.2.3.4:80\n-a -t 1.2.3.4:80 -r 1.2.3.5 -w x\n', 2],
  ['-R\n', 1],
  ['--set 1 2 3 -L\n', 1],
  ['-A -t 1.2.3.4:80 -s\n', 1],
  ['-C\n-C\n-L -t foo.invalid:80\n-C\n', 3],
  ['-A -u 1.2.3.4:53 -b ,\n', 1],
];

describe('lvsadm -R matches the installed ipvsadm (IPVS faked by LD_PRELOAD)', () => {
  const shim = hasIpvsadm && hasCc ? buildShim() : '';
  test.each(RESTORE_OK.map((i) => [i]))('restore %j', async (input) => {
    expect(await lvsadm(['-R'], {}, input)).toEqual(ipvsadm(['-R'], { LD_PRELOAD: shim }, input));
  });
  test.each(RESTORE_BAD.map(([i, line]) => [i, line]))('restore %j rejected at line %i', async (input, line) => {
    const expected = ipvsadm(['-R'], { LD_PRELOAD: shim }, input);
    const got = await lvsadm(['-R'], {}, input);
    expect(got.status).toBe(expected.status);
    expect(got.stdout).toBe(expected.stdout);
    const reason = expected.stderr === '' ? 'empty scheduler flag list\n' : expected.stderr;
    expect(got.stderr).toBe(`line ${line}: ${reason}restore aborted: nothing was applied\n`);
  });
});

describe('lvsadm matches the installed ipvsadm (IPVS absent)', () => {
  test.each([[['-L', '-n']], [['-h']], [['--bogus']]])('%j', async (args) => {
    const expected = ipvsadm(args, {});
    let stdout = '';
    let stderr = '';
    const io = { write: (s: string) => (stderr += s) };
    const out = { write: (s: string) => (stdout += s) };
    const got = await run(args, {
      program: 'ipvsadm',
      ipvs: async () => Promise.reject(Object.assign(new Error('IPVS family not found'), { code: 'ENOENT' })),
      modprobe: () => systemModprobe({ stdout: out, stderr: io }),
      privileged: true,
    });
    expect({ ...got, stdout: stdout + got.stdout, stderr: stderr + got.stderr }).toEqual(expected);
  });
});

describe('lvsadm matches the installed ipvsadm (IPVS faked by LD_PRELOAD)', () => {
  const shim = hasIpvsadm && hasCc ? buildShim() : '';
  test.each(PARSE_CASES.map((a) => [a]))('error path %j', async (args) => {
    expect(await lvsadm(args, {})).toEqual(ipvsadm(args, { LD_PRELOAD: shim }));
  });
  test.each(OK_CASES.map((a) => [a]))('success path %j', async (args) => {
    expect(await lvsadm(args, {})).toEqual(ipvsadm(args, { LD_PRELOAD: shim }));
  });
  test.each(POSIX_CASES.map((a) => [a]))('POSIXLY_CORRECT %j', async (args) => {
    const env = { POSIXLY_CORRECT: '1' };
    expect(await lvsadm(args, env)).toEqual(ipvsadm(args, { LD_PRELOAD: shim, ...env }));
  });
  test('the comparison covers at least 40 error paths', () => {
    expect(PARSE_CASES.length).toBeGreaterThanOrEqual(40);
  });
});
