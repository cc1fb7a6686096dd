// Product text → hashed word and character n-gram TF-IDF features (CSR, Float32, L2-normalized per block).
import type { Artifact, FeaturizeOptions, Featurizer, Features, FittedFeaturizer } from "../../core/contracts.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { throwIfAborted } from "../../core/errors.js";
import { csr, rememberFacts, type CsrMatrix } from "../../linalg/matrix.js";
import { lowerBound } from "../../linalg/search.js";
import { EntryBuffer } from "./growable.js";
import { hashDocument, Scratch } from "./hash-pass.js";
import { FitHasher, KEEP_HASHER_BYTES, WasmTextHasher } from "./hash-wasm.js";
import { hashSpace } from "./hash-space.js";
import { BY_MAIN, claim, compactClaimed, LOG_TF, NORMS_BIAS2, weightRow, type CompactPlan, type RawPart, type RowWeights } from "./fit-rows.js";
import { compactArena, fitSpaceWasm, type FittedSpace } from "./compact-wasm.js";
import { FitWorker, takeFitWorker, type FitReply } from "./fit-worker.js";
import { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";

export { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";

/**
 * A fitted text featurizer: maps products to rows of a fixed, compact feature space (the hashed buckets
 * seen in training), weighted by TF-IDF and L2-normalized per block.
 */
export class FittedTextFeaturizer implements FittedFeaturizer {
  readonly kind = "text-tfidf";
  readonly params: TextFeaturizerParams;
  /** Raw bucket of each compact column, ascending. */
  readonly columns: Int32Array;
  /** IDF of each compact column (1 when idf is off). */
  readonly idf: Float32Array;
  /** Compact column of each raw bucket (-1: not in the space), built when the JavaScript pass first needs it. */
  private colMapJs: Int32Array | undefined;
  /** First compact column of the character block (columns are sorted by raw bucket). */
  private readonly charStart: number;
  /** What {@link FittedTextFeaturizer.weightRow} needs. */
  private readonly weights: RowWeights;
  private scratch: Scratch | undefined;
  /** The WebAssembly hashing pass (null: not available, the JavaScript one is used). */
  private hasher: WasmTextHasher | null | undefined;

  constructor(params: TextFeaturizerParams, columns: Int32Array, idf: Float32Array) {
    this.params = params;
    this.columns = columns;
    this.idf = idf;
    this.charStart = lowerBound(columns, 1 << params.hashBits);
    this.weights = { params, idf, charStart: this.charStart };
  }

  private get colMap(): Int32Array {
    if (this.colMapJs) return this.colMapJs;
    const m = new Int32Array(2 << this.params.hashBits).fill(-1);
    for (let k = 0; k < this.columns.length; k++) m[this.columns[k]!] = k;
    return (this.colMapJs = m);
  }

  /** Number of output columns. */
  get dim(): number {
    return this.columns.length;
  }

  private sc(): Scratch {
    return (this.scratch ??= new Scratch());
  }

  /** Features of many products, one CSR row each. */
  transform(items: readonly Product[], options: RunOptions = {}): CsrMatrix {
    return this.transformTexts(items.map((p) => p.text), options);
  }

  /** The featurizer contract: {@link FittedTextFeaturizer.transform} as `{ matrix }` (every row usable). */
  async featurize(items: readonly Product[], options: FeaturizeOptions = {}): Promise<Features> {
    return { matrix: this.transform(items, options) };
  }

  /** Nothing to release (the batch pool belongs to the model). */
  async close(): Promise<void> {}

  /**
   * Features of raw text-field arrays (first = title): hashed in WebAssembly when its module is built, else
   * by {@link FittedTextFeaturizer.transformTextsInJs} (the same rows, bit for bit).
   */
  transformTexts(texts: readonly (readonly string[])[], options: RunOptions = {}): CsrMatrix {
    if (this.hasher === undefined) this.hasher = WasmTextHasher.create(this.params, hashSpace(this.params, this.columns, this.idf)) ?? null;
    if (this.hasher === null) return this.transformTextsInJs(texts, options);
    const hasher = this.hasher;
    let r: ReturnType<WasmTextHasher["hash"]>;
    try {
      r = hasher.hash(texts, (d) => {
        throwIfAborted(options.signal, "Featurizing");
        options.onProgress?.({ stage: "featurize", done: d, total: texts.length });
      });
    } finally {
      // A huge batch grew the hasher's memory, which never shrinks: let it go (a new one costs ~1 ms).
      if (hasher.workingBytes > KEEP_HASHER_BYTES) this.hasher = undefined;
    }
    return csr(texts.length, this.dim, r.indptr, r.indices, r.values);
  }

  /** {@link FittedTextFeaturizer.transformTexts} by the JavaScript hashing pass. */
  transformTextsInJs(texts: readonly (readonly string[])[], options: RunOptions = {}): CsrMatrix {
    const colMap = this.colMap;
    const sc = this.sc();
    const buf = new EntryBuffer(Math.max(1024, texts.length * 64));
    const indptr = new Int32Array(texts.length + 1);
    for (let d = 0; d < texts.length; d++) {
      if ((d & 4095) === 4095) {
        throwIfAborted(options.signal, "Featurizing");
        options.onProgress?.({ stage: "featurize", done: d, total: texts.length });
      }
      hashDocument(this.params, texts[d]!, sc);
      sc.finish();
      buf.reserve(sc.nTouched);
      let k = buf.length;
      for (let t = 0; t < sc.nTouched; t++) {
        const col = sc.touched[t]!;
        const c = colMap[col]!;
        if (c < 0) continue;
        buf.indices[k] = c;
        buf.values[k++] = sc.counts[t]!;
      }
      sc.reset();
      this.weightRow(buf.indices, buf.values, buf.length, k);
      buf.length = k;
      indptr[d + 1] = k;
    }
    const { indices, values } = buf.toExact();
    return csr(texts.length, this.dim, indptr, indices, values);
  }

  /** In place: counts → (sublinear) tf × idf, then per-block L2 normalization and block weights. */
  weightRow(indices: Int32Array, values: Float32Array, start: number, end: number): void {
    weightRow(this.weights, indices, values, start, end);
  }

  toArtifact(): Artifact {
    return {
      kind: this.kind,
      params: { ...this.params },
      meta: { dim: this.dim },
      arrays: { columns: this.columns, idf: this.idf },
    };
  }

  static fromArtifact(a: Artifact): FittedTextFeaturizer {
    const params = TextFeaturizerParams.parse(a.params);
    const columns = a.arrays.columns;
    const idf = a.arrays.idf;
    if (!(columns instanceof Int32Array) || !(idf instanceof Float32Array) || columns.length !== idf.length) {
      throw new TypeError("Text featurizer artifact needs Int32 `columns` and Float32 `idf` of equal length");
    }
    return new FittedTextFeaturizer(params, columns, idf);
  }
}

/** The fit result: the featurizer plus the training matrix it produced in the same pass. */
export interface TextFitResult {
  featurizer: FittedTextFeaturizer;
  matrix: CsrMatrix;
}

/**
 * Characters of text below which hashing stays on this thread: with a worker started ahead (prestartFitWorker)
 * that is a few milliseconds of hashing (featurizing costs ~0.3 µs a character on one thread, and what the worker
 * takes is about half: parts are claimed, so neither thread waits for the other). A worker started here is ready
 * after ~40 ms (this thread hashes meanwhile), so it pays off on more text.
 */
const PARALLEL_MIN_CHARS_WARM = 250_000;
const PARALLEL_MIN_CHARS_COLD = 1_000_000;

const sharedInt32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n);
const sharedFloat32 = (n: number): Float32Array => new Float32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n);

