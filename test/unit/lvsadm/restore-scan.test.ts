/**
 * The restore scanner (src/lvsadm/restore-scan.ts) against the general path: every line it takes
 * must be one fastRestoreOp takes, encoded to the same bytes the IPVS encoders give for that
 * operation; lines it leaves go through the general path. Also the framed send end to end
 * (GenlClient.sendFramed through the IPVS client, on the IPVS model).
 */
import { describe, expect, it } from 'vitest';
import type { IpvsOp } from '../../../src/ipvs/api.js';
import { openIpvs } from '../../../src/ipvs/netlink-client.js';
import { encodeNewDest, encodeNewService, encodeSetDest, encodeSetService } from '../../../src/ipvs/requests.js';
import { tokensOf } from '../../../src/lvsadm/config-stream.js';
import { fastRestoreOp } from '../../../src/lvsadm/fast-restore.js';
import { RUN_FUNCS, scanRestoreRun } from '../../../src/lvsadm/restore-scan.js';
import { IpvsModel } from '../../support/ipvs-model.js';

function encode(op: IpvsOp): Buffer {
  switch (op.op) {
    case 'addService':
      return encodeNewService(op.service).payload;
    case 'editService':
      return encodeSetService(op.service).payload;
    case 'addDestination':
      return encodeNewDest({ key: op.key }, op.dest).payload;
    case 'editDestination':
      return encodeSetDest({ key: op.key }, op.dest).payload;
    default:
      throw new Error(`unexpected ${op.op}`);
  }
}

/** The message i of a run, without its header. */
function payloadOf(run: { buffer: Buffer; ends: Uint32Array }, i: number): Buffer {
  const start = i === 0 ? 0 : run.ends[i - 1]!;
  const len = run.buffer.readUInt32LE(start);
  expect(start + len).toBe(run.ends[i]);
  return run.buffer.subarray(start + 16, start + len);
}

const TAKEN = [
  '-A -t 10.0.0.1:80 -s wlc',
  '-A -u 192.168.200.255:65535 -s rr',
  '-A -t 1.2.3.4:0 -s sh -p 1',
  '-A -t 1.2.3.4:443 -s my_sched-2 -p 2678400',
  '-E -t 10.0.0.1:80 -s lc -p 300',
  '-E -u 10.0.0.1:53 -s rr',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1',
  '-a -u 10.0.0.1:53 -r 192.168.0.2:5353 -g -w 0',
  '-a -t 10.0.0.1:80 -r 0.0.0.0:1 -i -w 2147483647',
  '-e -t 255.255.255.255:65535 -r 10.9.8.7:8 -m -w 100',
  '-e -u 10.0.0.1:53 -r 192.168.0.2:5353 -i -w 5',
];

const LEFT = [
  '-A -t 10.0.0.1:0 -s wlc', // zero port, not persistent: the general path's error
  '-A -t 10.0.0.1:80 -s wlc ', // trailing blank
  '-A  -t 10.0.0.1:80 -s wlc', // two blanks
  '-A -t 10.0.0.1:80 -s wlc\r', // CR
  '-A -t 010.0.0.1:80 -s wlc', // leading zero (octal for inet_aton)
  '-A -t 10.0.0.256:80 -s wlc',
  '-A -t 10.0.0.1:65536 -s wlc',
  '-A -t 10.0.0.1:123456 -s wlc',
  '-A -t 10.0.0.1 -s wlc',
  '-A -t 10.0.0.1:80 -s WLC',
  '-A -t 10.0.0.1:80 -s abcdefghijklmnop', // 16 bytes
  '-A -t 10.0.0.1:80 -s wlc -p 0',
  '-A -t 10.0.0.1:80 -s wlc -p 2678401',
  '-A -t 10.0.0.1:80 -s wlc -p',
  '-A -t 10.0.0.1:80 -p 300 -s wlc',
  '-A -f 1 -s wlc',
  '-A -t [::1]:80 -s wlc',
  '-A -t host:80 -s wlc',
  'ipvsadm -A -t 10.0.0.1:80 -s wlc',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 2147483648',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w -1',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1 -x 5',
  '-a -t 10.0.0.1:80 -r 192.168.0.1 -m -w 1',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -w 1 -m',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -b -w 1',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 0001234567890123456',
  '-d -t 10.0.0.1:80 -r 192.168.0.1:8080',
  '-D -t 10.0.0.1:80',
  '-C',
  '',
  '# comment',
];

