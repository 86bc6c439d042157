/** -R: tokenizing, whole-input checking, batched application, and -S → -R round trips. */
import { describe, expect, test } from 'vitest';
import { readConfigStream } from '../../../src/lvsadm/config-stream.js';
import { IpvsModel } from '../../support/ipvs-model.js';
import { run, setup, tableResolver } from './helpers.js';

describe('config_stream tokenizing', () => {
  test('blanks, CR, empty lines, "ipvsadm" tokens, no comment syntax', () => {
    expect(readConfigStream('ipvsadm -A  -t\t1.2.3.4:80\r\n\n   \n-C ipvsadm\n# x y\n')).toEqual([
      { line: 1, tokens: ['-A', '-t', '1.2.3.4:80'] },
      { line: 4, tokens: ['-C'] },
      { line: 5, tokens: ['#', 'x', 'y'] },
    ]);
  });
  test('a last line without newline is kept unless two blanks end it', () => {
    expect(readConfigStream('-C')).toEqual([{ line: 1, tokens: ['-C'] }]);
    expect(readConfigStream('-C ')).toEqual([{ line: 1, tokens: ['-C'] }]);
    expect(readConfigStream('-L\n-C  ')).toEqual([{ line: 1, tokens: ['-L'] }]);
    expect(readConfigStream('-C\t\r')).toEqual([]);
  });
  test('tokens are cut at 4096 bytes', () => {
    const long = 'a'.repeat(5000);
    expect(readConfigStream(`-L ${long}\n`)[0]?.tokens.map((t) => t.length)).toEqual([2, 4096, 904]);
  });
});

describe('restore', () => {
  test('applies everything through one pipelined batch', async () => {
    const model = new IpvsModel();
    const input = '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1 -m\n-a -t 10.0.0.1:80 -r 10.0.1.2 -m -w 3\n--set 0 30 0\n';
    expect(await run(['-R'], { model, stdin: input })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(model.calls.filter((c) => c.op === 'batch').map((c) => [c.op, c.args])).toEqual([['batch', [4]]]);
    expect((await run(['-Sn'], { model })).stdout).toBe(
      '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 3\n',
    );
  });

  test('a syntax error anywhere applies nothing and names the line', async () => {
    const model = new IpvsModel();
    const input = '-A -t 10.0.0.1:80\n\n-a -t 10.0.0.1:80 -r 10.0.1.1 -w heavy\n-C\n';
    expect(await run(['-R'], { model, stdin: input })).toEqual({
      status: 2,
      stdout: '',
      stderr: 'line 3: illegal weight specified\nrestore aborted: nothing was applied\n',
    });
    expect(model.calls.filter((c) => c.op !== 'info')).toEqual([]);
  });

  test('a comment line is a syntax error, as in ipvsadm (ipvsadm-restore strips them)', async () => {
    const r = await run(['-R'], { stdin: '# saved rules\n-C\n' });
    expect(r).toEqual({
      status: 255,
      stdout: '',
      stderr: "line 1: Try `ipvsadm -h' or 'ipvsadm --help' for more information.\nrestore aborted: nothing was applied\n",
    });
  });

  test('-R inside the input is refused', async () => {
    expect((await run(['-R'], { stdin: '-C\n-R\n' })).stderr).toBe(
      "line 2: Try `ipvsadm -h' or 'ipvsadm --help' for more information.\nrestore aborted: nothing was applied\n",
    );
  });

  test("kernel errors name their line and do not stop the rest; status is the last line's", async () => {
    const model = new IpvsModel();
    const input = '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n-a -t 10.0.0.9:80 -r 10.0.1.1\n-A -t 10.0.0.2:80\n';
    expect(await run(['-R'], { model, stdin: input })).toEqual({
      status: 0,
      stdout: '',
      stderr: 'line 2: Service already exists\nline 3: Service not defined\n',
    });
    expect(model.snapshot().map((s) => s.service.key)).toEqual([
      { protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { protocol: 'tcp', address: '10.0.0.2', port: 80 },
    ]);
    expect((await run(['-R'], { model, stdin: '-D -t 10.0.0.9:80\n' })).status).toBe(255);
  });

  test('listing lines run in their place, between batches', async () => {
    const model = new IpvsModel();
    const r = await run(['-R'], { model, stdin: '--set 1 2 3\n-L --timeout\n--set 4 5 6\n-L --timeout\n' });
    expect(r).toEqual({ status: 0, stdout: 'Timeout (tcp tcpfin udp): 1 2 3\nTimeout (tcp tcpfin udp): 4 5 6\n', stderr: '' });
  });

  test('a failing listing line exits 1 there', async () => {
    const model = new IpvsModel();
    const r = await run(['-R'], { model, stdin: '-A -t 10.0.0.1:80\n-L -t 10.0.0.2:80\n-A -t 10.0.0.3:80\n' });
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'No such service\n' });
    expect(model.snapshot()).toHaveLength(1);
  });

  test('-h ends the restore after applying what came before', async () => {
    const model = new IpvsModel();
    const r = await run(['-R'], { model, stdin: '-A -t 10.0.0.1:80\n-h\n-A -t bad\n' });
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('ipvsadm v1.31')).toBe(true);
    expect(model.snapshot()).toHaveLength(1);
  });

  test('-R takes no options', async () => {
    expect(await run(['-R', '-n'])).toEqual({ status: 2, stdout: '', stderr: "Illegal 'numeric' option with the 'restore' command\n" });
  });
});

