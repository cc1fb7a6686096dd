// Clustering a catalog end to end: features → (SVD) → clusterer or matcher → names, examples, metrics, map, stable ids.
import { NOISE, type ClusteringModel } from "../cluster/contracts.js";
import { matchRows } from "../cluster/match.js";
import { createClusterer } from "../cluster/registry.js";
import { truncatedSvd } from "../linalg/svd.js";
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { Random } from "../core/random.js";
import { CODES_CONFLICT, CODES_SHARED, ProductCodes } from "../featurize/text/codes.js";
import type { TextFeaturizerParamsInput } from "../featurize/text/params.js";
import { TextFeaturizer } from "../featurize/text/text-featurizer.js";
import { dense, selectRows, type CsrMatrix, type DenseMatrix, type Matrix } from "../linalg/matrix.js";
import { calinskiHarabaszScore, daviesBouldinScore, silhouetteScore } from "../metrics/clustering-internal.js";
import { nameFromTerms, topTerms, type TermScore } from "./cluster-names.js";
import { relateToPrevious, type PreviousAssignment, type StabilityReport } from "./cluster-stability.js";
import { fitProductVectors } from "./product-vectors.js";
import { embedProducts } from "./text-embedding.js";

export { embedProducts, fitTextEmbedding } from "./text-embedding.js";

/** The clustering methods of {@link clusterCatalog}. */
export const CLUSTER_ALGORITHMS = ["kmeans", "agglomerative", "dbscan", "hdbscan", "match"] as const;
export type ClusterAlgorithm = (typeof CLUSTER_ALGORITHMS)[number];

/** Options of {@link clusterCatalog}. */
export interface ClusterCatalogOptions extends RunOptions {
  /** Default "kmeans". "match" groups offers of the same product (see {@link matchRows}). */
  algorithm?: ClusterAlgorithm;
  /** Clusters for kmeans / agglomerative, or "auto" to choose by silhouette over `kRange`. Default 8. */
  k?: number | "auto";
  /** Range of k tried by "auto". Default [2, min(30, n − 1)]. */
  kRange?: [number, number];
  /** Estimator params passed through (eps, minSamples, minClusterSize, linkage, nInit, batchSize, …). */
  params?: Record<string, unknown>;
  /** SVD dimensions of the dense embedding the clusterers work on (0 = the sparse TF-IDF rows). Default 100. */
  dims?: number;
  /** The product vectors kmeans / agglomerative / dbscan / hdbscan work on (see fitProductVectors). Default "tfidf-svd". */
  embedding?: "tfidf-svd" | "fasttext" | "use-lite";
  /** match: field whose equal values may not share a cluster (a merchant does not list one product twice). */
  groupField?: string;
  /** match: the average similarity two groups need to merge (0–1). Default 0.3. */
  threshold?: number;
  /** Text features for the embedding (default: words, plus single characters of Chinese/Japanese runs; no bigrams or character n-grams: on pricerunner and cn-online-shopping-10cats they lower NMI). */
  text?: TextFeaturizerParamsInput;
  /** The previous run's assignments: clusters that still exist keep their ids. */
  previous?: readonly PreviousAssignment[];
  /** Rows drawn for the 2-D map. Default 5000. */
  mapSample?: number;
  /** Rows drawn for the silhouette (O(sample²) distances). Default 2000. */
  silhouetteSample?: number;
  /** The SVD of the embedding is fitted on a seeded sample of this many products (then applied to all). Default 20000. */
  fitSample?: number;
  /**
   * k-means on more products than this fits its centres on a seeded sample of this many, then assigns every
   * product to its nearest centre. Default: all products (on pricerunner a 20,000 sample cost 0.05 NMI).
   */
  kmeansSample?: number;
  /** Terms kept per cluster. Default 8. */
  topTerms?: number;
  /** Examples kept per cluster. Default 3. */
  examples?: number;
}

/** One cluster of a run. */
export interface ClusterSummary {
  id: number;
  label: string;
  size: number;
  topTerms: TermScore[];
  examples: { id: string; title: string }[];
  status?: "new" | "kept" | "merged";
}

