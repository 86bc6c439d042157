/** vrrp_track_file on a FakeClock and a fake file system: first read, watch events, polling, keepalived's values. */
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../../src/clock.js';
import { type TrackFileFs, TrackFileWatcher, nodeTrackFileFs } from '../../../src/vrrp/track-file.js';
import { evaluateTracking } from '../../../src/vrrp/tracking.js';

/** A file system of one directory; `emit` plays a watch event. */
class FakeFs implements TrackFileFs {
  readonly files = new Map<string, string>();
  readonly errors = new Map<string, string>();
  readonly watched: string[] = [];
  listener: ((f: string | null) => void) | undefined;
  watchThrows = false;
  reads = 0;

  async read(path: string) {
    this.reads++;
    const e = this.errors.get(path);
    if (e !== undefined) return { text: undefined, error: e };
    return { text: this.files.get(path) };
  }
  watch(dir: string, onEvent: (f: string | null) => void) {
    if (this.watchThrows) throw new Error('ENOSPC');
    this.watched.push(dir);
    this.listener = onEvent;
    return { close: () => (this.listener = undefined) };
  }
  emit(name: string | null) {
    this.listener?.(name);
  }
}

function setup(initial?: string) {
  const clock = new FakeClock();
  const fs = new FakeFs();
  const path = '/run/lvsd/prio';
  if (initial !== undefined) fs.files.set(path, initial);
  const changes: [number, number][] = [];
  const warnings: string[] = [];
  const w = new TrackFileWatcher({
    name: 'tf',
    path,
    clock,
    fs,
    pollMs: 1000,
    settleMs: 20,
    onChange: (v) => changes.push([clock.now(), v]),
    onWarning: (m) => warnings.push(m),
  });
  return { clock, fs, path, w, changes, warnings };
}

describe('TrackFileWatcher', () => {
  it('reads the file at start (not reported as a change) and watches its directory', async () => {
    const { w, fs, changes } = setup('  -5\n');
    await w.start();
    expect(w.value).toBe(-5);
    expect(fs.watched).toEqual(['/run/lvsd']);
    expect(changes).toEqual([]);
  });

  it('a watch event for the file reads it shortly after; other names are ignored', async () => {
    const { w, fs, path, clock, changes } = setup('0');
    await w.start();
    fs.files.set(path, '7');
    fs.emit('other-file');
    await clock.advanceAsync(100);
    expect(changes).toEqual([]);
    fs.emit('prio');
    fs.emit('prio'); // coalesced with the first
    const before = fs.reads;
    await clock.advanceAsync(30);
    expect(changes).toEqual([[120, 7]]);
    expect(fs.reads).toBe(before + 1);
  });

  it('re-reads every pollMs, so a change is seen without any event', async () => {
    const { w, fs, path, clock, changes } = setup('1');
    await w.start();
    fs.files.set(path, '0x10');
    await clock.advanceAsync(999);
    expect(changes).toEqual([]);
    await clock.advanceAsync(1);
    expect(changes).toEqual([[1000, 16]]);
    await clock.advanceAsync(3000); // same value: no further report
    expect(changes).toHaveLength(1);
  });

  it("keepalived's values: missing or empty is 0, garbage is 0, out of range keeps the previous value", async () => {
    const { w, fs, path, clock, changes, warnings } = setup('3');
    await w.start();
    fs.files.delete(path);
    await clock.advanceAsync(1000);
    fs.files.set(path, '12abc');
    await clock.advanceAsync(1000);
    fs.files.set(path, '');
    await clock.advanceAsync(1000);
    fs.files.set(path, '99999999999');
    await clock.advanceAsync(1000);
    expect(w.value).toBe(0);
    fs.files.set(path, '010'); // octal, as strtol base 0
    await clock.advanceAsync(1000);
    fs.files.set(path, 'x');
    await clock.advanceAsync(1000);
    expect(changes.map(([, v]) => v)).toEqual([0, 12, 0, 8, 0]);
    expect(warnings).toEqual(['track file holds an out-of-range number; ignored']);
  });

  it('an unreadable file counts as 0, with one warning until it reads fine again', async () => {
    const { w, fs, path, clock, changes, warnings } = setup('4');
    await w.start();
    fs.errors.set(path, 'EACCES');
    await clock.advanceAsync(3000);
    expect(changes).toEqual([[1000, 0]]);
    expect(warnings).toEqual(['track file unreadable; counts as 0']);
    fs.errors.delete(path);
    await clock.advanceAsync(1000);
    expect(changes.at(-1)).toEqual([4000, 4]);
  });

  it('without watching it still polls; stop ends everything', async () => {
    const { w, fs, path, clock, changes, warnings } = setup('0');
    fs.watchThrows = true;
    await w.start();
    expect(warnings).toEqual(['cannot watch the track file directory; re-reading periodically only']);
    fs.files.set(path, '2');
    await clock.advanceAsync(1000);
    expect(changes).toEqual([[1000, 2]]);
    w.stop();
    expect(clock.pending).toBe(0);
    fs.files.set(path, '3');
    await clock.advanceAsync(5000);
    expect(changes).toHaveLength(1);
  });

  it('its value feeds tracking: weight × value, weight 0 faults on non-zero, −254 or less faults', () => {
    const files = (v: number) => ({ interfaces: new Map(), scripts: new Map(), files: new Map([['tf', v]]) });
    const cfg = (weight: number) => ({ basePriority: 100, interfaces: [], scripts: [], files: [{ name: 'tf', weight }] });
    expect(evaluateTracking(cfg(10), files(3))).toMatchObject({ priority: 130, fault: false });
    expect(evaluateTracking(cfg(-10), files(3))).toMatchObject({ priority: 70, fault: false });
    expect(evaluateTracking(cfg(1), files(-60))).toMatchObject({ priority: 40, fault: false });
    expect(evaluateTracking(cfg(0), files(0))).toMatchObject({ priority: 100, fault: false });
    expect(evaluateTracking(cfg(0), files(1))).toMatchObject({ fault: true });
    expect(evaluateTracking(cfg(254), files(-1))).toMatchObject({ fault: true });
  });

  it('the real file system: reads, follows a write through fs.watch, and a removal reads as 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-tf-'));
    try {
      const path = join(dir, 'prio');
      writeFileSync(path, '5\n');
      const changes: number[] = [];
      // A long poll: the change must come from the watch.
      const w = new TrackFileWatcher({ name: 'tf', path, clock: systemClock, pollMs: 60_000, onChange: (v) => changes.push(v) });
      await w.start();
      expect(w.value).toBe(5);
      writeFileSync(path, '-3\n');
      const until = async (n: number) => {
        for (let i = 0; i < 200 && changes.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      };
      await until(1);
      unlinkSync(path);
      await until(2);
      w.stop();
      expect(changes).toEqual([-3, 0]);
      expect(await nodeTrackFileFs.read(dir)).toMatchObject({ text: undefined, error: expect.stringContaining('EISDIR') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
