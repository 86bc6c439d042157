/** Sync daemon roles from lvs_sync_daemon and VRRP, and the ops that get the kernel there. */
import { describe, expect, it } from 'vitest';
import { daemonConfig, daemonMismatches, desiredDaemons, diffDaemons } from '../../../src/director/sync-roles.js';
import type { ResolvedSyncDaemon } from '../../../src/config/model.js';
import type { DaemonConfig } from '../../../src/ipvs/types.js';

const cfg = (o: Partial<ResolvedSyncDaemon> = {}): ResolvedSyncDaemon => ({
  state: 'auto',
  follow: 'VI_1',
  mcast_interface: 'eth1',
  syncid: 10,
  mcast_group: '224.0.0.81',
  mcast_port: 8848,
  mcast_ttl: 1,
  ...o,
});

describe('desiredDaemons', () => {
  it.each([
    ['master', false, ['master']],
    ['backup', true, ['backup']],
    ['both', false, ['master', 'backup']],
    ['auto', false, ['backup']],
    ['auto', true, ['master', 'backup']],
  ] as const)('state %s, followed master %s -> %j', (state, master, roles) => {
    expect([...desiredDaemons(cfg({ state }), master).keys()]).toEqual(roles);
  });

  it('none without the section', () => {
    expect(desiredDaemons(undefined, true).size).toBe(0);
  });

  it('sends only the settings that differ from the kernel defaults', () => {
    expect(daemonConfig(cfg(), 'master')).toEqual({ state: 'master', mcastIfn: 'eth1', syncId: 10 });
    expect(daemonConfig(cfg({ mcast_port: 9000, mcast_ttl: 2, sync_maxlen: 1400, mcast_group: '239.1.1.1' }), 'backup')).toEqual({
      state: 'backup',
      mcastIfn: 'eth1',
      syncId: 10,
      syncMaxlen: 1400,
      mcastGroup: '239.1.1.1',
      mcastPort: 9000,
      mcastTtl: 2,
    });
  });
});

describe('diffDaemons', () => {
  const running = (state: 'master' | 'backup', o: Partial<DaemonConfig> = {}): DaemonConfig => ({
    state,
    mcastIfn: 'eth1',
    syncId: 10,
    syncMaxlen: 1472,
    mcastGroup: '224.0.0.81',
    mcastPort: 8848,
    mcastTtl: 1,
    ...o,
  });
  const both = new Set(['master', 'backup'] as const);

  it('takeover under auto: starts the master, keeps the backup', () => {
    expect(diffDaemons(desiredDaemons(cfg(), true), [running('backup')], both)).toEqual([
      { op: 'startDaemon', daemon: { state: 'master', mcastIfn: 'eth1', syncId: 10 } },
    ]);
  });

  it('giving up master under auto: stops the master only', () => {
    expect(diffDaemons(desiredDaemons(cfg(), false), [running('master'), running('backup')], both)).toEqual([
      { op: 'stopDaemon', state: 'master' },
    ]);
  });

  it('unchanged: nothing (the kernel-filled maxlen is not a difference)', () => {
    expect(diffDaemons(desiredDaemons(cfg(), true), [running('master'), running('backup')], both)).toEqual([]);
  });

  it('a changed setting restarts that role', () => {
    expect(diffDaemons(desiredDaemons(cfg({ syncid: 11, state: 'backup' }), false), [running('backup')], both)).toEqual([
      { op: 'stopDaemon', state: 'backup' },
      { op: 'startDaemon', daemon: { state: 'backup', mcastIfn: 'eth1', syncId: 11 } },
    ]);
  });

  it('a daemon lvsd does not own is left running', () => {
    expect(
      diffDaemons(desiredDaemons(cfg({ state: 'backup' }), false), [running('master'), running('backup')], new Set(['backup'] as const)),
    ).toEqual([]);
  });

  it('names a setting the kernel reports differently', () => {
    const want = daemonConfig(cfg({ mcast_port: 9000 }), 'master');
    expect(daemonMismatches(want, { state: 'master', mcastIfn: 'eth1', syncId: 10 })).toEqual([
      { state: 'master', setting: 'mcast_port', want: 9000, have: 8848 },
    ]);
  });
});
