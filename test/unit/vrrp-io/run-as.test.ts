/** Scripts as a configured user: passwd lookup, and the uid/gid (no shell) that spawn is given. */
import { EventEmitter } from 'node:events';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../../../src/logger.js';
import { UnknownUserError } from '../../../src/passwd.js';
import {
  UserResolver,
  credentialOptions,
  lookupUser,
  parsePasswd,
  runCheckScript,
  runNotify,
  spawnAs,
  type SpawnFn,
} from '../../../src/vrrp/io/run-as.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
broken line
bad:x:notanumber:1::/:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
keepalived_script:x:998:997::/home/ks:/bin/false
nobody:x:1:1:second entry ignored:/:/bin/false
`;

/** A fake spawn recording its calls; the child exits with `code` on the next tick (or errors). */
function fakeSpawn(code: number | 'error' = 0) {
  const calls: { cmd: string; args: readonly string[]; options: SpawnOptions }[] = [];
  const spawn: SpawnFn = (cmd, args, options) => {
    calls.push({ cmd, args, options });
    const child = new EventEmitter() as ChildProcess;
    setImmediate(() => (code === 'error' ? child.emit('error', new Error('ENOENT')) : child.emit('exit', code, null)));
    return child;
  };
  return { spawn, calls };
}

describe('passwd lookup', () => {
  it('parses passwd(5) lines, skipping comments and malformed ones', () => {
    expect(parsePasswd(PASSWD).map((e) => e.name)).toEqual(['root', 'daemon', 'nobody', 'keepalived_script', 'nobody']);
  });

  it('finds a user by name (first entry wins), or nothing', () => {
    expect(lookupUser('nobody', PASSWD)).toEqual({ user: 'nobody', uid: 65534, gid: 65534 });
    expect(lookupUser('keepalived_script', PASSWD)).toEqual({ user: 'keepalived_script', uid: 998, gid: 997 });
    expect(lookupUser('nosuch', PASSWD)).toBeUndefined();
    expect(lookupUser('bad', PASSWD)).toBeUndefined();
  });

  it('the resolver reads the file once and refuses unknown users', () => {
    let reads = 0;
    const r = new UserResolver(() => {
      reads++;
      return PASSWD;
    });
    expect(r.resolve('daemon')).toEqual({ user: 'daemon', uid: 1, gid: 1 });
    expect(r.resolve('nobody').uid).toBe(65534);
    expect(() => r.resolve('ghost')).toThrow(UnknownUserError);
    expect(() => r.resolve('ghost')).toThrow("script user 'ghost' does not exist (not in /etc/passwd)");
    expect(reads).toBe(1);
  });

  it('reads the real /etc/passwd by default (root is always there)', () => {
    expect(new UserResolver().resolve('root')).toEqual({ user: 'root', uid: 0, gid: 0 });
  });
});

describe('spawning as a user', () => {
  const nobody = { user: 'nobody', uid: 65534, gid: 65534 };

  it('sets uid, gid and cwd / for another user; nothing for none or our own identity', () => {
    expect(credentialOptions(nobody, { uid: 0, gid: 0 })).toEqual({ uid: 65534, gid: 65534, cwd: '/' });
    expect(credentialOptions(undefined, { uid: 0, gid: 0 })).toEqual({});
    expect(credentialOptions({ user: 'root', uid: 0, gid: 0 }, { uid: 0, gid: 0 })).toEqual({});
  });

  it('spawns argv without a shell, with the credentials', () => {
    const f = fakeSpawn();
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const other = { user: 'x', uid: self.uid + 1, gid: self.gid + 1 };
    spawnAs(['/usr/bin/logger', '-t', 'lvsd', 'a b'], other, { stdio: 'ignore' }, f.spawn);
    expect(f.calls).toEqual([
      {
        cmd: '/usr/bin/logger',
        args: ['-t', 'lvsd', 'a b'],
        options: { stdio: 'ignore', uid: self.uid + 1, gid: self.gid + 1, cwd: '/', shell: false },
      },
    ]);
    expect(spawnAs([], other, {}, f.spawn)).toBeUndefined();
    expect(f.calls).toHaveLength(1);
  });

  it('a vrrp_script run gets the uid/gid, the abort signal and SIGKILL; exit 0 is success', async () => {
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const other = { user: 'x', uid: self.uid + 7, gid: self.gid + 9 };
    const ok = fakeSpawn(0);
    const ac = new AbortController();
    expect(await runCheckScript(['/bin/check', '--fast'], other, ac.signal, ok.spawn)).toBe(true);
    expect(ok.calls[0]?.options).toMatchObject({
      uid: self.uid + 7,
      gid: self.gid + 9,
      signal: ac.signal,
      killSignal: 'SIGKILL',
      shell: false,
    });
    expect(await runCheckScript(['/bin/check'], undefined, ac.signal, fakeSpawn(3).spawn)).toBe(false);
    expect(await runCheckScript(['/bin/check'], undefined, ac.signal, fakeSpawn('error').spawn)).toBe(false);
    expect(await runCheckScript([], undefined, ac.signal, ok.spawn)).toBe(false);
  });

  it('a notify run gets the uid/gid and logs a failure', async () => {
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const other = { user: 'x', uid: self.uid + 1, gid: self.gid };
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o, m) => warnings.push(m) };
    const f = fakeSpawn(1);
    runNotify(['/bin/notify', 'MASTER'], other, log, f.spawn);
    expect(f.calls[0]).toMatchObject({ cmd: '/bin/notify', args: ['MASTER'], options: { uid: self.uid + 1, gid: self.gid, shell: false } });
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual(['notify script failed']);
  });

  it('really runs a program (as ourselves) and reports its exit status', async () => {
    const ac = new AbortController();
    expect(await runCheckScript(['/bin/true'], undefined, ac.signal)).toBe(true);
    expect(await runCheckScript(['/bin/false'], undefined, ac.signal)).toBe(false);
    expect(await runCheckScript(['/nonexistent/program'], undefined, ac.signal)).toBe(false);
  });
});
