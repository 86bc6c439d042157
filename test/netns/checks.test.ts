/**
 * Checkers across a real (namespaced) network: the checks run in director d1, misbehaving servers in the real
 * servers rs1 and rs2 of the lab. Covers what loopback cannot show: an address nobody has (ARP fails), routes
 * that reject or drop, ICMP port unreachable from another host, source addresses, IPv6 neighbour discovery.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarget } from '../../checks/index.js';
import type { ResolvedCheck } from '../../src/config/model.js';
import { type Bundles, bundleAll } from '../support/misbehaving/bundle.js';
import { makeTestCerts, TEST_SERVER_NAME, type TestCerts } from '../support/misbehaving/certs.js';
import { type CheckRunner, type ServerProcess, startCheckRunner, startServers } from '../support/misbehaving/processes.js';
import type { ServerSpec } from '../support/misbehaving/serve.js';
import { LAB_ADDR, NetnsLab } from '../support/netns-lab.js';

const RS1 = LAB_ADDR.realServer(1).back;
const RS2 = LAB_ADDR.realServer(2).back;
const RS1_6 = LAB_ADDR.realServer(1).back6;
/** On the back LAN, but no host has it: ARP (ND for IPv6) goes unanswered. */
const NOBODY = '192.0.2.99';
const NOBODY6 = '2001:db8:b::99';
/** Routes added in d1: one that rejects (unreachable), one that drops silently (blackhole). */
const UNREACHABLE = '198.51.100.1';
const BLACKHOLE = '198.51.100.129';
/** Upper slack on top of a configured timeout (the machine is shared and has 2 cores). */
const SLACK_MS = 350;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

const TIMING = { delay_loop: 6, retry: 1, delay_before_retry: 1, warmup: 0, rise: 1, fall: 1 };

/** A resolved check as the config would produce it (connect_ip/connect_port default to the target given). */
function check(fields: Record<string, unknown> & { type: ResolvedCheck['type'] }, timeoutS = 0.5): ResolvedCheck {
  const defaults: Record<string, unknown> = {
    http: {
      method: 'GET',
      path: '/',
      status_codes: [{ min: 200, max: 299 }],
      regex_no_match: false,
      max_body_bytes: 1048576,
      http_version: '1.1',
    },
    https: {
      method: 'GET',
      path: '/',
      status_codes: [{ min: 200, max: 299 }],
      regex_no_match: false,
      max_body_bytes: 1048576,
      http_version: '1.1',
      tls: { verify: false },
    },
    dns: { query_type: 'SOA', query_name: '.' },
    smtp: { helo_name: 'd1.example.test' },
    udp: { require_reply: false },
  };
  return {
    ...TIMING,
    connect_timeout: timeoutS,
    connect_ip: '',
    connect_port: 0,
    ...(defaults[fields.type] as object),
    ...fields,
  } as unknown as ResolvedCheck;
}

