/**
 * Connection-sync daemons through the netlink client, against the real kernel, cross-checked with
 * `ipvsadm -L --daemon` in the same namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../src/ipvs/types.js';
import { IpvsNamespace } from './ipvs-support/harness.js';

describe('sync daemons on the real kernel', () => {
  let ns: IpvsNamespace;

  beforeAll(async () => {
    ns = await IpvsNamespace.create('sync');
    for (const args of [
      ['link', 'add', 'sync0', 'type', 'dummy'],
      ['link', 'set', 'sync0', 'multicast', 'on', 'mtu', '1500', 'up'],
      ['link', 'add', 'sync1', 'type', 'dummy'],
      ['link', 'set', 'sync1', 'multicast', 'on', 'mtu', '9000', 'up'],
    ]) {
      const r = await ns.exec('ip', args);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    }
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it('starts master and backup with every option, lists and stops them', async () => {
    expect(await ns.call('listDaemons')).toEqual([]);
    await ns.call('startDaemon', {
      state: 'master',
      mcastIfn: 'sync0',
      syncId: 5,
      syncMaxlen: 1400,
      mcastGroup: '239.1.2.3',
      mcastPort: 8849,
      mcastTtl: 2,
    } satisfies DaemonConfig);
    await ns.call('startDaemon', { state: 'backup', mcastIfn: 'sync1', syncId: 6, mcastGroup: 'ff02::1:3' } satisfies DaemonConfig);
    expect(await ns.ipvsadmOk('-L', '--daemon')).toBe(
      'master sync daemon (mcast=sync0, syncid=5, maxlen=1400, group=239.1.2.3, port=8849, ttl=2)\n' +
        // maxlen defaults from the interface MTU: 9000 - 40 (IPv6) - 8 (UDP).
        'backup sync daemon (mcast=sync1, syncid=6, maxlen=8952, group=ff02::1:3, port=8848, ttl=1)\n',
    );
    expect(await ns.call<DaemonConfig[]>('listDaemons')).toEqual([
      { state: 'master', mcastIfn: 'sync0', syncId: 5, syncMaxlen: 1400, mcastGroup: '239.1.2.3', mcastPort: 8849, mcastTtl: 2 },
      { state: 'backup', mcastIfn: 'sync1', syncId: 6, syncMaxlen: 8952, mcastGroup: 'ff02::1:3', mcastPort: 8848, mcastTtl: 1 },
    ]);
    await ns.call('stopDaemon', 'master');
    expect(await ns.ipvsadmOk('-L', '--daemon')).toBe(
      'backup sync daemon (mcast=sync1, syncid=6, maxlen=8952, group=ff02::1:3, port=8848, ttl=1)\n',
    );
    await ns.call('stopDaemon', 'backup');
    expect(await ns.call('listDaemons')).toEqual([]);
    expect(await ns.ipvsadmOk('-L', '--daemon')).toBe('');
  });

  it('fills in the kernel defaults (IPv4 group 224.0.0.81, port 8848, ttl 1, maxlen from the MTU)', async () => {
    await ns.call('startDaemon', { state: 'master', mcastIfn: 'sync0', syncId: 0 } satisfies DaemonConfig);
    expect(await ns.call<DaemonConfig[]>('listDaemons')).toEqual([
      { state: 'master', mcastIfn: 'sync0', syncId: 0, syncMaxlen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    ]);
    expect(await ns.ipvsadmOk('-L', '--daemon')).toBe(
      'master sync daemon (mcast=sync0, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n',
    );
    // A daemon started by ipvsadm is seen by the client and stopped by it.
    await ns.call('stopDaemon', 'master');
    await ns.ipvsadmOk('--start-daemon', 'backup', '--mcast-interface', 'sync0', '--syncid', '9');
    expect(await ns.call<DaemonConfig[]>('listDaemons')).toMatchObject([{ state: 'backup', mcastIfn: 'sync0', syncId: 9 }]);
    await ns.call('stopDaemon', 'backup');
  });

  it('typed errors: EEXIST, ESRCH, ENODEV, EINVAL (non-multicast group; mixed-family real servers)', async () => {
    await ns.call('startDaemon', { state: 'master', mcastIfn: 'sync0', syncId: 1 });
    await expect(ns.call('startDaemon', { state: 'master', mcastIfn: 'sync0', syncId: 2 })).rejects.toMatchObject({
      code: 'EEXIST',
      op: 'startDaemon',
      message: 'startDaemon master: File exists (EEXIST)',
    });
    await ns.call('stopDaemon', 'master');
    await expect(ns.call('stopDaemon', 'master')).rejects.toMatchObject({
      code: 'ESRCH',
      message: 'stopDaemon master: No such process (ESRCH)',
    });
    await expect(ns.call('startDaemon', { state: 'backup', mcastIfn: 'nosuch0', syncId: 1 })).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(ns.call('startDaemon', { state: 'backup', mcastIfn: 'sync0', syncId: 1, mcastGroup: '10.0.0.1' })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    // The sync protocol cannot carry mixed-family connections: no daemon while such a real server
    // exists, and no such real server while a daemon runs.
    const key = { protocol: 'tcp', address: '2001:db8::1', port: 80 } as const;
    await ns.call('addService', { key, scheduler: 'rr', flags: 0, timeout: 0, netmask: 128 });
    const v4tun = {
      address: '10.0.0.1',
      port: 80,
      forwarding: 'tunnel',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelCsum: 'nocsum',
    } as const;
    await ns.call('addDestination', key, v4tun);
    await expect(ns.call('startDaemon', { state: 'master', mcastIfn: 'sync0', syncId: 1 })).rejects.toMatchObject({ code: 'EINVAL' });
    await ns.call('deleteDestination', key, v4tun);
    await ns.call('startDaemon', { state: 'master', mcastIfn: 'sync0', syncId: 1 });
    await expect(ns.call('addDestination', key, v4tun)).rejects.toMatchObject({ code: 'EINVAL' });
    await ns.call('stopDaemon', 'master');
    await ns.call('flush');
  });
});
