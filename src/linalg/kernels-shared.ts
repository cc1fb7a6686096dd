// The kernels' interface (LinalgKernels and the workspaces it hands out) and what both backends share: the Gram
// plan, argument checks and float32 helpers. The backends are ./kernels-js.ts and ./kernels-wasm.ts; ./kernels.ts
// picks one.

/** CSR rows as the kernels read them. */
export interface SparseRows {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/** Batch scoring against one weight matrix (feature-major float32, `weights[f * classCount + c]`). */
export interface Scorer {
  /** out[i·k + c] = intercept[c] + Σ x[i, f] · weights[f·k + c], each step rounded to float32. */
  score(x: SparseRows, out: Float32Array): void;
}

/**
 * Per-row arrays of one binary dual problem, which {@link SparseWorkspace.svmPass} reads and updates (views on
 * the kernels' memory, one value per row of the workspace's matrix; fill them before a pass).
 */
export interface DualRows {
  /** Label, +1 or -1. */
  y: Int8Array;
  /** Upper bound C_i. */
  cost: Float32Array;
  /** ‖x_i‖² + bias². */
  xsq: Float64Array;
  /** Dual variable (updated by the passes). */
  alpha: Float64Array;
  /** The order in which a pass visits rows; its head is the active set. */
  index: Int32Array;
}

/**
 * The arrays of K binary problems over one matrix's rows (views on the kernels' memory; capacity K =
 * `capacity`, used with a stride of the k passed to the kernels).
 */
export interface GroupRows {
  capacity: number;
  /**
   * Feature-major weights: w[j·k + c] (j = cols: the bias weights), float32 (half the memory traffic of the
   * passes), updated and summed in float32 arithmetic (four classes a SIMD vector).
   */
  w: Float32Array;
  /** y[i·k + c]: ±1. */
  y: Int8Array;
  /** alpha[i·k + c]. */
  alpha: Float64Array;
  /** off[i·k + c]: 1 = shrunk or finished (skipped), 0 = active. */
  off: Uint8Array;
  /** Per class: [2c] largest, [2c + 1] smallest projected gradient of the previous pass (shrinking bounds). */
  pgOld: Float64Array;
  /** The same, of the last pass (written by svmPassGroup). */
  pgNew: Float64Array;
  /** Rows to score (groupDots) and their scores (rows × k). */
  list: Int32Array;
  dots: Float64Array;
}

/** What {@link SparseWorkspace.svmPass} reports about the pass it made. */
export interface PassResult {
  /** Rows still active (index[0..active)). */
  active: number;
  /** Largest and smallest projected gradient over the rows it visited (-∞ / +∞ when none). */
  pgMax: number;
  pgMin: number;
}

/**
 * The dual coordinate descent's kernels over one CSR matrix's rows and a float64 weight vector `w` (cols + 1
 * values: the weights then the bias weight): sparse dot and axpy, and whole passes of the SVM solver.
 */
export interface SparseWorkspace {
  /** The weight vector the kernels update (a view: read it, set it, but do not keep it across `reset`). */
  readonly w: Float64Array;
  /** The per-row arrays of the problem being solved (views; see {@link DualRows}). */
  readonly dual: DualRows;
  /**
   * One pass of dual coordinate descent for the SVM losses (squared hinge when `squared`, else hinge) over
   * dual.index[0..active) in that order, with LIBLINEAR's shrinking against the previous pass's
   * `pgMaxOld` / `pgMinOld` (±∞ = shrink nothing): updates w and dual.alpha, moves shrunk rows behind the
   * active head of dual.index.
   */
  svmPass(active: number, squared: boolean, bias: number, pgMaxOld: number, pgMinOld: number): PassResult;
  /** The arrays of K problems solved together ({@link SparseWorkspace.svmPassGroup}); K ≤ `groupCapacity`. */
  readonly group: GroupRows;
  /**
   * One pass of dual coordinate descent for `k` binary problems over the same rows at once, in the order
   * dual.index[0..active) (shared by the k problems); per row, dual.cost and dual.xsq; per (row, class), the
   * group arrays. Per class it does what {@link svmPass} does (the same operations in the same order), with
   * shrinking by flags (group.off) instead of by moving rows; a row leaves the active head once all its
   * classes are off. Returns the new active count; group.pgNew holds each class's largest and smallest
   * projected gradient.
   */
  svmPassGroup(k: number, active: number, squared: boolean, bias: number): number;
  /**
   * Takes rows group.list[0..n) out of the k problems' solution: their alphas to 0, their share of the
   * weights removed (w[j·k + c] −= alpha·y·x_ij, and the bias weights).
   */
  groupRemove(k: number, n: number, bias: number): void;
  /** group.dots[t·k + c] = class c's score (its weights and bias weight) of row group.list[t], for t < n. */
  groupDots(k: number, n: number, bias: number): void;
  /**
   * The positions p in [from, to) of group.w whose |w[p]| ≥ lim (a float32 bound: see {@link float32AtLeast}),
   * ascending, into group.list; returns how many. to − from is at most the row count (group.list's length).
   */
  groupKept(from: number, to: number, lim: number): number;
  /** init + Σ_{p in [start, end)} w[indices[p]] · data[p]. */
  dot(init: number, start: number, end: number): number;
  /** w[indices[p]] += step · data[p] for p in [start, end). */
  axpy(step: number, start: number, end: number): void;
  /** Zeroes w. */
  reset(): void;
}

/**
 * CSR rows placed once where every thread's kernels can read them (a shared WebAssembly memory, or
 * SharedArrayBuffers for the JavaScript kernels), with one weight vector per thread (`slots`). `handle` is what
 * a worker thread is sent (structured-cloneable, memory shared, not copied).
 */
export interface SharedRows {
  /** The rows, as views on the shared memory. */
  x: SparseRows;
  handle: SharedRowsHandle;
}

/** The slice of a WebAssembly.Memory the kernels use (the project's TS lib has no WebAssembly typings). */
export interface WasmMemory {
  buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** Opaque: pass it to {@link LinalgKernels.workspaceOn} in any thread. */
export interface SharedRowsHandle {
  backend: "wasm-simd" | "js";
  rows: number;
  cols: number;
  slots: number;
  /** The group capacity of each slot's workspace. */
  group: number;
  /** JavaScript: the shared arrays. WebAssembly: the memory and byte offsets. */
  indptr?: Int32Array;
  indices?: Int32Array;
  data?: Float32Array;
  memory?: WasmMemory;
  at?: { indptr: number; indices: number; data: number; slots: number };
}

export interface LinalgKernels {
  readonly backend: "wasm-simd" | "js";
  scorer(weights: Float32Array, classCount: number, intercept: Float32Array): Scorer;
  /** A workspace over `x` (copied once where the backend needs its own memory), for groups of up to `group` problems (default 1). */
  workspace(x: SparseRows, cols: number, group?: number): SparseWorkspace;
  /**
   * Copies `x` once into memory that `slots` threads share (see {@link SharedRows}); workspaces for groups of up to
   * `group` problems. With `columnAt`, the copy's columns are renumbered as it is made: column j of `x` is column
   * columnAt[j] of the copy.
   */
  share(x: SparseRows, cols: number, slots: number, group?: number, columnAt?: Int32Array): SharedRows;
  /** Weight slot `slot` (0 ≤ slot < handle.slots) over shared rows; one slot per thread at a time. */
  workspaceOn(handle: SharedRowsHandle, slot: number): SparseWorkspace;
  /**
   * Has the solvers' long-running kernels (one call a pass over every row) compiled for speed now, once per thread,
   * ahead of their first call (a few milliseconds; nothing where there is nothing to compile).
   */
  prepareSolvers(): void;
  /**
   * The Gram matrix of x's rows (cols columns) with a constant bias feature: q[i·n + j] = x_i·x_j + bias² (float64;
   * the products of float32 entries, summed feature by feature), into `out` when given (n² values).
   */
  gramMatrix(x: SparseRows, cols: number, bias: number, out?: Float64Array): Float64Array;
  /**
   * Block r's rows of that Gram matrix's upper triangle (b ≥ a), from x's {@link gramPlan}, into q (n × n; only
   * those entries are written, each the same sum as gramMatrix's): threads may fill different blocks of one q,
   * then {@link gramMirror} completes it.
   */
  gramRows(plan: GramPlan, r: number, bias: number, q: Float64Array): void;
  /** A workspace for groups of up to `group` problems in the dual space over the n × n Gram matrix `q` (copied in where the backend needs its own memory). */
  gramWorkspace(q: Float64Array, n: number, group: number): GramWorkspace;
  /**
   * A renumbering by descending count: `at[j]` is j's place when the counts (whole numbers in [0, bound]) are sorted
   * from the highest down, ties in index order (a counting sort; {@link countOrderJs} is the JavaScript one).
   * @throws RangeError on a count outside [0, bound]
   */
  countOrder(counts: Int32Array, bound: number): Int32Array;
}

/**
 * K binary SVM problems over n rows in the dual space (classification/gram-cd.ts): the rows' Gram matrix and,
 * class-major ([c·n + i], a stride of n whatever the k passed), the problems' arrays (views on the kernels' memory).
 */
export interface GramWorkspace {
  readonly n: number;
  readonly capacity: number;
  /** Per (class, row): ±1. */
  readonly y: Int8Array;
  /** Per row: C_i, and q_ii (‖x_i‖² + bias²). */
  readonly cost: Float32Array;
  readonly xsq: Float64Array;
  /** Per (class, row): the dual variable, and the score Σ_j alpha·y·q_ij. */
  readonly alpha: Float64Array;
  readonly g: Float64Array;
  readonly off: Uint8Array;
  readonly pgOld: Float64Array;
  readonly pgNew: Float64Array;
  readonly index: Int32Array;
  /** Rows for {@link GramWorkspace.remove}. */
  readonly list: Int32Array;
  /** svmPassGroup's pass in the dual space (see kernels.as.ts's gramPassGroup); returns the new active count. */
  pass(k: number, active: number, squared: boolean): number;
  /** Takes rows list[0..m) out of the k problems' solution (alphas to 0, their share of the scores removed). */
  remove(k: number, m: number): void;
}

/**
 * What the rows of a Gram matrix are summed from ({@link gramPlan}): x's columns (CSC: rowOf, val at positions
 * [start_j, start_{j+1}), rows ascending) and, for each block of `block` rows (block r's entries at
 * [blockPtr[r], blockPtr[r + 1]), in the CSC's order: by column, then row), each entry's position `from` in the CSC
 * and its column's end `end`: row a of the upper triangle is, over its entries in that order, the sum of
 * val[from]·val[b'] into column rowOf[b'] for b' in [from, end) (the column's rows from a on).
 */
export interface GramPlan {
  n: number;
  block: number;
  blockPtr: Int32Array;
  from: Int32Array;
  end: Int32Array;
  rowOf: Int32Array;
  val: Float64Array;
}

/** Rows of a {@link GramPlan}'s blocks (flipkart-1050: 840 rows in 14 blocks, which the threads share). */
export const GRAM_BLOCK_ROWS = 64;

/**
 * The {@link GramPlan} of x's rows (cols columns), its arrays on shared memory with `shared` (so that threads can
 * each fill some of the blocks: {@link LinalgKernels.gramRows}).
 */
export function gramPlan(x: SparseRows, cols: number, shared = false, block = GRAM_BLOCK_ROWS): GramPlan {
  const { indptr, indices, data } = x;
  const n = x.rows;
  const blocks = Math.ceil(n / block);
  const first = indptr[0]!;
  const nnz = indptr[n]! - first;
  const ints = (length: number): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length));
  const start = new Int32Array(cols + 1);
  for (let p = first; p < first + nnz; p++) start[indices[p]! + 1]!++;
  for (let j = 0; j < cols; j++) start[j + 1]! += start[j]!;
  const rowOf = ints(nnz);
  const val = shared ? new Float64Array(new SharedArrayBuffer(nnz * 8)) : new Float64Array(nnz);
  const fill = start.slice(0, cols);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const at = fill[indices[p]!]!++;
      rowOf[at] = i;
      val[at] = data[p]!;
    }
  }
  const blockPtr = ints(blocks + 1);
  for (let i = 0; i < n; i++) blockPtr[((i / block) | 0) + 1]! += indptr[i + 1]! - indptr[i]!;
  for (let r = 0; r < blocks; r++) blockPtr[r + 1]! += blockPtr[r]!;
  const from = ints(nnz);
  const end = ints(nnz);
  const next = blockPtr.slice(0, blocks);
  for (let j = 0; j < cols; j++) {
    const e = start[j + 1]!;
    for (let b = start[j]!; b < e; b++) {
      const t = next[(rowOf[b]! / block) | 0]!++;
      from[t] = b;
      end[t] = e;
    }
  }
  return { n, block, blockPtr, from, end, rowOf, val };
}