function totalChars(texts: readonly (readonly string[])[]): number {
  let total = 0;
  for (const fields of texts) for (const f of fields) total += f ? f.length : 0;
  return total;
}

/**
 * Learns the feature space (buckets seen, IDF) and returns the training matrix in one pass over the
 * text: each document is tokenized and hashed once. When the batch is large, a worker thread shares the work
 * (the result does not depend on it): the documents go to it in parts, each hashed by whichever thread claims it
 * first (the worker from the front, this thread from the back), and so compacted and weighed. Memory: one (index,
 * value) pair per non-zero for the hashed rows, and one for the matrix (shared memory, so the classifier's
 * worker threads read it without a copy).
 */
export class TextFeaturizer implements Featurizer {
  readonly kind = "text-tfidf";
  readonly params: TextFeaturizerParams;

  constructor(params: TextFeaturizerParamsInput = {}) {
    this.params = TextFeaturizerParams.parse(params);
  }

  /** Learns the feature space (buckets seen, IDF); see {@link TextFeaturizer.fitTransform} to get the training rows too. */
  async fit(items: readonly Product[], options: FitTextOptions = {}): Promise<FittedTextFeaturizer> {
    return (await this.fitTransform(items, options)).featurizer;
  }

  fitTransform(items: readonly Product[], options: FitTextOptions = {}): Promise<TextFitResult> {
    return this.fitTransformTexts(
      items.map((p) => p.text),
      options,
    );
  }

