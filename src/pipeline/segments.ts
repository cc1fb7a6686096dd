// Shopper segments: k-means (or DBSCAN/HDBSCAN) on standardized log-RFM plus block-weighted category affinity,
// k by silhouette, segments named in plain words, metrics, a 2-D map and stable ids across runs.
import { NOISE } from "../cluster/contracts.js";
import { createClusterer } from "../cluster/registry.js";
import { ConfigError } from "../core/errors.js";
import type { RunOptions } from "../core/progress.js";
import { deriveSeed, Random } from "../core/random.js";
import { dense, selectRows, type DenseMatrix } from "../linalg/matrix.js";
import { truncatedSvd } from "../linalg/svd.js";
import { calinskiHarabaszScore, daviesBouldinScore, silhouetteScore } from "../metrics/clustering-internal.js";
import { relateToPrevious, type PreviousAssignment, type StabilityReport } from "./cluster-stability.js";
import { segmentNames, segmentWords, type SegmentWords } from "./segment-names.js";
import type { ProfileTable } from "./shopper-profiles.js";

export const SEGMENT_ALGORITHMS = ["kmeans", "dbscan", "hdbscan"] as const;
export type SegmentAlgorithm = (typeof SEGMENT_ALGORITHMS)[number];

/** Options of {@link segmentShoppers}. */
export interface SegmentOptions extends RunOptions {
  /** Segments (k-means), or "auto": the best silhouette over `kRange`. Default "auto". */
  k?: number | "auto";
  /** k tried by "auto". Default [3, 10] (as the peers). */
  kRange?: [number, number];
  /** Default "kmeans". DBSCAN (eps, minSamples) and HDBSCAN (minClusterSize) find k themselves; noise gets -1. */
  algorithm?: SegmentAlgorithm;
  params?: Record<string, unknown>;
  /** "rfm", or "rfm+affinity" (default when the profiles have item groups). */
  features?: "rfm" | "rfm+affinity";
  /**
   * How the affinity block is scaled so that it carries the same total variance (3) as the three RFM z-scores:
   * "block" (default) centres the spend shares and scales the block as a whole, so a rarely bought group does not
   * become a dimension of outliers; "zscore" standardizes each share first (the peers' protocol).
   */
  affinityScaling?: "block" | "zscore";
  /** k-means restarts. Default 10. */
  nInit?: number;
  /**
   * How k-means picks among its restarts: "silhouette" (default) keeps the best-separated one (scored on a fixed
   * sample of up to 1,000 customers), "inertia" the tightest. On RFM, restarts whose inertia differs by 0.02% differ
   * by 0.006 in silhouette, the score segments are judged by.
   */
  restartBy?: "silhouette" | "inertia";
  /** A previous run's assignments (shopper id, segment id): segments that still exist keep their ids. */
  previous?: readonly PreviousAssignment[];
  /** Rows in the 2-D map. Default 5000. */
  mapSample?: number;
}

/** One segment. */
export interface SegmentSummary {
  id: number;
  name: string;
  size: number;
  share: number;
  words: SegmentWords;
  /** Mean z-scores of log1p recency days, frequency and spend (recency high = long ago). */
  z: { recency: number; frequency: number; monetary: number };
  mean: { recencyDays: number; frequency: number; monetary: number; basketSize: number; returnRate: number };
  median: { recencyDays: number; frequency: number; monetary: number };
  /** The segment's spend shares per item group, with lift over all customers, largest share first (top 5). */
  topGroups: { name: string; share: number; lift: number }[];
  status?: "kept" | "new" | "merged";
}

/** The outcome of {@link segmentShoppers}. */
export interface SegmentRun {
  algorithm: SegmentAlgorithm;
  params: Record<string, unknown>;
  features: "rfm" | "rfm+affinity";
  affinityScaling: "block" | "zscore" | null;
  dims: number;
  /** Customer ids, and each one's segment id (stable when `previous` was given; -1 noise). */
  users: string[];
  labels: Int32Array;
  k: number;
  noise: number;
  segments: SegmentSummary[];
  metrics: { silhouette: number | null; calinskiHarabasz: number | null; daviesBouldin: number | null };
  kCurve?: { points: { k: number; silhouette: number }[]; chosen: number };
  stability?: StabilityReport;
  map: { x: Float32Array; y: Float32Array; rows: Int32Array };
  /** Item groups of the affinity and their share of all customers' spend. */
  groups: { name: string; share: number }[];
  largestGroupShare: number;
  /** Seconds of the final clustering fit alone, and of the whole run. */
  fitSeconds: number;
  seconds: number;
  warnings: string[];
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const v = xs.slice().sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

/** z-scores of a column in place (population std, as StandardScaler); a constant column becomes 0. */
function standardize(x: Float64Array, n: number, d: number, col: number): void {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i * d + col]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i * d + col]! - mean) ** 2;
  const sd = Math.sqrt(v / n);
  for (let i = 0; i < n; i++) x[i * d + col] = sd > 0 ? (x[i * d + col]! - mean) / sd : 0;
}