/** The outcome of {@link clusterCatalog}. */
export interface ClusterRun {
  algorithm: ClusterAlgorithm;
  params: Record<string, unknown>;
  n: number;
  k: number;
  noise: number;
  /** Product ids in input order. */
  ids: string[];
  /** Cluster id per product (stable ids when `previous` was given); NOISE (-1) for noise. */
  labels: Int32Array;
  /** Per product: distance to its cluster centre (kmeans, agglomerative), similarity to its cluster mates (match), membership (hdbscan). */
  score: Float32Array;
  scoreKind: "distance" | "similarity" | "membership" | "none";
  clusters: ClusterSummary[];
  metrics: { silhouette: number | null; calinskiHarabasz: number | null; daviesBouldin: number | null };
  kCurve?: { points: { k: number; silhouette: number }[]; chosen: number };
  stability?: StabilityReport;
  /** A 2-D projection of a sample of rows: coordinates, the rows' indices and their titles. */
  map: { x: Float32Array; y: Float32Array; rows: Int32Array; titles: string[]; method: string };
  features: string;
  seconds: number;
  warnings: string[];
}

/**
 * Clusters products by their text. kmeans / agglomerative / dbscan / hdbscan work on an L2-normalized
 * SVD embedding of word TF-IDF (`dims`, cosine geometry); "match" finds offers of the same product with
 * blocking, code-aware similarity and cannot-link groups. The run carries names (class-based TF-IDF),
 * examples, internal metrics on a sample, a 2-D map and, given `previous`, stable ids.
 * @example const run = await clusterCatalog(products, { k: "auto" });
 */
