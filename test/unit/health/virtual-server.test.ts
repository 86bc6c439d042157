/** Quorum with hysteresis, the sorry server, omega, and the desired IPVS pool. */
import { describe, expect, it } from 'vitest';
import {
  desiredPool,
  initialQuorum,
  nextQuorum,
  type PoolMember,
  type VirtualServerEvent,
  VirtualServerHealth,
  type VirtualServerSettings,
} from '../../../src/health/virtual-server.js';

const view = (up: boolean, weight: number) => ({ up, weight });
const settings = (over: Partial<VirtualServerSettings> = {}): VirtualServerSettings => ({
  name: 'web',
  quorum: 10,
  hysteresis: 2,
  omega: false,
  ...over,
});
const kinds = (events: VirtualServerEvent[]) => events.map((e) => e.kind);
const KEY = 'tcp:192.0.2.10:80';

describe('quorum rules', () => {
  const q = { quorum: 10, hysteresis: 2 };

  it('starts up exactly when the sum reaches quorum + hysteresis', () => {
    expect(initialQuorum(11, q)).toBe(false);
    expect(initialQuorum(12, q)).toBe(true);
  });

  it('is gained at quorum + hysteresis and lost below quorum - hysteresis', () => {
    expect(nextQuorum(false, 11, q)).toBe(false);
    expect(nextQuorum(false, 12, q)).toBe(true);
    expect(nextQuorum(true, 8, q)).toBe(true);
    expect(nextQuorum(true, 7, q)).toBe(false);
  });

  it('is always lost at weight 0, even when quorum - hysteresis is not above 0', () => {
    expect(nextQuorum(true, 0, { quorum: 1, hysteresis: 1 })).toBe(false);
    expect(nextQuorum(true, 1, { quorum: 1, hysteresis: 1 })).toBe(true);
    expect(nextQuorum(false, 1, { quorum: 1, hysteresis: 1 })).toBe(false);
    expect(nextQuorum(false, 2, { quorum: 1, hysteresis: 1 })).toBe(true);
  });
});

