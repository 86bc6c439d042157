/**
 * The grounds of the kernel lab: IPVS connection-sync daemons (kernel threads, one set per network
 * namespace), started with the real ipvsadm on the two directors of the netns lab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns-lab.js';

// `ipvsadm -L --daemon` as ipvsadm 1.31 prints it for kernel 6.1 (maxlen = eth1's MTU 1500 - 28;
// group and port are the IPv4 defaults, 224.0.0.81:8848).
const daemonLine = (state: 'master' | 'backup', syncid: number) =>
  `${state} sync daemon (mcast=eth1, syncid=${syncid}, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n`;

describe('kernel IPVS: connection-sync daemons', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    lab = await NetnsLab.up({ realServers: 1 });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('runs a master sync daemon on d1 and a backup on d2, each in its own namespace', async () => {
    for (const d of ['d1', 'd2'] as const) {
      expect((await lab.exec(d, ['ipvsadm', '-L', '--daemon'])).stdout).toBe('');
    }
    await lab.exec('d1', ['ipvsadm', '--start-daemon', 'master', '--mcast-interface', 'eth1', '--syncid', '7']);
    await lab.exec('d2', ['ipvsadm', '--start-daemon', 'backup', '--mcast-interface', 'eth1', '--syncid', '7']);

    expect((await lab.exec('d1', ['ipvsadm', '-L', '--daemon'])).stdout).toBe(daemonLine('master', 7));
    expect((await lab.exec('d2', ['ipvsadm', '-L', '--daemon'])).stdout).toBe(daemonLine('backup', 7));
    // The daemons belong to the directors' namespaces, not to the machine.
    expect((await lab.exec('client', ['ipvsadm', '-L', '--daemon'])).stdout).toBe('');

    await lab.exec('d1', ['ipvsadm', '--stop-daemon', 'master']);
    expect((await lab.exec('d1', ['ipvsadm', '-L', '--daemon'])).stdout).toBe('');
    expect((await lab.exec('d2', ['ipvsadm', '-L', '--daemon'])).stdout).toBe(daemonLine('backup', 7));
  });
});
