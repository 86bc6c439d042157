/**
 * The config file's schema: shapes, value ranges, defaults and descriptions, in zod. It is the single source of
 * truth for the validated types (model.ts infers them), for the defaults, and for conf/lvsd.schema.json
 * (json-schema.ts). Cross-field rules that a schema cannot express live in rules.ts.
 *
 * Conventions that the error reporting (issues.ts) relies on:
 * - every leaf schema carries one message of the form `expected <what>`; the reporter appends `, got <value>`;
 * - every object is built with `obj()`, which rejects unknown keys and tells the reporter the known ones;
 * - one canonical name per key: no aliases (keepalived's `lb_algo` is `scheduler`, nothing else).
 */
import * as z from 'zod';
import { type Family, isMulticast, parseHostPort, parseIp, parseIpPrefix } from './ip.js';

/** Metadata key for a default whose JSON Schema (input) form differs from the parsed value. */
export const JSON_DEFAULT = 'x-lvsd-input-default';

/** Marks the message of an unknown-keys issue; the known keys follow, comma separated. */
export const KNOWN_KEYS_MARK = '\u0000known-keys:';

// ---------------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------------

const expected = (what: string) => `expected ${what}`;

/** A strict mapping: unknown keys are errors, reported with the list of known keys for suggestions. */
function obj<T extends z.core.$ZodLooseShape>(shape: T, what = 'a mapping') {
  const known = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? KNOWN_KEYS_MARK + known : expected(what)),
  });
}

function int(min: number, max: number, what = `an integer ${min}..${max}`) {
  const m = expected(what);
  return z.number(m).int(m).min(min, m).max(max, m);
}

/** A duration in seconds (fractions allowed), `0 < n <= max`. */
function posSeconds(max: number) {
  const m = expected(`a number of seconds greater than 0 and at most ${max}`);
  return z.number(m).gt(0, m).max(max, m);
}

/** A duration in seconds (fractions allowed), `0 <= n <= max`. */
function seconds(max: number) {
  const m = expected(`a number of seconds 0..${max}`);
  return z.number(m).min(0, m).max(max, m);
}

function bool() {
  return z.boolean(expected('true or false'));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, expected(`one of ${values.map((v) => `'${v}'`).join(', ')}`));
}

function str(what: string, re: RegExp, max = 255) {
  const m = expected(what);
  return z.string(m).min(1, m).max(max, m).regex(re, m);
}

const NAME_RE = /^(?!__proto__$)[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Names of instances, groups, scripts, nodes: used as mapping keys and in references. */
const name = () => str("a name (letters, digits, '_', '.', '-'; at most 64 characters)", NAME_RE, 64);
/** A Linux network interface name (IFNAMSIZ 16 including the terminating NUL). */
const ifname = () =>
  str("an interface name (1-15 characters, no spaces, '/' or ':')", /^(?!\.\.?$)[^\s/:]+$/, 15).describe(
    'Network interface name, e.g. eth0.',
  );
const absPath = () => str('an absolute path', /^\/[^\0]*$/, 4096);
const userName = () => str('a user name', /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 32);
const hostName = () => str('a host name', /^[^\s/]+$/, 253);

function port() {
  return int(1, 65535);
}

type IpFilter = { family?: Family; multicast?: boolean };

function ipText(what: string, filter: IpFilter = {}) {
  const m = expected(what);
  return z
    .string(m)
    .refine((s) => {
      const ip = parseIp(s);
      if (!ip) return false;
      if (filter.family && ip.family !== filter.family) return false;
      if (filter.multicast !== undefined && isMulticast(ip) !== filter.multicast) return false;
      return true;
    }, m)
    .transform((s) => (parseIp(s) as { text: string }).text)
    .meta(filter.family !== undefined ? { format: filter.family } : { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] });
}

/** An IPv4 or IPv6 address, canonicalised (e.g. `2001:DB8:0::1` becomes `2001:db8::1`). */
const ipAddress = () => ipText('an IPv4 or IPv6 address');

/** A command to run, as argv: never a shell string. The program must be an absolute path. */
function argv(what = 'a command') {
  const m = expected(`${what} as a list of strings [program, arguments...]`);
  return z
    .array(z.string(m), m)
    .min(1, m)
    .superRefine((a, ctx) => {
      const prog = a[0];
      if (typeof prog === 'string' && !prog.startsWith('/')) {
        ctx.addIssue({ code: 'custom', path: [0], input: prog, message: expected('the program as an absolute path') });
      }
    })
    .describe('A command as an argument vector: [/absolute/program, arg1, ...]. No shell is involved.');
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, expected(what));
}

