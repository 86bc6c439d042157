/**
 * Command-line parsing with ipvsadm 1.31's exact semantics (parse_options + process_options'
 * checks): the first option must be a command, every later option is handled left to right
 * (so order matters: -6 after -f, -r after -t to inherit its port), each failure yields
 * ipvsadm's message and exit status. Host and service names go through the injected resolver.
 */
import { parseFwmark, parseNetmask, parseService, SERVICE_ADDR, type ServiceTarget } from './address.js';
import { inetPton4, inetPton6 } from './c/inet.js';
import { truncateBytes } from './c/printf.js';
import { atoi, stringToNumber } from './c/strtol.js';
import { type Exit, fail, helpExit, tryHelp, versionExit } from './messages.js';
import {
  AF_INET,
  AF_INET6,
  type CommandEntry,
  type CommandName,
  CONN_F,
  DEFAULT_PERSISTENT_TIMEOUT,
  emptyEntry,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MAX_TIMEOUT,
  type OptionName,
  STATE_BACKUP,
  STATE_MASTER,
  SVC_F,
} from './model.js';
import { OPTION_TABLE, type OptTag } from './option-table.js';
import { Popt, poptStrerror } from './popt.js';
import type { Resolver } from './resolver.js';
import { parseSchedFlags } from './sched-flags.js';
import { checkEntry } from './validate.js';

/** What parsing needs from the outside world. */
export interface ParseContext {
  /** argv[0] as ipvsadm prints it in "Try `%s -h'" and the usage text. */
  readonly program: string;
  readonly resolver: Resolver;
  /** POSIXLY_CORRECT or POSIX_ME_HARDER is set: option processing stops at the first non-option. */
  readonly posixMeHarder?: boolean;
}

/** A parsed, checked command, or the exit ipvsadm would take instead. */
export type ParseResult = { readonly kind: 'command'; readonly entry: CommandEntry } | Exit;

/** The exit of ipvsadm dereferencing strtok()'s NULL on a `-b` made only of commas (SIGSEGV). */
export const CRASH_EXIT: Exit = { kind: 'exit', stdout: '', stderr: '', status: 139 };

const FIRST_COMMANDS: Partial<Record<OptTag, CommandName>> = {
  A: 'add-service',
  E: 'edit-service',
  D: 'delete-service',
  a: 'add-server',
  e: 'edit-server',
  d: 'delete-server',
  C: 'flush',
  L: 'list',
  l: 'list',
  Z: 'zero',
  set: 'set',
  R: 'restore',
  S: 'save',
  'start-daemon': 'start-daemon',
  'stop-daemon': 'stop-daemon',
};

/** Thrown inside the option loop to leave with an Exit (ipvsadm calls exit() there). */
class ExitSignal {
  constructor(readonly exit: Exit) {}
}

function bail(message: string): never {
  throw new ExitSignal(fail(message));
}

function setOption(options: Set<OptionName>, option: OptionName): void {
  if (options.has(option)) bail(`multiple '${option}' options specified`);
  options.add(option);
}

function parseTimeout(buf: string | null, min: number, max: number): number {
  if (buf === null) return DEFAULT_PERSISTENT_TIMEOUT;
  const n = stringToNumber(buf, min, max);
  if (n === -1) bail(`invalid timeout value \`${buf}' specified`);
  return n;
}

function numberOrBail(buf: string, min: number, max: number, message: string): number {
  const n = stringToNumber(buf, min, max);
  if (n === -1) bail(message);
  return n;
}

const PROTOCOL_OF: Partial<Record<OptTag, number>> = { t: IPPROTO_TCP, u: IPPROTO_UDP, 'sctp-service': IPPROTO_SCTP };
const FLAG_OPTIONS: Partial<Record<OptTag, OptionName>> = {
  c: 'connection',
  timeout: 'timeout',
  daemon: 'daemon',
};
const FORMAT_OPTIONS: Partial<Record<OptTag, [OptionName, keyof CommandEntry['format']]>> = {
  n: ['numeric', 'numeric'],
  stats: ['stats', 'stats'],
  rate: ['rate', 'rate'],
  thresholds: ['thresholds', 'thresholds'],
  'persistent-conn': ['persistent-conn', 'persistentConn'],
  nosort: ['nosort', 'nosort'],
  X: ['exact', 'exact'],
  'tun-info': ['tun-info', 'tunInfo'],
};
const TUN_FLAG_OPTIONS: Partial<Record<OptTag, [OptionName, number]>> = {
  'tun-nocsum': ['tun-nocsum', 0],
  'tun-csum': ['tun-csum', 1],
  'tun-remcsum': ['tun-remcsum', 2],
};
const FORWARD_OPTIONS: Partial<Record<OptTag, number>> = { i: CONN_F.TUNNEL, g: CONN_F.DROUTE, m: CONN_F.MASQ };

/** Per-line parsing state beyond the command entry. */
interface LoopState {
  schedFlagsArg: string;
}

