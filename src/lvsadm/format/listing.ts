/**
 * list_all / list_service output: the version header, the column titles, and each service
 * followed by its destinations, sorted like libipvs unless --nosort.
 */
import type { Info } from '../../ipvs/types.js';
import type { DestEntry, ServiceEntry } from '../entries.js';
import type { Format } from '../model.js';
import type { NameRequest, Names } from '../names.js';
import { sortDests, sortServices } from '../sort.js';
import { destLine } from './dest.js';
import { serviceLine, serviceName } from './service.js';
import { titleText } from './title.js';

/** A service with the destinations the kernel reported for it. */
export interface ListedService {
  readonly service: ServiceEntry;
  readonly dests: readonly DestEntry[];
}

/** "IP Virtual Server version 1.2.1 (size=4096)". */
export function versionHeader(info: Info): string {
  const v = info.versionCode;
  return `IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connTabSize | 0})\n`;
}

/** Services in the order ipvsadm prints them. */
export function orderServices<T extends ServiceEntry>(services: readonly T[], format: Format): T[] {
  return format.nosort ? services.slice() : sortServices(services);
}

/** One service block: its line and its destination lines. */
export function serviceBlock(item: ListedService, format: Format, names: Names): string {
  const { service, dests } = item;
  const svcName = serviceName(service, format, names);
  let out = serviceLine(service, svcName, format);
  const ordered = format.nosort ? dests : sortDests(dests);
  for (const d of ordered) out += destLine(d, service.protocol, svcName, format, names);
  return out;
}

/** The titles and every block, for services already in print order. */
export function servicesText(items: readonly ListedService[], format: Format, names: Names): string {
  return titleText(format) + items.map((i) => serviceBlock(i, format, names)).join('');
}

/** The names a listing of these services would print. */
export function nameRequests(items: readonly ListedService[]): NameRequest[] {
  const out: NameRequest[] = [];
  for (const { service, dests } of items) {
    if (!service.fwmark) out.push({ af: service.af, addr: service.addr, port: service.port, protocol: service.protocol });
    for (const d of dests) out.push({ af: d.af, addr: d.addr, port: d.port, protocol: service.protocol });
  }
  return out;
}
