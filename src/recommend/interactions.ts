// Interaction matrices on typed arrays: shopper × item order counts (CSR) with the last purchase time of each pair,
// and basket × item incidence, built from purchase columns in O(n log n).
import { csr, type CsrMatrix } from "../linalg/matrix.js";

/** Shopper × item interactions: `counts` holds, for each pair, the number of distinct orders (baskets) with it. */
export interface Interactions {
  /** rows = shoppers, cols = items; data = distinct orders in which the shopper bought the item (≥ 1). Columns sorted. */
  counts: CsrMatrix;
  /** Aligned with `counts` entries: the time (ms) of the pair's last purchase. */
  last: Float64Array;
}

/** Purchase columns: one entry per purchase line (a shopper, an item, a basket and a time). */
export interface PurchaseColumns {
  user: Int32Array;
  item: Int32Array;
  basket: Int32Array;
  time: Float64Array;
  /** Entries to use (default: all). */
  rows?: Int32Array;
}

/** Entry indices sorted by (primary, secondary, tertiary) ids: one counting sort on `primary`, then small sorts. */
function sortedBy(primary: Int32Array, secondary: Int32Array, tertiary: Int32Array, rows: Int32Array, nPrimary: number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(nPrimary + 1);
  for (let t = 0; t < rows.length; t++) start[primary[rows[t]!]! + 1]!++;
  for (let p = 0; p < nPrimary; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, nPrimary);
  const order = new Int32Array(rows.length);
  for (let t = 0; t < rows.length; t++) order[fill[primary[rows[t]!]!]!++] = rows[t]!;
  for (let p = 0; p < nPrimary; p++) {
    const a = start[p]!;
    const b = start[p + 1]!;
    if (b - a > 1) {
      const part = order.subarray(a, b);
      part.sort((x, y) => secondary[x]! - secondary[y]! || tertiary[x]! - tertiary[y]!);
    }
  }
  return { order, start };
}

/**
 * Shopper × item distinct-order counts and last purchase times (the peers' R[u, i]: duplicate lines of one
 * order count once). `nUsers`/`nItems` fix the shape (ids must lie below them).
 * @example buildInteractions({ user, item, basket, time }, users.size, items.size)
 */
export function buildInteractions(p: PurchaseColumns, nUsers: number, nItems: number): Interactions {
  const rows = p.rows ?? Int32Array.from({ length: p.user.length }, (_, i) => i);
  const { order, start } = sortedBy(p.user, p.item, p.basket, rows, nUsers);
  const indptr = new Int32Array(nUsers + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const last: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    let prevItem = -1;
    let prevBasket = -1;
    for (let q = start[u]!; q < start[u + 1]!; q++) {
      const e = order[q]!;
      const it = p.item[e]!;
      if (it < 0 || it >= nItems) throw new RangeError(`Item id ${it} is outside [0, ${nItems})`);
      if (it !== prevItem) {
        indices.push(it);
        data.push(1);
        last.push(p.time[e]!);
        prevItem = it;
        prevBasket = p.basket[e]!;
        continue;
      }
      const k = data.length - 1;
      if (p.basket[e] !== prevBasket) {
        data[k]!++;
        prevBasket = p.basket[e]!;
      }
      if (p.time[e]! > last[k]!) last[k] = p.time[e]!;
    }
    indptr[u + 1] = indices.length;
  }
  return {
    counts: csr(nUsers, nItems, indptr, Int32Array.from(indices), Float32Array.from(data)),
    last: Float64Array.from(last),
  };
}

/**
 * Basket × item incidence (1 where the basket holds the item; repeated lines count once), as CSR with sorted
 * columns; `nBaskets` fixes the row count.
 */
export function buildBaskets(p: PurchaseColumns, nBaskets: number, nItems: number): CsrMatrix {
  const rows = p.rows ?? Int32Array.from({ length: p.user.length }, (_, i) => i);
  const { order, start } = sortedBy(p.basket, p.item, p.item, rows, nBaskets);
  const indptr = new Int32Array(nBaskets + 1);
  const indices: number[] = [];
  for (let b = 0; b < nBaskets; b++) {
    let prev = -1;
    for (let q = start[b]!; q < start[b + 1]!; q++) {
      const it = p.item[order[q]!]!;
      if (it < 0 || it >= nItems) throw new RangeError(`Item id ${it} is outside [0, ${nItems})`);
      if (it !== prev) indices.push(it);
      prev = it;
    }
    indptr[b + 1] = indices.length;
  }
  return csr(nBaskets, nItems, indptr, Int32Array.from(indices), new Float32Array(indices.length).fill(1));
}

/** Number of non-empty rows in each column (distinct shoppers per item, for `counts`). */
export function columnCounts(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.cols);
  for (let p = 0; p < m.indptr[m.rows]!; p++) out[m.indices[p]!]!++;
  return out;
}

/** Weight of an event `ageMs` old with the given half-life in days (null: no decay, weight 1). */
export function decay(ageMs: number, halfLifeDays: number | null): number {
  if (halfLifeDays === null) return 1;
  return Math.pow(2, -Math.max(0, ageMs) / (halfLifeDays * 86_400_000));
}
