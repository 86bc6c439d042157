/**
 * The listings over the real IPVS client (src/ipvs/netlink-client.ts, on the fake kernel of the
 * IPVS model, test/support/ipvs-model.ts), whose undecoded paths lvsadm takes (listServicePayloads, dumpFramed with every
 * GET_DEST framed at once), print exactly what the general path prints (listServices and one
 * listDestinations per service, as with any other IpvsApi).
 */
import { describe, expect, it } from 'vitest';
import type { IpvsApi } from '../../../src/ipvs/api.js';
import { openIpvs } from '../../../src/ipvs/netlink-client.js';
import { IpvsModel, type IpvsTransportOptions } from '../../support/ipvs-model.js';
import { run } from './helpers.js';

/** The client with its optional fast paths hidden. */
function generalOnly(api: IpvsApi): IpvsApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === 'dumpFramed' || prop === 'listServicePayloads' || prop === 'listDestinationPayloads') return undefined;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const TABLE = [
  '-A -t 10.0.0.1:80 -s wlc -p 300',
  '-a -t 10.0.0.1:80 -r 192.168.0.2:8080 -m -w 3',
  '-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1',
  '-a -t 10.0.0.1:80 -r 192.168.0.3:80 -i -w 0',
  '-A -u 10.0.0.1:53 -s rr',
  '-A -t 10.0.0.0:443 -s sh -b sh-port',
  '-a -t 10.0.0.0:443 -r 192.168.1.1:443 -g -w 2 -x 10 -y 5',
  '-A -f 7 -s lc',
  '-a -f 7 -r 192.168.2.1:0 -g -w 1',
  '-A -t [2001:db8::1]:80 -s rr',
  '-a -t [2001:db8::1]:80 -r [2001:db8::a]:80 -m -w 1',
  '-A --sctp-service 10.0.0.9:9 -s rr -M 255.255.255.0 -p 60',
  '',
].join('\n');

describe('listings through the netlink client', () => {
  it('print the same with the undecoded paths as with the general one', async () => {
    // Each run opens a socket of its own on the model, as lvsadm does on the kernel.
    const opener = (model: IpvsModel, options: IpvsTransportOptions) => () => openIpvs({ transport: model.transport(options) });
    const open = opener(new IpvsModel(), { dumpChunk: 2 });
    // The same table in a fake of the blocking socket lvsadm uses (all dumps in one exchange).
    const openBlocking = opener(new IpvsModel(), { dumpChunk: 2, blocking: true });
    for (const ipvs of [open, openBlocking]) {
      expect(await run(['-R'], { stdin: TABLE, ipvs })).toEqual({ status: 0, stdout: '', stderr: '' });
    }
    for (const args of [
      ['-L', '-n'],
      ['-S', '-n'],
      ['-L', '-n', '--stats'],
      ['-L', '-n', '--rate'],
      ['-L', '-n', '--thresholds'],
      ['-L', '-n', '--persistent-conn'],
      ['-L', '-n', '--tun-info'],
      ['-L', '-n', '--nosort'],
      ['-L', '--exact', '-n', '--stats'],
    ]) {
      const fast = await run(args, { ipvs: open });
      const general = await run(args, { ipvs: async () => generalOnly(await open()) });
      expect(fast.stderr).toBe('');
      expect(fast.status).toBe(0);
      expect(fast).toEqual(general);
      expect(await run(args, { ipvs: openBlocking })).toEqual(general);
      expect(fast.stdout.split('\n').length).toBeGreaterThan(10);
    }
  });
});