function nameMap<T extends z.ZodType>(value: T, what: string) {
  return z.record(name(), value, expected(`a mapping of names to ${what}`));
}

// ---------------------------------------------------------------------------------------------------------------
// Virtual IP addresses
// ---------------------------------------------------------------------------------------------------------------

export const IP_SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;
export type IpScope = (typeof IP_SCOPES)[number];

/** A virtual IP address after parsing either of its two spellings. */
export interface Vip {
  readonly address: string;
  readonly prefix: number;
  readonly family: Family;
  readonly dev?: string;
  readonly label?: string;
  readonly scope?: IpScope;
  readonly brd?: string;
}

const LABEL_RE = /^[^\s/]{1,15}$/;
const VIP_WHAT = 'an address like "192.0.2.10/24 dev eth0 label eth0:1"';

type VipParse = { ok: true; vip: Vip } | { ok: false; message: string };

function buildVip(address: string, opts: { dev?: string; label?: string; scope?: string; brd?: string }): VipParse {
  const p = parseIpPrefix(address);
  if (!p) return { ok: false, message: expected(`an IPv4 or IPv6 address with an optional /prefix, got "${address}"`) };
  const vip: { -readonly [K in keyof Vip]: Vip[K] } = {
    address: p.address.text,
    prefix: p.prefix,
    family: p.address.family,
  };
  if (opts.dev !== undefined) vip.dev = opts.dev;
  if (opts.label !== undefined) vip.label = opts.label;
  if (opts.scope !== undefined) vip.scope = opts.scope as IpScope;
  if (opts.brd !== undefined) {
    const b = parseIp(opts.brd);
    if (b?.family !== 'ipv4') return { ok: false, message: expected(`an IPv4 broadcast address, got "${opts.brd}"`) };
    if (p.address.family !== 'ipv4') return { ok: false, message: 'brd only applies to IPv4 addresses' };
    vip.brd = b.text;
  }
  return { ok: true, vip };
}

/** Parses the keepalived/iproute2 spelling: `ADDRESS[/PREFIX] [dev IFNAME] [label LABEL] [scope SCOPE] [brd IP]`. */
export function parseVipString(s: string): VipParse {
  const words = s.trim().split(/\s+/);
  const [address, ...rest] = words;
  if (!address) return { ok: false, message: expected(VIP_WHAT) };
  const opts: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const opt = rest[i] as string;
    const value = rest[i + 1];
    if (!['dev', 'label', 'scope', 'brd'].includes(opt)) {
      return { ok: false, message: `unknown option '${opt}'; expected dev, label, scope or brd` };
    }
    if (value === undefined) return { ok: false, message: `option '${opt}' needs a value` };
    if (opts[opt] !== undefined) return { ok: false, message: `option '${opt}' given twice` };
    opts[opt] = value;
  }
  if (opts.dev !== undefined && !/^(?!\.\.?$)[^\s/:]{1,15}$/.test(opts.dev)) {
    return { ok: false, message: expected(`an interface name after dev, got "${opts.dev}"`) };
  }
  if (opts.label !== undefined && !LABEL_RE.test(opts.label)) {
    return { ok: false, message: expected(`a label of at most 15 characters, got "${opts.label}"`) };
  }
  if (opts.scope !== undefined && !(IP_SCOPES as readonly string[]).includes(opts.scope)) {
    return { ok: false, message: expected(`scope ${IP_SCOPES.join(', ')}, got "${opts.scope}"`) };
  }
  return buildVip(address, opts);
}

const VipObjectSchema = obj(
  {
    address: str('an IPv4 or IPv6 address with an optional /prefix', /^\S+$/, 64).describe(
      'Address with optional prefix length, e.g. 192.0.2.10/24 or 2001:db8::10/64 (default /32 or /128).',
    ),
    dev: ifname().optional().describe('Interface to add the address to (default: the instance interface).'),
    label: str('a label of at most 15 characters', LABEL_RE, 15).optional().describe('Address label, e.g. eth0:1.'),
    scope: oneOf(IP_SCOPES).optional(),
    brd: ipText('an IPv4 broadcast address', { family: 'ipv4' }).optional(),
  },
  'a virtual address mapping',
);

