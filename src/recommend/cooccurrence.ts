// Co-occurrence rows: for one item, how often every other item shares a group with it (a basket, or a shopper),
// optionally weighted per group (recent baskets weigh more).
import type { CsrMatrix } from "../linalg/matrix.js";

/**
 * Adds, for each group g holding `item` (`byItem` row `item`: item × group incidence), 1 to `out[j]` for every
 * item j of g (`byGroup`: group × item), and lists each j touched for the first time in `touched` (so the caller
 * can reset `out` in O(touched)). With `groupWeight`, group g adds groupWeight[g] instead of 1 (groups of weight 0
 * are skipped). `out[item]` is counted too. O(Σ_{g ∋ item} |g|).
 */
export function cooccurrenceRow(item: number, byItem: CsrMatrix, byGroup: CsrMatrix, out: Float64Array, touched: number[], groupWeight?: Float64Array): void {
  for (let p = byItem.indptr[item]!; p < byItem.indptr[item + 1]!; p++) {
    const g = byItem.indices[p]!;
    const w = groupWeight ? groupWeight[g]! : 1;
    if (w === 0) continue;
    for (let q = byGroup.indptr[g]!; q < byGroup.indptr[g + 1]!; q++) {
      const j = byGroup.indices[q]!;
      if (out[j] === 0) touched.push(j);
      out[j]! += w;
    }
  }
}

/** Neighbour lists: item i's neighbours are indices[indptr[i] .. indptr[i+1]) with their scores, best first. */
export interface NeighborLists {
  indptr: Int32Array;
  indices: Int32Array;
  scores: Float32Array;
}

/** Lists built row by row. */
export class NeighborListsBuilder {
  private readonly indptr: Int32Array;
  private readonly indices: number[] = [];
  private readonly scores: number[] = [];
  private row = 0;
  constructor(rows: number) {
    this.indptr = new Int32Array(rows + 1);
  }
  /** Appends the next row: items `idx[0..count)` with scores `score[0..count)`. */
  push(idx: ArrayLike<number>, score: ArrayLike<number>, count: number): void {
    for (let t = 0; t < count; t++) {
      this.indices.push(idx[t]!);
      this.scores.push(score[t]!);
    }
    this.indptr[++this.row] = this.indices.length;
  }
  build(): NeighborLists {
    for (let r = this.row + 1; r < this.indptr.length; r++) this.indptr[r] = this.indices.length;
    return { indptr: this.indptr, indices: Int32Array.from(this.indices), scores: Float32Array.from(this.scores) };
  }
}
