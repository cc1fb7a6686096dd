// Item-kNN: cosine similarity of items' shopper sets, the K most similar items kept per item (the peers' item_knn).
import { transposeCsr } from "../linalg/sparse.js";
import { topK } from "../linalg/topk.js";
import type { CsrMatrix } from "../linalg/matrix.js";
import { cooccurrenceRow, NeighborListsBuilder, type NeighborLists } from "./cooccurrence.js";
import { columnCounts } from "./interactions.js";

/** A fitted item-kNN model. */
export class ItemKnnModel {
  constructor(
    /** Item i's K most similar items (cosine, best first; ties → lower index). */
    readonly neighbors: NeighborLists,
    /** The same pairs by the neighbour: row j lists the items i with j among their neighbours, and sim(i, j). */
    readonly reverse: NeighborLists,
  ) {}

  /** Adds Σ_{j ∈ items} Σ_{i : j ∈ N_K(i)} sim(i, j) into `out[i]`. O(Σ reverse row lengths). */
  scoreInto(items: ArrayLike<number>, out: Float64Array): void {
    const { indptr, indices, scores } = this.reverse;
    for (let t = 0; t < items.length; t++) {
      const j = items[t]!;
      for (let p = indptr[j]!; p < indptr[j + 1]!; p++) out[indices[p]!]! += scores[p]!;
    }
  }
}

/**
 * Fits item-kNN on shopper × item counts (binarized): sim(i, j) = |S_i ∩ S_j| / √(|S_i|·|S_j|) over shopper
 * sets, the diagonal left out, `neighbors` kept per item. O(Σ_i Σ_{u ∋ i} n_u) time, O(items) scratch.
 * @example const knn = fitItemKnn(counts, 100);
 */
export function fitItemKnn(counts: CsrMatrix, neighbors: number): ItemKnnModel {
  if (!Number.isInteger(neighbors) || neighbors < 1) throw new RangeError(`Pass neighbors ≥ 1: got ${neighbors}`);
  const n = counts.cols;
  const byItem = transposeCsr(counts);
  const pop = columnCounts(counts);
  const row = new Float64Array(n);
  const touched: number[] = [];
  const cand = new Float64Array(n);
  const top = new Int32Array(neighbors);
  const fwd = new NeighborListsBuilder(n);
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    cooccurrenceRow(i, byItem, counts, row, touched);
    let count = 0;
    if (pop[i]! > 0) {
      touched.sort((a, b) => a - b);
      for (const j of touched) cand[count++] = j === i ? 0 : row[j]! / Math.sqrt(pop[i]! * pop[j]!);
    }
    const got = topK(cand, 0, count, neighbors, top);
    let keep = 0;
    while (keep < got && cand[top[keep]!]! > 0) keep++;
    const idx = Int32Array.from(top.subarray(0, keep), (t) => touched[t]!);
    const sim = Float64Array.from(top.subarray(0, keep), (t) => cand[t]!);
    fwd.push(idx, sim, keep);
    for (const j of touched) row[j] = 0;
  }
  const neighborsOf = fwd.build();
  return new ItemKnnModel(neighborsOf, reverseLists(neighborsOf, n));
}

/** The lists turned around: row j holds (i, score) for every i whose list has j. */
export function reverseLists(lists: NeighborLists, n: number): NeighborLists {
  const nz = lists.indptr[n]!;
  const indptr = new Int32Array(n + 1);
  for (let p = 0; p < nz; p++) indptr[lists.indices[p]! + 1]!++;
  for (let j = 0; j < n; j++) indptr[j + 1]! += indptr[j]!;
  const fill = indptr.slice(0, n);
  const indices = new Int32Array(nz);
  const scores = new Float32Array(nz);
  for (let i = 0; i < n; i++) {
    for (let p = lists.indptr[i]!; p < lists.indptr[i + 1]!; p++) {
      const q = fill[lists.indices[p]!]!++;
      indices[q] = i;
      scores[q] = lists.scores[p]!;
    }
  }
  return { indptr, indices, scores };
}