async function handleOption(
  tag: OptTag,
  arg: string | null,
  e: CommandEntry,
  st: LoopState,
  popt: Popt<OptTag>,
  ctx: ParseContext,
): Promise<void> {
  const { options, svc, dest, daemon, format } = e;
  const optarg = arg ?? '';
  const protocol = PROTOCOL_OF[tag];
  if (protocol !== undefined) {
    setOption(options, 'service-address');
    svc.protocol = protocol;
    if (!((await parseService(arg, svc, ctx.resolver)) & SERVICE_ADDR)) bail('illegal virtual server address[:port] specified');
    return;
  }
  const flag = FLAG_OPTIONS[tag];
  if (flag) return setOption(options, flag);
  const fmt = FORMAT_OPTIONS[tag];
  if (fmt) {
    setOption(options, fmt[0]);
    format[fmt[1]] = true;
    return;
  }
  const tunFlag = TUN_FLAG_OPTIONS[tag];
  if (tunFlag) {
    setOption(options, tunFlag[0]);
    dest.tunFlags |= tunFlag[1];
    return;
  }
  const fwd = FORWARD_OPTIONS[tag];
  if (fwd !== undefined) {
    setOption(options, 'forwarding-method');
    dest.connFlags = fwd;
    return;
  }
  switch (tag) {
    case 'f': {
      setOption(options, 'service-address');
      svc.af = AF_INET;
      svc.protocol = IPPROTO_TCP;
      const mark = parseFwmark(optarg);
      if (mark === undefined) bail(`invalid fwmark value \`${optarg}' specified`);
      svc.fwmark = mark;
      return;
    }
    case 's':
      setOption(options, 'scheduler');
      svc.schedName = truncateBytes(optarg, 15);
      return;
    case 'p':
      setOption(options, 'persistent');
      svc.flags |= SVC_F.PERSISTENT;
      svc.timeout = parseTimeout(arg, 1, MAX_TIMEOUT);
      return;
    case 'M':
      setOption(options, 'netmask');
      if (svc.af !== AF_INET6) {
        const mask = await parseNetmask(optarg, ctx.resolver);
        if (mask === undefined) bail('illegal virtual server persistent mask specified');
        svc.netmask = mask;
      } else {
        svc.netmask = atoi(optarg) >>> 0;
        if (svc.netmask < 1 || svc.netmask > 128) bail('illegal ipv6 netmask specified');
      }
      return;
    case 'r': {
      setOption(options, 'real-server');
      const t: ServiceTarget = { af: svc.af, protocol: svc.protocol, addr: svc.addr, port: svc.port, netmask: svc.netmask };
      const parsed = await parseService(arg, t, ctx.resolver);
      dest.af = t.af;
      dest.addr = t.addr;
      dest.port = t.port;
      if (!(parsed & SERVICE_ADDR)) bail('illegal real server address[:port] specified');
      if (parsed === SERVICE_ADDR) dest.port = svc.port;
      return;
    }
    case 'w':
      setOption(options, 'weight');
      // Debian's ipvsadm 1:1.31 (the reference binary) accepts 0..INT_MAX; upstream 1.31 stops at 65535.
      dest.weight = numberOrBail(optarg, 0, 0x7fffffff, 'illegal weight specified');
      return;
    case 'x':
      setOption(options, 'u-threshold');
      dest.uThreshold = numberOrBail(optarg, 0, 0x7fffffff, 'illegal u_threshold specified');
      return;
    case 'y':
      setOption(options, 'l-threshold');
      dest.lThreshold = numberOrBail(optarg, 0, 0x7fffffff, 'illegal l_threshold specified');
      return;
    case 'mcast-interface':
      setOption(options, 'mcast-interface');
      daemon.mcastIfn = truncateBytes(optarg, 15);
      return;
    case 'syncid':
      setOption(options, 'syncid');
      daemon.syncid = numberOrBail(optarg, 0, 255, 'illegal syncid specified');
      return;
    case 'sort':
      return;
    case '6':
      if (!svc.fwmark) bail('-6 used before -f\n');
      svc.af = AF_INET6;
      svc.netmask = 128;
      return;
    case 'o':
      setOption(options, 'ops');
      svc.flags |= SVC_F.ONEPACKET;
      return;
    case 'pe':
      setOption(options, 'pe');
      svc.peName = truncateBytes(optarg, 16);
      return;
    case 'b':
      setOption(options, 'sched-flags');
      st.schedFlagsArg = truncateBytes(optarg, 127);
      return;
    case 'mcast-group':
      setOption(options, 'mcast-group');
      parseMcastGroup(optarg, e);
      return;
    case 'mcast-port':
      setOption(options, 'mcast-port');
      daemon.mcastPort = numberOrBail(optarg, 1, 65535, 'illegal mcast-port specified');
      return;
    case 'mcast-ttl':
      setOption(options, 'mcast-ttl');
      daemon.mcastTtl = numberOrBail(optarg, 1, 255, 'illegal mcast-ttl specified');
      return;
    case 'sync-maxlen':
      setOption(options, 'sync-maxlen');
      daemon.syncMaxlen = numberOrBail(optarg, 1, 65535 - 20 - 8, 'illegal sync-maxlen specified');
      return;
    case 'tun-type': {
      setOption(options, 'tun-type');
      const type = ['ipip', 'gue', 'gre'].indexOf(optarg);
      if (type < 0) bail('illegal tunnel type specified');
      dest.tunType = type;
      return;
    }
    case 'tun-port':
      setOption(options, 'tun-port');
      dest.tunPort = numberOrBail(optarg, 1, 65535, 'illegal tunnel port specified');
      return;
    default:
      bail(`invalid option \`${popt.badOption()}'`);
  }
}