  async fitTransformTexts(texts: readonly (readonly string[])[], options: FitTextOptions = {}): Promise<TextFitResult> {
    const spare = takeFitWorker();
    const threads = options.threads ?? (spare || FitWorker.available() ? 1 : 0);
    let worker: FitWorker | undefined;
    if (threads > 0 && spare?.continues(texts, this.params) === true) {
      // A worker fed documents ahead (feedFitWorker) goes on from there; one started ahead but not fed, if the text is worth it.
      if (spare.docCount > 0 || totalChars(texts) >= PARALLEL_MIN_CHARS_WARM) worker = spare;
    } else if (threads > 0 && totalChars(texts) >= PARALLEL_MIN_CHARS_COLD) {
      worker = FitWorker.start();
    }
    if (worker !== spare) spare?.close();
    try {
      return await this.fitParts(texts, worker, options);
    } finally {
      worker?.close();
    }
  }

  /** {@link TextFeaturizer.fitTransformTexts}: the parts `worker` claims are its, the rest this thread's. */
  private async fitParts(texts: readonly (readonly string[])[], worker: FitWorker | undefined, options: FitTextOptions): Promise<TextFitResult> {
    const p = this.params;
    const width = 2 << p.hashBits;
    const n = texts.length;
    const report = (d: number): void => {
      throwIfAborted(options.signal, "Featurizing");
      options.onProgress?.({ stage: "featurize", done: d, total: n });
    };
    const hasher = new FitHasher(p);
    let ranges: { first: number; count: number }[] = [{ first: 0, count: n }];
    if (worker) {
      worker.begin(p);
      worker.add(texts.slice(worker.docCount));
      worker.flush(true);
      ranges = worker.parts;
    }
    const parts: RawPart[] = new Array<RawPart>(ranges.length);
    // This thread takes parts from the back until it meets the worker.
    let done = 0;
    for (let b = ranges.length - 1; b >= 0 && (!worker || claim(worker.claims, b, BY_MAIN)); b--) {
      const r = ranges[b]!;
      const whole = r.first === 0 && r.count === n;
      parts[b] = hasher.part(whole ? texts : texts.slice(r.first, r.first + r.count), r.first, whole ? report : undefined);
      report((done += r.count));
    }
    const df = hasher.df;
    // The worker's document frequencies (summed with this thread's where the space is found).
    let remoteDf: Int32Array | undefined;
    if (worker) {
      const remote = (await worker.request({ kind: "finish" }, options.signal)) as Extract<FitReply, { kind: "hashed" }>;
      for (const { index, part } of remote.parts) parts[index] = part;
      if (remote.df.length === width) remoteDf = remote.df;
    }
    report(n);
    // The table and the output in an arena of WebAssembly memory when its compaction is available, else shared arrays.
    let nnz = 0;
    let partRows = 0;
    let partEntries = 0;
    for (const part of parts) {
      nnz += part.cols.length;
      partRows = Math.max(partRows, part.indptr.length - 1);
      partEntries = Math.max(partEntries, part.cols.length);
    }
    const arena = compactArena(width, nnz, n, partRows, partEntries, LOG_TF);
    // Compact space: buckets with df >= minDf, ascending, and the table compacting looks them up in (see fitSpace).
    const table = arena?.table ?? new Int32Array(new SharedArrayBuffer(width * 8));
    const space = (arena && fitSpaceWasm(arena, df, remoteDf, p.minDf, n, p.idf)) ?? fitSpace(df, remoteDf, p, n, table);
    const { columns, idf } = space;
    const dim = columns.length;
    const featurizer = new FittedTextFeaturizer(p, columns, idf);
    // Both threads write their rows, compacted and weighted, straight into the matrix's shared arrays.
    const at = sharedInt32(parts.length);
    for (let b = 0, a = 0; b < parts.length; b++) {
      at[b] = a;
      a += parts[b]!.cols.length;
    }
    const plan: CompactPlan = {
      parts,
      at,
      ends: sharedInt32(parts.length),
      claims: sharedInt32(parts.length),
      table,
      weights: { params: { sublinearTf: p.sublinearTf, wordWeight: p.wordWeight, charWeight: p.charWeight }, charStart: lowerBound(columns, 1 << p.hashBits) },
      indices: arena?.indices ?? sharedInt32(nnz),
      values: arena?.values ?? sharedFloat32(nnz),
      indptr: arena?.indptr ?? new Int32Array(worker ? new SharedArrayBuffer((n + 1) * 4) : new ArrayBuffer((n + 1) * 4)),
      norms: arena?.norms ?? new Float64Array(worker ? new SharedArrayBuffer(n * 8) : new ArrayBuffer(n * 8)),
      ...(arena ? { arena: arena.arena } : {}),
    };
    const compacting = worker?.request({ kind: "compact", plan }, options.signal);
    compacting?.catch(() => undefined); // awaited below; a failure while this thread compacts is not unhandled
    compactClaimed(plan, BY_MAIN);
    if (compacting) await compacting;
    let { indices, values } = plan;
    const end = closeGaps(plan);
    if (end < nnz) {
      indices = copyShared(indices, end, sharedInt32);
      values = copyShared(values, end, sharedFloat32);
    }
    const matrix = csr(n, dim, worker || arena ? plan.indptr.slice() : plan.indptr, indices, values);
    // A column's entries are its bucket's documents (a document has a bucket once): the classifier orders columns by
    // them. The values are finite (counts, logs and IDFs, scaled by norms that are positive or skipped), and the rows'
    // squared norms were summed as they were written: the solvers need not pass over every entry for either.
    rememberFacts(matrix, { columnCounts: space.counts, finite: true, squaredNorms: { bias2: NORMS_BIAS2, norms: plan.norms } });
    return { featurizer, matrix };
  }
}

