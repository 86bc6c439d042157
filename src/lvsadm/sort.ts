/**
 * libipvs's ordering of services and destinations (ipvs_cmp_services / ipvs_cmp_dests) applied
 * with glibc's qsort. The comparators subtract unsigned 32-bit keys and keep the result as an
 * int, so keys 2^31 or more apart compare "backwards" (10.0.0.1 sorts after 200.0.0.1);
 * lvsadm keeps that, because ipvsadm's output does.
 */
import { glibcQsort } from './c/qsort.js';
import type { DestEntry, ServiceEntry } from './entries.js';
import { AF_INET6 } from './model.js';

/** The i-th big-endian u32 of a 16-byte address (read byte by byte: no DataView per comparison). */
function word(addr: Uint8Array, i: number): number {
  const o = i << 2;
  return ((addr[o]! << 24) | (addr[o + 1]! << 16) | (addr[o + 2]! << 8) | addr[o + 3]!) >>> 0;
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

/**
 * Whether every (int)(a - b) the comparators take between these entries has the sign of the true
 * difference: each 32-bit word of the addresses (and the fwmarks) spans less than 2^31. Then the
 * comparator is a consistent total preorder, glibc's merge sort (stable) gives the one stable
 * order there is, and any stable sort gives the same.
 */
function spansSafe(addrs: readonly Uint8Array[], words: number, fwmarks?: readonly number[]): boolean {
  for (let i = 0; i < words; i++) {
    let lo = 0xffffffff;
    let hi = 0;
    for (const a of addrs) {
      const w = word(a, i);
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    if (hi - lo >= 0x80000000) return false;
  }
  if (fwmarks !== undefined) {
    let lo = 0xffffffff;
    let hi = 0;
    for (const m of fwmarks) {
      const w = m >>> 0;
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    if (hi - lo >= 0x80000000) return false;
  }
  return true;
}

/** A stable sort (a copy) under a comparator known to be consistent: nothing to do when in order. */
function stableSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  let sorted = true;
  for (let i = 1; sorted && i < items.length; i++) sorted = cmp(items[i - 1] as T, items[i] as T) <= 0;
  return sorted ? items.slice() : items.slice().sort(cmp);
}

/** ipvs_sort_services. */
export function sortServices<T extends ServiceEntry>(services: readonly T[]): T[] {
  if (services.length < 2) return services.slice();
  const safe = spansSafe(
    services.map((s) => s.addr),
    4,
    services.map((s) => s.fwmark),
  );
  return safe ? stableSort(services, cmpServices) : glibcQsort(services, cmpServices);
}

/** Most destinations {@link sortFewIpv4} takes (an insertion sort). */
const FEW = 64;

/**
 * ipvs_sort_dests for a service's handful of IPv4 destinations (the common case): when they all
 * are IPv4 and their addresses span less than 2^31, cmpDests orders them by address then port,
 * which a number (address * 65536 + port) per entry gives directly, and an insertion sort keeps
 * it stable; undefined otherwise (the general path then decides).
 */
function sortFewIpv4<T extends DestEntry>(dests: readonly T[]): T[] | undefined {
  const n = dests.length;
  const out = dests.slice();
  const keys = new Float64Array(n);
  let lo = 0xffffffff;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const d = out[i]!;
    if (d.af === AF_INET6) return undefined;
    const w = word(d.addr, 0);
    if (w < lo) lo = w;
    if (w > hi) hi = w;
    const k = w * 65536 + d.port;
    // Insertion: after every key not greater (stable).
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      out[j + 1] = out[j]!;
      j--;
    }
    keys[j + 1] = k;
    out[j + 1] = d;
  }
  return hi - lo < 0x80000000 ? out : undefined;
}

/** ipvs_sort_dests. */
export function sortDests<T extends DestEntry>(dests: readonly T[]): T[] {
  if (dests.length < 2) return dests.slice();
  if (dests.length <= FEW && dests[0]!.af !== AF_INET6) {
    const sorted = sortFewIpv4(dests);
    if (sorted !== undefined) return sorted;
  }
  // cmpDests takes the first entry's family: consistent only when they all have the same.
  const af = dests[0]!.af;
  let sameFamily = true;
  for (const d of dests) if (d.af !== af) sameFamily = false;
  const safe =
    sameFamily &&
    spansSafe(
      dests.map((d) => d.addr),
      af === AF_INET6 ? 4 : 1,
    );
  return safe ? stableSort(dests, cmpDests) : glibcQsort(dests, cmpDests);
}
