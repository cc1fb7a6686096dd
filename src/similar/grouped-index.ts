// Exact nearest neighbours over items that belong to groups (products in categories): one ExactIndex per
// group, so "similar items in the same group" scans that group only, and a search over every item scans each
// group and merges. Every vector is stored once.
import { ExactIndex, type Neighbor } from "./exact-index.js";

/** The key of items without a group. */
const NO_GROUP = "\u0000";

/**
 * Exact cosine search per group and over all groups (unit rows). Adding an id again replaces its vector and
 * moves it to its new group.
 * @example
 * const ix = new GroupedIndex(100); ix.add(ids, vectors, categories);
 * ix.search(ix.vectorOf("p1")!, 10, { exclude: "p1", group: ix.groupOf("p1") ?? null });
 */
export class GroupedIndex {
  readonly dim: number;
  private readonly byGroup = new Map<string, ExactIndex>();
  private readonly groupKey = new Map<string, string>();
  /** One string per group name: an item's group is stored as it (not as the copy each store row brings, 250k of them at start-up). */
  private readonly names = new Map<string, string>();

  constructor(dim: number) {
    this.dim = dim;
  }

  /** Items in every group. */
  get size(): number {
    return this.groupKey.size;
  }

  has(id: string): boolean {
    return this.groupKey.has(id);
  }

  /** The group of an item; null when it has none, undefined when it is absent. */
  groupOf(id: string): string | null | undefined {
    const k = this.groupKey.get(id);
    return k === undefined ? undefined : k === NO_GROUP ? null : k;
  }

  /** Items in `group` (null: items without a group). */
  groupSize(group: string | null): number {
    return this.byGroup.get(group ?? NO_GROUP)?.size ?? 0;
  }

  /** Rows the arrays of `group` hold before an add must grow them (0 for a group that holds nothing). */
  groupCapacity(group: string | null): number {
    return this.byGroup.get(group ?? NO_GROUP)?.capacity ?? 0;
  }

  /** The stored vector of an item (a view, valid until the next add or remove). */
  vectorOf(id: string): Float32Array | undefined {
    const k = this.groupKey.get(id);
    return k === undefined ? undefined : this.byGroup.get(k)?.vectorOf(id);
  }

  /** Adds or replaces items (`vectors`: ids.length × dim); `groups[i]` undefined or null: no group. */
  add(ids: readonly string[], vectors: Float32Array, groups: readonly (string | null | undefined)[]): void {
    const d = this.dim;
    const rowsByGroup = new Map<string, number[]>();
    ids.forEach((id, i) => {
      const k = this.name(groups[i]);
      const old = this.groupKey.get(id);
      if (old !== undefined && old !== k) this.remove(id);
      this.groupKey.set(id, k);
      const rows = rowsByGroup.get(k);
      if (rows) rows.push(i);
      else rowsByGroup.set(k, [i]);
    });
    for (const [k, rows] of rowsByGroup) {
      let ix = this.byGroup.get(k);
      // Small first capacity: a taxonomy may have thousands of groups.
      if (!ix) this.byGroup.set(k, (ix = new ExactIndex(d, 16)));
      const v = new Float32Array(rows.length * d);
      rows.forEach((r, j) => v.set(vectors.subarray(r * d, (r + 1) * d), j * d));
      ix.add(
        rows.map((r) => ids[r]!),
        v,
      );
    }
  }

  /**
   * Sizes the arrays of groups that hold nothing yet for `rows` items each (null or undefined: items without a
   * group), before a load whose counts are known: they are then filled without growing, so no capacity is left
   * over from doubling (about 30 MB at 250k products) and no outgrown copy is left as garbage. Groups that
   * already hold items keep their arrays.
   */
  reserveGroups(counts: Iterable<{ group: string | null | undefined; rows: number }>): void {
    for (const { group, rows } of counts) {
      const k = this.name(group);
      if (!this.byGroup.has(k) && rows > 0) this.byGroup.set(k, new ExactIndex(this.dim, rows));
    }
  }

  /** The one string kept per group name. */
  private name(group: string | null | undefined): string {
    const given = group ?? NO_GROUP;
    let k = this.names.get(given);
    if (k === undefined) this.names.set(given, (k = given));
    return k;
  }

