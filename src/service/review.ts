// The review console's service: the review queue (products whose decision needs a person, most uncertain
// first, with the live model's top-3, decision and explanation), batch decisions, undo and the taxonomy
// type-ahead. The HTTP edge (src/server/routes/review.ts) only parses and formats.
import { ConfigError, NotFoundError, UnavailableError } from "../core/errors.js";
import type { ProductInput } from "../core/product.js";
import type { ItemPrediction } from "../core/prediction.js";
import type { ProductModel } from "../core/contracts.js";
import type { CatalogStore, ClusterRecord, ClusterRunKind, CorrectionRecord, ReviewCursor, StoredPrediction, StoredProduct, TaxonomyAddition } from "./catalog-store.js";
import { compareIds } from "./memory-search.js";
import { TaxonomySearch } from "./taxonomy-search.js";

/** What the desk needs of the catalog service (CatalogService has it). */
export interface ReviewService {
  readonly store: CatalogStore;
  liveModel(): ProductModel | undefined;
  classify(items: readonly ProductInput[], o: { topK?: number; explain?: boolean; minPrecision?: number; backoff?: number; log?: boolean }): Promise<{ model: string; results: unknown[] }>;
  feedback(f: { productId: string; category?: string; accept?: boolean; user?: string }): Promise<{ correction: CorrectionRecord }>;
  undoFeedback(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string }>;
  getProduct(id: string): Promise<StoredProduct | undefined>;
}

/** Options of {@link ReviewDesk}. */
export interface ReviewDeskOptions {
  /** The precision the catalog is served at: products the model cannot decide at it go to review (default 0.95). */
  minPrecision?: number;
  /** Category paths the picker searches (a taxonomy's); default: the live model's labels. */
  taxonomy?: readonly string[];
}

/** Filters and paging of {@link ReviewDesk.queue}. */
export interface ReviewQueueQuery {
  /** Predicted in this category or below it. */
  category?: string;
  minScore?: number;
  maxScore?: number;
  /** Words the title contains (case-insensitive). */
  text?: string;
  /** Interleave the categories instead of listing the most uncertain first overall. */
  spread?: boolean;
  /** The `next` of the previous page. */
  cursor?: string;
  /** Products per page (default 20, at most 200). */
  limit?: number;
  /** Add the live model's top-3, decision and explanation to each product (default true). */
  details?: boolean;
}

/** One product of the review queue. */
export interface ReviewItem {
  id: string;
  title: string;
  description?: string;
  /** A photo URL (https or a data URI) from the product's fields, when it has one. */
  photo?: string;
  /** The stored prediction the queue is ordered by. */
  predicted: { category: string; score: number; model: string };
  /** The live model's answer now: top-3 categories, decision at the serving precision, explanation. */
  prediction?: ItemPrediction;
}

