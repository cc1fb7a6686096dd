// DBSCAN (Ester et al. 1996) on dense or CSR rows, Euclidean or cosine, labelled exactly as scikit-learn's.
import { z } from "zod";
import type { FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { assertFinite, selectRows, type Matrix } from "../linalg/matrix.js";
import { NOISE, type Clusterer } from "./contracts.js";
import { DbscanModel } from "./dbscan-model.js";
import { NeighborRows, radiusNeighbors, type RadiusGraph } from "./neighbors.js";

/** Parameters of {@link Dbscan}: one schema for validation, defaults and docs (scikit-learn's names in brackets). */
export const DbscanParams = z.object({
  /** Neighbourhood radius: rows at distance ≤ eps are neighbours [eps]. */
  eps: z.number().positive().default(0.5),
  /** Neighbours (the row itself included) that make a row a core row [min_samples]. */
  minSamples: z.number().int().min(1).default(5),
  /** "euclidean", or "cosine" for 1 − cos (a zero row lies at distance 1 from every other row) [metric]. */
  metric: z.enum(["euclidean", "cosine"]).default("euclidean"),
});
/** Validated {@link Dbscan} parameters, defaults filled in. */
export type DbscanParams = z.infer<typeof DbscanParams>;
/** {@link Dbscan} parameters as a caller passes them (all optional). */
export type DbscanParamsInput = z.input<typeof DbscanParams>;

/**
 * Density-based clustering: a row with at least `minSamples` rows within `eps` (itself included) is a core
 * row; core rows within eps of each other share a cluster, and a non-core row within eps of a core row (a
 * border row) joins one of its clusters; everything else is NOISE (−1).
 *
 * Labels agree with scikit-learn 1.2's `DBSCAN(eps, min_samples, metric)`: clusters are numbered in the order
 * of their lowest core row (scikit-learn grows them from core rows in row order; a border row with a lower
 * index than every core row of its cluster does not change the numbering), and a border row within eps of
 * several clusters goes to the lowest-numbered one (the first whose growth reaches it). Fitting is
 * deterministic, `options.seed` is unused. Time O(n² · d) at worst (dense rows skip far-apart blocks, see
 * {@link radiusNeighbors}), memory O(n + pairs within eps).
 *
 * Warnings (via `options.onWarning`): `ALL_NOISE` when no row is a core row.
 * @example
 * const model = await new Dbscan({ eps: 0.3, minSamples: 5, metric: "cosine" }).fit(x);
 * model.labels; model.predict(newRows); // NOISE (-1) for rows no cluster claims
 */
export class Dbscan implements Clusterer {
  readonly kind = "dbscan";
  readonly params: DbscanParams;
  constructor(params: DbscanParamsInput = {}) {
    this.params = DbscanParams.parse(params);
  }

  /**
   * Clusters the rows of `x`.
   * @throws TypeError on NaN or infinite values; CancelledError when `options.signal` fires.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<DbscanModel> {
    return fitDbscan(this.params, x, options);
  }
}

function fitDbscan(p: DbscanParams, x: Matrix, options: FitOptions): DbscanModel {
  assertFinite(x);
  const n = x.rows;
  const graph = radiusNeighbors(new NeighborRows(x, p.metric), p.eps, { signal: options.signal, onProgress: options.onProgress, stage: "dbscan" });
  throwIfAborted(options.signal, "dbscan");
  const core = new Uint8Array(n);
  let coreCount = 0;
  for (let i = 0; i < n; i++) {
    if (graph.indptr[i + 1] - graph.indptr[i] >= p.minSamples) {
      core[i] = 1;
      coreCount++;
    }
  }
  const labels = expandClusters(graph, core);
  const coreSamples = new Int32Array(coreCount);
  for (let i = 0, c = 0; i < n; i++) if (core[i]) coreSamples[c++] = i;
  if (n > 0 && coreCount === 0) {
    options.onWarning?.({
      code: "ALL_NOISE",
      message: `All ${n} rows are noise: no row has minSamples=${p.minSamples} rows within eps=${p.eps}; raise eps or lower minSamples`,
    });
  }
  return new DbscanModel({ labels, coreSamples, coreRows: selectRows(x, coreSamples), metric: p.metric, eps: p.eps, params: { ...p } });
}

/**
 * scikit-learn's `dbscan_inner`: for each unlabelled core row in row order, a depth-first search labels every
 * row it reaches with a new cluster id, expanding only through core rows. O(n + edges).
 */
export function expandClusters(graph: RadiusGraph, core: Uint8Array): Int32Array {
  const n = core.length;
  const labels = new Int32Array(n).fill(NOISE);
  const { indptr, indices } = graph;
  const stack: number[] = [];
  let label = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] !== NOISE || !core[s]) continue;
    let i = s;
    for (;;) {
      if (labels[i] === NOISE) {
        labels[i] = label;
        if (core[i]) {
          for (let p = indptr[i]; p < indptr[i + 1]; p++) if (labels[indices[p]] === NOISE) stack.push(indices[p]);
        }
      }
      if (stack.length === 0) break;
      i = stack.pop()!;
    }
    label++;
  }
  return labels;
}
