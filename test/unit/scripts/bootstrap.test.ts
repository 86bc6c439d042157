/**
 * Every command that a test or a script starts must be installed by the project's own files:
 * scripts/bootstrap.sh's package map, or what every Debian system and the project itself already
 * bring (coreutils, bash, node and the project's npm tools). This scans the argv heads of the
 * process starts in test/ and scripts/ and names any command nothing installs.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

/** Commands of Debian's essential set (coreutils, bash, libc-bin, util-linux) and of the project. */
const ALWAYS_THERE = new Set('sh bash cat mkdir pwd sleep timeout kill env getent nsenter true false'.split(' '));
const PROJECT_TOOLS = new Set(['node', 'npx', 'npm', 'tsc', 'lvsd', 'lvsadm']);

/** The command names (keys that are not paths) of bootstrap.sh's `wanted` map. */
function bootstrapCommands(): Set<string> {
  const text = readFileSync(join(ROOT, 'scripts/bootstrap.sh'), 'utf8');
  const map = /declare -A wanted=\(([\s\S]*?)\n\)/.exec(text);
  if (!map?.[1]) throw new Error('scripts/bootstrap.sh: no `declare -A wanted=(...)` map');
  return new Set([...map[1].matchAll(/\[([^\]/]+)\]=/g)].map((m) => m[1] as string));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'fixtures' ? [] : sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

/** `exec('d1', ['cmd', …])` (a command in a lab host) or `spawn('cmd', [args])`: which is the command is decided below. */
const HOST_OR_COMMAND = /\b(?:exec|spawn|nsRun|nsSpawn)\(\s*['"]([\w-]+)['"],\s*\[\s*['"]([\w./-]+)['"]/g;
/** `execFileSync('cmd', …)` and the like: the first argument is the command. */
const COMMAND_FIRST = /\b(?:execFile|execFileSync|execFileP|spawnSync|run|must|sh)\(\s*['"]([\w./-]+)['"]/g;

/** The command each process start in a file names. */
function startedCommands(text: string, known: (command: string) => boolean): string[] {
  const found = [...text.matchAll(COMMAND_FIRST)].map((m) => m[1] as string);
  for (const m of text.matchAll(HOST_OR_COMMAND)) {
    const [first, head] = [m[1] as string, m[2] as string];
    found.push(head.startsWith('-') || known(first) ? first : head);
  }
  // Paths (the project's own files, /bin/echo in a fixture) are not looked up on PATH.
  return found.filter((c) => !c.includes('/'));
}

describe('bootstrap installs every command the tests and scripts start', () => {
  const installed = bootstrapCommands();
  const files = [...sourceFiles(join(ROOT, 'test')), ...sourceFiles(join(ROOT, 'scripts'))];

  const known = (c: string) => installed.has(c) || ALWAYS_THERE.has(c) || PROJECT_TOOLS.has(c);

  it('finds process starts to check (the scan itself works)', () => {
    expect(installed.has('socat')).toBe(true);
    expect(startedCommands(`lab.exec('client', ['socat', '-T2'])`, known)).toEqual(['socat']);
    expect(startedCommands(`spawn('ip', ['netns', 'add'])`, known)).toEqual(['ip']);
    expect(startedCommands(`spawn('weird', ['-x'])`, known)).toEqual(['weird']);
    expect(startedCommands(`execFileSync('cc', ['-shared'])`, known)).toEqual(['cc']);
    const all = files.flatMap((f) => startedCommands(readFileSync(f, 'utf8'), known));
    expect(all.length).toBeGreaterThan(20);
  });

  it('names no command that nothing installs', () => {
    const missing: string[] = [];
    for (const file of files) {
      if (file.endsWith('bootstrap.test.ts')) continue;
      for (const command of startedCommands(readFileSync(file, 'utf8'), known)) {
        if (!known(command)) missing.push(`${relative(ROOT, file)}: ${command}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
