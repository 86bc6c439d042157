/**
 * glibc qsort() as ipvsadm gets it: a top-down merge sort (msort) that takes the left element
 * whenever cmp(left, right) <= 0. Reproducing the algorithm, not just "a stable sort", matters
 * because libipvs's comparators are not transitive (they truncate u32 differences to int), and
 * the output order then depends on which pairs the algorithm compares.
 */

/** Sorts a copy of `items` the way glibc's msort does with comparator `cmp`. */
export function glibcQsort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const a = items.slice();
  const tmp: T[] = new Array<T>(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >>> 1;
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    let left = n1;
    let right = n2;
    let k = 0;
    while (left > 0 && right > 0) {
      if (cmp(a[i] as T, a[j] as T) <= 0) {
        tmp[k++] = a[i++] as T;
        left--;
      } else {
        tmp[k++] = a[j++] as T;
        right--;
      }
    }
    while (left > 0) {
      tmp[k++] = a[i++] as T;
      left--;
    }
    for (let m = 0; m < k; m++) a[lo + m] = tmp[m] as T;
  };
  sort(0, a.length);
  return a;
}
