/** A binary min-heap ordered by `key`, ties broken by insertion order (deterministic). */
export class MinHeap<T> {
  private readonly items: Array<{ key: number; order: number; value: T }> = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  /** Adds a value with its key. */
  push(key: number, value: T): void {
    this.items.push({ key, order: this.counter++, value });
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [this.items[i], this.items[parent]] = [this.items[parent], this.items[i]];
      i = parent;
    }
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.items.length > 0 ? this.items[0].key : Infinity;
  }

  /** Removes and returns the value with the smallest key. */
  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0].value;
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.items.length && this.less(l, m)) m = l;
        if (r < this.items.length && this.less(r, m)) m = r;
        if (m === i) break;
        [this.items[i], this.items[m]] = [this.items[m], this.items[i]];
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    return x.key < y.key || (x.key === y.key && x.order < y.order);
  }
}
