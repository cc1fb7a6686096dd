// Product text → hashed word and character n-gram TF-IDF features (CSR, Float32, L2-normalized per block).
import type { Artifact, FeaturizeOptions, Featurizer, Features, FittedFeaturizer } from "../../core/contracts.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { throwIfAborted } from "../../core/errors.js";
import { runWorker, workerThreads } from "../../core/worker.js";
import { csr, type CsrMatrix } from "../../linalg/matrix.js";
import { lowerBound } from "../../linalg/search.js";
import { EntryBuffer } from "./growable.js";
import { hashDocument, Scratch } from "./hash-pass.js";
import { hashRows, WasmTextHasher, type RawRows } from "./hash-wasm.js";
import { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";

export { TextFeaturizerParams, type TextFeaturizerParamsInput } from "./params.js";

/** Working memory a featurizer's WebAssembly hasher may keep between calls (more, as after a huge batch, is released). */
const KEEP_HASHER_BYTES = 64 * 2 ** 20;

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
  private scratch: Scratch | undefined;
  /** The WebAssembly hashing pass (null: not available, the JavaScript one is used). */
  private hasher: WasmTextHasher | null | undefined;

  constructor(params: TextFeaturizerParams, columns: Int32Array, idf: Float32Array) {
    this.params = params;
    this.columns = columns;
    this.idf = idf;
    this.charStart = lowerBound(columns, 1 << params.hashBits);
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
    if (this.hasher === undefined) {
      const weightRow = this.weightRow.bind(this);
      this.hasher = WasmTextHasher.create(this.params, { columns: this.columns, idf: this.idf, charStart: this.charStart, weightRow }) ?? null;
    }
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
    const p = this.params;
    const charStart = this.charStart;
    let wNorm = 0;
    let cNorm = 0;
    for (let k = start; k < end; k++) {
      const c = indices[k]!;
      let v = values[k]!;
      if (p.sublinearTf) v = 1 + Math.log(v);
      v *= this.idf[c]!;
      values[k] = v;
      if (c < charStart) wNorm += v * v;
      else cNorm += v * v;
    }
    const ws = wNorm > 0 ? p.wordWeight / Math.sqrt(wNorm) : 0;
    const cs = cNorm > 0 ? p.charWeight / Math.sqrt(cNorm) : 0;
    for (let k = start; k < end; k++) values[k] = values[k]! * (indices[k]! < charStart ? ws : cs);
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

/** Documents below which hashing stays on this thread (a worker costs ~50 ms to start). */
const PARALLEL_MIN_DOCS = 8000;
const WORKER_URL = new URL("./hash-worker.js", import.meta.url);

/**
 * Learns the feature space (buckets seen, IDF) and returns the training matrix in one pass over the
 * text: each document is tokenized and hashed once, the second half by a worker thread when the batch is
 * large (the result does not depend on it). Memory: one (index, value) pair per non-zero.
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
    const p = this.params;
    const width = 2 << p.hashBits;
    const n = texts.length;
    const report = (d: number): void => {
      throwIfAborted(options.signal, "Featurizing");
      options.onProgress?.({ stage: "featurize", done: d, total: n });
    };
    const threads = options.threads ?? Math.min(1, workerThreads(WORKER_URL));
    let parts: RawRows[];
    if (threads > 0 && n >= PARALLEL_MIN_DOCS) {
      // The worker hashes the second half while this thread hashes the first.
      const half = n >>> 1;
      const remote = hashInWorker(p, texts.slice(half), options.signal);
      let local: RawRows;
      try {
        local = hashRows(p, texts.slice(0, half), report);
      } catch (e) {
        await remote.catch(() => undefined);
        throw e;
      }
      parts = [local, await remote];
    } else {
      parts = [hashRows(p, texts, report)];
    }
    report(n);
    // Concatenate the parts' rows and add up their document frequencies.
    const nnz = parts.reduce((a, r) => a + r.cols.length, 0);
    const buf = new EntryBuffer(Math.max(1, nnz));
    const indptr = new Int32Array(n + 1);
    const df = parts[0]!.df;
    let row = 0;
    for (const [j, part] of parts.entries()) {
      if (j > 0) for (let c = 0; c < width; c++) df[c]! += part.df[c]!;
      const rows = part.indptr.length - 1;
      for (let d = 0; d < rows; d++) indptr[row + d + 1] = buf.length + part.indptr[d + 1]!;
      buf.indices.set(part.cols, buf.length);
      buf.values.set(part.counts, buf.length);
      buf.length += part.cols.length;
      row += rows;
    }
    parts = [];
    // Compact space: buckets with df >= minDf, ascending (so the word block precedes the char block).
    let dim = 0;
    for (let c = 0; c < width; c++) if (df[c]! >= p.minDf) dim++;
    const columns = new Int32Array(dim);
    const idf = new Float32Array(dim);
    for (let c = 0, k = 0; c < width; c++) {
      if (df[c]! < p.minDf) continue;
      columns[k] = c;
      idf[k++] = p.idf ? Math.log((1 + n) / (1 + df[c]!)) + 1 : 1;
    }
    const featurizer = new FittedTextFeaturizer(p, columns, idf);
    const colMap = new Int32Array(width).fill(-1);
    for (let k = 0; k < dim; k++) colMap[columns[k]!] = k;
    // Remap to compact columns and weight, in place (rows only shrink when minDf drops buckets).
    let w = 0;
    for (let d = 0; d < n; d++) {
      const s = indptr[d]!;
      const e = indptr[d + 1]!;
      const start = w;
      for (let k = s; k < e; k++) {
        const c = colMap[buf.indices[k]!]!;
        if (c < 0) continue;
        buf.indices[w] = c;
        buf.values[w++] = buf.values[k]!;
      }
      featurizer.weightRow(buf.indices, buf.values, start, w);
      indptr[d] = start;
    }
    indptr[n] = w;
    buf.length = w;
    const { indices, values } = buf.toShared();
    return { featurizer, matrix: csr(n, dim, indptr, indices, values) };
  }
}

/** Options of {@link TextFeaturizer.fitTransform}. */
export interface FitTextOptions extends RunOptions {
  /** Worker threads for hashing (default: 1 when a second core exists, 0 when running from sources). */
  threads?: number;
}

async function hashInWorker(p: TextFeaturizerParams, texts: readonly (readonly string[])[], signal?: AbortSignal): Promise<RawRows> {
  let result: RawRows | undefined;
  await runWorker<RawRows>(WORKER_URL, { params: p, texts }, (m) => (result = m), signal, "Featurizing");
  if (!result) throw new Error("Featurizing: the worker thread sent no result");
  return result;
}
