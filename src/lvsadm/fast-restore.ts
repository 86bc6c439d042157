/**
 * A fast path for the lines a restore is mostly made of: the ones `ipvsadm -S -n` writes for
 * IPv4 TCP/UDP services and their real servers,
 *
 *   -A -t 10.0.0.1:80 -s wlc [-p 300]
 *   -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1
 *
 * (also -E/-e, -u, -g/-i). A restore of thousands of such lines spends most of its time in the
 * general option parser (popt emulation, C number and address parsers), so these are matched
 * token by token here and turned into the very CommandEntry parseCommandLine would build, then
 * checked by the same checkEntry. Anything else, or anything a little off (a name instead of an
 * address, octal or hex parts, out-of-range numbers, another option order), returns undefined and
 * goes through parseCommandLine as usual, which also produces the error message when there is
 * one. test/unit/lvsadm/fast-restore.test.ts checks the two agree.
 */
import { AF_INET, type CommandEntry, type CommandName, CONN_F, emptyEntry, IPPROTO_TCP, IPPROTO_UDP, MAX_TIMEOUT, SVC_F } from './model.js';
import { checkEntry } from './validate.js';

/** Dotted quad with decimal parts without leading zeros (inet_aton reads them as plain decimal), and a decimal port. */
const ADDR_PORT = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2}):([0-9]{1,5})$/;
/** Plain decimal digits, short enough for a double to hold exactly. */
const DIGITS = /^[0-9]{1,15}$/;
/** Scheduler names as ipvsadm writes them (at most 15 bytes, no truncation involved). */
const SCHED = /^[a-z0-9_-]{1,15}$/;

const PROTOCOLS: Readonly<Record<string, number>> = { '-t': IPPROTO_TCP, '-u': IPPROTO_UDP };
const FORWARDING: Readonly<Record<string, number>> = { '-g': CONN_F.DROUTE, '-m': CONN_F.MASQ, '-i': CONN_F.TUNNEL };
const SERVICE_CMDS: Readonly<Record<string, CommandName>> = { '-A': 'add-service', '-E': 'edit-service' };
const SERVER_CMDS: Readonly<Record<string, CommandName>> = { '-a': 'add-server', '-e': 'edit-server' };

/** parse_service's result for an ADDR_PORT text: the 16-byte address and the port, or undefined. */
function addrPort(text: string | undefined): { addr: Uint8Array; port: number } | undefined {
  if (text === undefined) return undefined;
  const m = ADDR_PORT.exec(text);
  if (!m) return undefined;
  const addr = new Uint8Array(16);
  for (let k = 0; k < 4; k++) {
    const v = Number(m[k + 1]);
    if (v > 0xff) return undefined;
    addr[k] = v;
  }
  const port = Number(m[5]);
  if (port > 0xffff) return undefined;
  return { addr, port };
}

/** string_to_number for plain digits: the value within [min, max], or undefined. */
function number(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !DIGITS.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

function withService(cmd: CommandName, protoOpt: string | undefined, svcText: string | undefined): CommandEntry | undefined {
  const protocol = protoOpt === undefined ? undefined : PROTOCOLS[protoOpt];
  const svc = addrPort(svcText);
  if (protocol === undefined || !svc) return undefined;
  const e: CommandEntry = { cmd, ...emptyEntry() };
  e.options.add('service-address');
  e.svc.af = AF_INET;
  e.svc.protocol = protocol;
  e.svc.addr = svc.addr;
  e.svc.port = svc.port;
  return e;
}

/** `-A|-E -t|-u A:P -s SCHED [-p N]` */
function serviceLine(t: readonly string[], cmd: CommandName): CommandEntry | undefined {
  if (t.length !== 5 && t.length !== 7) return undefined;
  if (t[3] !== '-s' || !SCHED.test(t[4] ?? '')) return undefined;
  const e = withService(cmd, t[1], t[2]);
  if (!e) return undefined;
  e.options.add('scheduler');
  e.svc.schedName = t[4]!;
  if (t.length === 7) {
    if (t[5] !== '-p') return undefined;
    const timeout = number(t[6], 1, MAX_TIMEOUT);
    if (timeout === undefined) return undefined;
    e.options.add('persistent');
    e.svc.flags |= SVC_F.PERSISTENT;
    e.svc.timeout = timeout;
  }
  return e;
}

/** `-a|-e -t|-u A:P -r A:P -g|-m|-i -w W` */
function serverLine(t: readonly string[], cmd: CommandName): CommandEntry | undefined {
  if (t.length !== 8 || t[3] !== '-r' || t[6] !== '-w') return undefined;
  const fwd = FORWARDING[t[5] ?? ''];
  const rs = addrPort(t[4]);
  // Debian's ipvsadm 1:1.31 takes weights up to INT_MAX (see options.ts).
  const weight = number(t[7], 0, 0x7fffffff);
  if (fwd === undefined || !rs || weight === undefined) return undefined;
  const e = withService(cmd, t[1], t[2]);
  if (!e) return undefined;
  e.options.add('real-server');
  e.dest.af = AF_INET;
  e.dest.addr = rs.addr;
  e.dest.port = rs.port;
  e.options.add('forwarding-method');
  e.dest.connFlags = fwd;
  e.options.add('weight');
  e.dest.weight = weight;
  return e;
}

/**
 * The checked command of a restore line in one of the common forms, as parseCommandLine would
 * return it; undefined when the line is not one of them or does not pass ipvsadm's checks (the
 * general parser then handles it, message included).
 */
export function fastRestoreEntry(tokens: readonly string[]): CommandEntry | undefined {
  const first = tokens[0] ?? '';
  const serviceCmd = SERVICE_CMDS[first];
  const serverCmd = SERVER_CMDS[first];
  const e = serviceCmd ? serviceLine(tokens, serviceCmd) : serverCmd ? serverLine(tokens, serverCmd) : undefined;
  if (!e || checkEntry(e)) return undefined;
  return e;
}
