// A trained fastText model: word and sentence vectors from word + subword rows, nearest words, label prediction.
import type { Artifact } from "../../core/contracts.js";
import type { Product } from "../../core/product.js";
import { dense, type DenseMatrix } from "../../linalg/matrix.js";
import { topK } from "../../linalg/topk.js";
import { FastTextParams } from "./fasttext-params.js";
import { charNgrams, fnv1a } from "./subwords.js";
import { productTokens, textTokens } from "./tokens.js";
import { parseVec } from "./vec-format.js";

/** Training statistics kept with the model. */
export interface FastTextStats {
  lines: number;
  tokens: number;
  seconds: number;
  threads: number;
  /** Mean loss per update over training (null when nothing was trained, e.g. an imported .vec). */
  loss: number | null;
}

interface ModelParts {
  params: FastTextParams;
  words: string[];
  counts: Int32Array;
  /** (words + buckets) × dim, or words × dim without subwords. */
  input: Float32Array;
  output: Float32Array;
  labels: string[] | null;
  stats: FastTextStats;
}

/**
 * A trained fastText model. A word's vector is the mean of its own row and its n-gram bucket rows (an unknown
 * word gets its n-grams only); a sentence vector is the mean of its unit word vectors (unsupervised) or of all
 * its input rows (supervised), as fastText computes them.
 */
export class FastTextModel {
  readonly kind = "fasttext";
  readonly params: FastTextParams;
  readonly words: readonly string[];
  readonly counts: Int32Array;
  readonly labels: readonly string[] | null;
  readonly stats: FastTextStats;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly index = new Map<string, number>();
  private unitWords: Float32Array | null = null;
  private readonly rows: number[] = [];
  private total = 0;

  private constructor(parts: ModelParts) {
    this.params = parts.params;
    this.words = parts.words;
    this.counts = parts.counts;
    this.input = parts.input;
    this.output = parts.output;
    this.labels = parts.labels;
    this.stats = parts.stats;
    parts.words.forEach((w, i) => this.index.set(w, i));
  }

  /** Wraps freshly trained matrices; bucket rows no vocabulary word uses are zeroed, so save/load is exact. */
  static fromTraining(parts: ModelParts): FastTextModel {
    const m = new FastTextModel(parts);
    const used = m.usedBuckets();
    const d = parts.params.dim;
    const nw = parts.words.length;
    const mark = new Uint8Array(m.bucketCount);
    for (const b of used) mark[b] = 1;
    for (let b = 0; b < m.bucketCount; b++) if (!mark[b]) parts.input.fill(0, (nw + b) * d, (nw + b + 1) * d);
    return m;
  }

  get dim(): number {
    return this.params.dim;
  }

  private get bucketCount(): number {
    return this.params.minn > 0 ? this.params.buckets : 0;
  }

  /** Bucket numbers used by the vocabulary's n-grams, ascending. */
  private usedBuckets(): Int32Array {
    const seen = new Set<number>();
    if (this.bucketCount > 0) for (const w of this.words) for (const g of charNgrams(w, this.params.minn, this.params.maxn)) seen.add(fnv1a(g) % this.params.buckets);
    return Int32Array.from(seen).sort();
  }

  /** The input rows of a word into `this.rows` (its own row when known, then its n-gram buckets). */
  private rowsOf(word: string): number[] {
    const rows = this.rows;
    rows.length = 0;
    const i = this.index.get(word);
    if (i !== undefined) rows.push(i);
    if (this.bucketCount > 0) {
      const nw = this.words.length;
      for (const g of charNgrams(word, this.params.minn, this.params.maxn)) rows.push(nw + (fnv1a(g) % this.params.buckets));
    }
    return rows;
  }

  /** Adds the mean of `rows` (scaled by `scale`) into out. */
  private addMean(rows: readonly number[], out: Float32Array, scale: number): void {
    const d = this.dim;
    if (rows.length === 0) return;
    const s = scale / rows.length;
    for (const r of rows) for (let j = 0; j < d; j++) out[j]! += s * this.input[r * d + j]!;
  }

  /** The vector of a word (known or not); zeros for an unknown word with no n-grams. */
  wordVector(word: string, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    out.fill(0);
    this.addMean(this.rowsOf(word), out, 1);
    return out;
  }

