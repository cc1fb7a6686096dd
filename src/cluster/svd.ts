// Randomized truncated SVD (Halko, Martinsson & Tropp 2011) of dense or CSR rows: TF-IDF → LSA embeddings.
import type { Artifact, Persistable } from "../core/contracts.js";
import { Random } from "../core/random.js";
import { assertFinite, csr, dense, toCsr, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { compactColumns, type Centers } from "./kernels.js";
import { rowDots } from "./row-scores.js";
import { dotRange, orthonormalizeColumns, symmetricEigen } from "./orthogonal.js";

/** Options of {@link truncatedSvd}. */
export interface TruncatedSvdOptions {
  /** Number of singular triplets to keep (≤ min(rows, cols)). */
  components: number;
  /** Subspace (power) iterations; more sharpen a slowly decaying spectrum. Default 4. */
  powerIterations?: number;
  /** Extra random directions beyond `components` (Halko's p). Default 10. */
  oversamples?: number;
  /** Seed of the Gaussian test matrix. Default 0. */
  seed?: number;
  /** L2-normalize each row of `transform`'s output (the usual TF-IDF → SVD → normalize → k-means step). */
  normalize?: boolean;
}

/** y (rows × l, row-major) = x · w, with w feature-major (cols × l), by the blocked k-means score kernel. O(nnz · l). */
function times(x: Matrix, w: Float64Array, l: number): Float64Array {
  const y = new Float64Array(x.rows * l);
  const view: Centers = { k: l, d: x.cols, ct: w, cn: new Float64Array(l) };
  const row = new Float64Array(l);
  for (let i = 0; i < x.rows; i++) {
    rowDots(x, i, view, row);
    y.set(row, i * l);
  }
  return y;
}

/**
 * Same product for CSR rows that are long (Xᵀ's rows are X's columns, some stored in nearly every row): each
 * group of four stored values adds four scaled, contiguous rows of w into the output row at once, streaming w's
 * rows instead of revisiting them once per block of 8 outputs. O(nnz · l).
 */
function timesLongRows(x: CsrMatrix, w: Float64Array, l: number): Float64Array {
  const y = new Float64Array(x.rows * l);
  const { indptr, indices, data } = x;
  for (let i = 0; i < x.rows; i++) {
    const yo = i * l;
    const end = indptr[i + 1]!;
    let p = indptr[i]!;
    for (; p + 4 <= end; p += 4) {
      const v1 = data[p]!;
      const v2 = data[p + 1]!;
      const v3 = data[p + 2]!;
      const v4 = data[p + 3]!;
      const o1 = indices[p]! * l;
      const o2 = indices[p + 1]! * l;
      const o3 = indices[p + 2]! * l;
      const o4 = indices[p + 3]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v1 * w[o1 + t]! + v2 * w[o2 + t]! + v3 * w[o3 + t]! + v4 * w[o4 + t]!;
    }
    for (; p < end; p++) {
      const v = data[p]!;
      const o = indices[p]! * l;
      for (let t = 0; t < l; t++) y[yo + t]! += v * w[o + t]!;
    }
  }
  return y;
}

/** Xᵀ as CSR (X's columns as rows), so products with Xᵀ gather rows of the left factor instead of scattering. O(nnz + cols). */
function transposeCsr(x: Matrix): CsrMatrix {
  const c = toCsr(x);
  const nz = c.indptr[c.rows]!;
  const indptr = new Int32Array(c.cols + 1);
  for (let p = 0; p < nz; p++) indptr[c.indices[p]! + 1]!++;
  for (let j = 0; j < c.cols; j++) indptr[j + 1]! += indptr[j]!;
  const fill = indptr.slice(0, c.cols);
  const indices = new Int32Array(nz);
  const data = new Float32Array(nz);
  for (let i = 0; i < c.rows; i++) {
    for (let p = c.indptr[i]!; p < c.indptr[i + 1]!; p++) {
      const q = fill[c.indices[p]!]!++;
      indices[q] = i;
      data[q] = c.data[p]!;
    }
  }
  return csr(c.cols, c.rows, indptr, indices, data);
}

/**
 * A fitted truncated SVD X ≈ U Σ Vᵀ: `components` holds Vᵀ (components × cols, orthonormal rows, each signed so
 * its largest entry is positive), `singularValues` Σ in descending order. `transform(x)` = x·V (optionally with
 * unit rows), so for the training rows it gives U Σ.
 */
export class TruncatedSvdModel implements Persistable {
  readonly kind = "truncated-svd";
  readonly components: DenseMatrix;
  readonly singularValues: Float64Array;
  readonly normalize: boolean;
  /** Feature-major Float64 copy of the components for the transform kernel. */
  private readonly vt: Float64Array;

  constructor(components: DenseMatrix, singularValues: Float64Array, normalize: boolean) {
    if (singularValues.length !== components.rows) {
      throw new RangeError(`Got ${singularValues.length} singular values for ${components.rows} components`);
    }
    this.components = components;
    this.singularValues = singularValues;
    this.normalize = normalize;
    const { rows: r, cols: d, data } = components;
    this.vt = new Float64Array(r * d);
    for (let t = 0; t < r; t++) for (let j = 0; j < d; j++) this.vt[j * r + t] = data[t * d + j]!;
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
    const y = times(x, this.vt, r);
    if (this.normalize) {
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        for (let t = 0; t < r; t++) s += y[i * r + t]! * y[i * r + t]!;
        if (s > 0) for (let t = 0, inv = 1 / Math.sqrt(s); t < r; t++) y[i * r + t]! *= inv;
      }
    }
    return dense(x.rows, r, Float32Array.from(y));
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: { normalize: this.normalize },
      meta: { components: this.components.rows, featureCount: this.featureCount },
      arrays: { components: this.components.data, singularValues: this.singularValues },
    };
  }

  /** Restores a model from {@link TruncatedSvdModel.toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): TruncatedSvdModel {
    const { components: r, featureCount: d } = a.meta as { components: number; featureCount: number };
    const { components, singularValues } = a.arrays;
    if (!(components instanceof Float32Array) || !(singularValues instanceof Float64Array) || components.length !== r * d) {
      throw new TypeError(`Artifact of "${a.kind}" needs Float32 "components" (${r}×${d}) and Float64 "singularValues"`);
    }
    return new TruncatedSvdModel(dense(r, d, components), singularValues, a.params["normalize"] === true);
  }
}

/**
 * Randomized truncated SVD: a Gaussian test matrix Ω (cols × (components + oversamples), from `Random.normal`),
 * Y = XΩ, `powerIterations` rounds of Y ← X(XᵀY) with Gram-Schmidt re-orthonormalization, Q = orth(Y),
 * then the small SVD of B = QᵀX through the Jacobi eigendecomposition of BBᵀ. CSR input is never densified
 * and only the columns it uses take part. Time O((2q + 2)·nnz·l + q·rows·l² + cols·l²), l = components +
 * oversamples; memory O((rows + cols)·l) Float64.
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
  let xw: Matrix = x;
  let colMap: Int32Array | null = null;
  if (x.kind === "csr") {
    const compact = compactColumns(x, true);
    if (compact) ({ x: xw, colMap } = compact);
  }
  const xt = transposeCsr(xw);
  const m = xw.rows;
  const n = xw.cols;
  const l = Math.min(components + oversamples, Math.min(m, n));
  const rng = new Random(seed);
  const omega = new Float64Array(n * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  // Range finder: orthonormalize after every product with X (one pass suffices in between; twice at the end).
  let y = times(xw, omega, l);
  for (let q = 0; q < powerIterations; q++) {
    orthonormalizeColumns(y, m, l, rng, 1);
    const z = timesLongRows(xt, y, l);
    if (n <= m) orthonormalizeColumns(z, n, l, rng, 1);
    y = times(xw, z, l);
  }
  orthonormalizeColumns(y, m, l, rng, 2);
  // B = QᵀX, kept as Bᵀ (n × l); BBᵀ = (Bᵀ)ᵀBᵀ is l × l.
  const bt = timesLongRows(xt, y, l);
  // g = BtᵀBt, from Bt transposed so each entry is one contiguous dot product over n.
  const b = new Float64Array(l * n);
  for (let j = 0; j < n; j++) for (let a = 0; a < l; a++) b[a * n + j] = bt[j * l + a]!;
  const g = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let c = a; c < l; c++) g[a * l + c] = g[c * l + a] = dotRange(b, a * n, b, c * n, n);
  }
  const { values, vectors } = symmetricEigen(g, l);
  // Right singular vectors v_t = Bᵀw_t / σ_t; directions with σ_t ≈ 0 are completed by Gram-Schmidt.
  const r = components;
  const sigma = new Float64Array(r);
  for (let t = 0; t < r; t++) sigma[t] = Math.sqrt(Math.max(0, values[t]!));
  const v = new Float64Array(n * r);
  const tiny = 1e-10 * sigma[0]!;
  const w = new Float64Array(r * l); // w[t·l + a] = vectors[a][t] / σ_t: contiguous per t
  for (let t = 0; t < r; t++) {
    if (sigma[t]! > tiny) for (let a = 0; a < l; a++) w[t * l + a] = vectors[a * l + t]! / sigma[t]!;
  }
  for (let j = 0; j < n; j++) for (let t = 0; t < r; t++) v[j * r + t] = dotRange(bt, j * l, w, t * l, l);
  if (sigma[r - 1]! <= tiny) orthonormalizeColumns(v, n, r, rng, 2);
  const cols = x.cols;
  const out = new Float32Array(r * cols);
  for (let t = 0; t < r; t++) {
    let big = 0;
    for (let j = 0; j < n; j++) if (Math.abs(v[j * r + t]!) > Math.abs(big)) big = v[j * r + t]!;
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < n; j++) out[t * cols + (colMap ? colMap[j]! : j)] = sign * v[j * r + t]!;
  }
  return new TruncatedSvdModel(dense(r, cols, out), sigma, normalize);
}
