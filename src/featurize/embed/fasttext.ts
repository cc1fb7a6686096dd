// The fastText-style trainer: tokens from the project's tokenizer, subword vocabulary, Hogwild training threads.
import { ConfigError, throwIfAborted } from "../../core/errors.js";
import type { Product } from "../../core/product.js";
import type { RunOptions } from "../../core/progress.js";
import { deriveSeed, Random } from "../../core/random.js";
import { runWorker, toSharedArray, workerThreads } from "../../core/worker.js";
import { FastTextModel } from "./fasttext-model.js";
import { FastTextParams, type FastTextParamsInput } from "./fasttext-params.js";
import { CBOW, SKIPGRAM, SUPERVISED, TrainScratch, trainLines, type TrainState } from "./fasttext-train.js";
import { productTokens } from "./tokens.js";
import { buildVocabulary, discardTable, encodeLines, negativeTable } from "./fasttext-vocab.js";

const WORKER_URL = new URL("./fasttext-worker.js", import.meta.url);
/** Lines per chunk between progress reports and cancellation checks on the main thread. */
const CHUNK = 512;

/** Options of {@link FastText.fit}. */
export interface FastTextFitOptions extends RunOptions {
  /** Supervised mode: one label per input (default: the products' `label`). */
  labels?: readonly string[];
}

/**
 * A fastText-style trainer (Bojanowski et al. 2017) on typed arrays: skip-gram or CBOW with negative sampling
 * and hashed character n-grams, or supervised (softmax over labels from the averaged input). With several
 * cores and the built package it trains Hogwild: worker threads update the same shared matrices lock-free.
 * @example
 * const model = await new FastText({ mode: "skipgram", dim: 100 }).fit(products, { seed: 1 });
 * const x = model.embed(products); // n × 100, unit rows
 */
export class FastText {
  readonly kind = "fasttext";
  readonly params: FastTextParams;