describe('VirtualServerHealth', () => {
  const members = [
    ['a', view(true, 5)],
    ['b', view(true, 5)],
    ['c', view(true, 5)],
  ] as const;

  it('moves through the hysteresis band without flapping', () => {
    const vs = new VirtualServerHealth(KEY, settings(), members);
    expect(vs.quorumUp).toBe(true);
    expect(vs.weightSum).toBe(15);
    expect(vs.setRealServer('a', view(false, 5), 'a down')).toEqual([]); // 10 ≥ 8
    expect(vs.setRealServer('b', view(true, 3), 'b weight')).toEqual([]); // 8 ≥ 8
    const lost = vs.setRealServer('b', view(true, 2), 'b weight'); // 7 < 8
    expect(lost).toEqual([
      { kind: 'quorum-down', key: KEY, vs: 'web', reason: 'b weight: weight sum 7 fell below 10-2', weightSum: 7, threshold: 8 },
    ]);
    expect(vs.setRealServer('a', view(true, 4), 'a up')).toEqual([]); // 11 < 12
    expect(kinds(vs.setRealServer('b', view(true, 3), 'b weight'))).toEqual(['quorum-up']); // 12
  });

  it('puts the sorry server in while quorum is down: quorum-down then sorry-on; sorry-off then quorum-up', () => {
    const vs = new VirtualServerHealth(KEY, settings({ quorum: 5, hysteresis: 0, sorryServer: '10.9.9.9:80' }), members);
    expect(vs.sorryActive).toBe(false);
    vs.setRealServer('a', view(false, 5), 'x');
    vs.setRealServer('b', view(false, 5), 'x');
    const lost = vs.setRealServer('c', view(false, 5), 'c down');
    expect(kinds(lost)).toEqual(['quorum-down', 'sorry-on']);
    expect(lost[1]).toEqual({ kind: 'sorry-on', key: KEY, vs: 'web', reason: lost[0]?.reason, sorryServer: '10.9.9.9:80' });
    expect(vs.sorryActive).toBe(true);
    expect(kinds(vs.setRealServer('c', view(true, 5), 'c up'))).toEqual(['sorry-off', 'quorum-up']);
  });

  it('starts with the sorry server in when quorum is down at start (no event)', () => {
    const vs = new VirtualServerHealth(KEY, settings({ sorryServer: 's' }), [['a', view(false, 5)]]);
    expect(vs.quorumUp).toBe(false);
    expect(vs.sorryActive).toBe(true);
  });

  it('reload: a new quorum is applied from the current state; a sorry server added or swapped while down', () => {
    const vs = new VirtualServerHealth(KEY, settings({ quorum: 20, hysteresis: 0 }), members);
    expect(vs.quorumUp).toBe(false);
    expect(kinds(vs.reconfigure(settings({ quorum: 20, hysteresis: 0, sorryServer: 's1' }), 'reload'))).toEqual(['sorry-on']);
    const swapped = vs.reconfigure(settings({ quorum: 20, hysteresis: 0, sorryServer: 's2' }), 'reload');
    expect(swapped.map((e) => [e.kind, 'sorryServer' in e ? e.sorryServer : ''])).toEqual([
      ['sorry-off', 's1'],
      ['sorry-on', 's2'],
    ]);
    expect(kinds(vs.reconfigure(settings({ quorum: 15, hysteresis: 0, sorryServer: 's2' }), 'reload'))).toEqual(['sorry-off', 'quorum-up']);
    expect(kinds(vs.reconfigure(settings({ quorum: 15, hysteresis: 0, sorryServer: 's2' }), 'reload'))).toEqual([]);
  });

  it('adding and removing real servers moves the sum', () => {
    const vs = new VirtualServerHealth(KEY, settings({ quorum: 10, hysteresis: 0 }), members);
    expect(kinds(vs.removeRealServer('a', 'gone'))).toEqual([]);
    expect(kinds(vs.removeRealServer('b', 'gone'))).toEqual(['quorum-down']);
    expect(vs.removeRealServer('zz', 'never there')).toEqual([]);
    expect(kinds(vs.setRealServer('d', view(true, 5), 'added'))).toEqual(['quorum-up']);
  });

  it('omega: shutdown reports quorum-down only with omega and only when quorum is up', () => {
    expect(new VirtualServerHealth(KEY, settings(), members).shutdown('bye')).toEqual([]);
    expect(new VirtualServerHealth(KEY, settings({ omega: true }), members).shutdown('bye')).toEqual([
      { kind: 'quorum-down', key: KEY, vs: 'web', reason: 'bye', weightSum: 15, threshold: 8 },
    ]);
    expect(new VirtualServerHealth(KEY, settings({ omega: true }), [['a', view(false, 1)]]).shutdown('bye')).toEqual([]);
  });

  it('removal reports quorum-down and takes the sorry server out', () => {
    expect(kinds(new VirtualServerHealth(KEY, settings(), members).remove('gone'))).toEqual(['quorum-down']);
    expect(kinds(new VirtualServerHealth(KEY, settings({ sorryServer: 's' }), []).remove('gone'))).toEqual(['sorry-off']);
  });
});

describe('desiredPool', () => {
  const m = (address: string, up: boolean, weight: number, inhibitOnFailure = false): PoolMember => ({
    address,
    port: 80,
    inhibitOnFailure,
    view: view(up, weight),
  });
  const pool = [m('a', true, 3), m('b', false, 3), m('c', false, 2, true), m('d', true, 0)];

  it('quorum up: up servers with their weight; failed ones removed, or weight 0 with inhibit_on_failure', () => {
    expect(desiredPool(pool, undefined, true)).toEqual([
      { address: 'a', port: 80, weight: 3, sorry: false },
      { address: 'c', port: 80, weight: 0, sorry: false },
      { address: 'd', port: 80, weight: 0, sorry: false },
    ]);
  });

  it('quorum down without a sorry server: the same as up', () => {
    expect(desiredPool(pool, undefined, false)).toEqual(desiredPool(pool, undefined, true));
  });

  it('quorum down with a sorry server: only the sorry server serves; inhibited servers stay at weight 0', () => {
    expect(desiredPool(pool, { address: 's', inhibit: false }, false)).toEqual([
      { address: 'c', port: 80, weight: 0, sorry: false },
      { address: 's', weight: 1, sorry: true },
    ]);
  });

  it('an inhibit sorry server stays at weight 0 while quorum is up', () => {
    expect(desiredPool([], { address: 's', port: 8080, inhibit: true }, true)).toEqual([
      { address: 's', port: 8080, weight: 0, sorry: true },
    ]);
    expect(desiredPool([], { address: 's', inhibit: false }, true)).toEqual([]);
  });
});