  /**
   * Grows, ahead of `add(ids, …, groups)`, each group's arrays that the add would grow, a chunk at a time with
   * `pause()` between chunks (see {@link ExactIndex.reserveGradually}): the add then only copies its own rows.
   */
  async reserveFor(ids: readonly string[], groups: readonly (string | null | undefined)[], pause: () => Promise<void>): Promise<void> {
    const adding = new Map<string, number>();
    // Counted as add() reserves: every row routed to a group (a replaced one too).
    for (let i = 0; i < ids.length; i++) {
      const k = groups[i] ?? NO_GROUP;
      adding.set(k, (adding.get(k) ?? 0) + 1);
    }
    for (const [k, n] of adding) {
      const ix = this.byGroup.get(k);
      if (ix && ix.rowCount + n > ix.capacity) await ix.reserveGradually(ix.rowCount + n, pause);
    }
  }

  remove(id: string): boolean {
    const k = this.groupKey.get(id);
    if (k === undefined) return false;
    this.groupKey.delete(id);
    const ix = this.byGroup.get(k);
    ix?.remove(id);
    if (ix && ix.size === 0) this.byGroup.delete(k);
    return true;
  }

  /**
   * The k items most similar to `vector`, best first: within `group` when given (null: items without a
   * group), else over every item. `exclude`: leave this id out (the query item). Over every item, the query
   * item's own group is searched first and each later group only for items that beat the k-th best so far
   * (its rows that cannot are not finished): the same answer as searching each group for k, in less time.
   */
  search(vector: Float32Array, k: number, o: { group?: string | null; exclude?: string } = {}): Neighbor[] {
    const exclude = o.exclude === undefined ? {} : { exclude: o.exclude };
    if (o.group !== undefined) return this.byGroup.get(o.group ?? NO_GROUP)?.search(vector, k, exclude) ?? [];
    const own = o.exclude === undefined ? undefined : this.groupKey.get(o.exclude);
    const first = own === undefined ? undefined : this.byGroup.get(own);
    const all: Neighbor[] = first ? first.search(vector, k, exclude) : [];
    let floor = -Infinity;
    for (const ix of this.byGroup.values()) {
      if (ix === first) continue;
      if (all.length >= k) floor = kthBest(all, k);
      for (const n of ix.search(vector, k, { ...exclude, minScore: floor })) all.push(n);
    }
    return all.sort(byScoreThenId).slice(0, k);
  }

  /**
   * Every item without copying a vector, `maxRows` at a time: ids and their rows in `data`, the backing array of
   * their group (row r is `data.subarray(r * dim, (r + 1) * dim)`). A slice is valid until the next add or remove.
   */
  *views(maxRows = 10_000): Generator<{ ids: string[]; rows: number[]; data: Float32Array }> {
    for (const ix of this.byGroup.values()) {
      let ids: string[] = [];
      let rows: number[] = [];
      for (let r = 0; r < ix.rowCount; r++) {
        if (!ix.isLive(r)) continue;
        ids.push(ix.idOf(r));
        rows.push(r);
        if (rows.length === maxRows) {
          yield { ids, rows, data: ix.vectors };
          ids = [];
          rows = [];
        }
      }
      if (rows.length > 0) yield { ids, rows, data: ix.vectors };
    }
  }

  /** Every item: ids, their vectors (rows × dim) and groups, a group at a time (for building another index). */
  *chunks(maxRows = 10_000): Generator<{ ids: string[]; data: Float32Array }> {
    const d = this.dim;
    for (const ix of this.byGroup.values()) {
      const live: number[] = [];
      for (let r = 0; r < ix.rowCount; r++) if (ix.isLive(r)) live.push(r);
      for (let s = 0; s < live.length; s += maxRows) {
        const part = live.slice(s, s + maxRows);
        const data = new Float32Array(part.length * d);
        part.forEach((r, j) => data.set(ix.vectors.subarray(r * d, (r + 1) * d), j * d));
        yield { ids: part.map((r) => ix.idOf(r)), data };
      }
    }
  }
}

/** Best first; equal scores by id (code-point order), so the merge of the groups does not depend on their order. */
function byScoreThenId(a: Neighbor, b: Neighbor): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The k-th best score of `found` (at least k entries). */
function kthBest(found: Neighbor[], k: number): number {
  if (found.length > k) {
    found.sort(byScoreThenId);
    found.length = k;
  }
  let m = Infinity;
  for (const n of found) if (n.score < m) m = n.score;
  return m;
}