const VipSchema = z
  .union(
    [
      z.string(expected(VIP_WHAT)).transform((s, ctx): Vip => {
        const r = parseVipString(s);
        if (r.ok) return r.vip;
        ctx.addIssue({ code: 'custom', message: r.message, input: s });
        return z.NEVER;
      }),
      VipObjectSchema.transform((o, ctx): Vip => {
        const r = buildVip(o.address, o);
        if (r.ok) return r.vip;
        ctx.addIssue({ code: 'custom', message: r.message, path: ['address'], input: o.address });
        return z.NEVER;
      }),
    ],
    expected(`${VIP_WHAT} or a mapping with address, dev, label, scope, brd`),
  )
  .describe('A virtual address: "192.0.2.10/24 dev eth0 label eth0:1" or {address, dev, label, scope, brd}.');

// ---------------------------------------------------------------------------------------------------------------
// Health checks
// ---------------------------------------------------------------------------------------------------------------

/** Check scheduling knobs; on a virtual server they have defaults, on real servers and checks they inherit. */
const timingFields = {
  delay_loop: posSeconds(86400).describe('Seconds between two checks.'),
  connect_timeout: posSeconds(3600).describe('Seconds to wait for a connection (and for a reply).'),
  retry: int(0, 100).describe('Immediate retries of a failed attempt before the round counts as failed.'),
  delay_before_retry: seconds(3600).describe('Seconds between a failed attempt and its retry.'),
  warmup: seconds(86400).describe('Upper bound of a random delay before the first check (spreads the load).'),
  rise: int(1, 100).describe('Consecutive successful rounds before a server is marked up.'),
  fall: int(1, 100).describe('Consecutive failed rounds before a server is marked down.'),
};

const TIMING_DEFAULTS = {
  delay_loop: 6,
  connect_timeout: 5,
  retry: 1,
  delay_before_retry: 1,
  warmup: 0,
  rise: 1,
  fall: 1,
} as const;

export const TIMING_KEYS = Object.keys(TIMING_DEFAULTS) as (keyof typeof TIMING_DEFAULTS)[];

const optionalTiming = {
  delay_loop: timingFields.delay_loop.optional(),
  connect_timeout: timingFields.connect_timeout.optional(),
  retry: timingFields.retry.optional(),
  delay_before_retry: timingFields.delay_before_retry.optional(),
  warmup: timingFields.warmup.optional(),
  rise: timingFields.rise.optional(),
  fall: timingFields.fall.optional(),
};

const connectFields = {
  connect_ip: ipAddress().optional().describe('Address to check (default: the real server address).'),
  connect_port: port().optional().describe('Port to check (default: the real server port).'),
  bind_ip: ipAddress().optional().describe('Local source address of the check.'),
  bind_port: port().optional().describe('Local source port of the check.'),
};

const STATUS_WHAT = 'an HTTP status code 100..599 or a range like "200-299"';
const StatusCodeSchema = z
  .union(
    [
      int(100, 599, STATUS_WHAT),
      str(STATUS_WHAT, /^[1-5][0-9]{2}-[1-5][0-9]{2}$/, 7).superRefine((s, ctx) => {
        const [a, b] = s.split('-').map(Number);
        if ((a as number) > (b as number)) {
          ctx.addIssue({ code: 'custom', input: s, message: expected(`a range whose start is not above its end, got "${s}"`) });
        }
      }),
    ],
    expected(STATUS_WHAT),
  )
  .transform((v) => {
    if (typeof v === 'number') return { min: v, max: v };
    const [a, b] = v.split('-').map(Number);
    return { min: a as number, max: b as number };
  });

export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

const httpFields = {
  method: oneOf(['GET', 'HEAD']).default('GET'),
  path: str('an absolute URL path starting with /', /^\/\S*$/, 2048).default('/'),
  virtualhost: hostName().optional().describe('Host header (default: the virtual server virtualhost, else the address).'),
  status_codes: list(StatusCodeSchema, 'a list of status codes or ranges')
    .min(1, expected('at least one status code or range'))
    .default(() => [{ min: 200, max: 299 }])
    .meta({ [JSON_DEFAULT]: ['200-299'], description: 'Accepted status codes: numbers and "lo-hi" ranges.' }),
  digest: str('an MD5 digest (32 hex digits)', /^[0-9A-Fa-f]{32}$/, 32)
    .transform((s) => s.toLowerCase())
    .optional()
    .describe('MD5 of the expected body, in hex.'),
  regex: z
    .string(expected('a regular expression'))
    .min(1, expected('a regular expression'))
    .max(1024, expected('a regular expression of at most 1024 characters'))
    .superRefine((s, ctx) => {
      try {
        new RegExp(s);
      } catch (e) {
        const reason = (e as Error).message.split(': ').pop();
        ctx.addIssue({ code: 'custom', input: s, message: `expected a regular expression (${reason}), got ${JSON.stringify(s)}` });
      }
    })
    .optional()
    .describe('The body must match this regular expression (JavaScript syntax).'),
  regex_no_match: bool().default(false).describe('Invert regex: the body must not match.'),
  max_body_bytes: int(1, 104857600).default(1048576).describe('Bytes of the body read for digest and regex.'),
  http_version: z
    .literal(['1.0', '1.1', 1, 1.1], expected("'1.0' or '1.1'"))
    .transform((v): '1.0' | '1.1' => (v === 1 || v === '1.0' ? '1.0' : '1.1'))
    .default('1.1'),
};

