/**
 * The read-only commands (-L in all its forms, -S, and the bare invocation): fetch from IPVS,
 * look names up unless -n, print like ipvsadm, and stop with status 1 where ipvsadm exit(1)s
 * (after printing what it had already printed).
 */
import { readFileSync } from 'node:fs';
import type { IpvsApi } from '../ipvs/api.js';
import type { Info } from '../ipvs/types.js';
import { type DestEntry, destEntry, type ServiceEntry, serviceEntry } from './entries.js';
import {
  CONN_PROC_FILE,
  type ConnRecord,
  connHeader,
  connLine,
  connNameRequests,
  fgetsLines,
  parseConnLine,
} from './format/connections.js';
import { daemonText } from './format/daemon.js';
import { type ListedService, nameRequests, orderServices, servicesText, versionHeader } from './format/listing.js';
import { timeoutText } from './format/timeout.js';
import type { Sink } from './init.js';
import { serviceKey } from './kernel.js';
import type { Format, SvcArgs } from './model.js';
import { type NameRequest, type Names, NUMERIC_NAMES, resolveNames } from './names.js';
import type { Resolver } from './resolver.js';
import { errnoOf, type IpvsFunc, ipvsStrerror } from './strerror.js';

/** An open IPVS session with the state libipvs keeps between calls. */
export interface Session {
  readonly api: IpvsApi;
  readonly info: Info;
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly resolver: Resolver;
  /** Path read for -L -c (default /proc/net/ip_vs_conn). */
  readonly procConnPath?: string;
  /** libipvs's ipvs_func: the last library call that recorded itself, for error messages. */
  lastFunc: IpvsFunc;
}

async function namesFor(s: Session, format: Format, requests: readonly NameRequest[]): Promise<Names> {
  return format.numeric ? NUMERIC_NAMES : resolveNames(s.resolver, requests);
}

function reportError(s: Session, func: IpvsFunc, err: unknown): number {
  s.stderr.write(`${ipvsStrerror(func, errnoOf(err))}\n`);
  return 1;
}

/** Fetches destinations service by service, stopping at the first failure like print_service_entry. */
async function fetchDests(s: Session, services: readonly ServiceEntry[]): Promise<{ items: ListedService[]; error?: unknown }> {
  const items: ListedService[] = [];
  for (const service of services) {
    s.lastFunc = 'get_dests';
    let dests: DestEntry[];
    try {
      dests = (await s.api.listDestinations(service.key)).map(destEntry);
    } catch (error) {
      return { items, error };
    }
    items.push({ service, dests });
  }
  return { items };
}

/** list_all: every service (save format when format.rule). Resolves to 0, or 1 after an error. */
export async function listAll(s: Session, format: Format): Promise<number> {
  if (!format.rule) s.stdout.write(versionHeader(s.info));
  let services: ServiceEntry[];
  try {
    services = (await s.api.listServices()).map(serviceEntry);
  } catch (err) {
    // libipvs does not record ipvs_get_services as the failing call on the netlink path.
    return reportError(s, s.lastFunc, err);
  }
  const { items, error } = await fetchDests(s, orderServices(services, format));
  const names = await namesFor(s, format, nameRequests(items));
  s.stdout.write(servicesText(items, format, names));
  return error === undefined ? 0 : reportError(s, 'get_dests', error);
}

/** list_service: one service given with -t/-u/--sctp-service/-f. */
export async function listService(s: Session, svc: SvcArgs, format: Format): Promise<number> {
  s.lastFunc = 'get_service';
  let service: ServiceEntry;
  try {
    service = serviceEntry(await s.api.getService(serviceKey(svc)));
  } catch (err) {
    return reportError(s, 'get_service', err);
  }
  const { items, error } = await fetchDests(s, [service]);
  const names = await namesFor(s, format, nameRequests(items));
  s.stdout.write(servicesText(items, format, names));
  return error === undefined ? 0 : reportError(s, 'get_dests', error);
}

/** list_timeout; a failure exits 1 without a message. */
export async function listTimeout(s: Session): Promise<number> {
  s.lastFunc = 'get_timeout';
  try {
    s.stdout.write(timeoutText(await s.api.getTimeouts()));
    return 0;
  } catch {
    return 1;
  }
}

/** list_daemon; a failure exits 1 without a message. */
export async function listDaemon(s: Session): Promise<number> {
  s.lastFunc = 'get_daemon';
  try {
    s.stdout.write(daemonText(await s.api.listDaemons()));
    return 0;
  } catch {
    return 1;
  }
}

/** list_conn: the connection table from /proc. */
export async function listConnections(s: Session, format: Format): Promise<number> {
  let content: string;
  try {
    content = readFileSync(s.procConnPath ?? CONN_PROC_FILE, 'latin1');
  } catch {
    s.stderr.write(`cannot open file ${CONN_PROC_FILE}\n`);
    return 1;
  }
  const lines = fgetsLines(content);
  if (lines.length === 0) {
    s.stderr.write(`unexpected input from ${CONN_PROC_FILE}\n`);
    return 1;
  }
  const records: ConnRecord[] = [];
  let status = 0;
  for (const line of lines.slice(1)) {
    const r = parseConnLine(line);
    if (r.n === -1) {
      status = 1;
      break;
    }
    records.push(r);
  }
  const names = await namesFor(s, format, records.flatMap(connNameRequests));
  let out = connHeader(format.persistentConn);
  for (const r of records) out += connLine(r, format.numeric, format.persistentConn, names);
  s.stdout.write(out);
  return status;
}
