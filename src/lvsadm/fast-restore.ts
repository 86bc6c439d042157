/**
 * A fast path for the lines a restore is mostly made of: the ones `ipvsadm -S -n` writes for
 * IPv4 TCP/UDP services and their real servers,
 *
 *   -A -t 10.0.0.1:80 -s wlc [-p 300]
 *   -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1
 *
 * (also -E/-e, -u, -g/-i). A restore of thousands of such lines spends most of its time in the
 * general option parser (popt emulation, C number and address parsers), so these are matched
 * token by token here and turned straight into the kernel operation kernelOp would make of the
 * command parseCommandLine would build (with the checks of process_options that apply to these
 * forms). Anything else, or anything a little off (a name instead of an address, octal or hex
 * parts, out-of-range numbers, another option order, a zero port), returns undefined and goes
 * through parseCommandLine as usual, which also produces the error message when there is one.
 * test/unit/lvsadm/fast-restore.test.ts checks the two agree.
 */
import type { ForwardMethod, Protocol } from '../ipvs/types.js';
import type { KernelOp } from './kernel.js';
import { scanIpv4AddrPort, scanned } from './addr-port-scan.js';
import { MAX_TIMEOUT, SVC_F } from './model.js';

/** Plain decimal digits, short enough for a double to hold exactly. */
const DIGITS = /^[0-9]{1,15}$/;
/** Scheduler names as ipvsadm writes them (at most 15 bytes, no truncation involved). */
const SCHED = /^[a-z0-9_-]{1,15}$/;

const PROTOCOLS: Readonly<Record<string, Protocol>> = { '-t': 'tcp', '-u': 'udp' };
const FORWARDING: Readonly<Record<string, ForwardMethod>> = { '-g': 'route', '-m': 'masq', '-i': 'tunnel' };

/**
 * parse_service's result for an ADDR_PORT text: the address, as inet_ntop would print it (the
 * text itself: no leading zeros), and the port; undefined when it is not one (scanIpv4AddrPort).
 */
function addrPort(text: string | undefined): { address: string; port: number } | undefined {
  if (text === undefined || scanIpv4AddrPort(text, 0, text.length) !== text.length) return undefined;
  return { address: text.slice(0, scanned.portStart - 1), port: scanned.port };
}

/** string_to_number for plain digits: the value within [min, max], or undefined. */
function number(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !DIGITS.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** `-A|-E -t|-u A:P -s SCHED [-p N]` */
function serviceLine(t: readonly string[], edit: boolean): KernelOp | undefined {
  if (t.length !== 5 && t.length !== 7) return undefined;
  const protocol = PROTOCOLS[t[1] ?? ''];
  const svc = addrPort(t[2]);
  const scheduler = t[4] ?? '';
  if (protocol === undefined || !svc || t[3] !== '-s' || !SCHED.test(scheduler)) return undefined;
  let flags = 0;
  let timeout = 0;
  if (t.length === 7) {
    const p = t[5] === '-p' ? number(t[6], 1, MAX_TIMEOUT) : undefined;
    if (p === undefined) return undefined;
    flags = SVC_F.PERSISTENT;
    timeout = p;
  }
  // process_options: "Zero port specified for non-persistent service".
  if (svc.port === 0 && flags === 0) return undefined;
  const service = { key: { protocol, address: svc.address, port: svc.port }, scheduler, flags, timeout, netmask: 0xffffffff };
  return edit ? { op: { op: 'editService', service }, func: 'update_service' } : { op: { op: 'addService', service }, func: 'add_service' };
}

/**
 * The service key of the previous real-server line, reused when the next one names the same
 * service (as consecutive lines of a saved table do): one key object per service, which the
 * encoder also recognises (requests.ts keyNest).
 */
let lastKey: { text: string; key: { protocol: Protocol; address: string; port: number } } | undefined;

function keyOf(
  protocol: Protocol,
  text: string,
  svc: { address: string; port: number },
): { protocol: Protocol; address: string; port: number } {
  const id = `${protocol} ${text}`;
  if (lastKey?.text !== id) lastKey = { text: id, key: { protocol, address: svc.address, port: svc.port } };
  return lastKey.key;
}

/** `-a|-e -t|-u A:P -r A:P -g|-m|-i -w W` */
function serverLine(t: readonly string[], edit: boolean): KernelOp | undefined {
  if (t.length !== 8 || t[3] !== '-r' || t[6] !== '-w') return undefined;
  const protocol = PROTOCOLS[t[1] ?? ''];
  const svc = addrPort(t[2]);
  const rs = addrPort(t[4]);
  const forwarding = FORWARDING[t[5] ?? ''];
  // Debian's ipvsadm 1:1.31 takes weights up to INT_MAX (see options.ts).
  const weight = number(t[7], 0, 0x7fffffff);
  if (protocol === undefined || !svc || !rs || forwarding === undefined || weight === undefined) return undefined;
  const dest = {
    address: rs.address,
    // process_options: direct routing and tunnelling use the service's port.
    port: forwarding === 'masq' ? rs.port : svc.port,
    forwarding,
    weight,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelCsum: 'nocsum',
  } as const;
  const key = keyOf(protocol, t[2]!, svc);
  return edit
    ? { op: { op: 'editDestination', key, dest }, func: 'update_dest' }
    : { op: { op: 'addDestination', key, dest }, func: 'add_dest' };
}

/**
 * The kernel operation of a restore line in one of the common forms, exactly as kernelOp would
 * make it from parseCommandLine's command; undefined when the line is not one of them or ipvsadm
 * would reject it (the general parser then handles it, message included).
 */
export function fastRestoreOp(tokens: readonly string[]): KernelOp | undefined {
  switch (tokens[0]) {
    case '-A':
      return serviceLine(tokens, false);
    case '-E':
      return serviceLine(tokens, true);
    case '-a':
      return serverLine(tokens, false);
    case '-e':
      return serverLine(tokens, true);
    default:
      return undefined;
  }
}
