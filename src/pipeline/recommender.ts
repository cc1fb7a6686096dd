// The recommender: fitted from an event log (and optionally the catalogue), answering "for you" (all | new) and
// "bought together" lists, each item with a reason; a versioned artifact (see recommender-artifact.ts).
import { ConfigError, NotFoundError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { EVENT_CODE } from "../events/event.js";
import type { EventLog } from "../events/event-log.js";
import { TextFeaturizer } from "../featurize/text/text-featurizer.js";
import { csr, dense, type CsrMatrix, type DenseMatrix } from "../linalg/matrix.js";
import { Blend, scaleToMax, type PartName } from "../recommend/blend.js";
import { fitBoughtTogether, type BoughtTogetherLists } from "../recommend/bought-together.js";
import { fitEase, type EaseModel } from "../recommend/ease.js";
import { buildBaskets, buildInteractions, decay } from "../recommend/interactions.js";
import { rankItems } from "../recommend/rank.js";
import { fitProductVectors } from "./product-vectors.js";
import { segmentShoppers } from "./segments.js";
import { shopperProfiles } from "./shopper-profiles.js";
import { RecommenderParams, type RecommenderParamsInput } from "./recommender-params.js";

/** Why an item is recommended. */
export type ReasonKind = "bought-again" | "bought-with" | "segment" | "popular" | "similar";

/** One recommended item. */
export interface RecommendedItem {
  itemId: string;
  title?: string;
  score: number;
  reason: { kind: ReasonKind; text: string; itemId?: string };
}

/** Options of {@link Recommender.recommend}. */
export interface RecommendOptions {
  /** "all" (default): may repeat what the shopper bought; "new": only items the shopper has not bought. */
  mode?: "all" | "new";
  /** Items in the list. Default 10. */
  limit?: number;
  /** At most this many items of one category or item group. */
  maxPerCategory?: number;
  /** Items never to show (besides the recommender's own exclusion set). */
  exclude?: Iterable<string>;
}

/** Options of {@link fitRecommender}. */
export interface FitRecommenderOptions extends RunOptions {
  params?: RecommenderParamsInput;
  /** The catalogue: titles for reasons, texts for content similarity (bought together, new products). */
  items?: readonly Product[];
  /** Items never recommended and whose events are ignored: deleted products, non-products (postage, fees). */
  excludeItems?: Iterable<string>;
  /** Category or item group of each item (for maxPerCategory). */
  itemGroups?: ReadonlyMap<string, string>;
  /** Segment of each shopper (for "popular in your segment"); without it, that part is off. */
  segmentOf?: ReadonlyMap<string, number>;
  /** Only items bought in the log may be recommended (the evaluation protocol's catalogue). Default false. */
  purchasedOnly?: boolean;
}

/** The recommender's fitted state (what the artifact stores). */
export interface RecommenderState {
  params: RecommenderParams;
  users: string[];
  /** Item ids, sorted (this order is the tie-break: the lower id wins). */
  items: string[];
  titles: (string | null)[];
  groupNames: string[];
  /** Group index of each item, -1 for none. */
  group: Int32Array;
  excluded: Uint8Array;
  counts: CsrMatrix;
  last: Float64Array;
  returned: Uint8Array;
  ease: EaseModel | null;
  segmentOf: Int32Array | null;
  favourites: Float32Array | null;
  together: BoughtTogetherLists;
  now: number;
  fitSeconds: number;
  events: number;
  purchases: number;
  /** What a refit with other parameters reuses (kept in memory, not saved). */
  fitted?: { baskets: CsrMatrix; content: DenseMatrix | null; titles: CsrMatrix | null; basketAge: Float64Array };
}

/** Reason texts. */
function reasonText(kind: ReasonKind, other?: string): string {
  switch (kind) {
    case "bought-again":
      return "bought again";
    case "bought-with":
      return `often bought with ${other}`;
    case "segment":
      return "popular in your segment";
    case "popular":
      return "popular now";
    case "similar":
      return `similar to ${other}`;
  }
}

/**
 * A fitted recommender. `recommend(userId)` blends the shopper's own repeat purchases, EASE and the segment's
 * favourites; `boughtTogether(itemId)` blends basket co-occurrence, same-shopper co-occurrence and content.
 * Cold start: an unknown shopper gets what is popular now; an item without purchases its content neighbours.
 */
export class Recommender {
  readonly blend: Blend;
  private readonly userIndex: Map<string, number>;
  private readonly itemIndex: Map<string, number>;

  constructor(readonly state: RecommenderState) {
    this.blend = new Blend(
      { counts: state.counts, last: state.last, returned: state.returned, ease: state.ease, segmentOf: state.segmentOf, favourites: state.favourites, now: state.now },
      state.params.blend,
    );
    this.userIndex = new Map(state.users.map((u, i) => [u, i]));
    this.itemIndex = new Map(state.items.map((u, i) => [u, i]));
  }

  get users(): readonly string[] {
    return this.state.users;
  }
  get items(): readonly string[] {
    return this.state.items;
  }
  /** Index of a shopper (-1 when unknown) or an item (-1). */
  userIndexOf(id: string): number {
    return this.userIndex.get(id) ?? -1;
  }
  itemIndexOf(id: string): number {
    return this.itemIndex.get(id) ?? -1;
  }

  private label(i: number): string {
    const t = this.state.titles[i];
    return t ? `"${t}"` : this.state.items[i]!;
  }

  private mask(exclude?: Iterable<string>): Uint8Array {
    if (!exclude) return this.state.excluded;
    const m = this.state.excluded.slice();
    for (const id of exclude) {
      const i = this.itemIndex.get(id);
      if (i !== undefined) m[i] = 1;
    }
    return m;
  }

  /**
   * A shopper's recommendations, best first, each with a reason. An unknown shopper (no purchases) gets what is
   * popular now.
   * @example rec.recommend("17850", { mode: "new", limit: 5 })
   */
  recommend(userId: string, options: RecommendOptions = {}): RecommendedItem[] {
    const mode = options.mode ?? "all";
    if (mode !== "all" && mode !== "new") throw new ConfigError(`mode must be "all" or "new", got "${String(mode)}"`);
    const limit = options.limit ?? 10;
    const u = this.userIndexOf(userId);
    const ranked = this.blend.recommend(u, mode, limit, { excluded: this.mask(options.exclude), groups: this.state.group, maxPerGroup: options.maxPerCategory });
    const c = this.state.counts;
    const own = u >= 0 ? c.indices.subarray(c.indptr[u]!, c.indptr[u + 1]!) : new Int32Array(0);
    return ranked.map((r) => this.item(r.item, r.score, this.reason(r.part, r.item, own)));
  }

  private reason(part: PartName, i: number, own: Int32Array): { kind: ReasonKind; other?: number } {
    if (part === "repeat") return { kind: "bought-again" };
    if (part === "segment") return { kind: "segment" };
    if (part === "ease" && this.state.ease) {
      let best = -1;
      let bw = 0;
      for (const j of own) {
        const w = this.state.ease.weight(j, i);
        if (w > bw) {
          bw = w;
          best = j;
        }
      }
      if (best >= 0) return { kind: "bought-with", other: best };
    }
    return { kind: "popular" };
  }

  private item(i: number, score: number, r: { kind: ReasonKind; other?: number }): RecommendedItem {
    const title = this.state.titles[i];
    const out: RecommendedItem = {
      itemId: this.state.items[i]!,
      score: Math.round(score * 1e6) / 1e6,
      reason: { kind: r.kind, text: reasonText(r.kind, r.other === undefined ? undefined : this.label(r.other)) },
    };
    if (title) out.title = title;
    if (r.other !== undefined) out.reason.itemId = this.state.items[r.other]!;
    return out;
  }

  /**
   * Items bought together with `itemId`, best first ("often bought with X"; "similar to X" for content
   * neighbours, which is all a product without purchases has).
   * @throws NotFoundError for an item the recommender has never seen (neither in the events nor the catalogue).
   */
  boughtTogether(itemId: string, options: { limit?: number; exclude?: Iterable<string> } = {}): RecommendedItem[] {
    const i = this.itemIndexOf(itemId);
    if (i < 0) throw new NotFoundError("item", itemId, "it is neither in the events nor in the catalogue the recommender was fitted with");
    const limit = options.limit ?? 10;
    const excluded = this.mask(options.exclude);
    const t = this.state.together;
    const out: RecommendedItem[] = [];
    for (let p = t.indptr[i]!; p < t.indptr[i + 1]! && out.length < limit; p++) {
      const j = t.indices[p]!;
      if (excluded[j] === 1) continue;
      const ev = t.evidence[p];
      // Borrowed from a title neighbour k (the backoff): j is often bought with k, not (yet) with i.
      const via = t.via?.[p] ?? -1;
      out.push(this.item(j, t.scores[p]!, ev === 2 ? { kind: "similar", other: i } : ev === 3 ? { kind: "popular" } : { kind: "bought-with", other: via >= 0 ? via : i }));
    }
    return out;
  }

  /** Scores of every item for a shopper index (-1: unknown), for evaluation; own items are -Infinity in mode "new". */
  scoreInto(u: number, mode: "all" | "new", out: Float64Array): void {
    this.blend.score(u, mode, out);
  }

  /** Top-k item indices for a shopper index, honouring the exclusion set. */
  topItems(u: number, mode: "all" | "new", k: number, scratch = new Float64Array(this.state.items.length)): Int32Array {
    this.blend.score(u, mode, scratch);
    return rankItems(scratch, k, { excluded: this.state.excluded });
  }

  /**
   * The same recommender with other parameters, refitting only what they change: EASE when its parameters
   * change, the bought-together lists when theirs do (needs the in-memory fit state), the blend always (cheap).
   * For tuning; a loaded recommender can change its blend only.
   */
  withParams(input: RecommenderParamsInput): Recommender {
    const old = this.state.params;
    const params = RecommenderParams.parse({
      ease: { ...old.ease, ...input.ease },
      blend: { ...old.blend, ...input.blend },
      boughtTogether: { ...old.boughtTogether, ...input.boughtTogether },
      contentDim: input.contentDim ?? old.contentDim,
      segments: input.segments ?? old.segments,
    });
    const s = this.state;
    const same = (a: object, b: object): boolean => JSON.stringify(a) === JSON.stringify(b);
    const ease = same(params.ease, old.ease) ? s.ease : fitEase(s.counts, s.last, s.now, params.ease);
    let together = s.together;
    if (!same(params.boughtTogether, old.boughtTogether) || (params.boughtTogether.popularWeight > 0 && params.blend.popularHalfLifeDays !== old.blend.popularHalfLifeDays)) {
      if (!s.fitted) throw new ConfigError("Cannot refit the bought-together lists of a loaded recommender: fit it again");
      const popular = recentPopularity(s.counts, s.last, s.now, params.blend.popularHalfLifeDays);
      together = fitBoughtTogether(s.fitted.baskets, s.counts, s.fitted.content, params.boughtTogether, s.fitted.basketAge, popular, s.fitted.titles);
    }
    let favourites = s.favourites;
    if (s.segmentOf && params.blend.popularHalfLifeDays !== old.blend.popularHalfLifeDays) favourites = segmentFavourites(s.counts, s.last, s.now, s.segmentOf, params.blend.popularHalfLifeDays);
    return new Recommender({ ...s, params, ease, together, favourites });
  }

  /** What was fitted, in words and numbers. */
  describe(): Record<string, unknown> {
    const s = this.state;
    return {
      shoppers: s.users.length,
      items: s.items.length,
      events: s.events,
      purchases: s.purchases,
      easeItems: s.ease?.size ?? 0,
      segments: s.favourites ? s.favourites.length / Math.max(1, s.items.length) : 0,
      excluded: s.excluded.reduce((a, v) => a + v, 0),
      fitSeconds: Math.round(s.fitSeconds * 1000) / 1000,
      params: s.params,
    };
  }
}

/**
 * Fits the recommender from an event log: purchases (minus excluded items) make the shopper × item counts and
 * baskets; returns mark own items to down-weight; the catalogue (`items`) adds titles, content vectors and items
 * without purchases (which get content neighbours). O(EASE: maxItems³/2 + Σ_u n_u²) plus the content vectors.
 * @throws ConfigError when the log holds no purchase.
 * @example const rec = await fitRecommender(log, { items, excludeItems: ["POST"] });
 */
export async function fitRecommender(log: EventLog, options: FitRecommenderOptions = {}): Promise<Recommender> {
  const t0 = performance.now();
  const params = RecommenderParams.parse(options.params ?? {});
  const skip = new Set(options.excludeItems ?? []);
  const purchase = EVENT_CODE.purchase;
  // Item space: ids bought in the log, plus the catalogue's, sorted (the tie-break order).
  const bought = new Uint8Array(log.items.size);
  let purchases = 0;
  for (let e = 0; e < log.length; e++) {
    if (log.type[e] === purchase && !skip.has(log.items.ids[log.item[e]!]!)) {
      bought[log.item[e]!] = 1;
      purchases++;
    }
  }
  if (purchases === 0) throw new ConfigError("Cannot fit a recommender: the events hold no purchase (of an item that is not excluded)");
  const ids = new Set<string>();
  for (let i = 0; i < bought.length; i++) if (bought[i] === 1) ids.add(log.items.ids[i]!);
  if (!options.purchasedOnly) for (const p of options.items ?? []) if (!skip.has(p.id)) ids.add(p.id);
  const items = [...ids].sort();
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const fromLog = Int32Array.from(log.items.ids, (id) => itemIndex.get(id) ?? -1);
  const users = [...new Set(Array.from({ length: log.length }, (_, e) => (log.type[e] === purchase && fromLog[log.item[e]!]! >= 0 ? log.users.ids[log.user[e]!]! : "")))].filter((u) => u !== "").sort();
  const userIndex = new Map(users.map((id, i) => [id, i]));
  const userFromLog = Int32Array.from(log.users.ids, (id) => userIndex.get(id) ?? -1);

  const rows: number[] = [];
  const returnRows: number[] = [];
  let now = -Infinity;
  for (let e = 0; e < log.length; e++) {
    now = Math.max(now, log.time[e]!);
    const i = fromLog[log.item[e]!]!;
    if (i < 0 || userFromLog[log.user[e]!]! < 0) continue;
    if (log.type[e] === purchase) rows.push(e);
    else if (log.type[e] === EVENT_CODE.return) returnRows.push(e);
  }
  const cols = {
    user: Int32Array.from(log.user, (u) => userFromLog[u]!),
    item: Int32Array.from(log.item, (i) => fromLog[i]!),
    basket: log.basket,
    time: log.time,
  };
  const { counts, last } = buildInteractions({ ...cols, rows: Int32Array.from(rows) }, users.length, items.length);
  options.onProgress?.({ stage: "interactions", done: 1, total: 1 });
  const returned = new Uint8Array(counts.indptr[users.length]!);
  for (const e of returnRows) {
    const u = cols.user[e]!;
    const i = cols.item[e]!;
    for (let p = counts.indptr[u]!; p < counts.indptr[u + 1]!; p++) if (counts.indices[p] === i) returned[p] = 1;
  }
  const ease = fitEase(counts, last, now, params.ease);
  options.onProgress?.({ stage: "ease", done: 1, total: 1 });

  // Titles, groups and the exclusion set.
  const titles: (string | null)[] = items.map(() => null);
  const byId = new Map((options.items ?? []).map((p) => [p.id, p]));
  items.forEach((id, i) => {
    const t = byId.get(id)?.text.find((s) => s.trim() !== "");
    if (t) titles[i] = t.trim();
  });
  const groupNames: string[] = [];
  const groupIndex = new Map<string, number>();
  const group = Int32Array.from(items, (id) => {
    const g = options.itemGroups?.get(id);
    if (g === undefined) return -1;
    let k = groupIndex.get(g);
    if (k === undefined) groupIndex.set(g, (k = groupNames.push(g) - 1));
    return k;
  });
  const excluded = new Uint8Array(items.length);
  if (options.purchasedOnly) {
    excluded.fill(1);
    for (let p = 0; p < counts.indptr[users.length]!; p++) excluded[counts.indices[p]!] = 0;
  }

  // Content vectors of the catalogue items (zero rows for items without text).
  let content: DenseMatrix | null = null;
  const withText = items.map((id) => byId.get(id)).filter((p): p is Product => p !== undefined && p.text.some((s) => s.trim() !== ""));
  if (params.boughtTogether.contentWeight > 0 && withText.length >= 3) {
    const pv = await fitProductVectors(withText, { method: "tfidf-svd", dim: Math.min(params.contentDim, withText.length - 1), seed: options.seed ?? 0, signal: options.signal });
    const v = pv.vectors!;
    content = dense(items.length, v.cols);
    withText.forEach((p, r) => content!.data.set(v.data.subarray(r * v.cols, (r + 1) * v.cols), itemIndex.get(p.id)! * v.cols));
    options.onProgress?.({ stage: "content", done: 1, total: 1 });
  }
  // Word TF-IDF rows of the item texts (L2-normalized; zero rows for items without text), for title similarity:
  // made whenever there are texts (a few tens of ms for thousands of items), so a refit with another weight has them.
  let titleRows: CsrMatrix | null = null;
  if (withText.length >= 2) {
    const { matrix } = await new TextFeaturizer({ wordNgrams: [1, 1], charNgrams: [0, 0], cjkCharNgrams: [1, 1] }).fitTransformTexts(
      withText.map((p) => p.text),
      { signal: options.signal },
    );
    titleRows = rowsInItemSpace(matrix, withText.map((p) => itemIndex.get(p.id)!), items.length);
  }
  const baskets = buildBaskets({ ...cols, rows: Int32Array.from(rows) }, log.baskets.size, items.length);
  const basketAge = basketAges(baskets.rows, rows, cols.basket, cols.time, now);
  const popularNow = recentPopularity(counts, last, now, params.blend.popularHalfLifeDays);
  const together = fitBoughtTogether(baskets, counts, content, params.boughtTogether, basketAge, popularNow, titleRows);
  options.onProgress?.({ stage: "bought together", done: 1, total: 1 });

  // Segment favourites: the given segments, else k-means segments on the log's own RFM (no other data).
  let segmentOf: Int32Array | null = null;
  if (options.segmentOf && options.segmentOf.size > 0) segmentOf = Int32Array.from(users, (u) => options.segmentOf!.get(u) ?? -1);
  else if (params.segments > 1) {
    const table = shopperProfiles(log, { excludeItems: skip });
    if (table.customers().length > params.segments) {
      const run = await segmentShoppers(table, { k: params.segments, features: "rfm", nInit: 3, restartBy: "inertia", seed: options.seed ?? 0, mapSample: 0 });
      const of = new Map(run.users.map((u, r) => [u, run.labels[r]!]));
      segmentOf = Int32Array.from(users, (u) => of.get(u) ?? -1);
    }
  }
  const favourites = segmentOf ? segmentFavourites(counts, last, now, segmentOf, params.blend.popularHalfLifeDays) : null;
  return new Recommender({
    params,
    users,
    items,
    titles,
    groupNames,
    group,
    excluded,
    counts,
    last,
    returned,
    ease,
    segmentOf,
    favourites,
    together,
    now: Number.isFinite(now) ? now : 0,
    fitSeconds: (performance.now() - t0) / 1000,
    events: log.length,
    purchases,
    fitted: { baskets, content, titles: titleRows, basketAge },
  });
}

/** Each item's recent popularity (a shopper's last purchase weighs 2^(−age / half-life)), scaled to max 1. */
function recentPopularity(counts: CsrMatrix, last: Float64Array, now: number, halfLifeDays: number): Float64Array {
  const out = new Float64Array(counts.cols);
  for (let p = 0; p < counts.indptr[counts.rows]!; p++) out[counts.indices[p]!]! += decay(now - last[p]!, halfLifeDays);
  scaleToMax(out);
  return out;
}

/** The rows of `m` placed at item indices `at` (row r of m → row at[r]) of an `n`-row CSR matrix; other rows empty. */
function rowsInItemSpace(m: CsrMatrix, at: readonly number[], n: number): CsrMatrix {
  const rowOf = new Int32Array(n).fill(-1);
  at.forEach((i, r) => (rowOf[i] = r));
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i]! + (rowOf[i]! >= 0 ? m.indptr[rowOf[i]! + 1]! - m.indptr[rowOf[i]!]! : 0);
  const indices = new Int32Array(indptr[n]!);
  const data = new Float32Array(indptr[n]!);
  for (let i = 0; i < n; i++) {
    const r = rowOf[i]!;
    if (r < 0) continue;
    indices.set(m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[i]!);
    data.set(m.data.subarray(m.indptr[r]!, m.indptr[r + 1]!), indptr[i]!);
  }
  return csr(n, m.cols, indptr, indices, data);
}

