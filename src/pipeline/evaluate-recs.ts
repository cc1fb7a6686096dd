// Offline evaluation of recommendations with a global time split, full ranking and no leakage: tasks all, new and
// bought-together, with a popularity baseline from the same run (the protocol of ../shared/bench/anchors/recs_anchor.py).
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { EVENT_CODE } from "../events/event.js";
import type { EventLog } from "../events/event-log.js";
import { formatEventTime, parseEventTime } from "../events/time.js";
import { RankingAccumulator, type RankingScores } from "../metrics/ranking.js";
import { fitEase } from "../recommend/ease.js";
import { fitItemKnn } from "../recommend/item-knn.js";
import { buildBaskets, columnCounts } from "../recommend/interactions.js";
import { rankItems } from "../recommend/rank.js";
import { fitRecommender, type Recommender } from "./recommender.js";
import type { RecommenderParamsInput } from "./recommender-params.js";

/** Options of {@link evaluateRecommendations}. */
export interface EvaluateRecsOptions extends RunOptions {
  /** Train on events before this time, test on the ones from it on (ISO 8601, zone-less = UTC, or ms). */
  splitAt: string | number;
  /** Test events before this time only (a validation window). Default: no end. */
  end?: string | number;
  /** List length. Default 10. */
  k?: number;
  /** Items whose events are left out entirely (non-products: postage, fees, discounts). */
  excludeItems?: Iterable<string>;
  /** The catalogue (texts for content similarity, titles). */
  items?: readonly Product[];
  params?: RecommenderParamsInput;
  /** Shopper segments (fitted on training data only!) for "popular in your segment". */
  segmentOf?: ReadonlyMap<string, number>;
  /** Also score each part alone (repeat, EASE, item-kNN, co-purchase counts, popular now). Default false. */
  components?: boolean;
}

/** Scores of one task (means over users or query items). */
export interface RecsScores {
  ndcg: number;
  hitRate: number;
  recall: number;
  precision: number;
  map: number;
  coverage: number;
  /** Users (or query items) scored. */
  lists: number;
}

/** The three tasks. */
export interface RecsTasks {
  all: RecsScores;
  new: RecsScores;
  boughtTogether: RecsScores;
}

/** What {@link evaluateRecommendations} reports. */
export interface RecsEvaluation extends RecsTasks {
  k: number;
  splitAt: string;
  end: string | null;
  /** Items that may be recommended: those bought in training. */
  catalog: number;
  trainShoppers: number;
  testShoppers: number;
  trainPurchases: number;
  testPurchases: number;
  /** Popularity (distinct training buyers), same split, same metrics. */
  baseline: RecsTasks;
  /** Each part alone, when asked for. */
  components?: Record<string, Partial<RecsTasks>>;
  fitSeconds: number;
  /** Mean milliseconds to score and rank one shopper's list (mode all). */
  msPerUser: number;
  recommender: Recommender;
}

function toMs(v: string | number, what: string): number {
  if (typeof v === "number") return v;
  const t = parseEventTime(v);
  if (!t.ok) throw new ConfigError(`${what} must be an ISO 8601 time: ${t.reason}`);
  return t.ms;
}

const scores = (r: RankingScores, catalog: number, size: number): RecsScores => ({
  ndcg: r.ndcg,
  hitRate: r.hitRate,
  recall: r.recall,
  precision: r.precision,
  map: r.averagePrecision,
  coverage: (r.coverage * size) / Math.max(1, catalog),
  lists: r.lists,
});

/**
 * Evaluates the recommender on a global time split: it is fitted on the events before `splitAt` only, and
 * scored on the purchases after it. Test shoppers bought both before and after. Task "all": the items a shopper
 * bought after the split (items already bought count); "new": those they had not bought before (own items are
 * never recommended; shoppers with none are skipped); "bought together": for each training item found in a test
 * basket with another item, the 10 items sharing most test baskets with it. Full ranking over every item bought
 * in training; ties go to the lower item id.
 * @example const r = await evaluateRecommendations(log, { splitAt: "2011-10-01", k: 10 }); r.all.ndcg
 */
