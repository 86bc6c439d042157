/**
 * sortServices / sortDests against a reference: libipvs's comparators read through DataView as
 * they were first written, applied by a plain transcription of glibc's msort. Random tables with
 * addresses spread over the whole u32 range (the int-truncation quirk) and many duplicates.
 */
import { describe, expect, test } from 'vitest';
import type { DestEntry, ServiceEntry } from '../../../src/lvsadm/entries.js';
import { AF_INET, AF_INET6 } from '../../../src/lvsadm/model.js';
import { sortDests, sortServices } from '../../../src/lvsadm/sort.js';

function refMsort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  if (items.length <= 1) return items.slice();
  const n1 = items.length >>> 1;
  const left = refMsort(items.slice(0, n1), cmp);
  const right = refMsort(items.slice(n1), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(cmp(left[i] as T, right[j] as T) <= 0 ? (left[i++] as T) : (right[j++] as T));
  while (i < left.length) out.push(left[i++] as T);
  while (j < right.length) out.push(right[j++] as T);
  return out;
}

const refWord = (addr: Uint8Array, i: number): number => new DataView(addr.buffer, addr.byteOffset, 16).getUint32(i * 4);
const d32 = (a: number, b: number): number => (a - b) | 0;
function refAddr(af: number, a: Uint8Array, b: Uint8Array): number {
  if (af !== AF_INET6) return d32(refWord(a, 0), refWord(b, 0));
  let r = 0;
  for (let i = 0; r === 0 && i < 4; i++) r = d32(refWord(a, i), refWord(b, i));
  return r;
}
const refServices = (s1: ServiceEntry, s2: ServiceEntry): number =>
  d32(s1.fwmark, s2.fwmark) || s1.af - s2.af || s1.protocol - s2.protocol || refAddr(s1.af, s1.addr, s2.addr) || s1.port - s2.port;
const refDests = (a: DestEntry, b: DestEntry): number => refAddr(a.af, a.addr, b.addr) || a.port - b.port;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Narrow: every word below 2^31 (the comparators are then consistent; sort.ts takes a shortcut). */
function randomAddr(r: () => number, af: number, pool: Uint8Array[], narrow: boolean): Uint8Array {
  if (pool.length > 0 && r() < 0.3) return pool[Math.floor(r() * pool.length)] as Uint8Array;
  const a = new Uint8Array(16);
  const n = af === AF_INET6 ? 16 : 4;
  for (let i = 0; i < n; i++) a[i] = r() < 0.2 ? 0 : Math.floor(r() * (narrow && i % 4 === 0 ? 128 : 256));
  pool.push(a);
  return a;
}

/** As generated, already in order, or in reverse order (the kernel's usual orders), by seed. */
function arrange<T>(seed: number, items: T[], cmp: (a: T, b: T) => number): T[] {
  const k = seed % 4;
  if (k === 1) return refMsort(items, cmp);
  if (k === 2) return refMsort(items, cmp).reverse();
  return items;
}

describe('libipvs sort order', () => {
  test('sortServices matches the reference on random tables', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const pool: Uint8Array[] = [];
      const n = Math.floor(r() * 60);
      const narrow = seed % 3 !== 0;
      const services = Array.from({ length: n }, (_, id) => {
        const af = r() < 0.3 ? AF_INET6 : AF_INET;
        const fwmark = r() < 0.2 ? Math.floor(r() * (narrow ? 1000 : 4294967296)) : 0;
        return {
          id,
          af,
          fwmark,
          protocol: fwmark ? 0 : [6, 17, 132][Math.floor(r() * 3)],
          addr: randomAddr(r, af, pool, narrow),
          port: Math.floor(r() * 4) * 1000,
        } as unknown as ServiceEntry & { id: number };
      });
      const input = arrange(seed, services, refServices);
      expect(sortServices(input).map((s) => s.id)).toEqual(refMsort(input, refServices).map((s) => s.id));
    }
  });

  test('sortDests matches the reference on random tables', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed * 7919);
      const pool: Uint8Array[] = [];
      const n = Math.floor(r() * 60);
      const narrow = seed % 3 !== 0;
      const mixed = seed % 5 === 0;
      const af0 = r() < 0.3 ? AF_INET6 : AF_INET;
      const dests = Array.from({ length: n }, (_, id) => {
        const af = mixed && r() < 0.5 ? AF_INET6 + AF_INET - af0 : af0;
        return { id, af, addr: randomAddr(r, af, pool, narrow), port: Math.floor(r() * 3) * 80 } as unknown as DestEntry & { id: number };
      });
      const input = arrange(seed, dests, refDests);
      expect(sortDests(input).map((d) => d.id)).toEqual(refMsort(input, refDests).map((d) => d.id));
    }
  });
});
