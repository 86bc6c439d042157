import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDR, LAB_SCRIPT, NetnsLab } from '../support/netns-lab.js';

const execFileP = promisify(execFile);
const labTool = (name: string) => fileURLToPath(new URL(`../../scripts/lab/${name}`, import.meta.url));

describe('netns lab: a routed director pair topology', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    lab = await NetnsLab.up({ realServers: 2, gateway: 'd1' });
    for (const n of [1, 2]) {
      await lab.spawn(`rs${n}`, ['node', labTool('tcp-name-server.mjs'), `rs${n}`, '8080'], /listening/);
    }
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('creates every host with its deterministic addresses', async () => {
    expect((await lab.namespaces()).sort()).toEqual(['client', 'd1', 'd2', 'rs1', 'rs2', 'sw'].map((h) => `${lab.prefix}-${h}`).sort());
    const d2 = await lab.exec('d2', ['ip', '-brief', 'addr', 'show']);
    expect(d2.stdout).toMatch(/eth0@\S+\s+UP\s+203\.0\.113\.2\/24 2001:db8:f::2\/64/);
    expect(d2.stdout).toMatch(/eth1@\S+\s+UP\s+192\.0\.2\.2\/24 2001:db8:b::2\/64/);
    const lo = await lab.exec('rs1', ['ip', '-brief', 'link', 'show', 'lo']);
    expect(lo.stdout).toMatch(/^lo\s+UNKNOWN/);
  });

  it('carries the client TCP traffic to each real server through the director (IPv4)', async () => {
    for (const n of [1, 2]) {
      const { stdout } = await lab.exec('client', ['node', labTool('tcp-probe.mjs'), LAB_ADDR.realServer(n).back, '8080', '3']);
      expect(stdout).toBe(`rs${n}\nrs${n}\nrs${n}\n`);
    }
  });

  it('carries the client TCP traffic to a real server over IPv6', async () => {
    const { stdout } = await lab.exec('client', ['node', labTool('tcp-probe.mjs'), LAB_ADDR.realServer(2).back6, '8080']);
    expect(stdout).toBe('rs2\n');
  });

  it('routes through the director that holds the VIPs, not the other one', async () => {
    const route = await lab.exec('client', ['ip', 'route', 'get', LAB_ADDR.realServer(1).back]);
    expect(route.stdout).toContain(`via ${LAB_ADDR.frontVip}`);
    const neigh = await lab.exec('client', ['ip', 'neigh', 'show', LAB_ADDR.frontVip]);
    const d1Mac = (await lab.exec('d1', ['cat', '/sys/class/net/eth0/address'])).stdout.trim();
    expect(neigh.stdout).toContain(d1Mac);
  });

  it('keeps hosts isolated: the client has no route to the back LAN without a director', async () => {
    const other = await NetnsLab.up({ realServers: 1 });
    try {
      await other.spawn('rs1', ['node', labTool('tcp-name-server.mjs'), 'rs1', '8080'], /listening/);
      const { stdout } = await other.exec('client', ['node', labTool('tcp-probe.mjs'), LAB_ADDR.realServer(1).back, '8080', '1', '500']);
      expect(stdout).toMatch(/^ERR /);
    } finally {
      await other.down();
    }
    expect(await other.namespaces()).toEqual([]);
  });
});

describe('netns lab: teardown', () => {
  it('removes namespaces and kills their processes, and down is idempotent', async () => {
    const lab = await NetnsLab.up({ realServers: 1 });
    const server = await lab.spawn('rs1', ['node', labTool('tcp-name-server.mjs'), 'rs1', '8080'], /listening/);
    await lab.down();
    expect(await lab.namespaces()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.exitCode !== null || server.signalCode !== null).toBe(true);
    await execFileP('bash', [LAB_SCRIPT, 'down', '-p', lab.prefix]);
  });

  it('tears down a half-built lab when up fails', async () => {
    const prefix = `lt${process.pid}z`;
    // A bad --gateway makes `up` fail after the namespaces exist; it must clean up after itself.
    await expect(execFileP('bash', [LAB_SCRIPT, 'up', '-p', prefix, '-r', '1', '--gateway', 'd9'])).rejects.toThrow(/--gateway/);
    const { stdout } = await execFileP('ip', ['netns', 'list']);
    expect(stdout).not.toContain(`${prefix}-`);
  });
});
