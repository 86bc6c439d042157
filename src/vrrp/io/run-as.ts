/**
 * Running notify programs and vrrp_script checks as a configured user (keepalived `script_user` and a script's
 * `user`): the name is looked up in /etc/passwd (src/passwd.ts), the child gets the user's uid and primary gid
 * (Node's spawn then clears the supplementary groups, as keepalived's setgroups(1, &gid) does) and runs in `/`.
 * Everything is spawned with argv, never through a shell.
 *
 * As keepalived, a user that is the daemon's own is not switched to (no setuid needed), and without a configured
 * user the scripts run as the daemon's user (keepalived would first try a `keepalived_script` user; lvsd does not,
 * and `lvsd run` warns when that means root).
 */
import { type ChildProcess, type SpawnOptions, spawn as nodeSpawn } from 'node:child_process';
import type { Logger } from '../../logger.js';
import { findUser, PasswdUsers, UnknownUserError } from '../../passwd.js';

export { type PasswdEntry, parsePasswd } from '../../passwd.js';

/** The identity a script runs with. */
export interface ScriptCredentials {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
}

/** The credentials of `user` in a passwd text, or undefined when it has no entry (the first entry wins). */
export function lookupUser(user: string, passwdText: string): ScriptCredentials | undefined {
  const e = findUser(user, passwdText);
  return e !== undefined ? { user, uid: e.uid, gid: e.gid } : undefined;
}

/**
 * Resolves script users against /etc/passwd (read once per resolver). Throws an UnknownUserError naming the user
 * when one is not there: the caller refuses to start rather than run a script as someone else.
 */
export class UserResolver {
  readonly #users: PasswdUsers;

  constructor(readPasswd?: () => string) {
    this.#users = new PasswdUsers(readPasswd);
  }

  resolve(user: string): ScriptCredentials {
    const e = this.#users.find(user);
    if (e === undefined) throw new UnknownUserError(user, `script user '${user}' does not exist (not in /etc/passwd)`);
    return { user, uid: e.uid, gid: e.gid };
  }
}

/** The spawn options that make a child run as `creds` (nothing when it is the daemon's own identity). */
export function credentialOptions(
  creds: ScriptCredentials | undefined,
  self: { readonly uid: number; readonly gid: number } = { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 },
): Pick<SpawnOptions, 'uid' | 'gid' | 'cwd'> {
  if (creds === undefined || (creds.uid === self.uid && creds.gid === self.gid)) return {};
  return { uid: creds.uid, gid: creds.gid, cwd: '/' };
}

/** How a child is started (Node's spawn; injectable for tests). */
export type SpawnFn = (cmd: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Spawns argv (no shell) as `creds`, with the given stdio / signal options. Undefined for an empty argv. */
export function spawnAs(
  argv: readonly string[],
  creds: ScriptCredentials | undefined,
  options: SpawnOptions,
  spawn: SpawnFn = nodeSpawn as SpawnFn,
): ChildProcess | undefined {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return undefined;
  return spawn(cmd, args, { ...options, ...credentialOptions(creds), shell: false });
}

/** Runs a vrrp_script once: true when it exits 0. Aborting the signal kills it (SIGKILL). */
export function runCheckScript(
  argv: readonly string[],
  creds: ScriptCredentials | undefined,
  signal: AbortSignal,
  spawn?: SpawnFn,
): Promise<boolean> {
  return new Promise((resolve) => {
    let child: ChildProcess | undefined;
    try {
      child = spawnAs(argv, creds, { stdio: 'ignore', signal, killSignal: 'SIGKILL' }, spawn);
    } catch {
      child = undefined;
    }
    if (child === undefined) {
      resolve(false);
      return;
    }
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs a notify program without waiting for it; failures to start or non-zero exits are logged (as warnings). */
export function runNotify(argv: readonly string[], creds: ScriptCredentials | undefined, log: Pick<Logger, 'warn'>, spawn?: SpawnFn): void {
  let child: ChildProcess | undefined;
  try {
    child = spawnAs(argv, creds, { stdio: 'ignore' }, spawn);
  } catch (err) {
    log.warn({ argv, err: String(err) }, 'notify script failed to start');
    return;
  }
  if (child === undefined) return;
  child.on('error', (err) => log.warn({ argv, err: String(err) }, 'notify script failed to start'));
  child.on('exit', (code, signal) => {
    if (code !== 0) log.warn({ argv, code, signal }, 'notify script failed');
  });
}
