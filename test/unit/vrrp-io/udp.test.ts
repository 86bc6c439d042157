import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedMeta } from '../../../src/vrrp/io/transport.js';
import { UdpTransport } from '../../../src/vrrp/io/udp.js';

describe('udp transport (unicast on loopback)', () => {
  const open: UdpTransport[] = [];
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
  });

  it('delivers a message with its source and no TTL (the udp TTL rule: not checked)', async () => {
    const got: Array<{ payload: Buffer; meta: ReceivedMeta }> = [];
    const port = 40000 + (process.pid % 20000);
    const a = await UdpTransport.open({
      family: 'ipv4',
      ifname: 'lo',
      localAddress: '127.0.0.1',
      port,
      onMessage: (payload, meta) => got.push({ payload: Buffer.from(payload), meta }),
    });
    open.push(a);
    const b = await UdpTransport.open({ family: 'ipv4', ifname: 'lo', localAddress: '127.0.0.2', port, onMessage: () => {} });
    open.push(b);
    b.send(Uint8Array.of(0x21, 51, 100), '127.0.0.1');
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
    expect([...(got[0]?.payload ?? [])]).toEqual([0x21, 51, 100]);
    expect(got[0]?.meta).toEqual({ srcAddr: '127.0.0.2', dstAddr: '127.0.0.1' });
    expect(got[0]?.meta.ttl).toBeUndefined();
  });

  it('refuses to send once closed', async () => {
    const t = await UdpTransport.open({ family: 'ipv4', ifname: 'lo', localAddress: '127.0.0.1', port: 0, onMessage: () => {} });
    t.close();
    expect(() => t.send(Uint8Array.of(1), '127.0.0.1')).toThrow(/closed/);
  });
});