/** The smallest float32 ≥ v (v ≥ 0): for a float32 w, |w| ≥ v exactly when |w| ≥ float32AtLeast(v). */
export function float32AtLeast(v: number): number {
  const f = Math.fround(v);
  if (f >= v) return f;
  const bits = new Uint32Array(Float32Array.of(f).buffer);
  bits[0]!++;
  return new Float32Array(bits.buffer)[0]!;
}

export function checkScan(from: number, to: number, lim: number, length: number, rows: number): void {
  if (!(from >= 0 && from <= to && to <= length && to - from <= rows)) throw new RangeError(`Positions [${from}, ${to}) outside [0, ${length}] or over ${rows}`);
  if (!(lim > 0) || Math.fround(lim) !== lim) throw new RangeError(`The bound ${lim} is not a positive float32`);
}

/** Copies the upper triangle of the n × n q onto its lower one. */
export function gramMirror(q: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) q[j * n + i] = q[i * n + j]!;
}

/** Block r's rows of the Gram matrix q (n × n) filled (upper triangle, b ≥ a) by `rows` into a zeroed block of rows. */
export function gramRowsInto(q: Float64Array, plan: GramPlan, r: number, rows: (out: Float64Array, r0: number, r1: number) => void): void {
  const n = plan.n;
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
  if (!(Number.isInteger(r) && r >= 0 && r < plan.blockPtr.length - 1)) throw new RangeError(`Block ${r} is outside [0, ${plan.blockPtr.length - 1})`);
  const r0 = r * plan.block;
  const r1 = Math.min(n, r0 + plan.block);
  const block = new Float64Array((r1 - r0) * n);
  rows(block, r0, r1);
  // Only the upper triangle is written: a thread filling other rows, or mirroring finished ones, is not disturbed.
  for (let a = r0; a < r1; a++) q.set(block.subarray((a - r0) * n + a, (a - r0 + 1) * n), a * n + a);
}

