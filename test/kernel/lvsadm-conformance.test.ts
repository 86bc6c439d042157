/**
 * Conformance of lvsadm with ipvsadm 1.31 on a real kernel: every sequence of conformance/
 * sequences.json runs through the real ipvsadm and through lvsadm (dist/src/cli/lvsadm.cjs, as
 * `npm run build` makes it), each in a fresh network namespace, via conformance/runner.mjs. For
 * every command, stdout, stderr and the exit status must be the same byte for byte, and so must
 * the kernel state each run leaves (read with the real ipvsadm: `-S -n`, `-L -n`, `-L --daemon`,
 * `-L --timeout`).
 *
 * The only differences allowed are lvsadm's documented `-R` behaviours, and each is asserted to
 * the byte: a sequence marked `difference: "restore-whole-input"` (lvsadm parses the whole input
 * first; on a line ipvsadm would reject it applies nothing and prints `line N: <ipvsadm's
 * message>` and `restore aborted: nothing was applied`, where ipvsadm has applied the lines before)
 * or `"restore-line-numbers"` (kernel errors during -R are prefixed `line N: `) gives the expected
 * lvsadm output of its -R commands (`lvsadm: {stdout?, stderr?, status?}`) and, for the former, the
 * expected kernel state (`lvsadmState`). Every other field must still match ipvsadm's.
 *
 *   npm run build && bash scripts/test.sh conformance
 *   (or: bash scripts/kernel-lab.sh run --timeout 2700 -- node_modules/.bin/vitest run --project conformance)
 *
 * Environment: LVSADM=path tests another lvsadm build; CONFORMANCE_ONLY=name,name runs some
 * sequences only; CONFORMANCE_JOBS=n sets the parallelism (default 3). In the kernel lab the raw
 * report is also written to $LVSD_KERNEL_LAB_OUT/lvsadm-conformance.json.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./conformance/', import.meta.url));
const LVSADM = process.env.LVSADM ?? `${ROOT}dist/src/cli/lvsadm.cjs`;
const ONLY = process.env.CONFORMANCE_ONLY?.split(',').filter((s) => s !== '');
const JOBS = process.env.CONFORMANCE_JOBS ?? '3';

/** A command line (split on blanks), an argument vector, one with its stdin, or a bash step (traffic) run alike for both. */
type Command = string | string[] | { args: string | string[]; stdin?: string; lvsadm?: Partial<Outcome> } | { shell: string };
type Difference = 'restore-whole-input' | 'restore-line-numbers';
interface Sequence {
  name: string;
  note?: string;
  setup?: string[];
  commands: Command[];
  difference?: Difference;
  lvsadmState?: Partial<State>;
}
interface Outcome {
  stdout: string;
  stderr: string;
  status: number;
}
interface State {
  save: string;
  list: string;
  daemon: string;
  timeout: string;
}
interface ToolRun {
  commands?: (Outcome & { args: string[] })[];
  state?: State;
  error?: string;
  ms?: number;
}
interface Report {
  ms: number;
  sequences: { name: string; tools: { ipvsadm?: ToolRun; lvsadm?: ToolRun } }[];
}

const { sequences } = JSON.parse(readFileSync(`${HERE}sequences.json`, 'utf8')) as { sequences: Sequence[] };
const selected = sequences.filter((s) => !ONLY || ONLY.includes(s.name));

function argvOf(c: Command): string[] {
  if (typeof c === 'object' && 'shell' in c) return ['bash', '-c', c.shell];
  const args = typeof c === 'object' && !Array.isArray(c) ? c.args : c;
  return typeof args === 'string' ? args.split(/\s+/).filter((w) => w !== '') : args;
}

/** The newest modification time of the lvsadm sources (ms). */
function newestSource(): { path: string; mtime: number } {
  let newest = { path: '', mtime: 0 };
  const visit = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e));
    } else if (p.endsWith('.ts') && st.mtimeMs > newest.mtime) {
      newest = { path: p, mtime: st.mtimeMs };
    }
  };
  for (const p of ['src/lvsadm', 'src/ipvs', 'src/netlink', 'src/cli/lvsadm.ts', 'src/errors.ts']) visit(`${ROOT}${p}`);
  return newest;
}

function runRunner(out: string): Promise<void> {
  const args = [`${HERE}runner.mjs`, '--lvsadm', LVSADM, '--out', out, '--jobs', JOBS];
  if (ONLY) args.push('--only', ONLY.join(','));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        console.log(output.trim());
        resolve();
      } else {
        reject(new Error(`conformance runner exited ${code}: ${output}`));
      }
    });
  });
}

let report: Report;
let dir: string;

