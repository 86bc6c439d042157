import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkTarget, createChecker } from '../../../checks/index.js';
import { loadConfigFile, type ResolvedCheck } from '../../../src/config/index.js';
import { silentServer } from '../../support/misbehaving/tcp.js';

const REFERENCE = fileURLToPath(new URL('../../../conf/full-reference.yaml', import.meta.url));

describe('createChecker', () => {
  it('builds a checker for every check of the reference config, keyed by type', async () => {
    const loaded = await loadConfigFile(REFERENCE, { node: 'lvs1' });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const checks = loaded.config.virtual_servers.flatMap((vs) => vs.real_servers.flatMap((rs) => rs.checks.map((c) => ({ c, rs }))));
    const types = checks.map(({ c }) => createChecker(c).type);
    expect(new Set(types)).toEqual(new Set(['tcp', 'http', 'https', 'exec', 'dns', 'smtp', 'udp']));
    for (const { c, rs } of checks) {
      const t = checkTarget(c, rs);
      if (c.type === 'exec') expect(t).toEqual({ address: rs.address, port: rs.port ?? 0 });
      else expect(t).toEqual({ address: c.connect_ip, port: c.connect_port });
    }
  });

  it('probes connect_ip/connect_port instead of the real server when redirected', async () => {
    const server = await silentServer('127.0.0.1');
    try {
      const check = {
        type: 'tcp',
        delay_loop: 6,
        connect_timeout: 1,
        retry: 1,
        delay_before_retry: 1,
        warmup: 0,
        rise: 1,
        fall: 1,
        connect_ip: '127.0.0.1',
        connect_port: server.port,
      } as ResolvedCheck;
      const target = checkTarget(check, { address: '192.0.2.99', port: 80 });
      expect(target).toEqual({ address: '127.0.0.1', port: server.port });
      const r = await createChecker(check).check(target, new AbortController().signal, Date.now() + 2000);
      expect(r.up).toBe(true);
    } finally {
      await server.close();
    }
  });
});
