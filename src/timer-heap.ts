/**
 * An indexed binary min-heap of timed items, ordered by `at` and then by insertion (first pushed, first out), so
 * items due at the same instant come out in the order they were scheduled. Each item remembers its slot, which
 * makes `remove` O(log n): the check scheduler cancels a check, and the fake clock a timer, without leaving stale
 * entries behind.
 */

/** Something that is due at a time. `heapIndex` is owned by the heap: -1 while the item is not in one. */
export interface HeapItem {
  at: number;
  /** Tie-breaker set by `push`. */
  seq: number;
  heapIndex: number;
}

/** The min-heap. An item may be in at most one heap at a time. */
export class TimerHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The earliest item, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds `item`, due at `item.at`. */
  push(item: T): void {
    if (item.heapIndex !== -1) throw new Error('item is already in a heap');
    item.seq = this.#seq++;
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  /** Takes the earliest item out. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Takes `item` out wherever it is; false when it was not in this heap. */
  remove(item: T): boolean {
    const i = item.heapIndex;
    if (i < 0 || this.#items[i] !== item) return false;
    const last = this.#items.pop() as T;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    return true;
  }

  #less(a: T, b: T): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i] as T;
    const b = this.#items[j] as T;
    this.#items[i] = b;
    this.#items[j] = a;
    b.heapIndex = i;
    a.heapIndex = j;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#items[i] as T, this.#items[parent] as T)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.#less(this.#items[l] as T, this.#items[min] as T)) min = l;
      if (r < n && this.#less(this.#items[r] as T, this.#items[min] as T)) min = r;
      if (min === i) return;
      this.#swap(i, min);
      i = min;
    }
  }
}