/** The Gram matrix through `rows` (see {@link LinalgKernels.gramMatrix}). */
export function gramMatrixWith(x: SparseRows, cols: number, bias: number, out: Float64Array | undefined, rows: LinalgKernels["gramRows"]): Float64Array {
  const n = x.rows;
  const q = out ?? new Float64Array(n * n);
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
  const plan = gramPlan(x, cols);
  for (let r = 0; r < plan.blockPtr.length - 1; r++) rows(plan, r, bias, q);
  gramMirror(q, n);
  return q;
}

export function checkGram(q: Float64Array, n: number, group: number): void {
  checkCapacity(group);
  if (q.length !== n * n) throw new RangeError(`A Gram matrix of ${q.length} values for ${n} rows`);
}

/** The arrays of a {@link GramWorkspace} over n rows, capacity problems, from `alloc` (typed arrays of the given lengths). */
export function gramArrays(n: number, capacity: number, alloc: <T extends TypedArray>(Ctor: TypedArrayClass<T>, length: number) => T): Omit<GramWorkspace, "n" | "capacity" | "pass" | "remove"> {
  const nk = n * capacity;
  return {
    y: alloc(Int8Array, nk),
    cost: alloc(Float32Array, n),
    xsq: alloc(Float64Array, n),
    alpha: alloc(Float64Array, nk),
    g: alloc(Float64Array, nk),
    off: alloc(Uint8Array, nk),
    pgOld: alloc(Float64Array, 2 * capacity),
    pgNew: alloc(Float64Array, 2 * capacity),
    index: alloc(Int32Array, n),
    list: alloc(Int32Array, n),
  };
}

