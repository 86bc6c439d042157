/** A sync group's notify programs (keepalived send_group_notifies) on two simulated nodes. */
import { describe, expect, it } from 'vitest';
import { SyncGroupNotifier } from '../../../src/vrrp/io/group-notify.js';
import { syncGroupPair } from '../vrrp/helpers.js';

function twoNodes() {
  const { clock, l1, l2, a1, a2, b1, b2, ga, gb } = syncGroupPair('G', 'G');
  const notifier = (members: (typeof a1)[]) => {
    const runs: string[][] = [];
    const states: string[] = [];
    const n = new SyncGroupNotifier({
      name: 'G',
      members: members.map((m) => m.inst),
      notify: { master: ['/bin/m'], backup: ['/bin/b'], fault: ['/bin/f'], stop: ['/bin/s'], any: ['/bin/any', 'x'] },
      run: (argv) => runs.push([...argv]),
      onChange: (s, from) => states.push(`${from ?? '-'}>${s}`),
    });
    return { n, runs, states };
  };
  return { clock, l1, l2, a1, a2, b1, b2, ga, gb, na: notifier([a1, a2]), nb: notifier([b1, b2]) };
}

describe('SyncGroupNotifier', () => {
  it('runs the group programs once per group state, with GROUP name STATE 0', () => {
    const { clock, a1, a2, b1, b2, na, nb } = twoNodes();
    for (const x of [a1, a2, b1, b2]) x.inst.start();
    clock.advance(10_000);
    expect(na.states).toEqual(['->BACKUP', 'BACKUP>MASTER']);
    expect(na.runs).toEqual([
      ['/bin/b'],
      ['/bin/any', 'x', 'GROUP', 'G', 'BACKUP', '0'],
      ['/bin/m'],
      ['/bin/any', 'x', 'GROUP', 'G', 'MASTER', '0'],
    ]);
    expect(nb.states).toEqual(['->BACKUP']);
  });

  it("one member's fault faults the group: both nodes' groups change over together, and stop is told", () => {
    const { clock, l2, a1, a2, b1, b2, ga, na, nb } = twoNodes();
    for (const x of [a1, a2, b1, b2]) x.inst.start();
    clock.advance(10_000);
    na.runs.length = 0;
    // a2's own link fails: its tracking says fault, the group pools it.
    l2.down.add('a2');
    ga.setOwnFault('a2', true);
    clock.advance(10_000);
    expect([a1, a2, b1, b2].map((x) => x.inst.state.name)).toEqual(['fault', 'fault', 'master', 'master']);
    expect(na.states.at(-1)).toBe('MASTER>FAULT');
    expect(na.runs).toEqual([['/bin/f'], ['/bin/any', 'x', 'GROUP', 'G', 'FAULT', '0']]);
    expect(nb.states).toEqual(['->BACKUP', 'BACKUP>MASTER']);
    for (const x of [b1, b2]) x.inst.stop({ immediate: true });
    expect(nb.states.at(-1)).toBe('MASTER>STOP');
    expect(nb.runs.slice(-2)).toEqual([['/bin/s'], ['/bin/any', 'x', 'GROUP', 'G', 'STOP', '0']]);
    nb.n.close();
  });
});
