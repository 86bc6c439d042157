/** Sync groups: the pure rules, and two groups of two instances moving together on fake links. */
import { describe, expect, it } from 'vitest';
import { type SyncMemberView, groupFault, syncCommands, syncGroupState } from '../../../src/vrrp/sync-group.js';
import { spec, syncGroupPair } from './helpers.js';

const view = (name: string, state: SyncMemberView['state'], wantMaster = false): SyncMemberView => ({ name, state, wantMaster });

describe('rules', () => {
  it('group state and fault', () => {
    expect(syncGroupState([view('a', 'master'), view('b', 'fault')])).toBe('FAULT');
    expect(syncGroupState([view('a', 'master'), view('b', 'backup')])).toBe('MASTER');
    expect(syncGroupState([view('a', 'backup'), view('b', 'backup')])).toBe('BACKUP');
    expect(syncGroupState([view('a', 'initialize')])).toBe('INIT');
    expect(groupFault([false, false])).toBe(false);
    expect(groupFault([false, true])).toBe(true);
  });

  it('a member wanting master waits for the others, unless the group already has a master', () => {
    expect(syncCommands([view('a', 'backup', true), view('b', 'backup')], { kind: 'wantMaster', member: 'a' })).toEqual([]);
    expect(syncCommands([view('a', 'backup', true), view('b', 'fault')], { kind: 'wantMaster', member: 'a' })).toEqual([]);
    expect(syncCommands([view('a', 'backup', true), view('b', 'backup', true)], { kind: 'wantMaster', member: 'a' })).toEqual([
      { member: 'a', event: { type: 'syncGotoMaster' } },
    ]);
    expect(syncCommands([view('a', 'backup', true), view('b', 'master')], { kind: 'wantMaster', member: 'a' })).toEqual([
      { member: 'a', event: { type: 'syncGotoMaster' } },
    ]);
    expect(syncCommands([view('a', 'master', true), view('b', 'backup', true)], { kind: 'wantMaster', member: 'a' })).toEqual([]);
  });

  it('one master takes the backups along; one yielding takes the masters along', () => {
    const members = [view('a', 'master'), view('b', 'backup'), view('c', 'fault'), view('d', 'master')];
    expect(syncCommands(members, { kind: 'transition', member: 'a', from: 'backup', to: 'master' })).toEqual([
      { member: 'b', event: { type: 'syncGotoMaster' } },
    ]);
    const yielded = [view('a', 'backup'), view('b', 'master'), view('c', 'backup'), view('d', 'master')];
    expect(syncCommands(yielded, { kind: 'transition', member: 'a', from: 'master', to: 'backup' })).toEqual([
      { member: 'b', event: { type: 'syncGotoBackup' } },
      { member: 'd', event: { type: 'syncGotoBackup' } },
    ]);
    expect(syncCommands(yielded, { kind: 'transition', member: 'a', from: 'master', to: 'fault' })).toEqual([]);
    expect(syncCommands(yielded, { kind: 'transition', member: 'a', from: 'initialize', to: 'backup' })).toEqual([]);
  });
});

const twoNodes = () => syncGroupPair('A', 'B');

const names = (...xs: { inst: { state: { name: string } } }[]) => xs.map((x) => x.inst.state.name);

describe('groups on the wire', () => {
  it('start: the group whose members all time out goes master together', () => {
    const { clock, a1, a2, b1, b2 } = twoNodes();
    for (const x of [a1, a2, b1, b2]) x.inst.start();
    clock.advance(3218.75 - 0.001);
    expect(names(a1, a2)).toEqual(['backup', 'backup']);
    clock.advance(30_000);
    expect(names(a1, a2, b1, b2)).toEqual(['master', 'master', 'backup', 'backup']);
    // Both A members timed out at 3218.75; the first only wanted master, the second took both over.
    expect(a1.io.transitionAt('master')).toBe(3218.75);
    expect(a2.io.transitionAt('master')).toBe(3218.75);
  });

  it("one member's fault faults the group; the other node's group takes over, and gives back after", () => {
    const { clock, a1, a2, b1, b2, ga } = twoNodes();
    for (const x of [a1, a2, b1, b2]) x.inst.start();
    clock.advance(10_000);
    ga.setOwnFault('a2', true);
    expect(names(a1, a2)).toEqual(['fault', 'fault']);
    expect(a1.io.adverts().at(-1)).toEqual({ at: 10_000, priority: 0 });
    clock.advance(5_000);
    expect(names(b1, b2)).toEqual(['master', 'master']);
    expect(b1.io.transitionAt('master')).toBe(10_001 + 609.375);
    ga.setOwnFault('a2', false);
    expect(names(a1, a2)).toEqual(['backup', 'backup']);
    clock.advance(10_000);
    expect(names(a1, a2, b1, b2)).toEqual(['master', 'master', 'backup', 'backup']);
    expect(() => ga.setOwnFault('zz', true)).toThrow(RangeError);
  });

  it('a member yielding to a higher priority takes the group to backup (without priority 0)', () => {
    const { clock, l1, a1, a2, b1, b2 } = twoNodes();
    for (const x of [a1, a2, b1, b2]) x.inst.start();
    clock.advance(10_000);
    const c1 = l1.add(spec('c1', { priority: 250, localAddress: '192.0.2.3' }, { vrid: 1, vips: ['192.0.2.101'] }));
    c1.inst.start();
    clock.advance(10_000);
    expect(c1.inst.state.name).toBe('master');
    expect(names(a1, a2)).toEqual(['backup', 'backup']);
    expect(a2.io.of('removeVips')).toHaveLength(1);
    expect(a2.io.adverts().some((x) => x.priority === 0)).toBe(false);
  });

  it('close() unhooks the link', () => {
    const { clock, a1, a2, ga } = twoNodes();
    ga.close();
    a1.inst.start();
    a2.inst.start();
    clock.advance(30_000);
    // Without the link nobody ever says go: both stay backup, wanting master.
    expect(names(a1, a2)).toEqual(['backup', 'backup']);
    expect(a1.inst.state.wantMaster).toBe(true);
  });
});