export type TypedArray = Int8Array | Uint8Array | Int32Array | Float32Array | Float64Array;

export type TypedArrayClass<T extends TypedArray> = (new (length: number) => T) & (new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T) & { BYTES_PER_ELEMENT: number };

/** The most problems a group may hold (the WebAssembly kernels keep a row's sums in four SIMD registers). */
export const GROUP_LIMIT = 8;

/**
 * {@link LinalgKernels.countOrder} in JavaScript: at[j] = the number of entries with a higher count, plus those with
 * the same count before j. The counts must lie in [0, bound].
 */
export function countOrderJs(counts: Int32Array, bound: number): Int32Array {
  const n = counts.length;
  let top = 0;
  for (let j = 0; j < n; j++) {
    const c = counts[j]!;
    if (!(c >= 0 && c <= bound)) throw new RangeError(`A count of ${c} (at ${j}) is outside [0, ${bound}]`);
    if (c > top) top = c;
  }
  // start[f] = entries with a count above top − f + 1.
  const start = new Int32Array(top + 2);
  for (let j = 0; j < n; j++) start[top - counts[j]! + 1]!++;
  for (let f = 1; f <= top + 1; f++) start[f]! += start[f - 1]!;
  const at = new Int32Array(n);
  for (let j = 0; j < n; j++) at[j] = start[top - counts[j]!]!++;
  return at;
}

/** out[p] = map[a[p]] for p < a.length (a renumbered copy of column indices, as share's columnAt); returns out. */
export function mapInto(out: Int32Array, a: Int32Array, map: Int32Array): Int32Array {
  for (let p = 0; p < a.length; p++) out[p] = map[a[p]!]!;
  return out;
}

export function checkCapacity(group: number): void {
  if (!(Number.isInteger(group) && group >= 1 && group <= GROUP_LIMIT)) throw new RangeError(`A group capacity of ${group} is outside [1, ${GROUP_LIMIT}]`);
}

export function checkGroup(k: number, capacity: number, n: number, rows: number): void {
  if (!(k >= 1 && k <= capacity)) throw new RangeError(`A group of ${k} problems is outside [1, ${capacity}]`);
  if (!(n >= 0 && n <= rows)) throw new RangeError(`${n} rows is outside [0, ${rows}]`);
}