export async function clusterCatalog(products: readonly Product[], options: ClusterCatalogOptions = {}): Promise<ClusterRun> {
  const t0 = performance.now();
  const algorithm = options.algorithm ?? "kmeans";
  if (!CLUSTER_ALGORITHMS.includes(algorithm)) throw new ConfigError(`Unknown algorithm "${algorithm}": choose one of ${CLUSTER_ALGORITHMS.join(", ")}`);
  const n = products.length;
  if (n === 0) throw new ConfigError("Nothing to cluster: the catalog has no products");
  const seed = options.seed ?? 0;
  const warnings: string[] = [];
  const warn = (code: string, message: string): void => {
    warnings.push(message);
    options.onWarning?.({ code, message });
  };
  const run: RunOptions = { seed, signal: options.signal, onProgress: options.onProgress, onWarning: (w) => warn(w.code, w.message) };
  const titles = products.map((p) => p.text.find((t) => t.trim() !== "") ?? "");
  const empty = titles.filter((t) => t === "").length;
  if (empty > 0) warn("EMPTY_TEXT", `${empty} of ${n} products have no text; they cluster together or as noise`);
  const k = options.k ?? 8;
  if (k !== "auto" && (!Number.isInteger(k) || k < 1)) throw new ConfigError(`k must be a positive integer or "auto", got ${k}`);
  if (k !== "auto" && (algorithm === "kmeans" || algorithm === "agglomerative") && k > n) {
    throw new ConfigError(`Cannot make k=${k} clusters from ${n} products: k must not exceed the number of products`);
  }
  if (k === "auto" && algorithm !== "kmeans" && algorithm !== "agglomerative") {
    throw new ConfigError(`Cannot choose k automatically: k=auto applies to kmeans and agglomerative; ${algorithm} finds the number of clusters itself`);
  }

  let labels: Int32Array;
  let score: Float32Array = new Float32Array(n);
  let scoreKind: ClusterRun["scoreKind"] = "none";
  let embedding: Matrix;
  let features: string;
  let params: Record<string, unknown> = { ...(options.params ?? {}) };
  let kCurve: ClusterRun["kCurve"];

  if (algorithm === "match") {
    const threshold = options.threshold ?? 0.3;
    if (!(threshold >= 0 && threshold <= 1)) throw new ConfigError(`threshold must be between 0 and 1, got ${threshold}`);
    const words = await new TextFeaturizer({ wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [0, 0], sublinearTf: false }).fitTransformTexts(
      titles.map((t) => [t]),
      run,
    );
    const full = await new TextFeaturizer({}).fitTransformTexts(titles.map((t) => [t]), run);
    const codes = new ProductCodes(titles);
    const groups = options.groupField ? groupIds(products, options.groupField) : undefined;
    const m = matchRows(words.matrix, full.matrix, {
      ...run,
      threshold,
      neighbors: numberParam(params, "neighbors", 20),
      maxDf: numberParam(params, "maxDf", 1000),
      groups,
      adjust: (a, b, s) => {
        const c = codes.compare(a, b);
        return c === CODES_CONFLICT ? s * 0.5 : c === CODES_SHARED ? s + 0.5 * (1 - s) : s;
      },
    });
    labels = m.labels;
    score = m.cohesion;
    scoreKind = "similarity";
    embedding = full.matrix;
    features = `word + character n-gram TF-IDF (${full.matrix.cols} buckets); blocking on words; ${m.candidatePairs} candidate pairs`;
    params = { threshold, groupField: options.groupField ?? null, ...params };
    if (!groups) warn("NO_GROUPS", "match without a group field: offers from one merchant may merge (pass the merchant field as the cannot-link group)");
  } else {
    if (options.embedding && options.embedding !== "tfidf-svd") {
      // Learned or pretrained vectors.
      const dim = options.embedding === "use-lite" ? {} : { dim: options.dims || 100 };
      const pv = await fitProductVectors(products, { ...run, method: options.embedding, ...dim, keepVectors: true });
      embedding = pv.vectors!;
      features = pv.description;
    } else {
      ({ embedding, features } = await embedProducts(products, { ...run, text: options.text, dims: options.dims, fitSample: options.fitSample }));
    }
    const metric = "cosine";
    let chosenK = k;
    if (k === "auto") {
      const maxK = Math.min(options.kRange?.[1] ?? 30, n - 1);
      const minK = Math.max(2, options.kRange?.[0] ?? 2);
      if (maxK < minK) throw new ConfigError(`Cannot choose k automatically: it needs at least 3 products and a range with 2 ≤ min ≤ max; got ${n} products, range ${minK}..${maxK}`);
      kCurve = await chooseK(algorithm, embedding, minK, maxK, params, options.silhouetteSample ?? 2000, run);
      chosenK = kCurve.chosen;
    }
    const spec =
      algorithm === "kmeans" || algorithm === "agglomerative"
        ? { metric, ...params, k: chosenK }
        : algorithm === "dbscan"
          ? { metric, eps: 0.3, ...params }
          : { metric, ...params };
    // k-means with `kmeansSample`: centres from a seeded sample, then every product to its nearest centre.
    const sampleRows = options.kmeansSample;
    const sampled = algorithm === "kmeans" && params["batchSize"] === undefined && sampleRows !== undefined && n > sampleRows;
    const fitRows = sampled ? Int32Array.from(new Random(seed + 2).sample(n, sampleRows)).sort() : null;
    const model = await createClusterer(algorithm, spec).fit(fitRows ? selectRows(embedding, fitRows) : embedding, run);
    labels = fitRows ? model.predict(embedding) : model.labels;
    params = { ...spec, ...(fitRows ? { fitSample: sampleRows } : {}) };
    ({ score, scoreKind } = rowScores(model, embedding, labels));
  }

  options.onProgress?.({ stage: "names", done: 0, total: 1 });
  const ids = products.map((p) => p.id);
  // Stable ids against a previous run, then names on the final ids.
  let stability: StabilityReport | undefined;
  if (options.previous) {
    const related = relateToPrevious(ids, labels, options.previous);
    labels = related.labels;
    stability = related.report;
  }
  const clusterIds = [...new Set(labels)].filter((c) => c !== NOISE).sort((a, b) => a - b);
  const dense0 = new Int32Array(n);
  const index = new Map(clusterIds.map((c, i) => [c, i]));
  for (let i = 0; i < n; i++) dense0[i] = labels[i] === NOISE ? NOISE : index.get(labels[i]!)!;
  const terms = topTerms(titles, dense0, clusterIds.length, options.topTerms ?? 8);
  const clusters = summarize(clusterIds, dense0, terms, products, titles, score, scoreKind, algorithm, options.examples ?? 3);
  if (stability) for (const c of clusters) c.status = stability.status.get(c.id);
  const noise = labels.reduce((a, l) => a + (l === NOISE ? 1 : 0), 0);
  if (noise === n) warn("ALL_NOISE", "every product is noise: try a larger eps or a smaller min cluster size");
  options.onProgress?.({ stage: "metrics", done: 0, total: 1 });
  const metrics = internalMetrics(embedding, dense0, clusterIds.length, options.silhouetteSample ?? 2000, seed, algorithm);
  options.onProgress?.({ stage: "map", done: 0, total: 1 });
  const projected = projectMap(embedding, options.mapSample ?? 5000, seed);
  const map = { ...projected, titles: Array.from(projected.rows, (r) => titles[r]!) };
  options.onProgress?.({ stage: "done", done: 1, total: 1 });
  return {
    algorithm,
    params,
    n,
    k: clusterIds.length,
    noise,
    ids,
    labels,
    score,
    scoreKind,
    clusters,
    metrics,
    ...(kCurve ? { kCurve } : {}),
    ...(stability ? { stability } : {}),
    map,
    features,
    seconds: (performance.now() - t0) / 1000,
    warnings,
  };
}

