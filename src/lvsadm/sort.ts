/**
 * libipvs's ordering of services and destinations (ipvs_cmp_services / ipvs_cmp_dests) applied
 * with glibc's qsort. The comparators subtract unsigned 32-bit keys and keep the result as an
 * int, so keys 2^31 or more apart compare "backwards" (10.0.0.1 sorts after 200.0.0.1);
 * lvsadm keeps that, because ipvsadm's output does.
 */
import { glibcQsort } from './c/qsort.js';
import type { DestEntry, ServiceEntry } from './entries.js';
import { AF_INET6 } from './model.js';

function word(addr: Uint8Array, i: number): number {
  return new DataView(addr.buffer, addr.byteOffset, 16).getUint32(i * 4);
}

/** (int)(a - b) for two u32 values. */
function diff32(a: number, b: number): number {
  return (a - b) | 0;
}

function cmpAddr(af: number, a: Uint8Array, b: Uint8Array): number {
  if (af !== AF_INET6) return diff32(word(a, 0), word(b, 0));
  let r = 0;
  for (let i = 0; r === 0 && i < 4; i++) r = diff32(word(a, i), word(b, i));
  return r;
}

/** ipvs_cmp_services. */
export function cmpServices(s1: ServiceEntry, s2: ServiceEntry): number {
  let r = diff32(s1.fwmark, s2.fwmark);
  if (r !== 0) return r;
  r = s1.af - s2.af;
  if (r !== 0) return r;
  r = s1.protocol - s2.protocol;
  if (r !== 0) return r;
  r = cmpAddr(s1.af, s1.addr, s2.addr);
  if (r !== 0) return r;
  return s1.port - s2.port;
}

/** ipvs_cmp_dests (the first destination's family decides how much of the address counts). */
export function cmpDests(d1: DestEntry, d2: DestEntry): number {
  const r = cmpAddr(d1.af, d1.addr, d2.addr);
  if (r !== 0) return r;
  return d1.port - d2.port;
}

/** ipvs_sort_services. */
export function sortServices<T extends ServiceEntry>(services: readonly T[]): T[] {
  return glibcQsort(services, cmpServices);
}

/** ipvs_sort_dests. */
export function sortDests<T extends DestEntry>(dests: readonly T[]): T[] {
  return glibcQsort(dests, cmpDests);
}