const TlsSchema = obj(
  {
    sni: hostName().optional().describe('Server name sent in TLS SNI (default: the virtualhost, if any).'),
    verify: bool().default(false).describe('Verify the server certificate chain and name.'),
    ca_file: absPath().optional(),
    cert_file: absPath().optional().describe('Client certificate (with key_file).'),
    key_file: absPath().optional(),
  },
  'a TLS mapping',
);

const HEX_WHAT = 'hex bytes like "0a1b2c" (spaces between bytes allowed)';
const hexBytes = () => str(HEX_WHAT, /^[0-9A-Fa-f]{2}(?: ?[0-9A-Fa-f]{2})*$/, 4096).transform((s) => s.replace(/ /g, '').toLowerCase());
const HEXW_WHAT = 'hex bytes with ?? wildcards like "0a??2c"';
const hexPattern = () =>
  str(HEXW_WHAT, /^(?:[0-9A-Fa-f]{2}|\?\?)(?: ?(?:[0-9A-Fa-f]{2}|\?\?))*$/, 4096).transform((s) => s.replace(/ /g, '').toLowerCase());

export const CHECK_TYPES = ['tcp', 'http', 'https', 'exec', 'dns', 'smtp', 'udp'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

const TcpCheckSchema = obj({ type: z.literal('tcp'), ...optionalTiming, ...connectFields }, 'a check mapping');
const HttpCheckSchema = obj({ type: z.literal('http'), ...optionalTiming, ...connectFields, ...httpFields }, 'a check mapping');
const HttpsCheckSchema = obj(
  { type: z.literal('https'), ...optionalTiming, ...connectFields, ...httpFields, tls: TlsSchema.prefault({}) },
  'a check mapping',
);
const { connect_timeout: _ct, ...execTiming } = optionalTiming;
const ExecCheckSchema = obj(
  {
    type: z.literal('exec'),
    ...execTiming,
    script: argv('the check command'),
    user: userName().optional().describe('Run as this user (default: global.script_user).'),
    timeout: posSeconds(3600).optional().describe('Seconds before the command is killed (default: connect_timeout).'),
    dynamic_weight: bool()
      .default(false)
      .describe('Exit status 2..255 sets the weight to status - 2, i.e. 0..253 (0 and 1 mean up and down).'),
  },
  'a check mapping',
);
export const DNS_QUERY_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT'] as const;
const DnsCheckSchema = obj(
  {
    type: z.literal('dns'),
    ...optionalTiming,
    ...connectFields,
    query_type: oneOf(DNS_QUERY_TYPES).default('SOA'),
    query_name: str('a domain name', /^(?:\.|(?:[A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?)$/, 253).default('.'),
  },
  'a check mapping',
);
const SmtpCheckSchema = obj(
  {
    type: z.literal('smtp'),
    ...optionalTiming,
    ...connectFields,
    helo_name: hostName().optional().describe('Name sent in HELO (default: the router_id).'),
  },
  'a check mapping',
);
const UdpCheckSchema = obj(
  {
    type: z.literal('udp'),
    ...optionalTiming,
    ...connectFields,
    payload: hexBytes().optional().describe('Datagram to send (default: empty).'),
    expected_reply: hexPattern().optional().describe('The reply must start with these bytes; ?? matches any byte.'),
    require_reply: bool().optional().describe('A missing reply is a failure (default: true when expected_reply is set, else false).'),
  },
  'a check mapping',
);

/** The keys each check type accepts (for hints about keys that belong to another type). */
export const CHECK_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [TcpCheckSchema, HttpCheckSchema, HttpsCheckSchema, ExecCheckSchema, DnsCheckSchema, SmtpCheckSchema, UdpCheckSchema].map((o) => [
    o.shape.type.value,
    Object.keys(o.shape),
  ]),
);

const CheckSchema = z.discriminatedUnion(
  'type',
  [TcpCheckSchema, HttpCheckSchema, HttpsCheckSchema, ExecCheckSchema, DnsCheckSchema, SmtpCheckSchema, UdpCheckSchema],
  expected(`a check mapping with type ${CHECK_TYPES.join(', ')}`),
);

// ---------------------------------------------------------------------------------------------------------------
// Virtual servers and real servers
// ---------------------------------------------------------------------------------------------------------------

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export const SCHED_FLAGS = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3'] as const;
export const FORWARDING_METHODS = ['dr', 'nat', 'tun'] as const;
export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

const forwardingMethod = () =>
  oneOf(FORWARDING_METHODS).describe('Packet forwarding: dr (direct routing, -g), nat (masquerading, -m), tun (-i).');

const TunnelSchema = obj(
  {
    type: oneOf(['ipip', 'gue', 'gre']).default('ipip'),
    port: port().optional().describe('Destination UDP port of GUE encapsulation (required for gue).'),
    checksum: oneOf(['nocsum', 'csum', 'remcsum']).default('nocsum').describe('Tunnel checksum mode (gue, gre).'),
  },
  'a tunnel mapping',
).describe('Tunnel encapsulation for forwarding_method tun.');

const RealServerSchema = obj(
  {
    address: ipAddress().describe('Real server address.'),
    port: port().optional().describe('Real server port (default: the virtual server port; only nat may map ports).'),
    weight: int(0, 65535).default(1),
    forwarding_method: forwardingMethod().optional().describe('Default: the virtual server forwarding_method.'),
    tunnel: TunnelSchema.optional(),
    uthreshold: int(0, 4294967295).default(0).describe('Upper connection threshold, 0 = none (ipvsadm -x).'),
    lthreshold: int(0, 4294967295).default(0).describe('Lower connection threshold, 0 = none (ipvsadm -y).'),
    inhibit_on_failure: bool().optional().describe('On failure set weight 0 instead of removing the server.'),
    notify_up: argv().optional(),
    notify_down: argv().optional(),
    ...optionalTiming,
    checks: list(CheckSchema, 'a list of checks').default([]),
  },
  'a real server mapping',
);

const PersistenceSchema = obj(
  {
    timeout: int(1, 2592000).default(300).describe('Seconds a client sticks to its real server (ipvsadm -p).'),
    granularity: int(1, 128).optional().describe('Prefix length clients are grouped by (ipvsadm -M); default 32 (IPv4) or 128 (IPv6).'),
    engine: oneOf(['sip']).optional().describe('Persistence engine (ipvsadm --pe).'),
  },
  'a persistence mapping',
).describe('Present to make the service persistent; {} uses the defaults.');

const SorryServerSchema = obj(
  {
    address: ipAddress(),
    port: port().optional().describe('Default: the virtual server port.'),
    forwarding_method: forwardingMethod().optional().describe('Default: the virtual server forwarding_method.'),
    inhibit: bool().default(false).describe('Keep the sorry server with weight 0 while the pool is up.'),
  },
  'a sorry server mapping',
);

const VirtualServerSchema = obj(
  {
    name: str('a name of at most 64 characters', /^\S+$/, 64)
      .optional()
      .describe('Name used in logs and metrics (default: protocol/address:port or fwmark/N).'),
    address: ipAddress().optional().describe('Virtual IP address (not with fwmark).'),
    port: int(0, 65535).optional().describe('Virtual port; 0 = all ports, persistent services only.'),
    protocol: oneOf(PROTOCOLS).optional().describe('Default tcp (not with fwmark).'),
    fwmark: int(1, 4294967295).optional().describe('Firewall-mark service instead of address/port/protocol.'),
    family: oneOf(['ipv4', 'ipv6']).optional().describe('Address family of a fwmark service (default ipv4).'),
    scheduler: oneOf(SCHEDULERS).default('wlc'),
    sched_flags: list(oneOf(SCHED_FLAGS), 'a list of scheduler flags')
      .default([])
      .describe('sh-fallback/sh-port only with sh, mh-fallback/mh-port only with mh; flag-1..3 with any.'),
    persistence: PersistenceSchema.optional(),
    ops: bool().default(false).describe('One-packet scheduling (UDP only, ipvsadm -o).'),
    forwarding_method: forwardingMethod().default('dr'),
    tunnel: TunnelSchema.optional().describe('Default tunnel settings for real servers using tun.'),
    virtualhost: hostName().optional().describe('Default Host header for http/https checks.'),
    quorum: int(1, 2147483647).default(1).describe('Minimum total weight of live real servers.'),
    hysteresis: int(0, 2147483647).default(0).describe('Slack around quorum before the state changes.'),
    quorum_up: argv().optional().describe('Run when the quorum is reached.'),
    quorum_down: argv().optional().describe('Run when the quorum is lost.'),
    alpha: bool().default(false).describe('Start with all real servers down until their first check passes.'),
    fast_recovery: bool()
      .default(false)
      .describe('Re-check a failing or down real server every delay_before_retry instead of every delay_loop (keepalived: delay_loop).'),
    omega: bool().default(false).describe('Run notify_down for live servers when the service is removed.'),
    inhibit_on_failure: bool().default(false).describe('Default for real servers.'),
    ha_suspend: bool().default(false).describe('Suspend checks while this node does not hold the address.'),
    drain_timeout: seconds(86400)
      .default(0)
      .describe(
        'Seconds a real server removed from the configuration stays with weight 0 while it has active connections; 0 = removed at once.',
      ),
    sorry_server: SorryServerSchema.optional(),
    delay_loop: timingFields.delay_loop.default(TIMING_DEFAULTS.delay_loop),
    connect_timeout: timingFields.connect_timeout.default(TIMING_DEFAULTS.connect_timeout),
    retry: timingFields.retry.default(TIMING_DEFAULTS.retry),
    delay_before_retry: timingFields.delay_before_retry.default(TIMING_DEFAULTS.delay_before_retry),
    warmup: timingFields.warmup.default(TIMING_DEFAULTS.warmup),
    rise: timingFields.rise.default(TIMING_DEFAULTS.rise),
    fall: timingFields.fall.default(TIMING_DEFAULTS.fall),
    real_servers: list(RealServerSchema, 'a list of real servers').default([]),
  },
  'a virtual server mapping',
);

// ---------------------------------------------------------------------------------------------------------------
// VRRP
// ---------------------------------------------------------------------------------------------------------------

const priority = () => int(1, 255).describe('VRRP priority; 255 means this node owns the addresses.');
const vrrpState = () => oneOf(['MASTER', 'BACKUP']).describe('Initial state.');
const trackWeight = () => int(-254, 254);

const TrackInterfaceSchema = z.union(
  [
    ifname().transform((n) => ({ name: n })),
    obj(
      {
        name: ifname(),
        weight: trackWeight().optional().describe('Added to the priority while up (> 0) or down (< 0); 0 = fault.'),
      },
      'a tracked interface mapping',
    ),
  ],
  expected('an interface name or a mapping with name and weight'),
);

const TrackRefSchema = z.union(
  [
    name().transform((n) => ({ name: n })),
    obj(
      { name: name(), weight: trackWeight().optional().describe('Overrides the weight of the definition.') },
      'a mapping with name and weight',
    ),
  ],
  expected('a name or a mapping with name and weight'),
);

const TransportSchema = obj(
  {
    type: oneOf(['ip', 'udp']).default('ip').describe('ip: IP protocol 112 (standard); udp: VRRP inside UDP.'),
    port: port().optional().describe('UDP port (udp only; default 5798).'),
    group: ipText('a multicast address', { multicast: true }).optional().describe('Multicast group for udp without unicast peers.'),
  },
  'a transport mapping',
);

const AuthenticationSchema = obj(
  {
    auth_type: oneOf(['PASS']).default('PASS'),
    auth_pass: z
      .string(expected('a password of 1..8 characters'))
      .min(1, expected('a password of 1..8 characters'))
      .max(8, expected('a password of 1..8 characters')),
  },
  'an authentication mapping',
).describe('Simple password authentication (VRRP version 2 only).');

const VrrpInstanceSchema = obj(
  {
    interface: ifname().optional().describe('Interface the instance runs on (may be set per node instead).'),
    virtual_router_id: int(1, 255),
    version: z.literal([2, 3], expected('2 or 3')).optional().describe('VRRP version (default 3 for IPv6 addresses, else 2).'),
    transport: TransportSchema.prefault({}),
    priority: priority().default(100),
    advert_int: z
      .number(expected('a number of seconds greater than 0 and at most 255'))
      .gt(0, expected('a number of seconds greater than 0 and at most 255'))
      .max(255, expected('a number of seconds greater than 0 and at most 255'))
      .default(1)
      .describe('Advertisement interval: whole seconds 1..255 (v2) or 0.01..40.95 in steps of 0.01 (v3).'),
    state: vrrpState().default('BACKUP'),
    nopreempt: bool().default(false).describe('Do not take over from a lower-priority master.'),
    preempt_delay: seconds(1000).default(0).describe('Seconds to wait before preempting after startup.'),
    accept: bool()
      .default(true)
      .describe(
        'Accept packets for the virtual addresses when not the owner. false: while master, an nftables table (inet lvsd) drops packets to and from them (ARP and IPv6 neighbour discovery pass); needs nft.',
      ),
    authentication: AuthenticationSchema.optional(),
    unicast_src_ip: ipAddress().optional().describe('Source address of unicast advertisements.'),
    unicast_peer: list(ipAddress(), 'a list of IP addresses').default([]).describe('Advertise by unicast to these peers.'),
    mcast_src_ip: ipAddress().optional().describe('Source address of multicast advertisements.'),
    virtual_ipaddress: list(VipSchema, 'a list of virtual addresses').default([]),
    virtual_ipaddress_excluded: list(VipSchema, 'a list of virtual addresses')
      .default([])
      .describe('Addresses moved with the instance but not sent in advertisements.'),
    track_interface: list(TrackInterfaceSchema, 'a list of interfaces').default([]),
    track_script: list(TrackRefSchema, 'a list of vrrp_scripts names').default([]),
    track_file: list(TrackRefSchema, 'a list of vrrp_track_files names').default([]),
    garp_master_delay: seconds(3600).default(5).describe('Seconds after becoming master before the second GARP burst.'),
    garp_master_repeat: int(1, 255).default(5).describe('GARP/NA messages per burst.'),
    garp_master_refresh: seconds(86400).default(0).describe('Seconds between refresh bursts while master; 0 = none.'),
    garp_master_refresh_repeat: int(1, 255).default(1),
    garp_lower_prio_delay: seconds(3600)
      .optional()
      .describe('After an advert with lower priority: delay of the second burst (default garp_master_delay).'),
    garp_lower_prio_repeat: int(0, 255)
      .optional()
      .describe('After an advert with lower priority: messages per burst (default garp_master_repeat; 0 = none).'),
    down_timer_adverts: int(1, 100).default(3).describe('Missed advertisements before a backup takes over.'),
    higher_prio_send_advert: bool()
      .default(true)
      .describe(
        'A master yielding to a higher priority sends one last advert first, so that the new master hears there was another master and sends gratuitous ARPs (after a split brain heals). keepalived: default false.',
      ),
    notify_master: argv().optional(),
    notify_backup: argv().optional(),
    notify_fault: argv().optional(),
    notify_stop: argv().optional(),
    notify: argv().optional().describe('Run on every state change with arguments: type name state priority.'),
  },
  'a VRRP instance mapping',
);

const VrrpScriptSchema = obj(
  {
    script: argv('the script'),
    interval: posSeconds(86400).default(1),
    timeout: posSeconds(86400).optional().describe('Default: interval.'),
    rise: int(1, 100).default(1),
    fall: int(1, 100).default(1),
    weight: trackWeight().default(0).describe('Added to the priority while OK (> 0) or failing (< 0); 0 = fault.'),
    user: userName().optional().describe('Default: global.script_user.'),
  },
  'a VRRP script mapping',
);

const VrrpTrackFileSchema = obj(
  {
    file: absPath().describe('File holding an integer that, times weight, is added to the priority.'),
    weight: trackWeight().default(1),
  },
  'a track file mapping',
);

const VrrpSyncGroupSchema = obj(
  {
    group: list(name(), 'a list of VRRP instance names').min(1, expected('at least one VRRP instance name')),
    notify_master: argv().optional(),
    notify_backup: argv().optional(),
    notify_fault: argv().optional(),
    notify_stop: argv().optional(),
    notify: argv().optional(),
  },
  'a sync group mapping',
);

// ---------------------------------------------------------------------------------------------------------------
// Daemon-wide sections
// ---------------------------------------------------------------------------------------------------------------

const syncDaemonState = () =>
  oneOf(['master', 'backup', 'both', 'auto']).describe(
    'auto: the backup daemon always, the master daemon while the followed instance or group is MASTER; both: both daemons always.',
  );

const LvsSyncDaemonSchema = obj(
  {
    state: syncDaemonState().default('auto'),
    follow: name().optional().describe('VRRP instance or sync group whose state auto follows.'),
    mcast_interface: ifname().optional().describe('Interface for sync traffic (may be set per node).'),
    syncid: int(0, 255).default(0),
    sync_maxlen: int(1, 65507).optional().describe('Maximum sync packet length (default: from the MTU).'),
    mcast_group: ipText('a multicast address', { multicast: true }).default('224.0.0.81'),
    mcast_port: port().default(8848),
    mcast_ttl: int(1, 255).default(1),
  },
  'an lvs_sync_daemon mapping',
).describe('The kernel IPVS connection synchronisation daemon.');

const metricsListen = () =>
  z
    .string(expected('a listen address like "127.0.0.1:9712" or "[::1]:9712"'))
    .refine((s) => parseHostPort(s) !== undefined, expected('a listen address like "127.0.0.1:9712" or "[::1]:9712"'))
    .describe('host:port of the Prometheus metrics HTTP endpoint; absent = disabled.');

const GlobalSchema = obj(
  {
    router_id: str('a router id', /^\S+$/, 64).optional().describe('Name of this director in logs and alerts (default: the node name).'),
    script_user: userName()
      .optional()
      .describe('Default user (from /etc/passwd) for vrrp_scripts, notify programs and exec checks (default: the daemon user).'),
    vrrp_mcast_group4: ipText('an IPv4 multicast address', { family: 'ipv4', multicast: true }).default('224.0.0.18'),
    vrrp_mcast_group6: ipText('an IPv6 multicast address', { family: 'ipv6', multicast: true }).default('ff02::12'),
    ipvs_resync_interval: posSeconds(3600)
      .default(10)
      .describe('Seconds between full comparisons of the kernel IPVS table with the configuration (repairs changes made behind lvsd).'),
  },
  'a global mapping',
);

const LoggingSchema = obj(
  {
    level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    format: oneOf(['json', 'pretty']).default('json'),
    file: absPath().optional().describe('Log file (default: standard error).'),
  },
  'a logging mapping',
);

const ControlSchema = obj(
  {
    socket: absPath().default('/run/lvsd/lvsd.sock').describe('Unix socket of the control interface.'),
    metrics_listen: metricsListen().optional(),
  },
  'a control mapping',
);

// ---------------------------------------------------------------------------------------------------------------
// Per-node overrides
// ---------------------------------------------------------------------------------------------------------------

const NodeInstanceOverrideSchema = obj(
  {
    state: vrrpState().optional(),
    priority: priority().optional(),
    interface: ifname().optional(),
    unicast_src_ip: ipAddress().optional(),
    unicast_peer: list(ipAddress(), 'a list of IP addresses').optional(),
    mcast_src_ip: ipAddress().optional(),
  },
  'a VRRP instance override mapping',
);

const NodeSchema = obj(
  {
    router_id: str('a router id', /^\S+$/, 64).optional(),
    vrrp_instances: nameMap(NodeInstanceOverrideSchema, 'VRRP instance overrides').optional(),
    lvs_sync_daemon: obj(
      { state: syncDaemonState().optional(), mcast_interface: ifname().optional() },
      'an lvs_sync_daemon override mapping',
    ).optional(),
    control: obj({ socket: absPath().optional(), metrics_listen: metricsListen().optional() }, 'a control override mapping').optional(),
  },
  'a node mapping',
);

// ---------------------------------------------------------------------------------------------------------------
// The whole file
// ---------------------------------------------------------------------------------------------------------------

export const ConfigSchema = obj(
  {
    global: GlobalSchema.prefault({}),
    logging: LoggingSchema.prefault({}),
    control: ControlSchema.prefault({}),
    lvs_sync_daemon: LvsSyncDaemonSchema.optional(),
    vrrp_scripts: nameMap(VrrpScriptSchema, 'VRRP scripts').default({}),
    vrrp_track_files: nameMap(VrrpTrackFileSchema, 'track files').default({}),
    vrrp_sync_groups: nameMap(VrrpSyncGroupSchema, 'sync groups').default({}),
    vrrp_instances: nameMap(VrrpInstanceSchema, 'VRRP instances').default({}),
    virtual_servers: list(VirtualServerSchema, 'a list of virtual servers').default([]),
    nodes: nameMap(NodeSchema, 'node overrides')
      .default({})
      .describe('Per-node overrides keyed by node name (the hostname, or lvsd --node).'),
  },
  'a mapping with global, vrrp_instances, virtual_servers, ... at the top level',
).describe('lvsd configuration: one file describes the whole director pair.');

/** Schemas of the sections and collection items, for validating parts of a file that is invalid elsewhere. */
export const sectionSchemas = {
  global: GlobalSchema.prefault({}),
  logging: LoggingSchema.prefault({}),
  control: ControlSchema.prefault({}),
  lvs_sync_daemon: LvsSyncDaemonSchema,
  vrrp_scripts: VrrpScriptSchema,
  vrrp_track_files: VrrpTrackFileSchema,
  vrrp_sync_groups: VrrpSyncGroupSchema,
  vrrp_instances: VrrpInstanceSchema,
  virtual_servers: VirtualServerSchema,
  nodes: NodeSchema,
} as const;

export { CheckSchema, RealServerSchema, VirtualServerSchema, VrrpInstanceSchema, NodeSchema, TIMING_DEFAULTS };