  constructor(params: FastTextParamsInput = {}) {
    const parsed = FastTextParams.safeParse(params);
    if (!parsed.success) throw new ConfigError("Invalid fastText params", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
    this.params = parsed.data;
  }

  /** Trains on products (their text fields) or on token lists (already tokenized lines). */
  async fit(input: readonly Product[] | readonly (readonly string[])[], options: FastTextFitOptions = {}): Promise<FastTextModel> {
    const p = this.params;
    const seed = options.seed ?? 0;
    const isProducts = input.length > 0 && !Array.isArray(input[0]);
    options.onProgress?.({ stage: "tokenize", done: 0, total: input.length });
    let lines: (readonly string[])[] = isProducts ? (input as readonly Product[]).map(productTokens) : (input as readonly (readonly string[])[]).slice();
    let lineLabels: string[] | null = null;
    if (p.mode === "supervised") {
      const given = options.labels ?? (isProducts ? (input as readonly Product[]).map((x) => x.label ?? "") : undefined);
      if (!given) throw new ConfigError("Supervised fastText needs labels: pass options.labels or products with a label");
      if (given.length !== lines.length) throw new ConfigError(`Got ${given.length} labels for ${lines.length} texts`);
      const keep = given.map((l) => l !== "");
      lines = lines.filter((_, i) => keep[i]);
      lineLabels = given.filter((_, i) => keep[i]!);
    }
    // One seeded shuffle of the line order: sorted input (by category) would bias the learning-rate schedule.
    const order = new Random(deriveSeed(seed, 11)).shuffle(Int32Array.from({ length: lines.length }, (_, i) => i));
    lines = Array.from(order, (i) => lines[i]!);
    if (lineLabels) lineLabels = Array.from(order, (i) => lineLabels![i]!);
    const vocab = buildVocabulary(lines, p.minCount, p.minn, p.maxn, p.buckets);
    if (vocab.words.length === 0) throw new ConfigError(`Cannot train fastText: no word occurs ${p.minCount} times or more (lower minCount)`);
    const { tokens, lineStart } = encodeLines(lines, vocab.words);
    const labelNames = lineLabels ? [...new Set(lineLabels)].sort() : null;
    if (labelNames && labelNames.length < 2) throw new ConfigError(`Supervised fastText needs at least 2 labels, got ${labelNames.length}`);
    const labelIndex = new Map(labelNames?.map((l, i) => [l, i]) ?? []);
    const nwords = vocab.words.length;
    const rowsIn = nwords + (p.minn > 0 ? p.buckets : 0);
    const rowsOut = labelNames ? labelNames.length : nwords;
    const total = tokens.length * p.epochs;
    if (total > 2_000_000_000) throw new ConfigError(`Cannot train on ${tokens.length} tokens × ${p.epochs} epochs: more than 2·10⁹ token steps`);
    const threads = Math.min(p.threads === 0 ? 8 : p.threads, 1 + workerThreads(WORKER_URL), Math.max(1, Math.floor(lines.length / 2000)));
    const shared = threads > 1;
    const alloc = (n: number): Float32Array => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
    const inputM = alloc(rowsIn * p.dim);
    const rng = new Random(deriveSeed(seed, 12));
    // fastText's init: input uniform in ±1/dim, output zero. Only the rows the vocabulary uses (its words and
    // their n-gram buckets) are drawn: training never touches the others, and the model zeroes them.
    const usedRow = new Uint8Array(rowsIn);
    for (let k = 0; k < vocab.subIds.length; k++) usedRow[vocab.subIds[k]!] = 1;
    for (let r = 0; r < rowsIn; r++) {
      if (!usedRow[r]) continue;
      for (let j = 0, o = r * p.dim; j < p.dim; j++) inputM[o + j] = (rng.float() * 2 - 1) / p.dim;
    }
    const state: TrainState = {
      mode: p.mode === "skipgram" ? SKIPGRAM : p.mode === "cbow" ? CBOW : SUPERVISED,
      dim: p.dim,
      window: p.window,
      negatives: p.negatives,
      lr: p.lr,
      input: inputM,
      output: alloc(rowsOut * p.dim),
      subStart: vocab.subStart,
      subIds: vocab.subIds,
      tokens,
      lineStart,
      labels: lineLabels ? Int32Array.from(lineLabels, (l) => labelIndex.get(l)!) : null,
      nlabels: labelNames?.length ?? 0,
      keep: discardTable(vocab.counts, vocab.tokens, p.mode === "supervised" ? 0 : p.sample),
      negTable: negativeTable(vocab.counts, deriveSeed(seed, 13)),
      counter: shared ? new Int32Array(new SharedArrayBuffer(4)) : new Int32Array(1),
      total: Math.max(1, total),
    };
    const t0 = performance.now();
    const nLines = lines.length;
    const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * nLines) / threads));
    const remote: Promise<void>[] = [];
    let loss = 0;
    let lossCount = 0;
    if (shared) {
      const st = { ...state, subStart: toSharedArray(state.subStart), subIds: toSharedArray(state.subIds), tokens: toSharedArray(state.tokens), lineStart: toSharedArray(state.lineStart) };
      for (let t = 1; t < threads; t++) {
        remote.push(
          runWorker<{ loss: number; lossCount: number }>(WORKER_URL, { state: st, from: bounds[t], to: bounds[t + 1], epochs: p.epochs, seed: deriveSeed(seed, 100 + t) }, (m) => {
            loss += m.loss;
            lossCount += m.lossCount;
          }, options.signal, "fastText training"),
        );
      }
    }
    const sc = new TrainScratch(p.dim, state.nlabels, deriveSeed(seed, 100));
    try {
      for (let e = 0; e < p.epochs; e++) {
        for (let l = bounds[0]!; l < bounds[1]!; l += CHUNK) {
          throwIfAborted(options.signal, "fastText training");
          trainLines(state, l, Math.min(bounds[1]!, l + CHUNK), sc);
          options.onProgress?.({ stage: "train", done: Math.min(total, state.counter[0]!), total });
          // Let worker messages, timers and cancellation through (one macrotask per 512 lines: negligible).
          await new Promise((r) => setImmediate(r));
        }
      }
      await Promise.all(remote);
    } catch (e) {
      await Promise.allSettled(remote);
      throw e;
    }
    loss += sc.loss;
    lossCount += sc.lossCount;
    options.onProgress?.({ stage: "train", done: total, total });
    return FastTextModel.fromTraining({
      params: p,
      words: vocab.words,
      counts: vocab.counts,
      input: Float32Array.from(inputM),
      output: Float32Array.from(state.output),
      labels: labelNames,
      stats: { lines: nLines, tokens: tokens.length, seconds: (performance.now() - t0) / 1000, threads, loss: lossCount > 0 ? loss / lossCount : null },
    });
  }
}