function numberParam(params: Record<string, unknown>, name: string, fallback: number): number {
  const v = params[name];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(v)}`);
  delete params[name];
  return v;
}

/** Cannot-link group ids from a field; rows without the field get -1 (no group). */
function groupIds(products: readonly Product[], field: string): Int32Array {
  const ids = new Map<string, number>();
  const out = new Int32Array(products.length);
  let missing = 0;
  products.forEach((p, i) => {
    const v = p.fields?.[field];
    if (v === undefined || v === null || v === "") {
      out[i] = -1;
      missing++;
      return;
    }
    const key = String(v);
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    out[i] = id;
  });
  if (missing === products.length) throw new ConfigError(`No product has the group field "${field}"`);
  return out;
}

/** k by silhouette (cosine, on a sample) over minK..maxK (at most 15 values, spread evenly). */
async function chooseK(
  algorithm: ClusterAlgorithm,
  x: Matrix,
  minK: number,
  maxK: number,
  params: Record<string, unknown>,
  sample: number,
  run: RunOptions,
): Promise<NonNullable<ClusterRun["kCurve"]>> {
  const ks = new Set<number>();
  const steps = Math.min(15, maxK - minK + 1);
  for (let s = 0; s < steps; s++) ks.add(Math.round(minK + ((maxK - minK) * s) / Math.max(1, steps - 1)));
  const points: { k: number; silhouette: number }[] = [];
  let t = 0;
  for (const k of ks) {
    run.onProgress?.({ stage: "choose k", done: t++, total: ks.size });
    const spec = algorithm === "kmeans" ? { metric: "cosine", nInit: 1, ...params, k } : { metric: "cosine", ...params, k };
    const m = await createClusterer(algorithm, spec).fit(x, { seed: run.seed, signal: run.signal });
    const used = new Set(m.labels).size;
    const s = used < 2 ? Number.NaN : silhouetteScore(x, m.labels, { metric: "cosine", sampleSize: sample, seed: run.seed ?? 0 });
    points.push({ k, silhouette: s });
  }
  let best = points[0]!;
  // The best silhouette; NaN (fewer than two clusters used) never wins, and ties keep the smaller k.
  for (const p of points) if (!Number.isNaN(p.silhouette) && (Number.isNaN(best.silhouette) || p.silhouette > best.silhouette)) best = p;
  return { points, chosen: best.k };
}

/** Per-row distance to the cluster centre (centroid methods) or membership (hdbscan). */
function rowScores(model: ClusteringModel, x: Matrix, labels: Int32Array): { score: Float32Array; scoreKind: ClusterRun["scoreKind"] } {
  const n = x.rows;
  const score: Float32Array = new Float32Array(n);
  const withProb = model as ClusteringModel & { probabilities?: Float32Array };
  if (withProb.probabilities) {
    score.set(withProb.probabilities);
    return { score, scoreKind: "membership" };
  }
  const withCentroids = model as ClusteringModel & { centroids?: DenseMatrix };
  const c = withCentroids.centroids;
  if (!c || x.kind !== "dense") return { score, scoreKind: "none" };
  const d = x.cols;
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0) {
      score[i] = Number.NaN;
      continue;
    }
    // Cosine distance to the (normalized) centre: rows are unit length.
    let dot = 0;
    let cn = 0;
    for (let j = 0; j < d; j++) {
      const cv = c.data[l * d + j]!;
      dot += x.data[i * d + j]! * cv;
      cn += cv * cv;
    }
    score[i] = cn > 0 ? 1 - dot / Math.sqrt(cn) : 1;
  }
  return { score, scoreKind: "distance" };
}

function summarize(
  ids: number[],
  labels: Int32Array,
  terms: TermScore[][],
  products: readonly Product[],
  titles: readonly string[],
  score: Float32Array,
  scoreKind: ClusterRun["scoreKind"],
  algorithm: ClusterAlgorithm,
  examples: number,
): ClusterSummary[] {
  const members: number[][] = ids.map(() => []);
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0) members[labels[i]!]!.push(i);
  const better = (a: number, b: number): number => {
    const sa = score[a]!;
    const sb = score[b]!;
    if (scoreKind === "distance") return (Number.isNaN(sa) ? Infinity : sa) - (Number.isNaN(sb) ? Infinity : sb);
    if (scoreKind === "none") return a - b;
    return (Number.isNaN(sb) ? -Infinity : sb) - (Number.isNaN(sa) ? -Infinity : sa);
  };
  const out = ids.map((id, c) => {
    const ranked = members[c]!.slice().sort((a, b) => better(a, b) || a - b);
    const top = ranked.slice(0, examples);
    const label = algorithm === "match" ? shortTitle(titles[ranked[0]!]!) : nameFromTerms(terms[c]!);
    return {
      id,
      label,
      size: members[c]!.length,
      topTerms: terms[c]!,
      examples: top.map((i) => ({ id: products[i]!.id, title: titles[i]! })),
    };
  });
  return out.sort((a, b) => b.size - a.size || a.id - b.id);
}

function shortTitle(t: string, max = 70): string {
  const s = t.replace(/\s+/g, " ").trim();
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Silhouette (cosine, sampled), Calinski–Harabasz and Davies–Bouldin on the non-noise rows; null when undefined. */
function internalMetrics(
  x: Matrix,
  labels: Int32Array,
  k: number,
  sample: number,
  seed: number,
  algorithm: ClusterAlgorithm,
): ClusterRun["metrics"] {
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== NOISE) keep.push(i);
  const none = { silhouette: null, calinskiHarabasz: null, daviesBouldin: null };
  // Matching makes thousands of tiny clusters: internal scores say little there (and cost O(sample²) sparse
  // dot products); judge it against a truth field with evaluate-clusters instead.
  if (algorithm === "match" || k < 2 || keep.length <= k) return none;
  // Sample first so every metric costs O(sample); CH and DB on the dense embedding only.
  const rng = new Random(seed);
  const rows = keep.length > sample ? Int32Array.from(rng.sample(keep.length, sample).map((t) => keep[t]!)).sort() : Int32Array.from(keep);
  const xs = selectRows(x, rows);
  const ls = Int32Array.from(rows, (i) => labels[i]!);
  const kept = new Set(ls).size;
  if (kept < 2 || kept >= ls.length) return none;
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const silhouette = finite(silhouetteScore(xs, ls, { metric: "cosine" }));
  if (xs.kind !== "dense") return { silhouette, calinskiHarabasz: null, daviesBouldin: null };
  return { silhouette, calinskiHarabasz: finite(calinskiHarabaszScore(xs, ls)), daviesBouldin: finite(daviesBouldinScore(xs, ls)) };
}

/** A 2-D PCA map of a sample of rows (centred, top two components). */
function projectMap(x: Matrix, sample: number, seed: number): Omit<ClusterRun["map"], "titles"> {
  const n = x.rows;
  const rng = new Random(seed + 1);
  const rows = n > sample ? Int32Array.from(rng.sample(n, sample)).sort() : Int32Array.from({ length: n }, (_, i) => i);
  const xs = selectRows(x, rows) as Matrix;
  const empty = { x: new Float32Array(0), y: new Float32Array(0), rows: new Int32Array(0), method: "PCA" };
  if (rows.length < 3) return empty;
  // Centre the sample (dense), then the top-2 SVD of the centred rows is PCA.
  const d = xs.cols;
  let centred: DenseMatrix;
  if (xs.kind === "dense") {
    centred = dense(xs.rows, d, Float32Array.from(xs.data));
  } else {
    // Sparse rows: reduce with a small SVD first so centring stays cheap.
    const comps = Math.min(20, xs.rows - 1, d);
    if (comps < 2) return empty;
    centred = truncatedSvd(xs as CsrMatrix, { components: comps, seed }).transform(xs);
  }
  const w = centred.cols;
  const mean = new Float64Array(w);
  for (let i = 0; i < centred.rows; i++) for (let j = 0; j < w; j++) mean[j]! += centred.data[i * w + j]!;
  for (let j = 0; j < w; j++) mean[j]! /= centred.rows;
  for (let i = 0; i < centred.rows; i++) for (let j = 0; j < w; j++) centred.data[i * w + j]! -= mean[j]!;
  if (Math.min(centred.rows, w) < 2) return empty;
  const pca = truncatedSvd(centred, { components: 2, seed }).transform(centred);
  const px = new Float32Array(rows.length);
  const py = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    px[i] = pca.data[i * 2]!;
    py[i] = pca.data[i * 2 + 1]!;
  }
  return { x: px, y: py, rows, method: "PCA" };
}