/** A state using every feature the save format carries. */
const FULL_STATE = [
  '-A -t 10.0.0.1:80 -s rr -p 300 -M 255.255.255.0 --pe sip',
  '-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 3',
  '-a -t 10.0.0.1:80 -r 192.168.10.2 -g -w 0',
  '-a -t 10.0.0.1:80 -r 192.168.10.3 -i --tun-type gue --tun-port 6080 --tun-remcsum',
  '-a -t 10.0.0.1:80 -r [2001:db8::7]:80 -i --tun-type gre --tun-csum',
  '-A -u 10.0.0.1:53 -s sh -o -b sh-fallback,sh-port',
  '-a -u 10.0.0.1:53 -r 192.168.10.4 -i',
  '-A --sctp-service 10.0.0.2:5060 -s mh -b mh-port',
  '-A -t [2001:db8::80]:443 -s wlc -p 60 -M 64',
  '-a -t [2001:db8::80]:443 -r [2001:db8::a0a0]:443 -g -w 65535',
  '-A -f 1 -s wrr -b flag-1,flag-2,flag-3',
  '-a -f 1 -r 192.168.10.5:0 -m',
  '-A -f 2 -6 -s lc -p',
  '-a -f 2 -6 -r [2001:db8::5]:8443 -m -w 2147483647',
  '-A -t 10.0.0.3:0 -p 2678400',
];

function sortedSnapshot(model: IpvsModel): unknown {
  const key = (x: unknown): string => JSON.stringify(x);
  return model
    .snapshot()
    .map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => key(a).localeCompare(key(b))) }))
    .sort((a, b) => key(a.service.key).localeCompare(key(b.service.key)));
}

describe('save → restore round trip', () => {
  test('thresholds are not part of the save format (as in ipvsadm)', async () => {
    const model = new IpvsModel();
    await setup(model, '-A -t 10.0.0.1:80', '-a -t 10.0.0.1:80 -r 10.0.0.2 -x 100 -y 10');
    expect((await run(['-Sn'], { model })).stdout).toBe('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1\n');
  });

  test('-Sn restores to the same state, and saves the same again', async () => {
    const original = new IpvsModel();
    await setup(original, ...FULL_STATE);
    const saved = await run(['-Sn'], { model: original });
    expect(saved.status).toBe(0);
    const copy = new IpvsModel();
    expect(await run(['-R'], { model: copy, stdin: saved.stdout })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(sortedSnapshot(copy)).toEqual(sortedSnapshot(original));
    expect((await run(['-Sn'], { model: copy })).stdout).toBe(saved.stdout);
  });

  test('-S with names restores through the same resolver', async () => {
    const resolver = tableResolver({
      addrs: { '10.0.0.1': 'vip', '192.168.10.1': 'web1' },
      hosts: { vip: '10.0.0.1', web1: '192.168.10.1' },
      ports: { '80/tcp': 'http', '8080/tcp': 'http-alt', '53/udp': 'domain' },
      services: { 'http/tcp': 80, 'http-alt/tcp': 8080, 'domain/udp': 53 },
    });
    const original = new IpvsModel();
    await setup(original, ...FULL_STATE);
    const saved = await run(['-S'], { model: original, resolver });
    expect(saved.stdout.split('\n').slice(0, 2)).toEqual([
      '-A -t vip:http -s rr -p 300 -M 255.255.255.0 --pe sip',
      '-a -t vip:http -r web1:http-alt -m -w 3',
    ]);
    const copy = new IpvsModel();
    expect(await run(['-R'], { model: copy, stdin: saved.stdout, resolver })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(sortedSnapshot(copy)).toEqual(sortedSnapshot(original));
  });
});
