// Product text → hashed word and character n-gram TF-IDF features (CSR, Float32, L2-normalized per block).
import type { Artifact, FeaturizeOptions, Featurizer, Features, FittedFeaturizer } from "../../core/contracts.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { throwIfAborted } from "../../core/errors.js";
import { csr, type CsrMatrix } from "../../linalg/matrix.js";
import { lowerBound } from "../../linalg/search.js";
import { EntryBuffer } from "./growable.js";
import { hashDocument, Scratch } from "./hash-pass.js";
import { hashRows, KEEP_HASHER_BYTES, WasmTextHasher } from "./hash-wasm.js";
import { hashSpace } from "./hash-space.js";
import { compactRows, weightRow, type RowWeights } from "./fit-rows.js";
import { FitWorker, takeFitWorker, type FitReply } from "./fit-worker.js";
import { segmenterLoaded } from "./tokenize.js";
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
 * that is a few milliseconds of hashing; starting one here costs ~40 ms.
 */
export const PARALLEL_MIN_CHARS_WARM = 2_000_000;
const PARALLEL_MIN_CHARS_COLD = 4_000_000;

/**
 * Where the worker's share starts: `workerShare` of the characters from the end (texts.length when there are fewer
 * than `minChars`).
 */
function splitPoint(texts: readonly (readonly string[])[], minChars: number, workerShare: number): number {
  let total = 0;
  for (const fields of texts) for (const f of fields) total += f ? f.length : 0;
  if (total < minChars) return texts.length;
  const mine = total * (1 - workerShare);
  let seen = 0;
  for (let d = 0; d < texts.length; d++) {
    for (const f of texts[d]!) seen += f ? f.length : 0;
    if (seen >= mine) return d + 1;
  }
  return texts.length;
}

/**
 * The worker's share of Chinese/Japanese text when it has loaded the segmenter ahead and this thread has not (its
 * ~0.2 s dictionary load is about a third of the hashing on cn-online-shopping's 50k reviews).
 */
const CJK_WARM_WORKER_SHARE = 0.55;

const sharedInt32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n);
const sharedFloat32 = (n: number): Float32Array => new Float32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n);

/**
 * Learns the feature space (buckets seen, IDF) and returns the training matrix in one pass over the
 * text: each document is tokenized and hashed once, the second half by a worker thread when the batch is
 * large (the result does not depend on it), which then also compacts and weighs its rows. Memory: one (index,
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
    const n = texts.length;
    const spare = takeFitWorker();
    const threads = options.threads ?? (spare || FitWorker.available() ? 1 : 0);
    const share = spare?.cjkWarm && !segmenterLoaded() ? CJK_WARM_WORKER_SHARE : 0.5;
    const split = threads > 0 ? splitPoint(texts, spare ? PARALLEL_MIN_CHARS_WARM : PARALLEL_MIN_CHARS_COLD, share) : n;
    let worker: FitWorker | undefined;
    if (split < n) worker = spare ?? FitWorker.start();
    else spare?.close();
    try {
      return await this.fitParts(texts, split < n && worker ? split : n, worker, options);
    } finally {
      worker?.close();
    }
  }

  /** {@link TextFeaturizer.fitTransformTexts}: this thread does documents [0, split), `worker` the rest. */
  private async fitParts(texts: readonly (readonly string[])[], split: number, worker: FitWorker | undefined, options: FitTextOptions): Promise<TextFitResult> {
    const p = this.params;
    const width = 2 << p.hashBits;
    const n = texts.length;
    const report = (d: number): void => {
      throwIfAborted(options.signal, "Featurizing");
      options.onProgress?.({ stage: "featurize", done: d, total: n });
    };
    const hashing = worker?.request({ kind: "hash", params: p, texts: texts.slice(split) }, options.signal);
    hashing?.catch(() => undefined); // awaited below; a failure while this thread hashes is not unhandled
    const local = hashRows(p, split === n ? texts : texts.slice(0, split), report);
    const remote = hashing ? ((await hashing) as Extract<FitReply, { kind: "hashed" }>) : undefined;
    report(n);
    const df = local.df;
    let dim = 0;
    for (let c = 0; c < width; c++) {
      if (remote) df[c]! += remote.df[c]!;
      if (df[c]! >= p.minDf) dim++;
    }
    // Compact space: buckets with df >= minDf, ascending (so the word block precedes the char block).
    const columns = new Int32Array(dim);
    const idf = new Float32Array(dim);
    const colMap = new Int32Array(worker ? new SharedArrayBuffer(width * 4) : new ArrayBuffer(width * 4));
    for (let c = 0, k = 0; c < width; c++) {
      if (df[c]! < p.minDf) {
        colMap[c] = -1;
        continue;
      }
      colMap[c] = k;
      columns[k] = c;
      idf[k++] = p.idf ? Math.log((1 + n) / (1 + df[c]!)) + 1 : 1;
    }
    const featurizer = new FittedTextFeaturizer(p, columns, idf);
    // Both threads write their rows, compacted and weighted, straight into the matrix's shared arrays.
    const localNnz = local.cols.length;
    const nnz = localNnz + (remote?.nnz ?? 0);
    let indices = sharedInt32(nnz);
    let values = sharedFloat32(nnz);
    const indptr = new Int32Array(worker ? new SharedArrayBuffer((n + 1) * 4) : new ArrayBuffer((n + 1) * 4));
    const weights: RowWeights = { params: { sublinearTf: p.sublinearTf, wordWeight: p.wordWeight, charWeight: p.charWeight }, idf, charStart: lowerBound(columns, 1 << p.hashBits) };
    const compacting = worker?.request({ kind: "compact", colMap, weights, out: { indices, values, indptr, at: localNnz, rowAt: split } }, options.signal);
    compacting?.catch(() => undefined);
    let end = compactRows(local, colMap, weights, { indices, values, indptr, at: 0, rowAt: 0 });
    if (compacting) {
      const remoteEnd = ((await compacting) as Extract<FitReply, { kind: "compacted" }>).end;
      // minDf dropped entries of this thread's rows: close the gap before the worker's.
      const gap = localNnz - end;
      if (gap > 0) {
        indices.copyWithin(end, localNnz, remoteEnd);
        values.copyWithin(end, localNnz, remoteEnd);
        for (let d = split + 1; d <= n; d++) indptr[d]! -= gap;
      }
      end = remoteEnd - gap;
    }
    if (end < nnz) {
      indices = copyShared(indices, end, sharedInt32);
      values = copyShared(values, end, sharedFloat32);
    }
    return { featurizer, matrix: csr(n, dim, worker ? indptr.slice() : indptr, indices, values) };
  }
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
