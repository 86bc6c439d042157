/** /etc/services parsing, the system resolver on local files, and -L -c formatting. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connLine, fgetsLines, parseConnLine, scanConnLine } from '../../../src/lvsadm/format/connections.js';
import { NUMERIC_NAMES } from '../../../src/lvsadm/names.js';
import { ServicesDb, parseServicesLine } from '../../../src/lvsadm/services-db.js';
import { systemResolver } from '../../../src/lvsadm/system-resolver.js';
import { run, tableResolver } from './helpers.js';

describe('/etc/services', () => {
  const db = new ServicesDb(`# comment
http		80/tcp		www		# WorldWideWeb HTTP
http		80/udp
domain		53/tcp
domain		53/udp
first		7000/tcp	second
other		7000/tcp
 bad line
noport
kerberos	88/tcp		kerberos5 krb5	kerberos-sec
`);
  test('getservbyname matches names and aliases for the protocol', () => {
    expect(db.portOf('http', 'tcp')).toBe(80);
    expect(db.portOf('www', 'tcp')).toBe(80);
    expect(db.portOf('www', 'udp')).toBeUndefined();
    expect(db.portOf('krb5', 'tcp')).toBe(88);
    expect(db.portOf('http', 'sctp')).toBeUndefined();
  });
  test('getservbyport returns the first official name', () => {
    expect(db.nameOf(7000, 'tcp')).toBe('first');
    expect(db.nameOf(53, 'udp')).toBe('domain');
    expect(db.nameOf(81, 'tcp')).toBeUndefined();
  });
  test('line parsing', () => {
    expect(parseServicesLine('a 1/tcp b c # d')).toEqual({ name: 'a', port: 1, proto: 'tcp', aliases: ['b', 'c'] });
    expect(parseServicesLine('a 70000/tcp')?.port).toBe(70000 - 65536);
    expect(parseServicesLine('a x/tcp')).toBeUndefined();
    expect(parseServicesLine('a 1')).toBeUndefined();
    expect(parseServicesLine('   # only a comment')).toBeUndefined();
  });
});

describe('system resolver', () => {
  test('services come from the given file; 127.0.0.1 resolves through /etc/hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsadm-svc-'));
    writeFileSync(join(dir, 'services'), 'web 8080/tcp www-alt\n');
    const r = systemResolver({ servicesPath: join(dir, 'services') });
    expect(await r.serviceToPort('www-alt', 'tcp')).toBe(8080);
    expect(await r.portToService(8080, 'tcp')).toBe('web');
    expect(Array.from((await r.hostToIPv4('127.0.0.1')) ?? [])).toEqual([127, 0, 0, 1]);
    expect(await r.hostToIPv4('::1')).toBeUndefined();
    const missing = systemResolver({ servicesPath: join(dir, 'none') });
    expect(await missing.portToService(80, 'tcp')).toBeUndefined();
  });
});

describe('connection table', () => {
  test('fgets pieces: lines cut at 255 bytes', () => {
    const long = `${'a'.repeat(300)}\n`;
    expect(fgetsLines(`h\n${long}x`).map((l) => l.length)).toEqual([2, 255, 46, 1]);
  });
  test('sscanf counts', () => {
    expect(scanConnLine('   \n').n).toBe(-1);
    expect(scanConnLine('TCP 0A000001 ZZZZ').n).toBe(2);
    expect(scanConnLine('TCP 0A000001 0050 0A000002 0050 0A000003 0050 ESTABLISHED 10').n).toBe(9);
    expect(scanConnLine('UDP 0A000001 0050 0A000002 0050 0A000003 0050 UDP 10 sip call@id').n).toBe(11);
  });
  test('lines, numeric and with persistence data', () => {
    const r = parseConnLine('UDP 0A010105 13C4 0A000001 13C4 C0A80A01 13C4 UDP             299 sip abc@host\n');
    expect(connLine(r, true, false, NUMERIC_NAMES)).toBe(
      'UDP 04:59  UDP         10.1.1.5:5060      10.0.0.1:5060      192.168.10.1:5060\n',
    );
    expect(connLine(r, true, true, NUMERIC_NAMES)).toBe(
      'UDP 04:59  UDP         10.1.1.5:5060      10.0.0.1:5060      192.168.10.1:5060 sip                abc@host\n',
    );
    const v6 = parseConnLine(
      'TCP 2001:0db8:0000:0000:0000:0000:0000:0001 D431 2001:0db8:0000:0000:0000:0000:0000:0080 0050 0A000011 0050 ESTABLISHED  100000\n',
    );
    expect(connLine(v6, true, false, NUMERIC_NAMES)).toBe('TCP 1666:40 ESTABLISHED [2001:db8::1]:54321 [2001:db8::80]:80  10.0.0.17:80\n');
  });
  test('-L -c with names and --persistent-conn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsadm-conn-'));
    const file = join(dir, 'conn');
    writeFileSync(
      file,
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\nTCP 0A010105 D431 0A000001 0050 C0A80A01 0050 ESTABLISHED     899\n',
    );
    const resolver = tableResolver({ addrs: { '10.0.0.1': 'vip' }, ports: { '80/tcp': 'http' } });
    expect(await run(['-Lc', '--persistent-conn'], { procConnPath: file, resolver })).toEqual({
      status: 0,
      stdout:
        'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination        pe name          pe_data\n' +
        'TCP 14:59  ESTABLISHED 10.1.1.5:54321     vip:http           192.168.10.1:http\n',
      stderr: '',
    });
  });
});
