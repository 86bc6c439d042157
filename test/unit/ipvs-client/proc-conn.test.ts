import { describe, expect, it } from 'vitest';
import { ProcConnFormatError, parseIpvsConnections } from '../../../src/ipvs/proc-conn.js';

const HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';

describe('parseIpvsConnections (/proc/net/ip_vs_conn)', () => {
  it('an empty table is the header alone', () => {
    expect(parseIpvsConnections(HEADER)).toEqual([]);
  });

  it('IPv4 TCP and UDP entries (as ip_vs_conn_seq_show prints them)', () => {
    const text =
      HEADER +
      'TCP C0A80A64 D431 C000020A 0050 0A000001 1F90 ESTABLISHED     899\n' +
      'UDP CB007164 8E2A C000020A 0035 C000020B 0035 UDP             299\n';
    expect(parseIpvsConnections(text)).toEqual([
      {
        protocol: 'TCP',
        family: 'ipv4',
        clientAddress: '192.168.10.100',
        clientPort: 54321,
        virtualAddress: '192.0.2.10',
        virtualPort: 80,
        destFamily: 'ipv4',
        destAddress: '10.0.0.1',
        destPort: 8080,
        state: 'ESTABLISHED',
        expires: 899,
      },
      {
        protocol: 'UDP',
        family: 'ipv4',
        clientAddress: '203.0.113.100',
        clientPort: 36394,
        virtualAddress: '192.0.2.10',
        virtualPort: 53,
        destFamily: 'ipv4',
        destAddress: '192.0.2.11',
        destPort: 53,
        state: 'UDP',
        expires: 299,
      },
    ]);
  });

  it('IPv6 entries (full %pI6 form), a mixed-family tunnel and persistence-engine data', () => {
    const text =
      HEADER +
      'TCP 2001:0db8:0000:0000:0000:0000:0000:0064 C350 2001:0db8:0000:0000:0000:0000:0000:0010 01BB 2001:0db8:0000:0000:0000:0000:0000:0100 20FB SYN_RECV         59\n' +
      'TCP 2001:0db8:0000:0000:0000:0000:0000:0064 C351 2001:0db8:0000:0000:0000:0000:0000:0010 01BB 0A000006 01BB NONE            120\n' +
      'UDP C0A80A64 13C4 C000020A 13C4 0A000001 13C4 UDP             179 sip a84b4c76e66710@pc33.example.com\n';
    const [a, b, c] = parseIpvsConnections(text);
    expect(a).toMatchObject({
      family: 'ipv6',
      clientAddress: '2001:db8::64',
      virtualAddress: '2001:db8::10',
      virtualPort: 443,
      destAddress: '2001:db8::100',
      destPort: 8443,
      state: 'SYN_RECV',
      expires: 59,
    });
    expect(b).toMatchObject({ family: 'ipv6', destFamily: 'ipv4', destAddress: '10.0.0.6', state: 'NONE' });
    expect(c).toMatchObject({ protocol: 'UDP', peName: 'sip', peData: 'a84b4c76e66710@pc33.example.com', expires: 179 });
  });

  it('the _sync variant with its Origin column', () => {
    const text =
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires\n' +
      'TCP C0A80A64 D431 C000020A 0050 0A000001 1F90 ESTABLISHED Local      899\n' +
      'SCTP C0A80A64 0F1C C000020A 0F1C 0A000001 0F1C ESTABLISHED Sync        30\n';
    expect(parseIpvsConnections(text).map((c) => [c.protocol, c.origin, c.expires])).toEqual([
      ['TCP', 'Local', 899],
      ['SCTP', 'Sync', 30],
    ]);
  });

  it('rejects text of another shape', () => {
    expect(() => parseIpvsConnections('')).toThrow(ProcConnFormatError);
    expect(() => parseIpvsConnections('IP Virtual Server version 1.2.1\n')).toThrow(/unexpected header/);
    expect(() => parseIpvsConnections(`${HEADER}TCP C0A80A64 D431\n`)).toThrow(/line 2: 3 field/);
    expect(() => parseIpvsConnections(`${HEADER}TCP C0A80A6 D431 C000020A 0050 0A000001 1F90 ESTABLISHED 899\n`)).toThrow(/not an address/);
    expect(() => parseIpvsConnections(`${HEADER}TCP C0A80A64 D43 C000020A 0050 0A000001 1F90 ESTABLISHED 899\n`)).toThrow(/not a port/);
    expect(() => parseIpvsConnections(`${HEADER}TCP C0A80A64 D431 C000020A 0050 0A000001 1F90 ESTABLISHED x\n`)).toThrow(/seconds/);
  });
});
