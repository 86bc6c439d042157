/** Accounts by name: the passwd(5) parser, the synchronous lookup over a file read once, and the NSS fallback. */
import { describe, expect, it } from 'vitest';
import {
  type AccountSources,
  findUser,
  lookupAccount,
  PasswdUsers,
  parsePasswd,
  parsePasswdLine,
  UnknownUserError,
} from '../../src/passwd.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
broken line
bad:x:notanumber:1::/:/bin/false
:x:5:5::/:/bin/false
nohome:x:7:7:::/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
nobody:x:1:1:second entry ignored:/:/bin/false
`;

describe('parsePasswdLine', () => {
  it('takes name, uid, gid and home; a missing or empty home is /', () => {
    expect(parsePasswdLine('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin')).toEqual({
      name: 'nobody',
      uid: 65534,
      gid: 65534,
      home: '/nonexistent',
    });
    expect(parsePasswdLine('nohome:x:7:7:::/bin/false')).toMatchObject({ home: '/' });
    expect(parsePasswdLine('short:x:8:9')).toEqual({ name: 'short', uid: 8, gid: 9, home: '/' });
  });

  it('skips blanks, comments, and lines without a name or decimal ids', () => {
    for (const line of ['', '# root:x:0:0::/:/bin/sh', 'broken line', 'bad:x:uid:1:::', 'bad:x:1:-1:::', ':x:5:5::/:/bin/false', 'x:y:1']) {
      expect(parsePasswdLine(line)).toBeUndefined();
    }
  });
});

describe('parsePasswd and findUser', () => {
  it('lists the entries in order', () => {
    expect(parsePasswd(PASSWD).map((e) => e.name)).toEqual(['root', 'daemon', 'nohome', 'nobody', 'nobody']);
  });

  it('finds the first entry of a name, or nothing', () => {
    expect(findUser('nobody', PASSWD)).toMatchObject({ uid: 65534, gid: 65534 });
    expect(findUser('nosuch', PASSWD)).toBeUndefined();
    expect(findUser('bad', PASSWD)).toBeUndefined();
  });
});

describe('PasswdUsers', () => {
  it('reads the file once, at the first lookup; the first entry of a name wins', () => {
    let reads = 0;
    const users = new PasswdUsers(() => {
      reads++;
      return PASSWD;
    });
    expect(reads).toBe(0);
    expect(users.find('daemon')).toEqual({ name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' });
    expect(users.find('nobody')?.uid).toBe(65534);
    expect(users.find('ghost')).toBeUndefined();
    expect(reads).toBe(1);
  });

  it('reads the real /etc/passwd by default (root is always there)', () => {
    expect(new PasswdUsers().find('root')).toMatchObject({ uid: 0, gid: 0 });
  });
});

describe('lookupAccount', () => {
  const sources = (passwd: string | Error, getent: Record<string, string> = {}) => {
    const asked: string[] = [];
    const s: AccountSources = {
      readPasswd: () => (passwd instanceof Error ? Promise.reject(passwd) : Promise.resolve(passwd)),
      getent: async (name) => {
        asked.push(name);
        return getent[name] ?? '';
      },
    };
    return { s, asked };
  };

  it('takes the passwd file first, without asking NSS', async () => {
    const { s, asked } = sources(PASSWD, { daemon: 'daemon:x:2:2::/elsewhere:/bin/sh\n' });
    expect(await lookupAccount('daemon', s)).toEqual({ name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' });
    expect(asked).toEqual([]);
  });

  it('falls back to getent when the file has no entry or cannot be read', async () => {
    const ldap = { ldapuser: 'ldapuser:*:10001:10001:LDAP:/home/ldapuser:/bin/bash\n' };
    expect(await lookupAccount('ldapuser', sources(PASSWD, ldap).s)).toEqual({
      name: 'ldapuser',
      uid: 10001,
      gid: 10001,
      home: '/home/ldapuser',
    });
    expect(await lookupAccount('ldapuser', sources(new Error('EACCES'), ldap).s)).toMatchObject({ uid: 10001 });
  });

  it('is undefined when neither knows the name (or getent answers for another)', async () => {
    expect(await lookupAccount('ghost', sources(PASSWD).s)).toBeUndefined();
    expect(await lookupAccount('ghost', sources(PASSWD, { ghost: 'other:x:3:3::/:/bin/sh\n' }).s)).toBeUndefined();
  });

  it('finds root on this system', async () => {
    expect(await lookupAccount('root')).toMatchObject({ uid: 0, gid: 0 });
  });
});

describe('UnknownUserError', () => {
  it('is an LvsdError with code EUSER that names the user', () => {
    const e = new UnknownUserError('ghost');
    expect([e.code, e.user, e.message]).toEqual(['EUSER', 'ghost', "user 'ghost' does not exist (not in /etc/passwd)"]);
  });
});