  /**
   * The vector of a token list (not normalised): fastText's `getSentenceVector` (the mean of unit word
   * vectors), or with `sif` > 0 the smooth-inverse-frequency weighted sum (Arora et al. 2017): each unit word
   * vector weighs sif / (sif + f(w)), f the word's training frequency (0 for unknown words, so rare model
   * codes weigh most). SIF suits product matching, where the rare words tell offers apart.
   */
  sentenceVector(tokens: readonly string[], out: Float32Array = new Float32Array(this.dim), sif = 0): Float32Array {
    out.fill(0);
    const d = this.dim;
    if (this.labels) {
      // Supervised: the mean over all input rows of the line, the representation the classifier saw.
      const all: number[] = [];
      for (const t of tokens) all.push(...this.rowsOf(t));
      this.addMean(all, out, 1);
      return out;
    }
    const v = new Float32Array(d);
    let count = 0;
    for (const t of tokens) {
      this.wordVector(t, v);
      let norm = 0;
      for (let j = 0; j < d; j++) norm += v[j]! * v[j]!;
      if (norm > 0) {
        let w = 1;
        if (sif > 0) {
          const i = this.index.get(t);
          const f = i === undefined ? 0 : this.counts[i]! / this.totalCount;
          w = sif / (sif + f);
        }
        const inv = w / Math.sqrt(norm);
        for (let j = 0; j < d; j++) out[j]! += v[j]! * inv;
        count++;
      }
    }
    if (count > 0) for (let j = 0; j < d; j++) out[j]! /= count;
    return out;
  }

  private get totalCount(): number {
    if (this.total === 0) for (let i = 0; i < this.counts.length; i++) this.total += this.counts[i]!;
    return Math.max(1, this.total);
  }

  /** Unit-length sentence vectors of token lists (a line with no known word or n-gram gives a zero row); `sif` as in {@link sentenceVector}. */
  embedTokens(lines: readonly (readonly string[])[], sif = 0): DenseMatrix {
    const d = this.dim;
    const m = dense(lines.length, d);
    for (let i = 0; i < lines.length; i++) {
      const row = m.data.subarray(i * d, (i + 1) * d);
      this.sentenceVector(lines[i]!, row, sif);
      let norm = 0;
      for (let j = 0; j < d; j++) norm += row[j]! * row[j]!;
      if (norm > 0) for (let j = 0, inv = 1 / Math.sqrt(norm); j < d; j++) row[j]! *= inv;
    }
    return m;
  }

  /** Unit-length product vectors (all text fields), rows in input order. */
  embed(products: readonly Product[], sif = 0): DenseMatrix {
    return this.embedTokens(products.map(productTokens), sif);
  }

  /** Unit-length vectors of raw texts (tokenized like products). */
  embedTexts(texts: readonly string[], sif = 0): DenseMatrix {
    return this.embedTokens(texts.map(textTokens), sif);
  }

  /** The vocabulary's word vectors (words × dim, not normalised), e.g. for a .vec export. */
  wordMatrix(): DenseMatrix {
    const d = this.dim;
    const m = dense(this.words.length, d);
    for (let i = 0; i < this.words.length; i++) this.wordVector(this.words[i]!, m.data.subarray(i * d, (i + 1) * d));
    return m;
  }

