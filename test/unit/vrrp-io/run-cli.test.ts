import { afterEach, describe, expect, it, vi } from 'vitest';
import { interfaceAddress, runRun } from '../../../src/cli/run.js';

describe('lvsd run: command line', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints its usage with --help and fails with status 2 without -c', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runRun(['--help'])).toBe(0);
    expect(String(out.mock.calls[0]?.[0])).toContain('Usage: lvsd run -c FILE');
    expect(await runRun([])).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toContain('missing -c FILE');
    expect(await runRun(['-c', 'x.yaml', 'extra'])).toBe(2);
  });

  it('fails with status 1 on an unreadable config', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runRun(['-c', '/nonexistent/lvsd.yaml'])).toBe(1);
  });
});

describe('interfaceAddress', () => {
  it('takes the first address of the family that is not a virtual one', () => {
    expect(interfaceAddress('lo', 'ipv4', [])).toBe('127.0.0.1');
    expect(interfaceAddress('lo', 'ipv4', ['127.0.0.1'])).toBeUndefined();
    expect(interfaceAddress('no-such-if0', 'ipv4', [])).toBeUndefined();
  });

  it('takes only a link-local address for IPv6 (RFC 5798 5.1.2.1)', () => {
    // lo has ::1 but no link-local address
    expect(interfaceAddress('lo', 'ipv6', [])).toBeUndefined();
  });
});
