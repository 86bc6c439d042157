import { describe, expect, test } from 'vitest';
import { OPTION_TABLE, type OptTag } from '../../../src/lvsadm/option-table.js';
import { POPT_ERROR, Popt, type PoptEvent, poptStrerror } from '../../../src/lvsadm/popt.js';

/** All events up to the end or the first error, plus the leftovers. */
function drain(args: string[], posix = false): { events: PoptEvent<OptTag>[]; bad?: string; leftovers: string[] } {
  const p = new Popt(['prog', ...args], OPTION_TABLE, posix);
  const events: PoptEvent<OptTag>[] = [];
  for (;;) {
    const ev = p.nextOpt();
    events.push(ev);
    if (ev.kind !== 'option') {
      const leftovers: string[] = [];
      for (let a = p.getArg(); a !== null; a = p.getArg()) leftovers.push(a);
      return ev.kind === 'error' ? { events, bad: p.badOption(), leftovers } : { events, leftovers };
    }
  }
}

const opt = (val: OptTag, arg: string | null = null): PoptEvent<OptTag> => ({ kind: 'option', val, arg });
const END: PoptEvent<OptTag> = { kind: 'end' };

describe('popt emulation', () => {
  test('clusters short options', () => {
    expect(drain(['-Lcn']).events).toEqual([opt('L'), opt('c'), opt('n'), END]);
  });
  test('attached and separate arguments', () => {
    expect(drain(['-t1.2.3.4:80', '-s', 'rr', '-p600']).events).toEqual([opt('t', '1.2.3.4:80'), opt('s', 'rr'), opt('p', '600'), END]);
    expect(drain(['-p=600', '-Lt=x']).events).toEqual([opt('p', '600'), opt('L'), opt('t', 'x'), END]);
  });
  test('long options with = or a separate word', () => {
    expect(drain(['--tcp-service=1.2.3.4:80', '--scheduler', 'rr', '--pe=']).events).toEqual([
      opt('t', '1.2.3.4:80'),
      opt('s', 'rr'),
      opt('pe', ''),
      END,
    ]);
  });
  test('--list finds the L row first', () => {
    expect(drain(['--list']).events).toEqual([opt('L'), END]);
  });
  test('no abbreviations of long options', () => {
    expect(drain(['--tcp', 'x'])).toMatchObject({ events: [{ kind: 'error', code: POPT_ERROR.BADOPT }], bad: '--tcp' });
  });
  test('single-dash words are short clusters, never long names', () => {
    expect(drain(['-list']).events).toEqual([opt('l'), opt('i'), opt('s', 't'), END]);
    expect(drain(['-Lq'])).toMatchObject({ events: [opt('L'), { kind: 'error', code: POPT_ERROR.BADOPT }], bad: '-Lq' });
  });
  test('optional argument: taken unless the next word starts with -', () => {
    expect(drain(['-p', '60']).events).toEqual([opt('p', '60'), END]);
    expect(drain(['-p', '-s', 'rr']).events).toEqual([opt('p', null), opt('s', 'rr'), END]);
    expect(drain(['-p']).events).toEqual([opt('p', null), END]);
    expect(drain(['-p', '-']).events).toEqual([opt('p', null), END]);
  });
  test('required argument: the next word whatever it is, else missing argument', () => {
    expect(drain(['-t', '-s']).events).toEqual([opt('t', '-s'), END]);
    expect(drain(['-s'])).toMatchObject({ events: [{ kind: 'error', code: POPT_ERROR.NOARG }], bad: '-s' });
    expect(drain(['-6x'])).toMatchObject({ events: [opt('6'), { kind: 'error', code: POPT_ERROR.NOARG }], bad: '-6x' });
  });
  test('an argument to an option without one', () => {
    expect(drain(['--list=3'])).toMatchObject({ events: [{ kind: 'error', code: POPT_ERROR.UNWANTEDARG }] });
    expect(drain(['-L=3'])).toMatchObject({ events: [{ kind: 'error', code: POPT_ERROR.UNWANTEDARG }] });
    expect(drain(['--list='])).toMatchObject({ events: [{ kind: 'error', code: POPT_ERROR.UNWANTEDARG }] });
  });
  test('non-options are set aside, "--" ends options, "-" is a non-option', () => {
    expect(drain(['a', '-L', 'b', '-', '--', '-n'])).toEqual({ events: [opt('L'), END], leftovers: ['a', 'b', '-', '-n'] });
  });
  test('POSIXLY_CORRECT stops at the first non-option', () => {
    expect(drain(['-L', 'a', '-n'], true)).toEqual({ events: [opt('L'), END], leftovers: ['a', '-n'] });
  });
  test('"!#:+" takes the next unused non-option word', () => {
    expect(drain(['-t', 'x!#:+y', 'mid', '-n'])).toEqual({ events: [opt('t', 'xmidy'), opt('n'), END], leftovers: [] });
    expect(drain(['-t', '!#:+'])).toEqual({ events: [opt('t', '!#:+'), END], leftovers: [] });
  });
  test('badOption is the word consumed last (the argument, after one was consumed)', () => {
    const p = new Popt(['prog', '--start-daemon', 'master'], OPTION_TABLE);
    p.nextOpt();
    expect(p.badOption()).toBe('master');
  });
  test('error texts', () => {
    expect(poptStrerror(POPT_ERROR.NOARG)).toBe('missing argument');
    expect(poptStrerror(POPT_ERROR.BADOPT)).toBe('unknown option');
    expect(poptStrerror(POPT_ERROR.UNWANTEDARG)).toBe('option does not take an argument');
  });
});
