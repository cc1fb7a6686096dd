// A bounded least-recently-used map: answers that depend only on a model version and a key are kept here so a
// repeated request skips the work; the oldest entry goes when the map is full.

/** A Map with a size bound: `get` refreshes an entry, `set` past the bound drops the least recently used one. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`An LRU map needs a capacity of at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value of `key` (now the most recently used), or undefined. O(1). */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    // Map keeps insertion order: re-inserting moves the entry to the young end.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Stores `value` under `key` as the most recently used entry, dropping the oldest past the capacity. O(1). */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  clear(): void {
    this.map.clear();
  }
}