function parseMcastGroup(optarg: string, e: CommandEntry): void {
  const { daemon } = e;
  if (optarg.includes(':')) {
    const v6 = inetPton6(optarg);
    if (v6?.[0] !== 0xff) bail(`invalid IPv6 mcast-group \`${optarg}'`);
    daemon.mcastGroup = v6;
    daemon.mcastAf = AF_INET6;
  } else {
    const v4 = inetPton4(optarg);
    if (!v4 || ((v4[0] ?? 0) & 0xf0) !== 0xe0) bail(`invalid IPv4 mcast-group \`${optarg}'`);
    const g = new Uint8Array(16);
    g.set(v4);
    daemon.mcastGroup = g;
    daemon.mcastAf = AF_INET;
  }
}

function firstCommand(tag: OptTag, program: string): CommandName | Exit {
  if (tag === 'h') return helpExit(program);
  if (tag === 'v') return versionExit();
  const cmd = FIRST_COMMANDS[tag];
  if (cmd === undefined) return tryHelp(program);
  return cmd;
}

function daemonState(cmd: CommandName, arg: string | null): number | Exit {
  if (arg === 'master') return STATE_MASTER;
  if (arg === 'backup') return STATE_BACKUP;
  return fail(cmd === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified');
}

async function afterOptions(e: CommandEntry, st: LoopState, popt: Popt<OptTag>): Promise<void> {
  if (e.cmd === 'set') {
    const a = popt.getArg();
    const b = a === null ? null : popt.getArg();
    const c = b === null ? null : popt.getArg();
    if (a === null || b === null || c === null) bail('--set option requires 3 timeout values');
    e.timeout.tcp = parseTimeout(a, 0, MAX_TIMEOUT);
    e.timeout.tcpFin = parseTimeout(b, 0, MAX_TIMEOUT);
    e.timeout.udp = parseTimeout(c, 0, MAX_TIMEOUT);
  }
  const extra = popt.getArg();
  if (extra !== null) bail(`unexpected argument ${extra}`);
  if (st.schedFlagsArg !== '') {
    const parsed = parseSchedFlags(e.svc.schedName, st.schedFlagsArg);
    if ('crash' in parsed) throw new ExitSignal(CRASH_EXIT);
    if ('error' in parsed) bail(parsed.error);
    e.svc.flags = (e.svc.flags & ~(SVC_F.SCHED1 | SVC_F.SCHED2 | SVC_F.SCHED3)) | parsed.flags;
  }
}

/**
 * Parses one ipvsadm command line (argv[0] included) and runs ipvsadm's checks on it. Resolves
 * to the command, or to the exit (usage, version, or an error with its message and status).
 */
export async function parseCommandLine(argv: readonly string[], ctx: ParseContext): Promise<ParseResult> {
  const popt = new Popt(argv, OPTION_TABLE, ctx.posixMeHarder ?? false);
  const first = popt.nextOpt();
  if (first.kind !== 'option') return tryHelp(ctx.program);
  const cmd = firstCommand(first.val, ctx.program);
  if (typeof cmd !== 'string') return cmd;
  const entry: CommandEntry = { cmd, ...emptyEntry() };
  if (cmd === 'start-daemon' || cmd === 'stop-daemon') {
    const state = daemonState(cmd, first.arg);
    if (typeof state !== 'number') return state;
    entry.daemon.state = state;
  }
  const st: LoopState = { schedFlagsArg: '' };
  try {
    for (;;) {
      const ev = popt.nextOpt();
      if (ev.kind === 'end') break;
      if (ev.kind === 'error') {
        return { kind: 'exit', stdout: '', stderr: `${popt.badOption()}: ${poptStrerror(ev.code)}\n`, status: 255 };
      }
      await handleOption(ev.val, ev.arg, entry, st, popt, ctx);
    }
    await afterOptions(entry, st, popt);
  } catch (err) {
    if (err instanceof ExitSignal) return err.exit;
    throw err;
  }
  const bad = checkEntry(entry);
  if (bad) return bad;
  return { kind: 'command', entry };
}