/**
 * The segmentation features of the customers `rows` of a profile table: log1p of recency days, frequency and
 * gross spend, z-scored; with affinity, the spend shares per group scaled so the block's total variance is 3.
 */
export function segmentFeatures(table: ProfileTable, rows: Int32Array, features: "rfm" | "rfm+affinity", scaling: "block" | "zscore" = "block"): DenseMatrix {
  const n = rows.length;
  const g = features === "rfm+affinity" ? table.groups.length : 0;
  const d = 3 + g;
  const x = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const u = rows[r]!;
    x[r * d] = Math.log1p(table.recencyDays[u]!);
    x[r * d + 1] = Math.log1p(table.frequency[u]!);
    x[r * d + 2] = Math.log1p(table.grossSpend[u]!);
    for (let k = 0; k < g; k++) x[r * d + 3 + k] = table.affinity[u * g + k]!;
  }
  for (let c = 0; c < 3; c++) standardize(x, n, d, c);
  if (g > 0) {
    if (scaling === "zscore") {
      for (let c = 3; c < d; c++) standardize(x, n, d, c);
      const w = Math.sqrt(3 / g);
      for (let r = 0; r < n; r++) for (let c = 3; c < d; c++) x[r * d + c]! *= w;
    } else {
      let total = 0;
      for (let c = 3; c < d; c++) {
        let mean = 0;
        for (let r = 0; r < n; r++) mean += x[r * d + c]!;
        mean /= n;
        for (let r = 0; r < n; r++) {
          x[r * d + c]! -= mean;
          total += x[r * d + c]! ** 2;
        }
      }
      const w = total > 0 ? Math.sqrt((3 * n) / total) : 0;
      for (let r = 0; r < n; r++) for (let c = 3; c < d; c++) x[r * d + c]! *= w;
    }
  }
  return dense(n, d, Float32Array.from(x));
}

/**
 * Segments the customers of a profile table (shoppers with a purchase). k-means by default (k-means++, 10
 * restarts, the lowest inertia wins), k = "auto" by the best silhouette over `kRange` (the curve is returned);
 * segments are named from their RFM levels and distinctive item groups, and keep their ids against `previous`.
 * @throws ConfigError when there are fewer than 3 customers or k is out of range.
 * @example const run = await segmentShoppers(shopperProfiles(log, { itemGroups }), { k: "auto" });
 */