export async function evaluateRecommendations(log: EventLog, options: EvaluateRecsOptions): Promise<RecsEvaluation> {
  const split = splitEvents(log, options);
  options.onProgress?.({ stage: "fit", done: 0, total: 1 });
  const params: RecommenderParamsInput = { ...options.params, boughtTogether: { ...options.params?.boughtTogether } };
  params.boughtTogether!.neighbors = Math.max(split.k, params.boughtTogether!.neighbors ?? 50);
  const rec = await fitRecommender(split.train, { params, items: options.items, segmentOf: options.segmentOf, purchasedOnly: true, seed: options.seed, signal: options.signal });
  const truth = groundTruth(split, rec);
  const ours = scoreRecommender(rec, truth);
  options.onProgress?.({ stage: "score", done: 1, total: 1 });
  const counts = rec.state.counts;
  const baseline = scoreFixed(columnCounts(counts), truth);
  const out: RecsEvaluation = {
    k: split.k,
    splitAt: formatEventTime(split.split),
    end: Number.isFinite(split.end) ? formatEventTime(split.end) : null,
    catalog: rec.items.length,
    trainShoppers: rec.users.length,
    testShoppers: truth.users.length,
    trainPurchases: split.trainPurchases,
    testPurchases: split.testRows.length,
    all: ours.all,
    new: ours.new,
    boughtTogether: ours.boughtTogether,
    baseline,
    fitSeconds: rec.state.fitSeconds,
    msPerUser: ours.msPerUser,
    recommender: rec,
  };
  if (options.components) out.components = components(rec, split.log, split.train, truth);
  return out;
}

/** The events of an evaluation split: the training log, the test purchases and the settings. */
export interface RecsSplit {
  log: EventLog;
  train: EventLog;
  testRows: number[];
  trainPurchases: number;
  split: number;
  end: number;
  k: number;
}