  /** The k vocabulary words closest (cosine) to `word`, which itself is left out. */
  nearestWords(word: string, k = 10): { word: string; score: number }[] {
    const d = this.dim;
    const n = this.words.length;
    if (!this.unitWords) {
      const m = this.wordMatrix().data;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += m[i * d + j]! * m[i * d + j]!;
        if (s > 0) for (let j = 0, inv = 1 / Math.sqrt(s); j < d; j++) m[i * d + j]! *= inv;
      }
      this.unitWords = m;
    }
    const q = this.wordVector(word);
    let qn = 0;
    for (let j = 0; j < d; j++) qn += q[j]! * q[j]!;
    if (qn === 0) return [];
    const scores = new Float32Array(n);
    const self = this.index.get(word) ?? -1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.unitWords[i * d + j]! * q[j]!;
      scores[i] = i === self ? -Infinity : s / Math.sqrt(qn);
    }
    const order = new Int32Array(Math.min(k, n));
    const m = topK(scores, 0, n, order.length, order);
    const out: { word: string; score: number }[] = [];
    for (let t = 0; t < m; t++) if (scores[order[t]!]! > -Infinity) out.push({ word: this.words[order[t]!]!, score: scores[order[t]!]! });
    return out;
  }

  /** Label probabilities (softmax) per token list: rows × labels. @throws TypeError on an unsupervised model. */
  predictProbaTokens(lines: readonly (readonly string[])[]): DenseMatrix {
    const labels = this.labels;
    if (!labels) throw new TypeError("This fastText model is unsupervised: it has no labels to predict");
    const d = this.dim;
    const k = labels.length;
    const out = dense(lines.length, k);
    const h = new Float32Array(d);
    for (let i = 0; i < lines.length; i++) {
      this.sentenceVector(lines[i]!, h);
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += this.output[c * d + j]! * h[j]!;
        out.data[i * k + c] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += out.data[i * k + c] = Math.exp(out.data[i * k + c]! - max);
      for (let c = 0; c < k; c++) out.data[i * k + c]! /= z;
    }
    return out;
  }

  /** Label probabilities of products or raw texts. */
  predictProba(items: readonly Product[] | readonly string[]): DenseMatrix {
    return this.predictProbaTokens(items.map((x) => (typeof x === "string" ? textTokens(x) : productTokens(x))));
  }

  /** The `k` most probable labels of each product or text, best first. */
  predict(items: readonly Product[] | readonly string[], k = 1): { label: string; score: number }[][] {
    const p = this.predictProba(items);
    const labels = this.labels!;
    const order = new Int32Array(Math.min(k, labels.length));
    const out: { label: string; score: number }[][] = [];
    for (let i = 0; i < p.rows; i++) {
      const m = topK(p.data, i * labels.length, labels.length, order.length, order);
      out.push(Array.from(order.subarray(0, m), (c) => ({ label: labels[c]!, score: p.data[i * labels.length + c]! })));
    }
    return out;
  }

  toArtifact(): Artifact {
    const d = this.dim;
    const nw = this.words.length;
    const used = this.usedBuckets();
    const bucketRows = new Float32Array(used.length * d);
    for (let t = 0; t < used.length; t++) bucketRows.set(this.input.subarray((nw + used[t]!) * d, (nw + used[t]! + 1) * d), t * d);
    return {
      kind: this.kind,
      params: { ...this.params },
      meta: { words: this.words, labels: this.labels, stats: this.stats },
      arrays: { counts: this.counts, wordRows: this.input.slice(0, nw * d), usedBuckets: used, bucketRows, output: this.output },
    };
  }

  /** Restores a model from {@link toArtifact}'s output. @throws TypeError on a malformed artifact. */
  static fromArtifact(a: Artifact): FastTextModel {
    const params = FastTextParams.parse(a.params);
    const { words, labels, stats } = a.meta as { words: string[]; labels: string[] | null; stats: FastTextStats };
    const { counts, wordRows, usedBuckets, bucketRows, output } = a.arrays;
    const d = params.dim;
    if (!Array.isArray(words) || !(counts instanceof Int32Array) || !(wordRows instanceof Float32Array) || !(usedBuckets instanceof Int32Array) || !(bucketRows instanceof Float32Array) || !(output instanceof Float32Array)) {
      throw new TypeError("fastText artifact needs words, Int32 counts and usedBuckets, Float32 wordRows, bucketRows and output");
    }
    if (wordRows.length !== words.length * d || bucketRows.length !== usedBuckets.length * d) throw new TypeError("fastText artifact arrays do not match its vocabulary and dimension");
    const buckets = params.minn > 0 ? params.buckets : 0;
    const input = new Float32Array((words.length + buckets) * d);
    input.set(wordRows);
    for (let t = 0; t < usedBuckets.length; t++) input.set(bucketRows.subarray(t * d, (t + 1) * d), (words.length + usedBuckets[t]!) * d);
    return new FastTextModel({ params, words, counts, input, output, labels, stats });
  }

  /** A model from a .vec file's text: the listed words only, no subwords (unknown words get zero vectors). */
  static fromVec(text: string, file?: string): FastTextModel {
    const { words, vectors } = parseVec(text, file);
    const params = FastTextParams.parse({ dim: vectors.cols, minn: 0, maxn: 0, minCount: 1 });
    return new FastTextModel({
      params,
      words,
      counts: new Int32Array(words.length),
      input: vectors.data,
      output: new Float32Array(0),
      labels: null,
      stats: { lines: 0, tokens: 0, seconds: 0, threads: 0, loss: null },
    });
  }
}
