// Randomized truncated SVD (Halko, Martinsson & Tropp 2011) of dense or CSR rows: TF-IDF → LSA embeddings.
import { assertFinite, dense, toCsr, type CsrMatrix, type DenseMatrix, type Matrix } from "./matrix.js";
import { compactColumns, transposeCsr } from "./sparse.js";
import { gramSchmidtSvd } from "./svd-fallback.js";
import { csrTimes32, denseTimes, type SvdFactors } from "./svd-kernels.js";
import { panelWidth } from "./svd-panels.js";
import { subspaceSvd } from "./svd-subspace.js";

/** Options of {@link truncatedSvd}. */
export interface TruncatedSvdOptions {
  /** Number of singular triplets to keep (≤ min(rows, cols)). */
  components: number;
  /** Subspace (power) iterations Y ← X(XᵀY); more sharpen a slowly decaying spectrum. Default 4. */
  powerIterations?: number;
  /** Extra random directions beyond `components` (Halko's p), at least: the total is rounded up to a multiple of 8. Default 10. */
  oversamples?: number;
  /** Seed of the random test matrix and sketch. Default 0. */
  seed?: number;
  /** L2-normalize each row of `transform`'s output (the usual TF-IDF → SVD → normalize → k-means step). */
  normalize?: boolean;
}

/**
 * A fitted truncated SVD X ≈ U Σ Vᵀ: `components` holds Vᵀ (components × cols, orthonormal rows, each signed so
 * its largest entry is positive), `singularValues` Σ in descending order. `transform(x)` = x·V (optionally with
 * unit rows), so for the training rows it gives U Σ.
 */
/**
 * The persisted form of a {@link TruncatedSvdModel}: the shape of core's `Artifact` (linalg imports nothing
 * of ours, so it is spelled out here; TypeScript matches the two structurally).
 */
export interface SvdArtifact {
  kind: string;
  params: Record<string, unknown>;
  meta: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array>;
}

export class TruncatedSvdModel {
  readonly kind = "truncated-svd";
  readonly components: DenseMatrix;
  readonly singularValues: Float64Array;
  readonly normalize: boolean;
  /** Feature-major copy of the components for the transform kernel (made on the first transform). */
  private vt: Float32Array | null = null;

  constructor(components: DenseMatrix, singularValues: Float64Array, normalize: boolean) {
    if (singularValues.length !== components.rows) {
      throw new RangeError(`Got ${singularValues.length} singular values for ${components.rows} components`);
    }
    this.components = components;
    this.singularValues = singularValues;
    this.normalize = normalize;
  }

  /** The components feature-major (cols × components), transposed in blocks of 64 columns. */
  private featureMajor(): Float32Array {
    if (this.vt) return this.vt;
    const { rows: r, cols: d, data } = this.components;
    const vt = new Float32Array(r * d);
    for (let j0 = 0; j0 < d; j0 += 64) {
      const j1 = Math.min(d, j0 + 64);
      for (let t = 0; t < r; t++) for (let j = j0; j < j1; j++) vt[j * r + t] = data[t * d + j]!;
    }
    this.vt = vt;
    return vt;
  }

  /** Width of the rows it accepts. */
  get featureCount(): number {
    return this.components.cols;
  }

  /** Projects rows onto the components: rows × components. O(nnz · components). @throws TypeError on width or NaN. */
  transform(x: Matrix): DenseMatrix {
    if (x.cols !== this.featureCount) throw new TypeError(`Input has ${x.cols} features, the SVD expects ${this.featureCount}`);
    assertFinite(x);
    const r = this.components.rows;
    const vt = this.featureMajor();
    const y = x.kind === "csr" ? csrTimes32(x, vt, r, new Float64Array(x.rows * r)) : denseTimes(x, vt, r);
    if (this.normalize) {
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        for (let t = 0; t < r; t++) s += y[i * r + t]! * y[i * r + t]!;
        if (s > 0) for (let t = 0, inv = 1 / Math.sqrt(s); t < r; t++) y[i * r + t]! *= inv;
      }
    }
    return dense(x.rows, r, Float32Array.from(y));
  }

  toArtifact(): SvdArtifact {
    return {
      kind: this.kind,
      params: { normalize: this.normalize },
      meta: { components: this.components.rows, featureCount: this.featureCount },
      arrays: { components: this.components.data, singularValues: this.singularValues },
    };
  }

  /** Restores a model from {@link TruncatedSvdModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: SvdArtifact): TruncatedSvdModel {
    const { components: r, featureCount: d } = a.meta as { components: number; featureCount: number };
    const { components, singularValues } = a.arrays;
    if (!(components instanceof Float32Array) || !(singularValues instanceof Float64Array) || components.length !== r * d) {
      throw new TypeError(`Artifact of "${a.kind}" needs Float32 "components" (${r}×${d}) and Float64 "singularValues"`);
    }
    return new TruncatedSvdModel(dense(r, d, components), singularValues, a.params["normalize"] === true);
  }
}

/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp 2011) by subspace iteration on A = X or Xᵀ, whichever
 * has fewer rows (s of them), so every dense block is s × l with l = components + oversamples rounded up to a
 * multiple of 8: from a random sign block Ω (s × l), `powerIterations` steps Y ← A(AᵀY), each one sweep over
 * the sparse matrix per 8 columns with Float32 blocks (svd-panels.ts), then one more in Float64. With the
 * start on the short side this spans the same powers of XᵀX as the classic scheme less half a step, which the
 * Rayleigh-Ritz step below more than makes up for. A sparse sign sketch of Y (2l × l)
 * estimates its condition number; Y ← Y·R⁻¹ re-conditions it only when that grows past 10⁵ (10³ before the
 * last step). The last step, in Float64, gives AZ for Z = AᵀQ̃, and a Rayleigh-Ritz step on span(Z) — the
 * eigenproblem of (AZ)ᵀ(AZ) against ZᵀZ = Q̃ᵀ(AZ), by Cholesky and tridiagonal QL — gives σ and V: the best
 * rank-l approximation of X with rows in that subspace, at least as good as the classic B = QᵀX. Input of rank
 * below l goes to the Gram-Schmidt path (svd-fallback.ts), which completes the null directions. CSR input is
 * never densified; unused columns get zero weights. Time O((2q + 3)·nnz·l + (q + 4)·s·l²), memory
 * O(s·l + nnz) Float64 plus the components.
 * @example
 * const svd = truncatedSvd(tfidf, { components: 100, normalize: true, seed: 1 });
 * const embedding = svd.transform(tfidf); // rows × 100, unit rows, ready for cosine k-means
 * @throws RangeError unless 1 ≤ components ≤ min(rows, cols); TypeError on NaN or infinite input.
 */