/** Splits the log at `splitAt` (events of excluded items left out); refuses splits with no purchases on a side. */
export function splitEvents(log: EventLog, options: Pick<EvaluateRecsOptions, "splitAt" | "end" | "k" | "excludeItems">): RecsSplit {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k must be a whole number of at least 1, got ${k}`);
  const split = toMs(options.splitAt, "The split time");
  const end = options.end === undefined ? Infinity : toMs(options.end, "The end of the test period");
  if (!(end > split)) throw new ConfigError("The test period must end after the split time");
  const skip = new Set(options.excludeItems ?? []);
  const itemSkipped = Uint8Array.from(log.items.ids, (id) => (skip.has(id) ? 1 : 0));
  const train = log.filter((e) => log.time[e]! < split && itemSkipped[log.item[e]!] === 0);
  const purchase = EVENT_CODE.purchase;
  const testRows: number[] = [];
  let trainPurchases = 0;
  for (let e = 0; e < log.length; e++) {
    if (log.type[e] !== purchase || itemSkipped[log.item[e]!] === 1) continue;
    if (log.time[e]! < split) trainPurchases++;
    else if (log.time[e]! < end) testRows.push(e);
  }
  if (trainPurchases === 0) throw new ConfigError(`No purchases before the split ${formatEventTime(split)}: choose a later split time`);
  if (testRows.length === 0) throw new ConfigError(`No purchases from the split ${formatEventTime(split)} on: choose an earlier split time`);
  return { log, train, testRows, trainPurchases, split, end, k };
}

/** Ground truth of a split in a recommender's item space (test items outside its catalogue get ids from its size up). */
export interface RecsTruth {
  k: number;
  nItems: number;
  /** Item ids used by the truth (catalogue + outside items). */
  size: number;
  users: number[];
  all: Map<number, Set<number>>;
  fresh: Map<number, Set<number>>;
  similar: Map<number, Set<number>>;
  own: (u: number) => Int32Array;
}

export function groundTruth(split: RecsSplit, rec: Recommender): RecsTruth {
  const { log, testRows } = split;
  const nItems = rec.items.length;
  const outside = new Map<string, number>();
  const itemOf = (logItem: number): number => {
    const id = log.items.ids[logItem]!;
    const i = rec.itemIndexOf(id);
    if (i >= 0) return i;
    let o = outside.get(id);
    if (o === undefined) outside.set(id, (o = nItems + outside.size));
    return o;
  };
  const all = new Map<number, Set<number>>();
  for (const e of testRows) {
    const u = rec.userIndexOf(log.users.ids[log.user[e]!]!);
    if (u < 0) continue;
    let s = all.get(u);
    if (!s) all.set(u, (s = new Set()));
    s.add(itemOf(log.item[e]!));
  }
  const users = [...all.keys()].sort((a, b) => a - b);
  const counts = rec.state.counts;
  const own = (u: number): Int32Array => counts.indices.subarray(counts.indptr[u]!, counts.indptr[u + 1]!);
  const fresh = new Map<number, Set<number>>();
  for (const u of users) {
    const s = new Set(all.get(u));
    for (const i of own(u)) s.delete(i);
    if (s.size > 0) fresh.set(u, s);
  }
  const similar = similarTop10(log, testRows, rec, itemOf);
  return { k: split.k, nItems, size: nItems + outside.size, users, all, fresh, similar, own };
}

/** Scores a fitted recommender on a split's truth: the three tasks and the mean time per shopper list. */
export function scoreRecommender(rec: Recommender, truth: RecsTruth, tasks: readonly (keyof RecsTasks)[] = ["all", "new", "boughtTogether"]): RecsTasks & { msPerUser: number } {
  const { k, size, nItems } = truth;
  const scratch = new Float64Array(nItems);
  const accAll = new RankingAccumulator(k, size);
  const accNew = new RankingAccumulator(k, size);
  let ms = 0;
  for (const u of truth.users) {
    if (tasks.includes("all")) {
      const t0 = performance.now();
      const top = rec.topItems(u, "all", k, scratch);
      ms += performance.now() - t0;
      accAll.add(top, truth.all.get(u)!);
    }
    const gt = truth.fresh.get(u);
    if (gt && tasks.includes("new")) accNew.add(rec.topItems(u, "new", k, scratch), gt);
  }
  const accBt = new RankingAccumulator(k, size);
  const t = rec.state.together;
  if (tasks.includes("boughtTogether")) for (const [i, gt] of truth.similar) accBt.add(t.indices.subarray(t.indptr[i]!, Math.min(t.indptr[i + 1]!, t.indptr[i]! + k)), gt);
  return {
    all: scores(accAll.result(), nItems, size),
    new: scores(accNew.result(), nItems, size),
    boughtTogether: scores(accBt.result(), nItems, size),
    msPerUser: ms / Math.max(1, truth.users.length),
  };
}

type Truth = Map<number, Set<number>>;

/** For each catalogue item in a test basket with another item: the (up to) 10 items sharing most test baskets (ties → lower id). */
function similarTop10(log: EventLog, testRows: readonly number[], rec: Recommender, itemOf: (i: number) => number): Truth {
  const byBasket = new Map<number, Set<number>>();
  for (const e of testRows) {
    let s = byBasket.get(log.basket[e]!);
    if (!s) byBasket.set(log.basket[e]!, (s = new Set()));
    s.add(itemOf(log.item[e]!));
  }
  const together = new Map<number, Map<number, number>>();
  for (const s of byBasket.values()) {
    if (s.size < 2) continue;
    for (const i of s) {
      if (i >= rec.items.length) continue;
      let m = together.get(i);
      if (!m) together.set(i, (m = new Map()));
      for (const j of s) if (j !== i) m.set(j, (m.get(j) ?? 0) + 1);
    }
  }
  const name = (j: number): string => (j < rec.items.length ? rec.items[j]! : `~${j}`);
  const out: Truth = new Map();
  for (const [i, m] of [...together].sort((a, b) => a[0] - b[0])) {
    const top = [...m].sort((a, b) => b[1] - a[1] || (name(a[0]) < name(b[0]) ? -1 : 1)).slice(0, 10);
    out.set(i, new Set(top.map(([j]) => j)));
  }
  return out;
}

/** Scores a fixed item ranking (popularity) on the three tasks. */
function scoreFixed(score: Float64Array, truth: RecsTruth): RecsTasks {
  const { k, size, nItems } = truth;
  const all = new RankingAccumulator(k, size);
  const nw = new RankingAccumulator(k, size);
  const bt = new RankingAccumulator(k, size);
  const top = rankItems(Float64Array.from(score), k + 1);
  for (const u of truth.users) {
    all.add(top.subarray(0, k), truth.all.get(u)!);
    const gt = truth.fresh.get(u);
    if (!gt) continue;
    const s = Float64Array.from(score);
    for (const i of truth.own(u)) s[i] = -Infinity;
    nw.add(rankItems(s, k), gt);
  }
  for (const [i, gt] of truth.similar) bt.add(top.filter((j) => j !== i).subarray(0, k), gt);
  return { all: scores(all.result(), nItems, size), new: scores(nw.result(), nItems, size), boughtTogether: scores(bt.result(), nItems, size) };
}

/** Each part alone: repeat (all), EASE, item-kNN (K = 100), co-purchase counts (bought together), popular now. */
function components(rec: Recommender, log: EventLog, train: EventLog, truth: RecsTruth): Record<string, Partial<RecsTasks>> {
  const { k, size, users, similar } = truth;
  const ownOf = truth.own;
  const s = rec.state;
  const n = rec.items.length;
  const pop = columnCounts(s.counts);
  let maxPop = 0;
  for (const v of pop) maxPop = Math.max(maxPop, v);
  const userTasks = (fill: (u: number, out: Float64Array) => void, withAll = true, withNew = true): Partial<RecsTasks> => {
    const all = new RankingAccumulator(k, size);
    const nw = new RankingAccumulator(k, size);
    const row = new Float64Array(n);
    for (const u of users) {
      fill(u, row);
      if (withAll) all.add(rankItems(Float64Array.from(row), k), truth.all.get(u)!);
      const gt = truth.fresh.get(u);
      if (!withNew || !gt) continue;
      for (const i of ownOf(u)) row[i] = -Infinity;
      nw.add(rankItems(row, k), gt);
    }
    return { ...(withAll ? { all: scores(all.result(), n, size) } : {}), ...(withNew ? { new: scores(nw.result(), n, size) } : {}) };
  };
  const out: Record<string, Partial<RecsTasks>> = {};
  out["repeat"] = userTasks(
    (u, row) => {
      for (let i = 0; i < n; i++) row[i] = pop[i]! / (maxPop + 1);
      for (let p = s.counts.indptr[u]!; p < s.counts.indptr[u + 1]!; p++) row[s.counts.indices[p]!]! += s.counts.data[p]!;
    },
    true,
    false,
  );
  const plain = fitEase(s.counts, s.last, s.now, { ...s.params.ease, halfLifeDays: null });
  for (const [name, model] of [
    ["ease", s.ease],
    ["ease (no decay)", plain],
  ] as const) {
    if (model) out[name] = userTasks((u, row) => {
      row.fill(0);
      model.scoreInto(ownOf(u), row);
      for (let i = 0; i < n; i++) row[i]! += (1e-9 * pop[i]!) / (maxPop + 1);
    });
  }
  const knn = fitItemKnn(s.counts, 100);
  out["item-kNN"] = userTasks((u, row) => {
    row.fill(0);
    knn.scoreInto(ownOf(u), row);
  });
  out["popular now"] = userTasks((_u, row) => row.set(rec.blend.popularNow));
  // Co-purchase counts: shared training baskets, ties to the lower id.
  const purchase = EVENT_CODE.purchase;
  const rows: number[] = [];
  for (let e = 0; e < train.length; e++) if (train.type[e] === purchase && rec.itemIndexOf(train.items.ids[train.item[e]!]!) >= 0) rows.push(e);
  const item = Int32Array.from(train.item, (i) => rec.itemIndexOf(train.items.ids[i]!));
  const baskets = buildBaskets({ user: train.user, item, basket: train.basket, time: train.time, rows: Int32Array.from(rows) }, log.baskets.size, n);
  const bt = new RankingAccumulator(k, size);
  const cooc = new Float64Array(n);
  const basketsOf = new Map<number, number[]>();
  for (let b = 0; b < baskets.rows; b++) for (let p = baskets.indptr[b]!; p < baskets.indptr[b + 1]!; p++) {
    const i = baskets.indices[p]!;
    let l = basketsOf.get(i);
    if (!l) basketsOf.set(i, (l = []));
    l.push(b);
  }
  for (const [i, gt] of similar) {
    cooc.fill(0);
    for (const b of basketsOf.get(i) ?? []) for (let p = baskets.indptr[b]!; p < baskets.indptr[b + 1]!; p++) cooc[baskets.indices[p]!]!++;
    cooc[i] = -Infinity;
    bt.add(rankItems(cooc, k), gt);
  }
  out["co-purchase counts"] = { boughtTogether: scores(bt.result(), n, size) };
  return out;
}