beforeAll(async () => {
  if (!process.env.LVSADM) {
    const built = statSync(LVSADM, { throwIfNoEntry: false });
    if (!built) throw new Error(`${LVSADM} is missing: run \`npm run build\` first`);
    const src = newestSource();
    if (src.mtime > built.mtimeMs) throw new Error(`${LVSADM} is older than ${src.path}: run \`npm run build\` first`);
  }
  dir = mkdtempSync(join(tmpdir(), 'lvsadm-conformance-'));
  await runRunner(`${dir}/report.json`);
  report = JSON.parse(readFileSync(`${dir}/report.json`, 'utf8')) as Report;
  // In the kernel lab, the raw report is kept in the writable share for a closer look.
  if (process.env.LVSD_KERNEL_LAB_OUT) copyFileSync(`${dir}/report.json`, `${process.env.LVSD_KERNEL_LAB_OUT}/lvsadm-conformance.json`);
}, 2_400_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lvsadm against ipvsadm 1.31, sequence by sequence', () => {
  it('has at least 60 sequences with unique names', () => {
    expect(sequences.length).toBeGreaterThanOrEqual(60);
    expect(new Set(sequences.map((s) => s.name)).size).toBe(sequences.length);
  });

  for (const seq of selected) {
    it(seq.name, () => {
      const result = report.sequences.find((s) => s.name === seq.name);
      const ref = result?.tools.ipvsadm;
      const ours = result?.tools.lvsadm;
      expect(ref?.error, 'runner failed with ipvsadm').toBeUndefined();
      expect(ours?.error, 'runner failed with lvsadm').toBeUndefined();
      if (!ref?.commands || !ref.state || !ours?.commands || !ours.state) throw new Error('incomplete report');
      if (seq.difference !== undefined) {
        expect(['restore-whole-input', 'restore-line-numbers']).toContain(seq.difference);
      }
      seq.commands.forEach((command, i) => {
        const args = argvOf(command);
        const want: Outcome & { args: string[] } = { ...ref.commands![i]!, args };
        const override = typeof command === 'object' && 'lvsadm' in command ? command.lvsadm : undefined;
        if (override) {
          // An allowed difference: only on -R, only in a sequence that declares it, and a real one.
          expect(seq.difference, `${args.join(' ')}: an lvsadm override needs a declared difference`).toBeDefined();
          expect(args[0] === '-R' || args[0] === '--restore', 'overrides are for -R only').toBe(true);
          const differs = (Object.keys(override) as (keyof Outcome)[]).some((k) => override[k] !== want[k]);
          expect(differs, `${args.join(' ')}: the override equals ipvsadm's output (stale?)`).toBe(true);
          Object.assign(want, override);
        }
        const got = ours.commands![i]!;
        expect({ args, stdout: got.stdout, stderr: got.stderr, status: got.status }, `command ${i + 1}: ipvsadm ${args.join(' ')}`).toEqual(
          {
            args,
            stdout: want.stdout,
            stderr: want.stderr,
            status: want.status,
          },
        );
      });
      const wantState: State = { ...ref.state };
      if (seq.lvsadmState) {
        expect(seq.difference, 'only a whole-input restore difference changes the state').toBe('restore-whole-input');
        Object.assign(wantState, seq.lvsadmState);
      }
      expect(ours.state, 'kernel state after the sequence').toEqual(wantState);
      if (seq.difference !== undefined) {
        expect(
          seq.commands.some((c) => typeof c === 'object' && 'lvsadm' in c && c.lvsadm !== undefined),
          'a declared difference must say what lvsadm prints',
        ).toBe(true);
      }
    });
  }
});

/** ipvsadm 1.31's options, every spelling; the sequences must use each at least once. */
const SHORT_WITH_ARG = new Set(['t', 'u', 'f', 's', 'M', 'r', 'w', 'x', 'y', 'b']);
const SPELLINGS = [
  ...'-A -E -D -C -L -l -Z -a -e -d -h -v -R -S -t -u -f -s -p -M -r -m -i -g -w -x -y -n -c -X -6 -o -b'.split(' '),
  ...[
    'add-service',
    'edit-service',
    'delete-service',
    'clear',
    'list',
    'zero',
    'add-server',
    'edit-server',
    'delete-server',
    'set',
    'help',
    'version',
    'restore',
    'save',
    'start-daemon',
    'stop-daemon',
    'tcp-service',
    'udp-service',
    'sctp-service',
    'fwmark-service',
    'scheduler',
    'persistent',
    'netmask',
    'real-server',
    'masquerading',
    'ipip',
    'gatewaying',
    'weight',
    'u-threshold',
    'l-threshold',
    'numeric',
    'connection',
    'mcast-interface',
    'syncid',
    'timeout',
    'daemon',
    'stats',
    'rate',
    'thresholds',
    'persistent-conn',
    'nosort',
    'sort',
    'exact',
    'ipv6',
    'ops',
    'pe',
    'sched-flags',
    'mcast-group',
    'mcast-port',
    'mcast-ttl',
    'sync-maxlen',
    'tun-info',
    'tun-type',
    'tun-port',
    'tun-nocsum',
    'tun-csum',
    'tun-remcsum',
  ].map((l) => `--${l}`),
];

/** The option spellings an argument vector uses (short clusters split, "--x=v" cut at '='). */
function spellings(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of argv) {
    if (w.startsWith('--') && w.length > 2) out.push(w.split('=')[0]!);
    else if (w.startsWith('-') && w.length > 1) {
      for (const ch of w.slice(1)) {
        out.push(`-${ch}`);
        if (SHORT_WITH_ARG.has(ch) || ch === 'p') break;
      }
    }
  }
  return out;
}

describe('coverage of the sequences', () => {
  it('uses every ipvsadm option, short and long, on the command line or in -R input', () => {
    const used = new Set<string>();
    for (const seq of sequences) {
      for (const c of seq.commands) {
        if (typeof c === 'object' && 'shell' in c) continue;
        for (const s of spellings(argvOf(c))) used.add(s);
        const stdin = typeof c === 'object' && 'stdin' in c ? c.stdin : undefined;
        for (const line of stdin?.split('\n') ?? []) for (const s of spellings(line.split(/[ \t\r]+/))) used.add(s);
      }
    }
    expect(SPELLINGS.filter((s) => !used.has(s))).toEqual([]);
  });
});
