import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../checks/checker.js';
import { createTcpChecker } from '../../../checks/tcp.js';
import { type FlappingServer, flappingServer } from '../../support/misbehaving/tcp.js';

interface Observation {
  readonly start: number;
  readonly end: number;
  readonly result: CheckResult;
}

/** The state of the server throughout [start, end], or undefined when it changed (or was changing) meanwhile. */
function stateDuring(server: FlappingServer, o: Observation): boolean | undefined {
  const flips = server.flips;
  for (let i = flips.length - 1; i >= 0; i--) {
    const f = flips[i];
    // Strictly before: within one millisecond the order of a flip and a check's start is unknown.
    if (f === undefined || f.done >= o.start) continue;
    const next = flips[i + 1];
    return next === undefined || next.began > o.end ? f.listening : undefined;
  }
  return undefined;
}

describe('a server flapping every 300 ms', () => {
  let server: FlappingServer;
  beforeAll(async () => {
    server = await flappingServer(300);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gets the verdict of its state at the time from every check', async () => {
    const tcp = createTcpChecker({ connect_timeout: 0.5 });
    const seen: Observation[] = [];
    const until = Date.now() + 2400;
    while (Date.now() < until) {
      const start = Date.now();
      const result = await tcp.check({ address: '127.0.0.1', port: server.port }, new AbortController().signal, start + 500);
      seen.push({ start, end: Date.now(), result });
      await new Promise((r) => setTimeout(r, 20));
    }
    let judged = 0;
    const verdicts: string[] = [];
    for (const o of seen) {
      const listening = stateDuring(server, o);
      if (listening === undefined) continue;
      judged++;
      if (listening) expect(o.result).toMatchObject({ up: true, code: 'OK' });
      else expect(o.result).toMatchObject({ up: false, code: 'ECONNREFUSED' });
      if (verdicts.at(-1) !== o.result.code) verdicts.push(o.result.code ?? '');
    }
    // 2.4 s of checks every ~20 ms across 8 flips: most are judged, and the verdict follows the flaps.
    expect(judged).toBeGreaterThan(seen.length * 0.7);
    expect(verdicts.length).toBeGreaterThanOrEqual(5);
  });
});
