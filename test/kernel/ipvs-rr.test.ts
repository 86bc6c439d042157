/**
 * The grounds of the kernel lab: the real IPVS of the lab's kernel, driven by the real ipvsadm inside
 * a director namespace of the netns lab, balances the client's TCP connections over the real servers.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';

const labTool = (name: string) => fileURLToPath(new URL(`../../scripts/lab/${name}`, import.meta.url));
const VIP = LAB_ADDR.frontVip;
const PORT = '80';

describe('kernel IPVS: a NAT virtual service made with ipvsadm', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    // d1 holds both VIPs: the client routes to the back LAN through it, the real servers answer through it.
    lab = await NetnsLab.up({ realServers: 2, gateway: 'd1' });
    for (const n of [1, 2]) {
      await lab.spawn(`rs${n}`, ['node', labTool('tcp-name-server.mjs'), `rs${n}`, PORT], /listening/, 30_000);
    }
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('carries the client connections to the two real servers in turn (rr)', async () => {
    // Nothing listens on d1 itself: without IPVS the client's connections would be refused.
    const refused = await lab.exec('client', ['node', labTool('tcp-probe.mjs'), VIP, PORT, '1']);
    expect(refused.stdout).toBe('ERR ECONNREFUSED\n');

    await lab.exec('d1', ['ipvsadm', '-A', '-t', `${VIP}:${PORT}`, '-s', 'rr']);
    for (const n of [1, 2]) {
      await lab.exec('d1', ['ipvsadm', '-a', '-t', `${VIP}:${PORT}`, '-r', `${LAB_ADDR.realServer(n).back}:${PORT}`, '-m']);
    }
    const table = await lab.exec('d1', ['ipvsadm', '-Ln']);
    expect(table.stdout).toContain(`TCP  ${VIP}:${PORT} rr\n`);
    expect(table.stdout).toMatch(/-> 192\.0\.2\.11:80\s+Masq\s+1\s+0\s+0\s*\n/);
    expect(table.stdout).toMatch(/-> 192\.0\.2\.12:80\s+Masq\s+1\s+0\s+0\s*\n/);

    const { stdout } = await lab.exec('client', ['node', labTool('tcp-probe.mjs'), VIP, PORT, '6']);
    const replies = stdout.trimEnd().split('\n');
    // rr starts at either server (it depends on the order IPVS keeps them in); then strictly alternates.
    const first = replies[0] === 'rs2' ? 'rs2' : 'rs1';
    const second = first === 'rs1' ? 'rs2' : 'rs1';
    expect(replies).toEqual([first, second, first, second, first, second]);

    // And IPVS tracked them: six connections in its table (now in TIME_WAIT), three per real server.
    const conns = await lab.exec('d1', ['ipvsadm', '-Lnc']);
    const entries = conns.stdout.split('\n').filter((line) => line.startsWith('TCP '));
    expect(entries).toHaveLength(6);
    for (const n of [1, 2]) {
      const dest = `${LAB_ADDR.realServer(n).back}:${PORT}`;
      expect(entries.filter((line) => line.trimEnd().endsWith(` ${dest}`))).toHaveLength(3);
    }
    expect(entries.every((line) => line.includes(` ${VIP}:${PORT} `) && line.includes(` ${LAB_ADDR.client}:`))).toBe(true);
  });
});
