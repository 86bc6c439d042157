/**
 * Test certificates, made at test time with the openssl CLI in a fresh temporary directory: a CA, a valid
 * server certificate, an expired one, one for another name, a self-signed one, and a client certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key: file paths and contents. */
export interface CertPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Everything a TLS test needs; remove() deletes the directory. */
export interface TestCerts {
  readonly dir: string;
  readonly ca: CertPair;
  /** Valid, signed by the CA, for `www.example.test`, localhost and the given addresses. */
  readonly good: CertPair;
  /** As good, but valid only on 2020-01-01. */
  readonly expired: CertPair;
  /** Signed by the CA, but only for `other.example.test`. */
  readonly mismatched: CertPair;
  /** Valid dates and names, but self-signed. */
  readonly selfSigned: CertPair;
  /** A client certificate signed by the CA. */
  readonly client: CertPair;
  remove(): void;
}

/** The name the valid test certificates are issued for. */
export const TEST_SERVER_NAME = 'www.example.test';

const CA_CONFIG = `[ ca ]
default_ca = testca
[ testca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
commonName = supplied
`;

/** Makes the certificates; `addresses` are extra IP SANs of the valid server certificates. */
export function makeTestCerts(addresses: readonly string[] = []): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-certs-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const pair = (name: string): CertPair => ({
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
    cert: readFileSync(join(dir, `${name}.pem`)),
    key: readFileSync(join(dir, `${name}.key`)),
  });

  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/CN=lvsd test CA',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const sans = (names: string[]) =>
    `subjectAltName=${[...names.map((n) => `DNS:${n}`), ...['127.0.0.1', '::1', ...addresses].map((a) => `IP:${a}`)].join(',')}`;
  const issue = (name: string, cn: string, san: string, dates: string[], usage = 'serverAuth') => {
    run([
      'req',
      '-new',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
      '-addext',
      san,
      '-addext',
      `extendedKeyUsage=${usage}`,
    ]);
    run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-notext',
      ...dates,
    ]);
  };
  issue('good', TEST_SERVER_NAME, sans([TEST_SERVER_NAME, 'localhost']), ['-days', '2']);
  issue('expired', TEST_SERVER_NAME, sans([TEST_SERVER_NAME, 'localhost']), [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);
  run([
    'req',
    '-new',
    ...ec,
    '-keyout',
    'mismatched.key',
    '-out',
    'mismatched.csr',
    '-subj',
    '/CN=other.example.test',
    '-addext',
    'subjectAltName=DNS:other.example.test',
  ]);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    'mismatched.csr',
    '-out',
    'mismatched.pem',
    '-notext',
    '-days',
    '2',
  ]);
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-subj',
    `/CN=${TEST_SERVER_NAME}`,
    '-days',
    '2',
    '-addext',
    sans([TEST_SERVER_NAME, 'localhost']),
  ]);
  issue('client', 'lvsd test client', 'subjectAltName=DNS:client.example.test', ['-days', '2'], 'clientAuth');

  return {
    dir,
    ca: pair('ca'),
    good: pair('good'),
    expired: pair('expired'),
    mismatched: pair('mismatched'),
    selfSigned: pair('self'),
    client: pair('client'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
