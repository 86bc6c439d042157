/**
 * User accounts by name, from passwd(5) text (Node has no getpwnam): one parser for every caller, a synchronous
 * lookup over /etc/passwd read once, for users resolved at start (VRRP scripts and notify programs), and an
 * asynchronous one that falls back to `getent passwd` (NSS: LDAP, sssd...), for exec checks.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LvsdError } from './errors.js';

/** An account, as far as running a program as it needs: its ids, primary group and home directory. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

const DECIMAL = /^\d+$/;

/**
 * One passwd(5) line, `name:password:uid:gid:gecos:home:shell`; undefined for a blank line, a comment, or a line
 * without a name and decimal uid and gid. A missing or empty home is `/`.
 */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  if (line.startsWith('#')) return undefined;
  const [name, , uid, gid, , home] = line.split(':');
  if (!name || uid === undefined || gid === undefined || !DECIMAL.test(uid) || !DECIMAL.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), home: home || '/' };
}

/** The entries of a passwd(5) text, in order; lines that are not entries are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parsePasswdLine(line);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

/** The entry of `name` in a passwd(5) text (the first, as getpwnam takes), or undefined. */
export function findUser(name: string, passwdText: string): PasswdEntry | undefined {
  return parsePasswd(passwdText).find((e) => e.name === name);
}

/** A user that has no account. */
export class UnknownUserError extends LvsdError {
  constructor(
    readonly user: string,
    message = `user '${user}' does not exist (not in /etc/passwd)`,
  ) {
    super('EUSER', message);
  }
}

/** Reads /etc/passwd synchronously. */
export const readSystemPasswd = (): string => readFileSync('/etc/passwd', 'utf8');

/** The accounts of /etc/passwd, read (synchronously) at the first lookup and kept. */
export class PasswdUsers {
  #byName: Map<string, PasswdEntry> | undefined;

  constructor(readonly readPasswd: () => string = readSystemPasswd) {}

  /** The account named `name`, or undefined. */
  find(name: string): PasswdEntry | undefined {
    if (this.#byName === undefined) {
      this.#byName = new Map();
      for (const e of parsePasswd(this.readPasswd())) if (!this.#byName.has(e.name)) this.#byName.set(e.name, e);
    }
    return this.#byName.get(name);
  }
}

/** Where `lookupAccount` looks: the passwd file, then NSS. */
export interface AccountSources {
  /** The text of /etc/passwd (a rejection counts as empty). */
  readonly readPasswd: () => Promise<string>;
  /** `getent passwd NAME`'s output, empty when it finds nothing or fails. */
  readonly getent: (name: string) => Promise<string>;
}

/** The system's sources: /etc/passwd read afresh, and getent with a 2 s timeout. */
export const systemAccountSources: AccountSources = {
  readPasswd: () => readFile('/etc/passwd', 'utf8'),
  getent: (name) =>
    new Promise((resolve) => {
      execFile('getent', ['passwd', name], { timeout: 2000, env: { PATH: '/usr/bin:/bin' } }, (err, stdout) => resolve(err ? '' : stdout));
    }),
};

/** Looks `name` up in /etc/passwd, then through `getent passwd`; undefined when neither knows it. */
export async function lookupAccount(name: string, sources: AccountSources = systemAccountSources): Promise<PasswdEntry | undefined> {
  const text = await sources.readPasswd().catch(() => '');
  const local = findUser(name, text);
  if (local !== undefined) return local;
  return findUser(name, await sources.getent(name));
}