/**
 * The fitted space (compact-wasm.ts fitSpaceWasm's JavaScript twin): the buckets whose document frequency (`df` plus
 * `remoteDf`, the fit worker's, when given) is at least minDf, ascending, so that the word block precedes the
 * character block; their IDFs; and `table`, which the compaction looks them up in (see compactRows), filled in the same
 * pass.
 */
function fitSpace(df: Int32Array, remoteDf: Int32Array | undefined, p: TextFeaturizerParams, n: number, table: Int32Array): FittedSpace {
  const width = df.length;
  if (remoteDf) for (let c = 0; c < width; c++) df[c]! += remoteDf[c]!;
  const tableIdf = new Float32Array(table.buffer, table.byteOffset, table.length);
  const allColumns = new Int32Array(width);
  const allIdf = new Float32Array(width);
  const allCounts = new Int32Array(width);
  let dim = 0;
  for (let c = 0; c < width; c++) {
    if (df[c]! < p.minDf) {
      table[2 * c] = -1;
      continue;
    }
    allCounts[dim] = df[c]!;
    allColumns[dim] = c;
    allIdf[dim] = p.idf ? Math.log((1 + n) / (1 + df[c]!)) + 1 : 1;
    table[2 * c] = dim;
    tableIdf[2 * c + 1] = allIdf[dim++]!;
  }
  return { columns: allColumns.slice(0, dim), counts: allCounts.slice(0, dim), idf: allIdf.slice(0, dim) };
}

/**
 * Where minDf dropped entries of a part, moves the parts after it back to close the gap (each part was written
 * from where its raw rows would have ended); returns the end of the entries.
 */
function closeGaps(plan: CompactPlan): number {
  const { parts, at, ends, indices, values, indptr } = plan;
  let end = 0;
  for (let b = 0; b < parts.length; b++) {
    const from = at[b]!;
    const to = ends[b]!;
    const shift = from - end;
    if (shift > 0) {
      indices.copyWithin(end, from, to);
      values.copyWithin(end, from, to);
      const part = parts[b]!;
      for (let d = part.first + 1, last = part.first + part.indptr.length - 1; d <= last; d++) indptr[d]! -= shift;
    }
    end += to - from;
  }
  return end;
}

/** The first `n` entries of `a` in exact-size shared memory. */
function copyShared<T extends Int32Array | Float32Array>(a: T, n: number, make: (n: number) => T): T {
  const out = make(n);
  out.set(a.subarray(0, n));
  return out;
}

/** Options of {@link TextFeaturizer.fitTransform}. */
export interface FitTextOptions extends RunOptions {
  /** Worker threads for hashing (default: 1 when a second core exists, 0 when running from sources). */
  threads?: number;
}
