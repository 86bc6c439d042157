/**
 * TLS client options of an https check, from its `tls` config. Files are read at each probe, so a renewed
 * certificate or CA bundle is picked up without a reload.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { CheckResult } from './checker.js';
import { down } from './outcome.js';

/** The `tls` mapping of an https check (config names). */
export interface TlsConfig {
  /** Server name sent in SNI, and checked against the certificate when verify is on. */
  readonly sni?: string | undefined;
  /** Verify the chain (against ca_file, else the system roots) and the name (sni, else the target address). */
  readonly verify: boolean;
  readonly ca_file?: string | undefined;
  readonly cert_file?: string | undefined;
  readonly key_file?: string | undefined;
}

async function read(key: string, path: string | undefined): Promise<Buffer | undefined | CheckResult> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (err) {
    return down('CONFIG', `cannot read tls.${key} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

const isResult = (v: unknown): v is CheckResult => typeof v === 'object' && v !== null && 'up' in v;

/** Loads the files and builds node:tls options, or returns a CONFIG failure. */
export async function loadTlsOptions(cfg: TlsConfig): Promise<ConnectionOptions | CheckResult> {
  const [ca, cert, key] = await Promise.all([
    read('ca_file', cfg.ca_file),
    read('cert_file', cfg.cert_file),
    read('key_file', cfg.key_file),
  ]);
  for (const v of [ca, cert, key]) if (isResult(v)) return v;
  if ((cert === undefined) !== (key === undefined)) return down('CONFIG', 'tls.cert_file and tls.key_file go together');
  return {
    rejectUnauthorized: cfg.verify,
    ...(cfg.sni !== undefined ? { servername: cfg.sni } : {}),
    ...(ca !== undefined ? { ca: ca as Buffer } : {}),
    ...(cert !== undefined ? { cert: cert as Buffer, key: key as Buffer } : {}),
  };
}