export function truncatedSvd(x: Matrix, options: TruncatedSvdOptions): TruncatedSvdModel {
  const { components, powerIterations = 4, oversamples = 10, seed = 0, normalize = false } = options;
  const rank = Math.min(x.rows, x.cols);
  if (!Number.isInteger(components) || components < 1 || components > rank) {
    throw new RangeError(`Cannot compute ${components} components of a ${x.rows}×${x.cols} matrix: choose 1 to ${rank}`);
  }
  if (!Number.isInteger(powerIterations) || powerIterations < 0) throw new RangeError(`powerIterations must be an integer ≥ 0, got ${powerIterations}`);
  if (!Number.isInteger(oversamples) || oversamples < 0) throw new RangeError(`oversamples must be an integer ≥ 0, got ${oversamples}`);
  assertFinite(x);
  const full = toCsr(x);
  const m = full.rows;
  const used = new Uint8Array(full.cols);
  for (let p = 0; p < full.indptr[m]!; p++) used[full.indices[p]!] = 1;
  const n = used.reduce((acc, u) => acc + u, 0);
  // Sketch width: components + oversamples rounded up to whole panels of 8 (free in the panel products).
  const l = Math.min(panelWidth(components + oversamples), Math.min(m, n));
  const r = components;
  const factors =
    (l >= r ? subspacePath(full, m <= n, l, r, powerIterations, seed) : null) ??
    rankSafePath(full, components + oversamples, r, powerIterations, seed);
  const { sigma, vt } = factors;
  const cols = x.cols;
  // Sign each component so its largest entry (the first one on ties) is positive.
  for (let t = 0; t < r; t++) {
    const row = vt.subarray(t * cols, (t + 1) * cols);
    let big = 0;
    for (let j = 0; j < cols; j++) if (Math.abs(row[j]!) > Math.abs(big)) big = row[j]!;
    // + 0 turns the −0 of a flipped empty column into 0.
    if (big < 0) for (let j = 0; j < cols; j++) row[j] = -row[j]! + 0;
  }
  return new TruncatedSvdModel(dense(r, cols, vt), sigma, normalize);
}

/**
 * The subspace path on A = X (rows ≤ used columns: Aᵀ has an empty row per unused column, whose component
 * entries come out 0) or A = Xᵀ (restricted to the used columns unless nearly all are). Components come back
 * over all of X's columns; null when the input is rank deficient.
 */
function subspacePath(x: CsrMatrix, rowsShort: boolean, l: number, r: number, q: number, seed: number): SvdFactors | null {
  if (rowsShort) return subspaceSvd(transposeCsr(x), false, l, r, q, seed);
  const compact = compactColumns(x);
  const factors = subspaceSvd(compact ? compact.x : x, true, l, r, q, seed);
  return factors && compact ? spreadColumns(factors, compact.colMap, r, x.cols) : factors;
}

/** The Gram-Schmidt path on X's used columns, most frequent first, with k random directions (any rank). */
function rankSafePath(x: CsrMatrix, k: number, r: number, q: number, seed: number): SvdFactors {
  const compact = compactColumns(x, true);
  // Keep all columns when fewer used ones remain than components (e.g. a zero matrix).
  const xw = compact && compact.x.cols >= r ? compact.x : x;
  const factors = gramSchmidtSvd(xw, transposeCsr(xw), Math.min(k, xw.rows, xw.cols), r, q, seed);
  return xw === x ? factors : spreadColumns(factors, compact!.colMap, r, x.cols);
}

/** Component rows over compacted columns scattered back to all `cols` columns (zeros elsewhere). */
function spreadColumns(f: SvdFactors, colMap: Int32Array, r: number, cols: number): SvdFactors {
  const n = colMap.length;
  const vt = new Float32Array(r * cols);
  for (let t = 0; t < r; t++) for (let j = 0; j < n; j++) vt[t * cols + colMap[j]!] = f.vt[t * n + j]!;
  return { sigma: f.sigma, vt };
}
