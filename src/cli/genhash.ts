/**
 * `lvsd genhash [options] URL`: fetches URL once, the way an http/https check does, and prints the MD5 of the
 * body as lowercase hex on one line: the value to paste as the check's `digest` (like keepalived's genhash,
 * which prints the same hex). Exit status: 0 printed, 1 the fetch failed, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { startBudget } from '../../checks/budget.js';
import { fetchHttp } from '../../checks/http-fetch.js';
import { md5Hex } from '../../checks/http-verdict.js';
import { loadTlsOptions } from '../../checks/tls-options.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: lvsd genhash [options] URL

Fetches URL (http://HOST[:PORT]/PATH or https://...) once, as an http or https check
would, and prints the MD5 digest of the response body in lowercase hex on one line:
the value of the check's "digest". HOST is an address or a name; the request goes
out with Connection: close and no compression.

Options:
  -V, --virtualhost NAME    Host header to send (and TLS SNI unless --sni is given)
  -P, --http-version VER    1.0 or 1.1 (default 1.1)
  -t, --timeout SECONDS     give up after this long (default 5)
      --max-body-bytes N    body bytes read at most (default 1048576, as the check's
                            max_body_bytes); a longer body is an error
      --sni NAME            TLS server name
      --verify              verify the server certificate (against --ca-file or the
                            system CAs) and its name
      --ca-file FILE        CA certificates for --verify
      --cert-file FILE      client certificate (with --key-file)
      --key-file FILE       client key
  -v, --verbose             also print the status, headers and body length to stderr
  -h, --help                show this help

Exit status: 0 digest printed, 1 fetch failed, 2 usage error. A status outside
200-299 is noted on stderr (the digest is printed all the same).
`;

interface GenhashArgs {
  readonly url: URL;
  readonly virtualhost?: string | undefined;
  readonly httpVersion: '1.0' | '1.1';
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly sni?: string | undefined;
  readonly verify: boolean;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly verbose: boolean;
}

function parse(argv: string[]): GenhashArgs | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'missing URL' : 'expected one URL');
  let url: URL;
  try {
    url = new URL(parsed.positionals[0] as string);
  } catch {
    throw new UsageError(`not a URL: ${parsed.positionals[0]}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`URL must be http:// or https://, got ${url.protocol}`);
  const version = v['http-version'] ?? '1.1';
  if (version !== '1.0' && version !== '1.1') throw new UsageError(`--http-version takes 1.0 or 1.1, got ${version}`);
  const timeout = Number(v.timeout ?? '5');
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600)
    throw new UsageError(`--timeout takes seconds (0 < s <= 3600), got ${v.timeout}`);
  const max = Number(v['max-body-bytes'] ?? '1048576');
  if (!Number.isInteger(max) || max < 1 || max > 104857600)
    throw new UsageError(`--max-body-bytes takes 1..104857600, got ${v['max-body-bytes']}`);
  if ((v['cert-file'] === undefined) !== (v['key-file'] === undefined)) throw new UsageError('--cert-file and --key-file go together');
  return {
    url,
    virtualhost: v.virtualhost,
    httpVersion: version,
    timeoutMs: Math.round(timeout * 1000),
    maxBodyBytes: max,
    sni: v.sni ?? v.virtualhost,
    verify: v.verify ?? false,
    caFile: v['ca-file'],
    certFile: v['cert-file'],
    keyFile: v['key-file'],
    verbose: v.verbose ?? false,
  };
}

const OPTIONS = {
  virtualhost: { type: 'string', short: 'V' },
  'http-version': { type: 'string', short: 'P' },
  timeout: { type: 'string', short: 't' },
  'max-body-bytes': { type: 'string' },
  sni: { type: 'string' },
  verify: { type: 'boolean' },
  'ca-file': { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `lvsd genhash` and resolves to its exit status. */
export async function runGenhash(argv: string[]): Promise<number> {
  let args: GenhashArgs | 'help';
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`lvsd genhash: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const secure = args.url.protocol === 'https:';
  const tls = secure
    ? await loadTlsOptions({ verify: args.verify, sni: args.sni, ca_file: args.caFile, cert_file: args.certFile, key_file: args.keyFile })
    : undefined;
  if (tls && 'up' in tls) {
    process.stderr.write(`lvsd genhash: ${tls.reason}\n`);
    return 1;
  }
  const address = args.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = args.url.port === '' ? (secure ? 443 : 80) : Number(args.url.port);
  const budget = startBudget(new AbortController().signal, Date.now() + args.timeoutMs);
  try {
    const fetched = await fetchHttp(
      {
        secure,
        target: { address, port },
        method: 'GET',
        path: `${args.url.pathname}${args.url.search}`,
        host: args.virtualhost,
        httpVersion: args.httpVersion,
        maxBodyBytes: args.maxBodyBytes,
        readBody: true,
        bind: {},
        tls,
      },
      budget,
    );
    if (!fetched.ok) {
      process.stderr.write(`lvsd genhash: ${fetched.result.reason}\n`);
      return 1;
    }
    const { status, headers, body } = fetched.response;
    const bytes = body?.bytes ?? Buffer.alloc(0);
    if (args.verbose) {
      const lines = Object.entries(headers).map(([k, val]) => `  ${k}: ${val}`);
      process.stderr.write(`status ${status}\n${lines.join('\n')}\nbody ${bytes.length} bytes\n`);
    }
    if (body?.truncated) {
      process.stderr.write(
        `lvsd genhash: body longer than ${args.maxBodyBytes} bytes (raise --max-body-bytes and the check's max_body_bytes)\n`,
      );
      return 1;
    }
    if (status < 200 || status > 299) process.stderr.write(`lvsd genhash: note: status ${status} (outside 200-299)\n`);
    process.stdout.write(`${md5Hex(bytes)}\n`);
    return 0;
  } finally {
    budget.dispose();
  }
}
