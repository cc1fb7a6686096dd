// Dense (row-major) and CSR matrices on typed arrays: the only shapes kernels see.

/** Row-major dense matrix of Float32. */
export interface DenseMatrix {
  kind: "dense";
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Compressed sparse rows (scipy names): row i spans indices/data[indptr[i] .. indptr[i+1]). */
export interface CsrMatrix {
  kind: "csr";
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

export type Matrix = DenseMatrix | CsrMatrix;

/** A zero-filled dense matrix. */
export function dense(rows: number, cols: number, data?: Float32Array): DenseMatrix {
  if (data && data.length !== rows * cols) {
    throw new RangeError(`Dense data has length ${data.length}, expected ${rows}×${cols}=${rows * cols}`);
  }
  return { kind: "dense", rows, cols, data: data ?? new Float32Array(rows * cols) };
}

/** Builds a dense matrix from nested arrays (tests and small inputs only). */
export function denseFromRows(rowsIn: readonly (readonly number[])[], cols?: number): DenseMatrix {
  const c = cols ?? (rowsIn[0]?.length ?? 0);
  const m = dense(rowsIn.length, c);
  rowsIn.forEach((r, i) => {
    if (r.length !== c) throw new RangeError(`Row ${i} has ${r.length} values, expected ${c}`);
    m.data.set(r, i * c);
  });
  return m;
}

/** Validates and wraps CSR arrays. */
export function csr(rows: number, cols: number, indptr: Int32Array, indices: Int32Array, data: Float32Array): CsrMatrix {
  if (indptr.length !== rows + 1) throw new RangeError(`indptr has length ${indptr.length}, expected ${rows + 1}`);
  const nnz = indptr[rows]!;
  if (indices.length < nnz || data.length < nnz) throw new RangeError(`indices/data shorter than nnz ${nnz}`);
  return { kind: "csr", rows, cols, indptr, indices, data };
}

/** Dense → CSR, dropping zeros. */
export function toCsr(m: Matrix): CsrMatrix {
  if (m.kind === "csr") return m;
  let nnz = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i] !== 0) nnz++;
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < m.rows; i++) {
    const off = i * m.cols;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[off + j]!;
      if (v !== 0) {
        indices[k] = j;
        data[k++] = v;
      }
    }
    indptr[i + 1] = k;
  }
  return csr(m.rows, m.cols, indptr, indices, data);
}

/** What a matrix's maker knows of its values, recorded by {@link rememberFacts} (see there). */
export interface MatrixFacts {
  /** The entries of each column (counts[j] for j < cols): a featurizer's document frequencies. */
  columnCounts?: Int32Array;
  /** Every stored value is finite (assertFinite need not look). */
  finite?: boolean;
  /**
   * Each row's squared norm plus `bias2`, summed in float64 from `bias2` over the row's values in order: what
   * dual-cd.ts's rowSquaredNorms computes with a bias whose square is `bias2`, to the bit.
   */
  squaredNorms?: { bias2: number; norms: Float64Array };
}

/** Facts recorded by {@link rememberFacts}, by the matrix's indices array (with the arrays and shape they are of). */
const recordedFacts = new WeakMap<Int32Array, { indptr: Int32Array; data: Float32Array; cols: number; facts: MatrixFacts }>();

/**
 * Records what `m`'s maker knows of it (a featurizer, which counted its columns, made its values finite and summed its
 * rows' squares as it wrote them), so that the classifiers need not pass over every entry again; taken as given,
 * and looked up by {@link knownFacts} only for these same arrays (another indptr, data or column count: nothing).
 */
export function rememberFacts(m: CsrMatrix, facts: MatrixFacts): void {
  if (facts.columnCounts && facts.columnCounts.length !== m.cols) throw new RangeError(`Got ${facts.columnCounts.length} column counts for ${m.cols} columns`);
  if (facts.squaredNorms && facts.squaredNorms.norms.length !== m.rows) throw new RangeError(`Got ${facts.squaredNorms.norms.length} row norms for ${m.rows} rows`);
  const had = recordedFacts.get(m.indices);
  const same = had && had.indptr === m.indptr && had.data === m.data && had.cols === m.cols;
  recordedFacts.set(m.indices, { indptr: m.indptr, data: m.data, cols: m.cols, facts: { ...(same ? had.facts : {}), ...facts } });
}