export async function segmentShoppers(table: ProfileTable, options: SegmentOptions = {}): Promise<SegmentRun> {
  const t0 = performance.now();
  const algorithm = options.algorithm ?? "kmeans";
  if (!SEGMENT_ALGORITHMS.includes(algorithm)) throw new ConfigError(`Unknown algorithm "${algorithm}": choose one of ${SEGMENT_ALGORITHMS.join(", ")}`);
  const features = options.features ?? (table.groups.length > 0 ? "rfm+affinity" : "rfm");
  if (features === "rfm+affinity" && table.groups.length === 0) throw new ConfigError("Cannot use category affinity: the profiles have no item groups");
  const scaling = options.affinityScaling ?? "block";
  const rows = table.customers();
  const n = rows.length;
  if (n < 3) throw new ConfigError(`Cannot segment ${n} customer${n === 1 ? "" : "s"}: at least 3 shoppers with a purchase are needed`);
  const seed = options.seed ?? 0;
  const warnings: string[] = [];
  const run: RunOptions = { seed, signal: options.signal, onWarning: (w) => (warnings.push(w.message), options.onWarning?.(w)) };
  const x = segmentFeatures(table, rows, features, scaling);
  const nInit = options.nInit ?? 10;
  const params: Record<string, unknown> = { ...(options.params ?? {}) };
  let kCurve: SegmentRun["kCurve"];
  let k = options.k ?? "auto";
  const sil = (labels: Int32Array): number => (new Set(labels).size < 2 ? Number.NaN : silhouetteScore(x, labels, n > 5000 ? { sampleSize: 5000, seed } : {}));
  if (algorithm === "kmeans" && k === "auto") {
    const [lo, hi] = options.kRange ?? [3, 10];
    const max = Math.min(hi, n - 1);
    if (lo < 2 || max < lo) throw new ConfigError(`Cannot choose k over ${lo}..${hi} for ${n} customers`);
    const points: { k: number; silhouette: number }[] = [];
    for (let kk = lo; kk <= max; kk++) {
      options.onProgress?.({ stage: "choose k", done: kk - lo, total: max - lo + 1 });
      const m = await createClusterer("kmeans", { nInit, ...params, k: kk }).fit(x, run);
      points.push({ k: kk, silhouette: sil(m.labels) });
    }
    let best = points[0]!;
    for (const p of points) if (p.silhouette > best.silhouette) best = p;
    kCurve = { points, chosen: best.k };
    k = best.k;
  }
  if (algorithm === "kmeans" && (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > n)) throw new ConfigError(`k must be a whole number from 1 to ${n}, got ${String(k)}`);
  const spec =
    algorithm === "kmeans"
      ? { nInit, ...params, k }
      : algorithm === "dbscan"
        ? { eps: 0.5, minSamples: 5, ...params }
        : { minClusterSize: Math.max(5, Math.round(n / 100)), ...params };
  const tf = performance.now();
  let labels: Int32Array;
  if (algorithm === "kmeans" && (options.restartBy ?? "silhouette") === "silhouette" && nInit > 1) {
    labels = await bestRestart(x, { ...spec, nInit: 1 }, nInit, run);
  } else labels = Int32Array.from((await createClusterer(algorithm, spec).fit(x, run)).labels);
  const fitSeconds = (performance.now() - tf) / 1000;
  const users = Array.from(rows, (u) => table.users[u]!);
  let stability: StabilityReport | undefined;
  if (options.previous) ({ labels, report: stability } = relateToPrevious(users, labels, options.previous));
  const ids = [...new Set(labels)].filter((c) => c !== NOISE).sort((a, b) => a - b);
  const noise = labels.reduce((a, l) => a + (l === NOISE ? 1 : 0), 0);
  if (noise === n) warnings.push("every customer is noise: try a larger eps or a smaller minimum cluster size");
  const metrics = internal(x, labels);
  const { segments, groups } = summarize(table, rows, x, labels, ids);
  if (stability) for (const s of segments) s.status = stability.status.get(s.id);
  return {
    algorithm,
    params: spec,
    features,
    affinityScaling: features === "rfm+affinity" ? scaling : null,
    dims: x.cols,
    users,
    labels,
    k: ids.length,
    noise,
    segments,
    metrics,
    ...(kCurve ? { kCurve } : {}),
    ...(stability ? { stability } : {}),
    map: projectMap(x, options.mapSample ?? 5000, seed),
    groups,
    largestGroupShare: groups.reduce((a, g) => Math.max(a, g.share), 0),
    fitSeconds,
    seconds: (performance.now() - t0) / 1000,
    warnings,
  };
}

/** k-means restarts (seeds derived from the run's), each scored by silhouette on one fixed sample; the best wins (ties: lower inertia). */
async function bestRestart(x: DenseMatrix, spec: Record<string, unknown>, restarts: number, run: RunOptions): Promise<Int32Array> {
  const n = x.rows;
  const seed = run.seed ?? 0;
  const sample = n > 1000 ? Int32Array.from(new Random(seed + 7).sample(n, 1000)).sort() : null;
  const xs = sample ? selectRows(x, sample) : x;
  let best: { labels: Int32Array; s: number; inertia: number } | null = null;
  for (let r = 0; r < restarts; r++) {
    const m = await createClusterer("kmeans", spec).fit(x, { ...run, seed: deriveSeed(seed, r) });
    const ls = sample ? Int32Array.from(sample, (i) => m.labels[i]!) : m.labels;
    const s = new Set(ls).size < 2 ? -Infinity : silhouetteScore(xs, ls);
    const inertia = m.inertia ?? 0;
    if (best === null || s > best.s || (s === best.s && inertia < best.inertia)) best = { labels: Int32Array.from(m.labels), s, inertia };
  }
  return best!.labels;
}

function internal(x: DenseMatrix, labels: Int32Array): SegmentRun["metrics"] {
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== NOISE) keep.push(i);
  const distinct = new Set(keep.map((i) => labels[i]!)).size;
  if (distinct < 2 || distinct >= keep.length) return { silhouette: null, calinskiHarabasz: null, daviesBouldin: null };
  const d = x.cols;
  const xs = dense(keep.length, d);
  keep.forEach((i, r) => xs.data.set(x.data.subarray(i * d, (i + 1) * d), r * d));
  const ls = Int32Array.from(keep, (i) => labels[i]!);
  const f = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const sample = keep.length > 5000 ? { sampleSize: 5000, seed: 0 } : {};
  return { silhouette: f(silhouetteScore(xs, ls, sample)), calinskiHarabasz: f(calinskiHarabaszScore(xs, ls)), daviesBouldin: f(daviesBouldinScore(xs, ls)) };
}

