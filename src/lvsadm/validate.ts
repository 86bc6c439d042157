/**
 * The checks ipvsadm runs once a command line is parsed: the command × option matrix
 * (commands_v_options), the tunnel type × tunnel option matrix, and the per-command rules of
 * process_options (zero-port services, one-packet scheduling, destination ports and families,
 * conflicting listing options), which also fill in the defaults (scheduler wlc, interface eth0).
 */
import { type Exit, fail } from './messages.js';
import { CONN_F, type CommandEntry, type CommandName, IPPROTO_UDP, OPTIONS, type OptionName, SVC_F, TUN_NAMES } from './model.js';

/**
 * Legal combinations, one row per command in CMD order, one column per option in OPTC order:
 * '+' compulsory, 'x' illegal, '1' at most one of the '1' options, ' ' optional.
 */
const MATRIX: Readonly<Record<CommandName, string>> = {
  'add-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list: ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server': 'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  set: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon': 'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon': 'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  restore: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save: ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero: 'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

/** The matrix cell for a command and an option. */
export function matrixCell(cmd: CommandName, option: OptionName): string {
  return MATRIX[cmd][OPTIONS.indexOf(option)] ?? 'x';
}

/** Tunnel options in the order of tunnel_types_v_options' columns. */
const TUN_OPTIONS: readonly OptionName[] = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];

/** Legal tunnel options per tunnel type (ipip, gue, gre). */
const TUN_MATRIX: readonly string[] = ['xxxx', '+111', 'x11x'];

/** generic_opt_check: the first matrix violation, scanning options in column order. */
export function genericOptCheck(cmd: CommandName, options: ReadonlySet<OptionName>): Exit | undefined {
  let last: OptionName | undefined;
  const row = MATRIX[cmd];
  for (let j = 0; j < OPTIONS.length; j++) {
    const option = OPTIONS[j]!;
    const cell = row[j] ?? 'x';
    if (!options.has(option)) {
      if (cell === '+') return fail(`You need to supply the '${option}' option for the '${cmd}' command`);
      continue;
    }
    if (cell === 'x') return fail(`Illegal '${option}' option with the '${cmd}' command`);
    if (cell === '1') {
      if (last === undefined) {
        last = option;
        continue;
      }
      return fail(`The option '${option}' conflicts with the '${last}' option in the '${cmd}' command`);
    }
  }
  return undefined;
}

/** tunnel_opt_check for a tunnel type index (0 ipip, 1 gue, 2 gre). */
export function tunnelOptCheck(tunType: number, options: ReadonlySet<OptionName>): Exit | undefined {
  const row = TUN_MATRIX[tunType] ?? '';
  const tunName = TUN_NAMES[tunType] ?? '';
  let last: OptionName | undefined;
  for (const [j, option] of TUN_OPTIONS.entries()) {
    const cell = row[j];
    if (!options.has(option)) {
      if (cell === '+') return fail(`You need to supply the '${option}' option for the '${tunName}' tunnel type`);
      continue;
    }
    if (cell === 'x') return fail(`Illegal '${option}' option with the '${tunName}' tunnel type`);
    if (cell === '1') {
      if (last === undefined) {
        last = option;
        continue;
      }
      return fail(`The option '${option}' conflicts with the '${last}' option in the '${tunName}' tunnel type`);
    }
  }
  return undefined;
}

function checkService(e: CommandEntry): Exit | undefined {
  const { svc } = e;
  if (!svc.fwmark && !svc.port && !(svc.flags & SVC_F.PERSISTENT)) return fail('Zero port specified for non-persistent service');
  if (svc.flags & SVC_F.ONEPACKET && !svc.fwmark && svc.protocol !== IPPROTO_UDP) {
    return fail('One-Packet Scheduling is only for UDP virtual services');
  }
  if (svc.schedName === '') svc.schedName = 'wlc';
  return undefined;
}

function checkDestination(e: CommandEntry): Exit | undefined {
  const { svc, dest, options } = e;
  const fwd = dest.connFlags & CONN_F.FWD_MASK;
  if (!svc.fwmark && (fwd === CONN_F.TUNNEL || fwd === CONN_F.DROUTE)) dest.port = svc.port;
  if (dest.af !== svc.af && fwd !== CONN_F.TUNNEL) return fail('Different address family is allowed only for tunneling servers');
  const tunnelOptions: OptionName[] = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];
  if (tunnelOptions.some((o) => options.has(o)) && fwd !== CONN_F.TUNNEL) return fail('Tunnel options conflict with forward method');
  return tunnelOptCheck(dest.tunType, options);
}

function checkList(options: ReadonlySet<OptionName>): Exit | undefined {
  const has = (...names: OptionName[]): boolean => names.some((n) => options.has(n));
  if (
    (has('connection', 'timeout', 'daemon') && has('stats', 'rate', 'thresholds')) ||
    (has('timeout', 'daemon') && has('persistent-conn'))
  ) {
    return fail('options conflicts in the list command');
  }
  return undefined;
}

/**
 * process_options' checks after parsing, in ipvsadm's order. Fills in defaults in `e`
 * (scheduler, mcast interface, forced destination port) and returns the first failure.
 */
export function checkEntry(e: CommandEntry): Exit | undefined {
  const generic = genericOptCheck(e.cmd, e.options);
  if (generic) return generic;
  if (e.cmd === 'add-service' || e.cmd === 'edit-service') {
    const bad = checkService(e);
    if (bad) return bad;
  }
  if (e.cmd === 'start-daemon' && e.daemon.mcastIfn === '') e.daemon.mcastIfn = 'eth0';
  if (e.cmd === 'add-server' || e.cmd === 'edit-server') {
    const bad = checkDestination(e);
    if (bad) return bad;
  }
  if (e.cmd === 'list') return checkList(e.options);
  return undefined;
}
