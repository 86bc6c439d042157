import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checker, CheckCode, CheckResult, CheckTarget } from '../../../checks/checker.js';
import { createDnsChecker } from '../../../checks/dns.js';
import { createExecChecker } from '../../../checks/exec.js';
import { createHttpChecker } from '../../../checks/http.js';
import { createSmtpChecker } from '../../../checks/smtp.js';
import { createTcpChecker } from '../../../checks/tcp.js';
import { createUdpChecker } from '../../../checks/udp.js';
import { type Bundles, bundleAll } from '../../support/misbehaving/bundle.js';
import { type ServerProcess, startServers } from '../../support/misbehaving/processes.js';
import { settleTo, snapshot } from '../../support/misbehaving/resources.js';
import { closedPort } from '../../support/misbehaving/tcp.js';
import { closedUdpPort } from '../../support/misbehaving/udp.js';

interface Case {
  readonly name: string;
  readonly checker: Checker;
  readonly target: CheckTarget;
  /** The verdicts this failure may give. */
  readonly codes: readonly CheckCode[];
}

const TOTAL = 10_000;
const IN_FLIGHT = 500;
const TIMEOUT_S = 0.5;

describe('resources: 10,000 failing checks, 500 in flight', () => {
  let bundles: Bundles | undefined;
  let servers: ServerProcess | undefined;
  let cases: Case[] = [];

  beforeAll(async () => {
    // The servers run in a process of their own: sharing this event loop, they would answer late under load.
    bundles = await bundleAll();
    const host = '127.0.0.1';
    servers = await startServers(bundles.files.serve, [
      { kind: 'silent', host },
      { kind: 'reset', host },
      { kind: 'http', host, behaviour: { reset: true } },
      { kind: 'dns', host, behaviour: 'silent' },
    ]);
    const [silentPort, resetPort, resetOnRequestPort, dnsSilentPort] = servers.ports as [number, number, number, number];
    const silent = { port: silentPort };
    const reset = { port: resetPort };
    const resetOnRequest = { port: resetOnRequestPort };
    const dnsSilent = { port: dnsSilentPort };
    const tcpClosed = await closedPort();
    const udpClosed = await closedUdpPort();
    const at = (port: number) => ({ address: '127.0.0.1', port });
    const t = { connect_timeout: TIMEOUT_S };
    const http = createHttpChecker({ type: 'http', ...t, digest: '0'.repeat(32) });
    const http10 = createHttpChecker({ type: 'http', ...t, http_version: '1.0', regex: 'x' });
    // Status only: the native plain-http probe (checks/http-plain.ts).
    const httpPlain = createHttpChecker({ type: 'http', ...t });
    const https = createHttpChecker({ type: 'https', ...t, tls: { verify: false } });
    const resetCodes: CheckCode[] = ['ECONNRESET', 'EPIPE', 'CLOSED'];
    cases = [
      { name: 'tcp closed', checker: createTcpChecker(t), target: at(tcpClosed), codes: ['ECONNREFUSED'] },
      { name: 'http closed', checker: http, target: at(tcpClosed), codes: ['ECONNREFUSED'] },
      { name: 'http silent', checker: http, target: at(silent.port), codes: ['ETIMEDOUT'] },
      { name: 'http reset at accept', checker: http, target: at(reset.port), codes: resetCodes },
      { name: 'http reset on request', checker: http, target: at(resetOnRequest.port), codes: resetCodes },
      { name: 'http plain closed', checker: httpPlain, target: at(tcpClosed), codes: ['ECONNREFUSED'] },
      { name: 'http plain silent', checker: httpPlain, target: at(silent.port), codes: ['ETIMEDOUT'] },
      { name: 'http plain reset at accept', checker: httpPlain, target: at(reset.port), codes: resetCodes },
      { name: 'http plain reset on request', checker: httpPlain, target: at(resetOnRequest.port), codes: resetCodes },
      { name: 'http/1.0 silent', checker: http10, target: at(silent.port), codes: ['ETIMEDOUT'] },
      { name: 'http/1.0 reset on request', checker: http10, target: at(resetOnRequest.port), codes: resetCodes },
      { name: 'https silent', checker: https, target: at(silent.port), codes: ['ETIMEDOUT'] },
      { name: 'https reset', checker: https, target: at(reset.port), codes: resetCodes },
      { name: 'smtp silent', checker: createSmtpChecker(t), target: at(silent.port), codes: ['ETIMEDOUT'] },
      { name: 'dns silent', checker: createDnsChecker(t), target: at(dnsSilent.port), codes: ['ETIMEDOUT'] },
      { name: 'dns closed', checker: createDnsChecker(t), target: at(udpClosed), codes: ['ECONNREFUSED'] },
      { name: 'udp closed', checker: createUdpChecker({ ...t, payload: '00' }), target: at(udpClosed), codes: ['ECONNREFUSED'] },
    ];
  });
  afterAll(async () => {
    await servers?.stop();
    bundles?.remove();
  });

  async function runAll(
    total: number,
    inFlight: number,
    extra: (i: number) => Case | undefined,
  ): Promise<Map<string, Map<string, number>>> {
    const tally = new Map<string, Map<string, number>>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < total; i = next++) {
        const c = extra(i) ?? (cases[i % cases.length] as Case);
        const r: CheckResult = await c.checker.check(c.target, new AbortController().signal, Date.now() + 2 * TIMEOUT_S * 1000);
        const byCode = tally.get(c.name) ?? new Map<string, number>();
        const allowed = c.codes.includes(r.code as CheckCode) || r.code === 'ETIMEDOUT';
        const key = r.up ? 'UP' : ((allowed ? r.code : `unexpected ${r.code}: ${r.reason}`) ?? '');
        byCode.set(key, (byCode.get(key) ?? 0) + 1);
        tally.set(c.name, byCode);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return tally;
  }

  it('gives every check its failure verdict and leaves no socket, handle, timer or child behind', async () => {
    const hang: Case = {
      name: 'exec hang',
      checker: createExecChecker({ script: ['/bin/sh', '-c', 'sleep 30 & sleep 30'], timeout: TIMEOUT_S }),
      target: { address: '127.0.0.1', port: 0 },
      codes: ['ETIMEDOUT'],
    };
    // Warm up (lazy modules, TLS contexts), then take the baseline.
    await runAll(cases.length * 2, 10, () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const base = snapshot();

    const t0 = Date.now();
    const tally = await runAll(TOTAL, IN_FLIGHT, (i) => (i % 100 === 0 ? hang : undefined));
    const elapsed = Date.now() - t0;

    // Every verdict is down with the failure's code, or ETIMEDOUT when the machine was too busy for the
    // failure (a reset from the server process) to arrive in time; the expected code must dominate.
    const problems = [...tally].flatMap(([name, m]) => {
      const c = [...cases, hang].find((x) => x.name === name) as Case;
      const count = [...m.values()].reduce((a, b) => a + b, 0);
      const expected = [...m].filter(([k]) => c.codes.includes(k as CheckCode)).reduce((a, [, n]) => a + n, 0);
      const bad = [...m.keys()].filter((k) => k === 'UP' || k.startsWith('unexpected'));
      return [
        ...bad.map((k) => `${name}: ${k}`),
        ...(expected < count * 0.8 ? [`${name}: only ${expected} of ${count} ${c.codes.join('/')}`] : []),
      ];
    });
    expect(problems).toEqual([]);
    const total = [...tally.values()].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(TOTAL);
    expect(await settleTo(base, 5000)).toEqual([]);
    // Sanity: concurrency really happened (10,000 checks, a third of them waiting 500 ms, in far less than serial time).
    expect(elapsed).toBeLessThan(60_000);
  }, 120_000);
});