function summarize(table: ProfileTable, rows: Int32Array, x: DenseMatrix, labels: Int32Array, ids: number[]): { segments: SegmentSummary[]; groups: SegmentRun["groups"] } {
  const g = table.groups.length;
  const n = rows.length;
  // Everyone's spend per group (gross spend × share), for shares and lifts.
  const all = new Float64Array(g);
  let allSpend = 0;
  for (const u of rows) {
    for (let k = 0; k < g; k++) all[k]! += table.grossSpend[u]! * table.affinity[u * g + k]!;
  }
  for (const v of all) allSpend += v;
  const overall = Array.from(all, (v) => (allSpend > 0 ? v / allSpend : 0));
  const members = new Map<number, number[]>(ids.map((c) => [c, []]));
  for (let r = 0; r < n; r++) members.get(labels[r]!)?.push(r);
  const shapes = ids.map((c) => {
    const m = members.get(c)!;
    const mean = (col: number): number => m.reduce((a, r) => a + x.data[r * x.cols + col]!, 0) / m.length;
    return { zRecency: mean(0), zFrequency: mean(1), zMonetary: mean(2), medianFrequency: median(m.map((r) => table.frequency[rows[r]!]!)) };
  });
  const groupsOf = ids.map((c) => {
    const spend = new Float64Array(g);
    for (const r of members.get(c)!) for (let k = 0; k < g; k++) spend[k]! += table.grossSpend[rows[r]!]! * table.affinity[rows[r]! * g + k]!;
    const total = spend.reduce((a, v) => a + v, 0);
    return table.groups
      .map((name, k) => ({ name, share: total > 0 ? spend[k]! / total : 0, lift: total > 0 && overall[k]! > 0 ? spend[k]! / total / overall[k]! : 0 }))
      .sort((a, b) => b.share - a.share);
  });
  const names = segmentNames(shapes, groupsOf);
  const r3 = (v: number): number => Math.round(v * 1000) / 1000;
  const segments = ids.map((c, s): SegmentSummary => {
    const m = members.get(c)!.map((r) => rows[r]!);
    const avg = (a: Float64Array): number => m.reduce((t, u) => t + a[u]!, 0) / m.length;
    const med = (a: Float64Array): number => median(m.map((u) => a[u]!));
    return {
      id: c,
      name: names[s]!,
      size: m.length,
      share: r3(m.length / n),
      words: segmentWords(shapes[s]!),
      z: { recency: r3(shapes[s]!.zRecency), frequency: r3(shapes[s]!.zFrequency), monetary: r3(shapes[s]!.zMonetary) },
      mean: { recencyDays: r3(avg(table.recencyDays)), frequency: r3(avg(table.frequency)), monetary: r3(avg(table.grossSpend)), basketSize: r3(avg(table.basketSize)), returnRate: r3(avg(table.returnRate)) },
      median: { recencyDays: r3(med(table.recencyDays)), frequency: r3(med(table.frequency)), monetary: r3(med(table.grossSpend)) },
      topGroups: groupsOf[s]!.slice(0, 5).map((t) => ({ name: t.name, share: r3(t.share), lift: r3(t.lift) })),
    };
  });
  segments.sort((a, b) => b.size - a.size || a.id - b.id);
  return { segments, groups: table.groups.map((name, k) => ({ name, share: r3(overall[k]!) })).sort((a, b) => b.share - a.share) };
}

/** A 2-D PCA map of (a sample of) the feature rows. */
function projectMap(x: DenseMatrix, sample: number, seed: number): SegmentRun["map"] {
  const n = x.rows;
  const step = n > sample ? n / sample : 1;
  const rows = Int32Array.from({ length: Math.min(n, sample) }, (_, t) => Math.floor(t * step));
  const d = x.cols;
  if (rows.length < 3 || d < 2) return { x: new Float32Array(0), y: new Float32Array(0), rows: new Int32Array(0) };
  const c = dense(rows.length, d);
  const mean = new Float64Array(d);
  rows.forEach((i) => {
    for (let f = 0; f < d; f++) mean[f]! += x.data[i * d + f]! / rows.length;
  });
  rows.forEach((i, r) => {
    for (let f = 0; f < d; f++) c.data[r * d + f] = x.data[i * d + f]! - mean[f]!;
  });
  const p = truncatedSvd(c, { components: 2, seed }).transform(c);
  return { x: Float32Array.from(rows, (_, r) => p.data[r * 2]!), y: Float32Array.from(rows, (_, r) => p.data[r * 2 + 1]!), rows };
}