describe('checks from a director to real servers (netns lab)', () => {
  let lab: NetnsLab;
  let bundles: Bundles;
  let certs: TestCerts;
  let rs1: ServerProcess;
  let rs2: ServerProcess;
  let runner: CheckRunner;

  const run = async (c: ResolvedCheck, address: string, port: number, budgetMs = 10_000) => runner.run(c, { address, port }, budgetMs);
  const expectTimed = (ms: number, min: number, max: number) => {
    expect(ms).toBeGreaterThanOrEqual(min);
    expect(ms).toBeLessThan(max);
  };

  beforeAll(async () => {
    [bundles, lab] = await Promise.all([bundleAll(), NetnsLab.up({ realServers: 2, gateway: 'd1' })]);
    certs = makeTestCerts([RS1, RS1_6]);
    await lab.exec('d1', ['ip', 'route', 'add', 'unreachable', '198.51.100.0/25']);
    await lab.exec('d1', ['ip', 'route', 'add', 'blackhole', '198.51.100.128/25']);
    const on = (host: string, port: number) => ({ host, port });
    const specs1: ServerSpec[] = [
      { kind: 'http', ...on(RS1, 80), behaviour: { body: 'rs1 healthy\n' } },
      { kind: 'http', ...on(RS1, 8080), behaviour: { status: 503 } },
      { kind: 'silent', ...on(RS1, 8081) },
      { kind: 'http', ...on(RS1, 8082), behaviour: { bodyDelayMs: 5000 } },
      { kind: 'http', ...on(RS1, 8083), behaviour: { endless: true } },
      { kind: 'http', ...on(RS1, 8084), behaviour: { echoPeer: true } },
      { kind: 'reset', ...on(RS1, 8085) },
      { kind: 'http', ...on(RS1, 443), behaviour: { body: 'tls\n' }, tls: { certFile: certs.good.certFile, keyFile: certs.good.keyFile } },
      { kind: 'http', ...on(RS1, 8443), behaviour: {}, tls: { certFile: certs.expired.certFile, keyFile: certs.expired.keyFile } },
      { kind: 'dns', ...on(RS1, 53), behaviour: 'ok' },
      { kind: 'dns', ...on(RS1, 5353), behaviour: 'nxdomain' },
      { kind: 'dns', ...on(RS1, 5354), behaviour: 'wrong-type' },
      { kind: 'smtp', ...on(RS1, 25), behaviour: 'ok' },
      { kind: 'smtp', ...on(RS1, 2525), behaviour: 'reject' },
      { kind: 'udp', ...on(RS1, 7), behaviour: { kind: 'echo' } },
      { kind: 'udp', ...on(RS1, 5355), behaviour: { kind: 'silent' } },
      { kind: 'http', ...on(RS1_6, 80), behaviour: { body: 'v6' } },
    ];
    [rs1, rs2, runner] = await Promise.all([
      startServers(bundles.files.serve, specs1, ['ip', 'netns', 'exec', lab.ns('rs1')]),
      startServers(
        bundles.files.serve,
        [{ kind: 'http', host: RS2, port: 80, behaviour: { body: 'rs2\n' } }],
        ['ip', 'netns', 'exec', lab.ns('rs2')],
      ),
      startCheckRunner(bundles.files.checkRunner, ['ip', 'netns', 'exec', lab.ns('d1')]),
    ]);
  });
  afterAll(async () => {
    await runner?.stop();
    await rs1?.stop();
    await rs2?.stop();
    await lab?.down();
    bundles?.remove();
    certs?.remove();
  });

  describe('tcp', () => {
    it('is up to a listening real server, ECONNREFUSED (RST from the host) on a closed port', async () => {
      expect((await run(check({ type: 'tcp' }), RS1, 80)).result).toEqual({ up: true, code: 'OK', reason: `connected to ${RS1}:80` });
      const { result, ms } = await run(check({ type: 'tcp' }), RS1, 81);
      expect(result).toEqual({ up: false, code: 'ECONNREFUSED', reason: `connect to ${RS1}:81: connection refused (ECONNREFUSED)` });
      expect(ms).toBeLessThan(SLACK_MS);
    });

    it('times out on an address nobody has, and gets EHOSTUNREACH once ARP gives up (~3 s)', async () => {
      const [short, long, short6] = await Promise.all([
        run(check({ type: 'tcp' }), NOBODY, 80),
        run(check({ type: 'tcp' }, 6), NOBODY, 80),
        run(check({ type: 'tcp' }), NOBODY6, 80),
      ]);
      expect(short.result).toEqual({ up: false, code: 'ETIMEDOUT', reason: `timed out after 500 ms connecting to ${NOBODY}:80` });
      expectTimed(short.ms, 495, 500 + SLACK_MS);
      expect(long.result).toEqual({ up: false, code: 'EHOSTUNREACH', reason: `connect to ${NOBODY}:80: host unreachable (EHOSTUNREACH)` });
      expectTimed(long.ms, 2500, 4500);
      expect(short6.result).toMatchObject({ up: false, code: 'ETIMEDOUT' });
      expectTimed(short6.ms, 495, 500 + SLACK_MS);
    }, 20_000);

    it('fails at once on an unreachable route (EHOSTUNREACH) and a blackhole route (EINVAL)', async () => {
      const unreachable = await run(check({ type: 'tcp' }), UNREACHABLE, 80);
      expect(unreachable.result).toMatchObject({ up: false, code: 'EHOSTUNREACH' });
      expect(unreachable.ms).toBeLessThan(SLACK_MS);
      const blackhole = await run(check({ type: 'tcp' }), BLACKHOLE, 80);
      expect(blackhole.result).toMatchObject({ up: false, code: 'EINVAL' });
      expect(blackhole.ms).toBeLessThan(SLACK_MS);
    });

    it('probes connect_ip/connect_port instead of the real server when redirected', async () => {
      // The real server is rs1, which has nothing on port 81; the check is redirected to rs2:80.
      const redirected = check({ type: 'tcp', connect_ip: RS2, connect_port: 80 });
      const target = checkTarget(redirected, { address: RS1, port: 81 });
      expect(target).toEqual({ address: RS2, port: 80 });
      expect((await runner.run(redirected, target, 5000)).result).toMatchObject({ up: true, reason: `connected to ${RS2}:80` });
    });
  });

  describe('http and https', () => {
    it('is up with the right digest, and sends from bind_ip/bind_port', async () => {
      const ok = await run(check({ type: 'http', digest: md5('rs1 healthy\n'), virtualhost: 'www.example.test' }), RS1, 80);
      expect(ok.result).toEqual({ up: true, code: 'OK', reason: `http://${RS1}:80/: status 200, body ok` });
      // d1 holds the gateway VIP 192.0.2.254: the server must see the probe come from it, from port 40000.
      const bound = check({ type: 'http', bind_ip: LAB_ADDR.gatewayVip, bind_port: 40000, regex: `^192\\.0\\.2\\.254:40000$` });
      expect((await run(bound, RS1, 8084)).result).toMatchObject({ up: true, code: 'OK' });
    });

    it('is down with STATUS, DIGEST, REGEX as the body or status demands', async () => {
      expect((await run(check({ type: 'http' }), RS1, 8080)).result).toEqual({
        up: false,
        code: 'STATUS',
        reason: `http://${RS1}:8080/: status 503 not in 200-299`,
      });
      expect((await run(check({ type: 'http', digest: md5('other') }), RS1, 80)).result).toMatchObject({ up: false, code: 'DIGEST' });
      expect((await run(check({ type: 'http', regex: 'sick' }), RS1, 80)).result).toMatchObject({ up: false, code: 'REGEX' });
    });

    it('times out on a silent server and a slow body; bounds an endless body; reports a reset', async () => {
      const [silent, slow, endless, reset] = await Promise.all([
        run(check({ type: 'http' }), RS1, 8081),
        run(check({ type: 'http', regex: 'ok' }), RS1, 8082),
        run(check({ type: 'http', digest: md5('x'), max_body_bytes: 262144 }), RS1, 8083),
        run(check({ type: 'http' }), RS1, 8085),
      ]);
      expect(silent.result).toEqual({
        up: false,
        code: 'ETIMEDOUT',
        reason: `timed out after 500 ms waiting for the response headers of ${RS1}:8081`,
      });
      expectTimed(silent.ms, 495, 500 + SLACK_MS);
      expect(slow.result).toEqual({ up: false, code: 'ETIMEDOUT', reason: `timed out after 500 ms reading the body of ${RS1}:8082` });
      expectTimed(slow.ms, 495, 500 + SLACK_MS);
      expect(endless.result).toEqual({
        up: false,
        code: 'DIGEST',
        reason: `http://${RS1}:8083/: body longer than max_body_bytes (262144): digest not verifiable`,
      });
      expect(endless.ms).toBeLessThan(500);
      expect(reset.result).toMatchObject({ up: false, code: 'ECONNRESET' });
    });

    it('verifies certificates against the CA with SNI, and rejects an expired one', async () => {
      const tls = { verify: true, ca_file: certs.ca.certFile, sni: TEST_SERVER_NAME };
      const good = await run(check({ type: 'https', tls, digest: md5('tls\n') }, 2), RS1, 443);
      expect(good.result).toEqual({ up: true, code: 'OK', reason: `https://${RS1}:443/: status 200, body ok` });
      const byAddress = await run(check({ type: 'https', tls: { verify: true, ca_file: certs.ca.certFile } }, 2), RS1, 443);
      expect(byAddress.result).toMatchObject({ up: true });
      const expired = await run(check({ type: 'https', tls }, 2), RS1, 8443);
      expect(expired.result).toMatchObject({ up: false, code: 'TLS', reason: expect.stringContaining('CERT_HAS_EXPIRED') });
    });

    it('works over IPv6', async () => {
      expect((await run(check({ type: 'http', regex: '^v6$' }), RS1_6, 80)).result).toEqual({
        up: true,
        code: 'OK',
        reason: `http://[${RS1_6}]:80/: status 200, body ok`,
      });
    });
  });

  describe('dns, smtp, udp', () => {
    it('dns: up on an answer of the asked type, NXDOMAIN and NOANSWER otherwise', async () => {
      const a = check({ type: 'dns', query_type: 'A', query_name: 'www.example.test' });
      expect((await run(a, RS1, 53)).result).toEqual({ up: true, code: 'OK', reason: 'www.example.test A: 1 answer, first 192.0.2.80' });
      expect((await run(a, RS1, 5353)).result).toEqual({ up: false, code: 'NXDOMAIN', reason: 'www.example.test A: NXDOMAIN' });
      expect((await run(a, RS1, 5354)).result).toMatchObject({ up: false, code: 'NOANSWER' });
    });

    it('smtp: up on a good server, SMTP on a 554 greeting', async () => {
      expect((await run(check({ type: 'smtp' }), RS1, 25)).result).toEqual({
        up: true,
        code: 'OK',
        reason: `${RS1}:25: 220 greeting, 250 to EHLO`,
      });
      expect((await run(check({ type: 'smtp' }), RS1, 2525)).result).toEqual({
        up: false,
        code: 'SMTP',
        reason: `${RS1}:2525 greeted with 554 5.3.2 no service here`,
      });
    });

    it('udp: ICMP port unreachable from the host is ECONNREFUSED; an echo matches its pattern', async () => {
      const closed = await run(check({ type: 'udp', payload: '01' }), RS1, 9);
      expect(closed.result).toEqual({ up: false, code: 'ECONNREFUSED', reason: `udp ${RS1}:9: connection refused (ECONNREFUSED)` });
      expect(closed.ms).toBeLessThan(SLACK_MS);
      const echo = await run(check({ type: 'udp', payload: 'c0ffee', expected_reply: 'c0??ee', require_reply: true }), RS1, 7);
      expect(echo.result).toEqual({ up: true, code: 'OK', reason: `${RS1}:7 replied (3 bytes)` });
    });

    it('udp: silence is up within the timeout (even from an address nobody has), unless a reply is required', async () => {
      // Host unreachable (ARP failure) is not a "hard" ICMP error: a UDP socket is not told. Only port
      // unreachable is, so a udp check without require_reply cannot tell a missing host from a quiet one,
      // as with keepalived's UDP_CHECK.
      const [quiet, nobody, required] = await Promise.all([
        run(check({ type: 'udp', payload: '01' }), RS1, 5355),
        run(check({ type: 'udp', payload: '01' }), NOBODY, 9),
        run(check({ type: 'udp', payload: '01', require_reply: true }), NOBODY, 9),
      ]);
      expect(quiet.result).toEqual({
        up: true,
        code: 'OK',
        reason: `no reply and no ICMP port unreachable from ${RS1}:5355 within 500 ms`,
      });
      expectTimed(quiet.ms, 495, 500 + SLACK_MS);
      expect(nobody.result).toMatchObject({ up: true });
      expect(required.result).toEqual({ up: false, code: 'ETIMEDOUT', reason: `no reply from ${NOBODY}:9 within 500 ms` });
      expectTimed(required.ms, 495, 500 + SLACK_MS);
    });
  });
});