/** Age in days of each basket (its last line) at `now`. */
function basketAges(nBaskets: number, rows: readonly number[], basket: Int32Array, time: Float64Array, now: number): Float64Array {
  const last = new Float64Array(nBaskets).fill(-Infinity);
  for (const e of rows) if (time[e]! > last[basket[e]!]!) last[basket[e]!] = time[e]!;
  return Float64Array.from(last, (t) => (Number.isFinite(t) ? (now - t) / 86_400_000 : Infinity));
}

/** Each segment's recently bought items (a purchase weighs 2^(−age / half-life)), scaled to max 1 per segment. */
function segmentFavourites(counts: CsrMatrix, last: Float64Array, now: number, segmentOf: Int32Array, halfLifeDays: number): Float32Array | null {
  const n = counts.cols;
  const segs = segmentOf.reduce((a, s) => Math.max(a, s + 1), 0);
  if (segs === 0) return null;
  const fav = new Float32Array(segs * n);
  for (let u = 0; u < counts.rows; u++) {
    const s = segmentOf[u]!;
    if (s < 0) continue;
    for (let p = counts.indptr[u]!; p < counts.indptr[u + 1]!; p++) fav[s * n + counts.indices[p]!]! += decay(now - last[p]!, halfLifeDays);
  }
  for (let s = 0; s < segs; s++) scaleToMax(fav, s * n, n);
  return fav;
}
