/**
 * User lookup for exec checks: /etc/passwd first, then `getent passwd` (NSS: LDAP, sssd...). Node has no
 * getpwnam; the account's primary group is used (supplementary groups are dropped when switching user).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** An account an exec check can run as. */
export interface UserAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Parses one passwd(5) line for `name`; undefined when it is not that user's line or is malformed. */
export function parsePasswdLine(line: string, name: string): UserAccount | undefined {
  const f = line.split(':');
  if (f.length < 7 || f[0] !== name) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) return undefined;
  return { name, uid, gid, home: f[5] ?? '/' };
}

function getent(name: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('getent', ['passwd', name], { timeout: 2000, env: { PATH: '/usr/bin:/bin' } }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

/** Looks up `name`; undefined when no such user exists. */
export async function lookupUser(name: string): Promise<UserAccount | undefined> {
  let text = '';
  try {
    text = await readFile('/etc/passwd', 'utf8');
  } catch {
    // fall through to NSS
  }
  for (const line of text.split('\n')) {
    const u = parsePasswdLine(line, name);
    if (u) return u;
  }
  return parsePasswdLine((await getent(name)).trim(), name);
}
