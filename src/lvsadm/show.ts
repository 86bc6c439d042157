/**
 * The read-only commands (-L in all its forms, -S, and the bare invocation): fetch from IPVS,
 * look names up unless -n, print like ipvsadm, and stop with status 1 where ipvsadm exit(1)s
 * (after printing what it had already printed).
 */
import { readFileSync } from 'node:fs';
import type { IpvsApi } from '../ipvs/api.js';
import { frameGetDests } from '../ipvs/requests.js';
import type { AddressFamily, Info } from '../ipvs/types.js';
import { destEntryAt, destEntryFromPayload } from './dest-payload.js';
import { serviceEntryFromPayload } from './service-payload.js';
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
import { type ListedService, nameRequests, orderServices, serviceBlock, servicesText, versionHeader } from './format/listing.js';
import { titleText } from './format/title.js';
import { timeoutText } from './format/timeout.js';
import type { Sink } from './init.js';
import { serviceKey } from './kernel.js';
import { AF_INET6, type Format, type SvcArgs } from './model.js';
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

/** The names to print: none with -n (the requests are then not even listed). */
async function namesFor(s: Session, format: Format, requests: () => readonly NameRequest[]): Promise<Names> {
  return format.numeric ? NUMERIC_NAMES : resolveNames(s.resolver, requests());
}

function reportError(s: Session, func: IpvsFunc, err: unknown): number {
  s.stderr.write(`${ipvsStrerror(func, errnoOf(err))}\n`);
  return 1;
}

/**
 * Fetches the destinations of every service and hands each service with them to `each`, in order,
 * as print_service_entry goes: stopping at the first failure, which it resolves to (undefined when
 * none). The dumps are all requested at once (they are read-only): the netlink client sends each
 * one as soon as the previous one ends (one dump per socket at a time), from its receive callback,
 * instead of one promise round trip per service; each is handled as it arrives, so that a plain
 * listing keeps no more than one service's destinations alive. With the netlink client that is
 * {@link dumpDests} (no promise or message object per dump at all).
 */
async function fetchDests(s: Session, services: readonly ServiceEntry[], each: (item: ListedService) => void): Promise<unknown> {
  if (services.length > 0) s.lastFunc = 'get_dests';
  const { api } = s;
  if (api.dumpFramed !== undefined) return dumpDests(api.dumpFramed.bind(api), services, each);
  type Fetched = { readonly ok: true; readonly dests: () => DestEntry[] } | { readonly ok: false; readonly error: unknown };
  const fail = (error: unknown): Fetched => ({ ok: false, error });
  const settled = services.map((service): Promise<Fetched> => {
    if (api.listDestinationPayloads !== undefined) {
      // Undecoded: each entry goes straight to a DestEntry (dest-payload.ts).
      const family = service.af === AF_INET6 ? 'ipv6' : 'ipv4';
      return api
        .listDestinationPayloads(service.key)
        .then((payloads) => ({ ok: true, dests: () => payloads.map((p) => destEntryFromPayload(p, family)) }), fail);
    }
    return api.listDestinations(service.key).then((list) => ({ ok: true, dests: () => list.map(destEntry) }), fail);
  });
  for (let i = 0; i < settled.length; i++) {
    const r = await settled[i]!;
    if (!r.ok) return r.error;
    let dests: DestEntry[];
    try {
      dests = r.dests();
    } catch (error) {
      return error;
    }
    each({ service: services[i]!, dests });
  }
  return undefined;
}

/**
 * fetchDests through the client's dumpFramed: every GET_DEST request framed at once from the
 * services' numbers, the dumps run back to back by the client, each entry read straight off the
 * received datagram (dest-payload.ts); a service is handed on once the dump after it starts (or
 * all ended).
 */
async function dumpDests(
  dumpFramed: NonNullable<IpvsApi['dumpFramed']>,
  services: readonly ServiceEntry[],
  each: (item: ListedService) => void,
): Promise<unknown> {
  let current: DestEntry[] = [];
  let next = 0;
  let family: AddressFamily = 'ipv4';
  const upTo = (index: number): void => {
    for (; next < index; next++) {
      each({ service: services[next]!, dests: current });
      current = [];
    }
    family = next < services.length && services[next]!.af === AF_INET6 ? 'ipv6' : 'ipv4';
  };
  upTo(0);
  const failure = await dumpFramed(frameGetDests(services), (index, datagram, start, end) => {
    if (index !== next) upTo(index);
    current.push(destEntryAt(datagram, start, end, family));
  });
  if (failure !== undefined) {
    upTo(failure.index);
    return failure.error;
  }
  upTo(services.length);
  return undefined;
}

/**
 * Prints the services (titles first) with their destinations; names are looked up once all are
 * known, while a numeric listing formats each service as its destinations arrive. Resolves to the
 * fetch error, if any, after printing what came before it.
 */
async function printServices(s: Session, services: readonly ServiceEntry[], format: Format): Promise<unknown> {
  if (format.numeric) {
    const parts: string[] = [titleText(format)];
    const error = await fetchDests(s, services, (item) => parts.push(serviceBlock(item, format, NUMERIC_NAMES)));
    s.stdout.write(parts.join(''));
    return error;
  }
  const items: ListedService[] = [];
  const error = await fetchDests(s, services, (item) => items.push(item));
  const names = await namesFor(s, format, () => nameRequests(items));
  s.stdout.write(servicesText(items, format, names));
  return error;
}

/** list_all: every service (save format when format.rule). Resolves to 0, or 1 after an error. */
export async function listAll(s: Session, format: Format): Promise<number> {
  if (!format.rule) s.stdout.write(versionHeader(s.info));
  let services: ServiceEntry[];
  try {
    const { api } = s;
    services =
      api.listServicePayloads !== undefined
        ? (await api.listServicePayloads()).map(serviceEntryFromPayload)
        : (await api.listServices()).map(serviceEntry);
  } catch (err) {
    // libipvs does not record ipvs_get_services as the failing call on the netlink path.
    return reportError(s, s.lastFunc, err);
  }
  const error = await printServices(s, orderServices(services, format), format);
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
  const error = await printServices(s, [service], format);
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
  const names = await namesFor(s, format, () => records.flatMap(connNameRequests));
  let out = connHeader(format.persistentConn);
  for (const r of records) out += connLine(r, format.numeric, format.persistentConn, names);
  s.stdout.write(out);
  return status;
}