/** The facts recorded for exactly these arrays by {@link rememberFacts} (empty when none were). */
export function knownFacts(m: { indptr: Int32Array; indices: Int32Array; data: Float32Array; cols: number }): MatrixFacts {
  const r = recordedFacts.get(m.indices);
  return r && r.indptr === m.indptr && r.data === m.data && r.cols === m.cols ? r.facts : {};
}

/** {@link rememberFacts} of column counts alone. */
export function rememberColumnCounts(m: CsrMatrix, counts: Int32Array): void {
  rememberFacts(m, { columnCounts: counts });
}

/**
 * The column counts recorded for this matrix's arrays by {@link rememberFacts} (undefined when none were, or the
 * arrays are shared with another shape: another indptr, data or column count).
 */
export function knownColumnCounts(m: { indptr: Int32Array; indices: Int32Array; data: Float32Array; cols: number }): Int32Array | undefined {
  return knownFacts(m).columnCounts;
}

/** CSR → dense (duplicates in a row are summed). */
export function toDense(m: Matrix): DenseMatrix {
  if (m.kind === "dense") return m;
  const out = dense(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) {
    const off = i * m.cols;
    for (let p = m.indptr[i]!; p < m.indptr[i + 1]!; p++) out.data[off + m.indices[p]!]! += m.data[p]!;
  }
  return out;
}

/** Selects rows (in the given order) into a new matrix of the same kind. */
export function selectRows<M extends Matrix>(m: M, rows: ArrayLike<number>): M {
  if (m.kind === "dense") {
    const out = dense(rows.length, m.cols);
    for (let i = 0; i < rows.length; i++) out.data.set(m.data.subarray(rows[i]! * m.cols, (rows[i]! + 1) * m.cols), i * m.cols);
    return out as M;
  }
  const indptr = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) indptr[i + 1] = indptr[i]! + (m.indptr[rows[i]! + 1]! - m.indptr[rows[i]!]!);
  const nnz = indptr[rows.length]!;
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let i = 0; i < rows.length; i++) {
    const s = m.indptr[rows[i]!]!;
    const e = m.indptr[rows[i]! + 1]!;
    indices.set(m.indices.subarray(s, e), indptr[i]!);
    data.set(m.data.subarray(s, e), indptr[i]!);
  }
  return csr(rows.length, m.cols, indptr, indices, data) as M;
}

/** Number of stored values. */
export function nnz(m: Matrix): number {
  return m.kind === "csr" ? m.indptr[m.rows]! : m.data.length;
}

/** Throws TypeError when any stored value is NaN or infinite. */
export function assertFinite(m: Matrix, what = "Input matrix"): void {
  if (m.kind === "csr" && knownFacts(m).finite) return;
  const d = m.data;
  const n = m.kind === "csr" ? m.indptr[m.rows]! : d.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d[i]!)) throw new TypeError(`${what} contains a non-finite value (${d[i]}) at position ${i}`);
  }
}

/** Stacks CSR matrices with the same column count on top of each other. */
export function vstackCsr(parts: readonly CsrMatrix[]): CsrMatrix {
  if (parts.length === 0) throw new RangeError("vstackCsr needs at least one matrix");
  const cols = parts[0]!.cols;
  let rows = 0;
  let total = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new RangeError(`Cannot stack a ${p.cols}-column matrix on ${cols} columns`);
    rows += p.rows;
    total += p.indptr[p.rows]!;
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  let r = 0;
  let off = 0;
  for (const p of parts) {
    const n = p.indptr[p.rows]!;
    for (let i = 0; i < p.rows; i++) indptr[r + i + 1] = off + p.indptr[i + 1]!;
    indices.set(p.indices.subarray(0, n), off);
    data.set(p.data.subarray(0, n), off);
    r += p.rows;
    off += n;
  }
  return csr(rows, cols, indptr, indices, data);
}
