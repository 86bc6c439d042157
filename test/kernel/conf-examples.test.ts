/**
 * Every example in conf/ runs as it is: for each node it names, `lvsd run` starts in a namespace that has the
 * interfaces the file uses (dummies), programs one IPVS service per virtual server (read back with the real
 * ipvsadm), and on SIGINT (a stop without waiting for a VRRP successor, which here never comes) removes them
 * again and exits 0. The real servers do not exist, so their checks fail;
 * that is the point of a director, not a reason to stop.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ResolvedConfig, loadConfigFile } from '../../src/config/index.js';

const execFileP = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const LVSD = join(ROOT, 'dist/src/cli/lvsd.js');
const CONF = join(ROOT, 'conf');
const NS = `lvsd-conf-${process.pid}`;

const examples = readdirSync(CONF).filter((f) => f.endsWith('.yaml'));

/** The users the examples run scripts as: made in the kernel lab's throw-away root, never on a real machine. */
function ensureUsers(names: readonly string[]): void {
  if (process.env.LVSD_KERNEL_LAB !== '1') throw new Error('conf examples: this suite adds users, so it runs only inside the kernel lab');
  const passwd = readFileSync('/etc/passwd', 'utf8');
  names.forEach((name, i) => {
    if (!passwd.split('\n').some((l) => l.startsWith(`${name}:`)))
      appendFileSync('/etc/passwd', `${name}:x:${990 - i}:${990 - i}::/nonexistent:/usr/sbin/nologin\n`);
  });
}

async function ns(...argv: string[]): Promise<string> {
  return (await execFileP('ip', ['netns', 'exec', NS, ...argv])).stdout;
}

/**
 * The host a node's section was written for: lo and eth0..eth2 (dummies with an IPv4 and an IPv6 address each),
 * plus the advert source addresses the node's instances name, on their interfaces.
 */
async function makeNamespace(config: ResolvedConfig): Promise<void> {
  await execFileP('ip', ['netns', 'add', NS]);
  await ns('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  await ns('ip', 'link', 'set', 'lo', 'up');
  for (const [i, dev] of ['eth0', 'eth1', 'eth2'].entries()) {
    await ns('ip', 'link', 'add', dev, 'type', 'dummy');
    await ns('ip', 'addr', 'add', `10.250.${i}.1/24`, 'dev', dev);
    await ns('ip', '-6', 'addr', 'add', `fd00:250:${i}::1/64`, 'dev', dev);
    await ns('ip', 'link', 'set', dev, 'up');
  }
  for (const inst of Object.values(config.vrrp_instances)) {
    for (const src of [inst.unicast_src_ip, inst.mcast_src_ip]) {
      if (src !== undefined) await ns('ip', 'addr', 'add', src.includes(':') ? `${src}/64` : `${src}/24`, 'dev', inst.interface);
    }
  }
}

/** Services in `ipvsadm -Ln` (one line each, by protocol). */
async function serviceLines(): Promise<string[]> {
  return (await ns('ipvsadm', '-Ln')).split('\n').filter((l) => /^(TCP|UDP|SCTP|FWM)\s/.test(l));
}

function waitForLine(child: ChildProcess, lines: string[], re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms:\n${lines.join('\n')}`)), ms);
    const look = () => {
      if (lines.some((l) => re.test(l))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lvsd exited (${code}) before ${re}:\n${lines.join('\n')}`));
    });
    look();
  });
}

describe('conf/ examples run as they are', () => {
  afterAll(async () => {
    await execFileP('ip', ['netns', 'del', NS]).catch(() => undefined);
  });

  it('there are examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  for (const example of examples) {
    it(`${example}: every node starts, programs its services and removes them on SIGINT`, async () => {
      const file = join(CONF, example);
      const named = Object.keys((parse(readFileSync(file, 'utf8')) as { nodes?: Record<string, unknown> }).nodes ?? {});
      const nodes = named.length > 0 ? named : ['lab'];
      for (const node of nodes) {
        const loaded = await loadConfigFile(file, { node });
        if (!loaded.ok) throw new Error(`${example} --node ${node}: ${loaded.errors.map((e) => e.message).join('; ')}`);
        const config = loaded.config;
        const users = [config.global.script_user, ...Object.values(config.vrrp_scripts).map((s) => s.user)].filter(
          (u): u is string => u !== undefined,
        );
        ensureUsers([...new Set(users)]);
        await makeNamespace(config);
        try {
          const lines: string[] = [];
          const child = spawn('ip', ['netns', 'exec', NS, 'node', LVSD, 'run', '-c', file, '--node', node], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          const keep = (c: Buffer) =>
            lines.push(
              ...c
                .toString()
                .split('\n')
                .filter((l) => l !== ''),
            );
          child.stdout.on('data', keep);
          child.stderr.on('data', keep);
          const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
          const t0 = Date.now();
          try {
            // The daemon's own line (VRRP's comes first), once IPVS is programmed.
            await waitForLine(child, lines, /"virtual_servers":\d+,"ipvs":(true|false),"msg":"running"/, 60_000);
            expect(await serviceLines(), `${example} --node ${node}`).toHaveLength(config.virtual_servers.length);
          } finally {
            child.kill('SIGINT');
          }
          const stopAt = Date.now();
          expect(await exited, lines.join('\n')).toBe(0);
          console.log(`${example} ${node}: started in ${stopAt - t0} ms, stopped in ${Date.now() - stopAt} ms`);
          expect(await serviceLines()).toEqual([]);
          expect((await ns('ipvsadm', '-L', '--daemon')).trim()).toBe('');
        } finally {
          await execFileP('ip', ['netns', 'del', NS]).catch(() => undefined);
        }
      }
    });
  }
});