/** A page of the queue. */
export interface ReviewQueueAnswer {
  model: string;
  minPrecision: number;
  /** Products scored below this need review. */
  threshold: number;
  /** Products in the queue with these filters. */
  total: number;
  items: ReviewItem[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** One decision of a batch: accept the predicted category, or set another. */
export interface ReviewDecision {
  productId: string;
  category?: string;
  accept?: boolean;
}

const PHOTO_FIELDS = ["image", "imageUrl", "image_url", "photo", "photoUrl", "picture"];

function photoOf(p: StoredProduct): string | undefined {
  for (const f of PHOTO_FIELDS) {
    const v = p.fields[f];
    if (typeof v === "string" && (/^https:\/\//i.test(v) || /^data:image\/(png|jpeg|gif|webp);base64,/i.test(v)) && v.length <= 2_000_000) return v;
  }
  return undefined;
}

function encodeCursor(c: ReviewCursor): string {
  return Buffer.from(JSON.stringify(c.rank !== undefined ? [c.score, c.id, c.rank] : [c.score, c.id]), "utf8").toString("base64url");
}

function decodeCursor(s: string): ReviewCursor {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && typeof v[0] === "number" && Number.isFinite(v[0]) && typeof v[1] === "string" && (v.length === 2 || (v.length === 3 && Number.isInteger(v[2]) && (v[2] as number) >= 1))) {
      return { score: v[0], id: v[1], ...(v.length === 3 ? { rank: v[2] as number } : {}) };
    }
  } catch {
    // fall through
  }
  throw new ConfigError("Invalid review cursor: pass the `next` of the previous page unchanged");
}

/**
 * The review console's operations over a catalog service.
 * @example const desk = service.reviewDesk({ minPrecision: 0.95 }); const page = await desk.queue({ limit: 20 });
 */
export class ReviewDesk {
  readonly minPrecision: number;
  private readonly fixedTaxonomy: TaxonomySearch | undefined;
  private readonly fixedPaths: readonly string[] | undefined;
  private paths: { key: string; source: "taxonomy" | "labels"; search: TaxonomySearch } | undefined;
  private additions: { at: number; list: TaxonomyAddition[] } | undefined;

  constructor(
    private readonly service: ReviewService,
    o: ReviewDeskOptions = {},
  ) {
    const p = o.minPrecision ?? 0.95;
    if (!(p > 0 && p < 1)) throw new ConfigError(`Invalid minimum precision ${p}: use a number between 0 and 1, e.g. 0.95`);
    this.minPrecision = p;
    this.fixedTaxonomy = o.taxonomy ? new TaxonomySearch(o.taxonomy) : undefined;
    this.fixedPaths = o.taxonomy;
  }

  private model() {
    const model = this.service.liveModel();
    if (!model) throw new UnavailableError("No active model: register a model and activate it first");
    return model;
  }

  /**
   * The score below which the live model's decisions need review: its operating point at {@link minPrecision}
   * (the threshold whose held-out precision is at least that), or, for a model trained without held-out
   * calibration data, `minPrecision` itself taken as a score (`calibrated: false`, coverage unknown).
   */
  threshold(): { model: string; minPrecision: number; threshold: number; coverage: number | null; calibrated: boolean } {
    const model = this.model();
    let op: { threshold: number; coverage: number };
    try {
      op = model.operatingPoint(this.minPrecision);
    } catch (e) {
      if ((e as { code?: string }).code !== "CONFIG") throw e;
      return { model: model.version, minPrecision: this.minPrecision, threshold: this.minPrecision, coverage: null, calibrated: false };
    }
    return { model: model.version, minPrecision: this.minPrecision, threshold: op.threshold, coverage: op.coverage, calibrated: true };
  }

  /** A page of the review queue, most uncertain first (or spread across categories). */
  async queue(q: ReviewQueueQuery = {}): Promise<ReviewQueueAnswer> {
    const limit = q.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ConfigError(`Invalid limit ${limit}: use 1 to 200`);
    const { model, minPrecision, threshold, calibrated } = this.threshold();
    const page = await this.service.store.reviewQueue({
      // A threshold of 0 sends nothing to review; scores are never above 1.
      below: threshold,
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.minScore !== undefined ? { minScore: q.minScore } : {}),
      ...(q.maxScore !== undefined ? { maxScore: q.maxScore } : {}),
      ...(q.text !== undefined && q.text.trim() !== "" ? { text: q.text.trim() } : {}),
      ...(q.spread ? { spread: true } : {}),
      ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
      limit,
    });
    const items: ReviewItem[] = page.products.map((p) => {
      const photo = photoOf(p);
      return {
        id: p.id,
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        ...(photo ? { photo } : {}),
        predicted: { ...p.predicted },
      };
    });
    if (q.details !== false && items.length > 0) {
      const live = this.service.liveModel();
      const inputs: ProductInput[] = page.products.map((p) => ({ ...p.fields, id: p.id, title: p.title, ...(p.description ? { description: p.description } : {}) }));
      const explain = live?.capabilities.explain ? { explain: true } : {};
      // The decision at the serving precision (an uncalibrated model: at the threshold on its scores).
      // Not served to anyone: kept out of the prediction log that monitoring reads.
      const r = await this.service.classify(inputs, { topK: 3, ...(calibrated ? { minPrecision } : { backoff: threshold }), ...explain, log: false });
      r.results.forEach((prediction, i) => {
        items[i]!.prediction = prediction as ItemPrediction;
      });
    }
    const last = page.cursors[page.cursors.length - 1];
    return { model, minPrecision, threshold, total: page.total, items, ...(last && items.length === limit ? { next: encodeCursor(last) } : {}) };
  }

  /** Records decisions one after another (each its own transaction); the corrections in order. */
  async decide(decisions: readonly ReviewDecision[], user?: string): Promise<{ corrections: CorrectionRecord[] }> {
    const corrections: CorrectionRecord[] = [];
    for (const d of decisions) {
      const { correction } = await this.service.feedback({
        productId: d.productId,
        ...(d.category !== undefined ? { category: d.category } : { accept: true }),
        ...(user !== undefined ? { user } : {}),
      });
      corrections.push(correction);
    }
    return { corrections };
  }

  /** Undoes correction `id`: NotFoundError for an unknown one. */
  async undo(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string; effectiveCategory?: string }> {
    const r = await this.service.undoFeedback(id);
    const p = await this.service.getProduct(r.deleted.productId);
    if (!p) throw new NotFoundError("product", r.deleted.productId);
    return { ...r, ...(p.effectiveCategory !== undefined ? { effectiveCategory: p.effectiveCategory } : {}) };
  }

  /**
   * What reviewers did with the model's suggestions, from every correction (read a page at a time): per
   * suggested category (the category a product had before its decision) how many were accepted and how many
   * corrected, and the decisions per day (UTC), newest last.
   */
  async stats(): Promise<{
    decisions: number;
    accepted: number;
    categories: { category: string; decisions: number; accepted: number; acceptance: number }[];
    days: { day: string; accepted: number; corrected: number }[];
  }> {
    const byCategory = new Map<string, { decisions: number; accepted: number }>();
    const byDay = new Map<string, { accepted: number; corrected: number }>();
    let decisions = 0;
    let accepted = 0;
    let afterId = 0;
    for (;;) {
      const page = await this.service.store.listCorrections({ afterId, limit: 5000 });
      for (const c of page) {
        decisions++;
        if (c.accepted) accepted++;
        const key = c.previous ?? "(none)";
        const cat = byCategory.get(key) ?? { decisions: 0, accepted: 0 };
        cat.decisions++;
        if (c.accepted) cat.accepted++;
        byCategory.set(key, cat);
        const day = c.createdAt.slice(0, 10);
        const d = byDay.get(day) ?? { accepted: 0, corrected: 0 };
        if (c.accepted) d.accepted++;
        else d.corrected++;
        byDay.set(day, d);
      }
      if (page.length < 5000) break;
      afterId = page[page.length - 1]!.id;
    }
    const categories = [...byCategory.entries()]
      .map(([category, c]) => ({ category, ...c, acceptance: c.accepted / c.decisions }))
      .sort((a, b) => b.decisions - a.decisions || (a.category < b.category ? -1 : 1));
    const days = [...byDay.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, d]) => ({ day, ...d }));
    return { decisions, accepted, categories, days };
  }

  /**
   * The latest clustering run of `kind` (a `cluster` job; "groups": same-product groups, algorithm "match"):
   * each cluster's name (`named`: given by a person), size, terms, map place and a few example products (the
   * first by product id); undefined when there is none.
   */
  async clusters(
    examples = 5,
    kind: ClusterRunKind = "clusters",
  ): Promise<{ id: string; kind: ClusterRunKind; algorithm: string; createdAt: string; clusters: (ClusterRecord & { examples: { id: string; title: string }[] })[] } | undefined> {
    const run = await this.service.store.getClusterRun(undefined, kind);
    if (!run) return undefined;
    const byCluster = new Map<number, string[]>();
    for (const a of run.assignments) {
      const ids = byCluster.get(a.cluster) ?? [];
      if (ids.length < examples) ids.push(a.productId);
      byCluster.set(a.cluster, ids);
    }
    const wanted = [...byCluster.values()].flat();
    const titles = new Map((await this.service.store.getProducts(wanted)).map((p) => [p.id, p.title]));
    return {
      id: run.id,
      kind,
      algorithm: run.algorithm,
      createdAt: run.createdAt,
      clusters: [...run.clusters]
        .sort((a, b) => b.size - a.size || a.cluster - b.cluster)
        .map((c) => ({ ...c, examples: (byCluster.get(c.cluster) ?? []).filter((id) => titles.has(id)).map((id) => ({ id, title: titles.get(id)! })) })),
    };
  }

  /** Gives cluster `cluster` of run `runId` a person's name; NotFoundError for an unknown run or cluster. */
  async renameCluster(runId: string, cluster: number, name: string): Promise<{ cluster: number; name: string; size: number }> {
    const trimmed = name.trim();
    if (trimmed === "" || trimmed.length > 200) throw new ConfigError("A cluster name needs 1 to 200 characters");
    const r = await this.service.store.renameCluster(runId, cluster, trimmed);
    if (!r) throw new NotFoundError("cluster", `${runId}/${cluster}`);
    return r;
  }

  /** Merges cluster `from` of run `runId` into `into`; NotFoundError for an unknown run or cluster, ConfigError for one cluster into itself. */
  async mergeClusters(runId: string, from: number, into: number): Promise<{ cluster: number; name: string; size: number }> {
    if (from === into) throw new ConfigError("Merge a cluster into another one, not into itself");
    const r = await this.service.store.mergeClusters(runId, from, into);
    if (!r) throw new NotFoundError("cluster", `${runId}/${from} or ${runId}/${into}`);
    return r;
  }

  /** One cluster of a run with a page of its members (product-id order, after `after`); NotFoundError for an unknown run or cluster. */
  async cluster(
    runId: string,
    cluster: number,
    o: { limit?: number; after?: string } = {},
  ): Promise<ClusterRecord & { run: string; algorithm: string; members: { id: string; title: string; category?: string }[]; next?: string }> {
    const limit = o.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ConfigError(`Invalid limit ${limit}: use 1 to 500`);
    const run = await this.service.store.getClusterRun(runId);
    const c = run?.clusters.find((x) => x.cluster === cluster);
    if (!run || !c) throw new NotFoundError("cluster", `${runId}/${cluster}`);
    const ids = run.assignments.filter((a) => a.cluster === cluster && (o.after === undefined || compareIds(a.productId, o.after) > 0)).map((a) => a.productId);
    const page = ids.slice(0, limit);
    const members = (await this.service.store.getProducts(page)).map((p) => ({ id: p.id, title: p.title, ...(p.effectiveCategory !== undefined ? { category: p.effectiveCategory } : {}) }));
    return { run: run.id, algorithm: run.algorithm, ...c, members, ...(ids.length > limit ? { next: page[page.length - 1]! } : {}) };
  }

  /**
   * "Make this cluster a category": adds `parent > name` (name: the cluster's own by default) to the taxonomy
   * (stored, so the picker finds it in every process), and queues the cluster's members for review with it
   * as their suggestion: each member with no category given by the catalog and no person's decision gets it
   * as its stored prediction, scored 0 (the queue shows the least certain first) by model
   * `cluster:<run>/<cluster>`, so reviewers accept or correct it like any suggestion. Members already
   * labelled or decided keep what they have and are counted. NotFoundError for an unknown run or cluster,
   * ConfigError for a parent that is not in the taxonomy or a bad name.
   */
  async makeCategory(
    runId: string,
    cluster: number,
    o: { parent: string; name?: string },
  ): Promise<{ path: string; parent: string; added: boolean; queued: number; labelled: number; decided: number; suggestion: StoredPrediction }> {
    const run = await this.service.store.getClusterRun(runId);
    const c = run?.clusters.find((x) => x.cluster === cluster);
    if (!run || !c) throw new NotFoundError("cluster", `${runId}/${cluster}`);
    const leaf = (o.name ?? c.name).replace(/\s+/g, " ").trim();
    if (leaf === "" || leaf.length > 200) throw new ConfigError("A category name needs 1 to 200 characters");
    if (leaf.includes(" > ")) throw new ConfigError(`A category name is one level: "${leaf}" contains the level separator " > "`);
    const known = await this.pathSearch();
    if (!known.search.has(o.parent)) throw new ConfigError(`Unknown parent category "${o.parent}": pick a path of the taxonomy (GET /v1/taxonomy?q=…)`);
    const path = `${o.parent} > ${leaf}`;
    const added = known.search.has(path) ? false : await this.service.store.addTaxonomyPath({ path, parent: o.parent, source: `cluster ${runId}/${cluster}` });
    if (added) this.additions = undefined;
    const suggestion: StoredPrediction = { category: path, score: 0, model: `cluster:${runId}/${cluster}` };
    const ids = run.assignments.filter((a) => a.cluster === cluster).map((a) => a.productId);
    let queued = 0;
    let labelled = 0;
    let decided = 0;
    for (let i = 0; i < ids.length; i += 500) {
      const rows: { id: string; predicted: StoredPrediction }[] = [];
      for (const p of await this.service.store.getProducts(ids.slice(i, i + 500))) {
        if (p.correctedCategory !== undefined) decided++;
        else if (p.category !== undefined) labelled++;
        else rows.push({ id: p.id, predicted: suggestion });
      }
      if (rows.length > 0) queued += await this.service.store.setPredictions(rows);
    }
    return { path, parent: o.parent, added, queued, labelled, decided, suggestion };
  }

  /**
   * The paths the picker searches: the taxonomy given (else the live model's labels) and the stored additions
   * (read at most once a second: a keystroke costs no store read; another process's addition shows within 1 s).
   */
  private async pathSearch(): Promise<{ source: "taxonomy" | "labels"; search: TaxonomySearch }> {
    if (this.additions === undefined || performance.now() - this.additions.at > 1000) {
      this.additions = { at: performance.now(), list: await this.service.store.listTaxonomyPaths() };
    }
    const additions = this.additions.list;
    const base = this.fixedPaths ? { source: "taxonomy" as const, version: "", paths: this.fixedPaths } : { source: "labels" as const, version: this.model().version, paths: this.model().labels };
    const key = `${base.source}\u0000${base.version}\u0000${additions.length}\u0000${additions[additions.length - 1]?.path ?? ""}`;
    if (this.paths?.key !== key) {
      const search = additions.length === 0 && this.fixedTaxonomy && base.source === "taxonomy" ? this.fixedTaxonomy : new TaxonomySearch([...base.paths, ...additions.map((a) => a.path)]);
      this.paths = { key, source: base.source, search };
    }
    return this.paths;
  }

  /** Category paths for the picker: the taxonomy given, else the live model's labels, and the paths people added. */
  async taxonomy(q: string, limit = 20): Promise<{ source: "taxonomy" | "labels"; size: number; total: number; paths: string[] }> {
    const { source, search } = await this.pathSearch();
    return { source, size: search.size, ...search.search(q, limit) };
  }
}
