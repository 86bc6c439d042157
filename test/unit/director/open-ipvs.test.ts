/** Opening IPVS at start: modprobe once, then one clear line naming the cause. */
import { describe, expect, it } from 'vitest';
import { IpvsStartError, openIpvsAtStart } from '../../../src/director/open-ipvs.js';
import type { IpvsApi } from '../../../src/ipvs/api.js';

const fail = (code: string, message: string) => Object.assign(new Error(message), { code });
const api = {} as IpvsApi;

describe('openIpvsAtStart', () => {
  it('opens without modprobe when IPVS is there', async () => {
    let probes = 0;
    expect(
      await openIpvsAtStart(
        async () => api,
        async () => ++probes > 0,
      ),
    ).toBe(api);
    expect(probes).toBe(0);
  });

  it('loads the module and retries', async () => {
    let opens = 0;
    const open = async () => {
      if (opens++ === 0) throw fail('EIPVSUNAVAILABLE', 'no IPVS family');
      return api;
    };
    expect(await openIpvsAtStart(open, async () => true)).toBe(api);
  });

  it('names the cause when modprobe cannot help', async () => {
    const open = async () => {
      throw fail('EIPVSUNAVAILABLE', 'IPVS is not available: no "IPVS" family');
    };
    const err = await openIpvsAtStart(open, async () => false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsStartError);
    expect((err as Error).message).toBe(
      'IPVS is not available in this kernel (`modprobe ip_vs` failed): IPVS is not available: no "IPVS" family',
    );
  });

  it('without permission: says to run as root, no modprobe', async () => {
    let probes = 0;
    const open = async () => {
      throw fail('EPERM', 'open: Operation not permitted (EPERM)');
    };
    const err = await openIpvsAtStart(open, async () => ++probes > 0).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^cannot open IPVS: permission denied \(lvsd needs CAP_NET_ADMIN: run it as root\)/);
    expect(probes).toBe(0);
  });
});