describe('scanRestoreRun', () => {
  it.each(TAKEN)('takes %j with the bytes of the general encoder', (line) => {
    const scanned = scanRestoreRun(`${line}\n`, 0, 7);
    expect(scanned.run?.count).toBe(1);
    const run = scanned.run!;
    expect(scanned.pos).toBe(line.length + 1);
    expect(scanned.line).toBe(8);
    expect(run.lines[0]).toBe(7);
    const k = fastRestoreOp(tokensOf(line));
    expect(k).toBeDefined();
    expect(RUN_FUNCS[run.funcs[0]!]).toBe(k!.func);
    expect(payloadOf(run, 0).toString('hex')).toBe(encode(k!.op).toString('hex'));
    expect(run.maxPayload).toBe(payloadOf(run, 0).length);
  });

  it.each(LEFT)('leaves %j to the general path', (line) => {
    const scanned = scanRestoreRun(`${line}\n`, 0, 1);
    expect(scanned.run).toBeUndefined();
    expect(scanned.pos).toBe(0);
  });

  it('leaves a last line without LF to the general path', () => {
    expect(scanRestoreRun('-A -t 10.0.0.1:80 -s wlc', 0, 1).run).toBeUndefined();
  });

  it('encodes a run of lines and stops at the first one it does not take', () => {
    const lines = [...TAKEN, ...TAKEN];
    const text = `${lines.join('\n')}\n-C\n${TAKEN[0]}\n`;
    const scanned = scanRestoreRun(text, 0, 1);
    const run = scanned.run!;
    expect(run.count).toBe(lines.length);
    expect(scanned.line).toBe(lines.length + 1);
    expect(text.startsWith('-C\n', scanned.pos)).toBe(true);
    lines.forEach((line, i) => {
      expect(run.lines[i]).toBe(i + 1);
      expect(payloadOf(run, i).equals(encode(fastRestoreOp(tokensOf(line))!.op))).toBe(true);
    });
    // From the middle of a text, with its line number.
    const rest = scanRestoreRun(text, scanned.pos + 3, 100);
    expect(rest.run?.count).toBe(1);
    expect(rest.run?.lines[0]).toBe(100);
  });

  it('grows its buffers for long runs', () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`-a -t 10.0.${i >> 8}.${i & 255}:80 -r 192.168.0.${i % 250}:${i} -m -w ${i}`);
    const scanned = scanRestoreRun(`${lines.join('\n')}\n`, 0, 1);
    expect(scanned.run?.count).toBe(3000);
    const run = scanned.run!;
    for (const i of [0, 255, 256, 1023, 1024, 2999]) {
      expect(payloadOf(run, i).equals(encode(fastRestoreOp(tokensOf(lines[i]!))!.op))).toBe(true);
    }
  });
});

describe('sendFramed (IPVS model)', () => {
  it('applies a run, acknowledging only the last message of each datagram, and reports failures by index', async () => {
    const k = new IpvsModel().transport();
    const ipvs = await openIpvs({ transport: k, budgetBytes: 1536 * 16 });
    const lines = ['-A -t 10.0.0.1:80 -s rr'];
    for (let i = 1; i <= 40; i++) lines.push(`-a -t 10.0.0.1:80 -r 192.168.0.${i}:80 -m -w 1`);
    lines.push('-a -t 10.0.0.1:80 -r 192.168.0.3:80 -m -w 1'); // exists: EEXIST
    lines.push('-a -t 10.0.0.2:80 -r 192.168.0.3:80 -m -w 1'); // no such service: ESRCH
    for (let i = 41; i <= 50; i++) lines.push(`-a -t 10.0.0.1:80 -r 192.168.0.${i}:80 -m -w 1`);
    const run = scanRestoreRun(`${lines.join('\n')}\n`, 0, 1).run!;
    expect(run.count).toBe(lines.length);
    const sentBefore = ipvs.stats.datagramsSent;
    const failures = await ipvs.sendFramed(run);
    expect(failures.map((f) => [f.index, f.error.code])).toEqual([
      [41, 'EEXIST'],
      [42, 'ESRCH'],
    ]);
    // At most 16 in flight: several datagrams, each acknowledged once.
    expect(ipvs.stats.datagramsSent - sentBefore).toBeGreaterThan(3);
    expect(ipvs.stats.maxInFlight).toBeLessThanOrEqual(16);
    const dests = await ipvs.listDestinations({ protocol: 'tcp', address: '10.0.0.1', port: 80 });
    expect(dests).toHaveLength(50);
    // The client is usable afterwards.
    await ipvs.addService({
      key: { protocol: 'tcp', address: '10.0.0.9', port: 80 },
      scheduler: 'rr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
    });
    expect(await ipvs.listServices()).toHaveLength(2);
    await ipvs.close();
  });
});
