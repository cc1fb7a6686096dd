// The shopper side of the catalog service: events into the store (files and API batches), profiles computed from
// a shopper's stored events, the stored segment set, and recommendations from a recommender artifact fitted by
// the "recommender" job (saved atomically under <dataDir>/recommenders/<version>, hot-swapped, loaded at open,
// shared with other processes through the shared state and the artifact store).
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { ConfigError, NotFoundError, throwIfAborted, UnavailableError, type RowIssue } from "../core/errors.js";
import { LruMap } from "../core/lru.js";
import type { Product } from "../core/product.js";
import type { Progress } from "../core/progress.js";
import type { ShopEvent } from "../events/event.js";
import { EventLog } from "../events/event-log.js";
import { readEvents, type EventReadReport, type ReadEventsOptions } from "../events/read-events.js";
import type { RecommendedItem, Recommender } from "../pipeline/recommender.js";
import { loadRecommender } from "../pipeline/recommender-artifact.js";
import type { RecommenderParamsInput } from "../pipeline/recommender-params.js";
import { shopperProfiles, type ShopperProfile } from "../pipeline/shopper-profiles.js";
import { localArtifact, type ArtifactStore } from "./artifacts.js";
import type { CatalogStore, EventWrite, ProductWrite, SegmentRecord, StoredEvent } from "./catalog-store.js";
import { runCatalogTask } from "./tasks.js";
import type { RecommenderTask, RecommenderTaskResult } from "./shoppers-fit.js";
import type { ServiceLogger } from "./logger.js";
import type { SharedChange } from "./shared-state.js";

/** Store meta key of the live recommender version. */
export const RECOMMENDER_META = "recommender.version";
/** Events per store transaction when importing a file. */
const IMPORT_BATCH = 20_000;
/** Events a shopper's profile is computed from at most (their first ones, in store order). */
const PROFILE_EVENTS = 100_000;
/**
 * Recommendation lists kept per live recommender (by shopper, mode, limit and category cap): a list depends on
 * nothing else until the next fit, so a shopper's repeated page views skip the scoring. About 2 kB each.
 */
const ANSWER_CACHE = 8192;

/** The fields of an API event (ShopEventSchema) as the event reader names them. */
const API_FIELDS = { user: "userId", item: "itemId", type: "type", time: "timestamp", quantity: "quantity", price: "price", order: "orderId", session: "session", eventId: "eventId" };

export interface EventImportOptions {
  read?: Omit<ReadEventsOptions, "signal">;
  /** The catalogue: items the store lacks are added as products (title = first text). */
  items?: readonly Product[];
  /** Name of the source in the store (file imports are idempotent by source and line). Default: the file's absolute path. */
  source?: string;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface EventImportAnswer {
  /** Events read from the file (bad rows and replayed event ids left out). */
  read: number;
  inserted: number;
  /** Events already stored (the same event id, or the same file line imported before). */
  duplicates: number;
  /** Identical rows without an event id: real repeats, kept. */
  identicalRows: number;
  skipped: number;
  issues: RowIssue[];
  /** Events for items the store had no product for (kept), and how many such items. */
  unknownItemEvents: number;
  unknownItems: number;
  /** Products added from the catalogue. */
  productsAdded: number;
  /** Caveats of kept rows (returns read from negative quantities, zero prices, zone-less times…). */
  notes: { code: string; message: string; count: number }[];
  seconds: number;
}

export interface EventBatchAnswer {
  received: number;
  inserted: number;
  duplicates: number;
  /** Rows refused, each with its index (0-based) in the batch and why. */
  errors: { index: number; field?: string; message: string }[];
  notes: { code: string; message: string; count: number }[];
  unknownItemEvents: number;
}

export interface SegmentAnswer extends SegmentRecord {
  members: string[];
  /** Where the next page of members starts (absent on the last page). */
  nextAfter?: string;
}

export interface EraseAnswer {
  userId: string;
  erased: { events: number; memberships: number; profile: boolean };
  /** What still holds the shopper until the next recommender fit. */
  note?: string;
}

/** Hooks the catalog service gives the shopper service. */
export interface ShopperHooks {
  publish(change: SharedChange): Promise<void>;
  /** The live category model's directory (files items without categories into groups). */
  liveModelDir(): string | undefined;
  artifacts?: ArtifactStore;
  logger: ServiceLogger;
  seed: number;
}

function toWrite(e: ShopEvent, source?: string): EventWrite {
  const w: EventWrite = { userId: e.userId, itemId: e.itemId, type: e.type, time: e.time };
  if (e.quantity !== undefined) w.quantity = e.quantity;
  if (e.price !== undefined) w.price = e.price;
  if (e.orderId !== undefined) w.orderId = e.orderId;
  if (e.session !== undefined) w.session = e.session;
  if (e.eventId !== undefined) w.eventId = e.eventId;
  if (source !== undefined && e.line !== undefined) {
    w.source = source;
    w.line = e.line;
  }
  return w;
}

const notesOf = (r: EventReadReport): EventImportAnswer["notes"] => r.notes.map((n) => ({ code: n.code, message: n.message, count: n.count }));

export class ShopperService {
  private rec: (Recommender & { version: string }) | undefined;
  /** Shoppers erased since the live recommender was fitted: answered as unknown shoppers. */
  private erased = new Set<string>();
  /**
   * The live recommender's lists, swapped with it (an answer never mixes versions). Unknown and erased shoppers
   * share one entry per mode and limit: their list does not depend on who they are.
   */
  private answers = new LruMap<string, RecommendedItem[]>(ANSWER_CACHE);
  private readonly dir: string;

  constructor(
    private readonly store: CatalogStore,
    dataDir: string,
    private readonly hooks: ShopperHooks,
  ) {
    this.dir = path.join(dataDir, "recommenders");
  }

  /** Loads the live recommender, if one was fitted (a broken one is logged, and recommendations fall back to none). */
  async init(): Promise<void> {
    const version = await this.store.getMeta(RECOMMENDER_META);
    if (version === undefined) return;
    try {
      await this.load(version);
    } catch (e) {
      this.hooks.logger.error({ err: (e as Error).message, version }, "cannot load the recommender");
    }
  }

  /** Follows another process's fit. */
  async sync(version: string): Promise<void> {
    if (this.rec?.version === version) return;
    await this.load(version);
  }

  private async load(version: string): Promise<void> {
    const dir = await localArtifact(this.hooks.artifacts, `recommenders/${version}`, path.join(this.dir, version));
    const rec = await loadRecommender(dir);
    this.rec = rec; // the swap: requests in flight finish on the old one
    this.erased = new Set();
    this.answers = new LruMap(ANSWER_CACHE);
  }

  /** The live recommender's version and size (undefined before the first fit). */
  describe(): { version: string; users: number; items: number; fitSeconds: number } | undefined {
    const r = this.rec;
    return r ? { version: r.version, users: r.users.length, items: r.state.items.length, fitSeconds: r.state.fitSeconds } : undefined;
  }

  // ---- events in

  /** Streams an event file into the store (batches of `batchSize`, each one transaction); adds missing catalogue items as products. */
  async importFile(source: string | NodeJS.ReadableStream, o: EventImportOptions = {}): Promise<EventImportAnswer> {
    const t0 = performance.now();
    let productsAdded = 0;
    if (o.items && o.items.length > 0) productsAdded = await this.addItems(o.items);
    // Which items the store knows (events for others are kept and counted).
    const known = new Set<string>();
    for (let after: string | undefined; ; ) {
      const page = await this.store.scanIds(after === undefined ? { limit: 10_000 } : { afterId: after, limit: 10_000 });
      for (const id of page) known.add(id);
      if (page.length < 10_000) break;
      after = page[page.length - 1];
    }
    const label = o.source ?? (typeof source === "string" ? path.resolve(source) : undefined);
    const stream = readEvents(source, { ...o.read, knownItems: known, ...(o.signal ? { signal: o.signal } : {}) });
    const size = o.batchSize ?? IMPORT_BATCH;
    let batch: EventWrite[] = [];
    let inserted = 0;
    let duplicates = 0;
    let pending: Promise<void> = Promise.resolve();
    // One batch in the writer while the next is read.
    const flush = async (rows: EventWrite[]): Promise<void> => {
      await pending;
      pending = this.store.insertEvents(rows).then((r) => {
        inserted += r.inserted;
        duplicates += r.duplicates;
        o.onProgress?.({ stage: "import", done: inserted + duplicates, total: 0 });
      });
    };
    try {
      for await (const e of stream) {
        batch.push(toWrite(e, label));
        if (batch.length >= size) {
          await flush(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await flush(batch);
    } finally {
      await pending.catch(() => undefined);
    }
    await pending;
    const r = stream.report;
    return {
      read: r.rows,
      inserted,
      duplicates,
      identicalRows: r.identicalRows,
      skipped: r.skipped,
      issues: r.issues,
      unknownItemEvents: r.unknownItemEvents,
      unknownItems: r.unknownItems,
      productsAdded,
      notes: notesOf(r),
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** Adds the catalogue items the store lacks as products (title: the first text; description: the rest). */
  private async addItems(items: readonly Product[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < items.length; i += 1000) {
      const page = items.slice(i, i + 1000);
      const have = await this.store.productHashes(page.map((p) => p.id));
      const rows: ProductWrite[] = page
        .filter((p) => !have.has(p.id))
        .map((p) => {
          const title = p.text.find((t) => t.trim() !== "")?.trim() ?? p.id;
          const description = p.text.filter((t) => t.trim() !== "" && t.trim() !== title).join(" ");
          const fields = { ...(p.fields ?? {}), id: p.id, title, ...(description ? { description } : {}), ...(p.label ? { category: p.label } : {}) };
          return { id: p.id, title, description, ...(p.label ? { category: p.label } : {}), fields, hash: JSON.stringify(["item", p.id, title, description, p.label ?? ""]) };
        });
      if (rows.length > 0) added += (await this.store.upsertProducts(rows)).inserted;
    }
    return added;
  }

  /**
   * Stores a batch of API events (objects as ShopEventSchema). Bad rows are refused one by one with their index
   * and field, the others stored; idempotent by eventId. An empty batch stores nothing.
   */
  async addEvents(rows: readonly unknown[]): Promise<EventBatchAnswer> {
    if (rows.length === 0) return { received: 0, inserted: 0, duplicates: 0, errors: [], notes: [], unknownItemEvents: 0 };
    const lines = rows.map((r) => JSON.stringify(r ?? null));
    const stream = readEvents(Readable.from([lines.join("\n") + "\n"]), { format: "jsonl", fields: API_FIELDS, onBadRow: "skip", fileLabel: "events", maxFieldChars: 4096 });
    const writes: EventWrite[] = [];
    for await (const e of stream) writes.push(toWrite(e));
    const r = stream.report;
    const ids = [...new Set(writes.map((w) => w.itemId))];
    const have = await this.store.productHashes(ids);
    const stored = await this.store.insertEvents(writes);
    return {
      received: rows.length,
      inserted: stored.inserted,
      duplicates: stored.duplicates + r.replayedEventIds,
      errors: r.issues.map((i) => ({ index: i.line - 1, ...(i.field !== undefined ? { field: i.field } : {}), message: i.message })),
      notes: notesOf(r).filter((n) => n.code !== "ZONELESS_TIME" || r.zones.utc + r.zones.offset === 0),
      unknownItemEvents: writes.filter((w) => !have.has(w.itemId)).length,
    };
  }

  // ---- profiles, segments

  /** A shopper's profile from their stored events (affinity over the live recommender's item groups). */
  async profile(userId: string): Promise<ShopperProfile & { segment?: { id: number; name: string } }> {
    const events = await this.store.userEvents(userId, { limit: PROFILE_EVENTS });
    if (events.length === 0) throw new NotFoundError("shopper", userId);
    const log = EventLog.fromEvents(events);
    const groups = this.itemGroups();
    const table = shopperProfiles(log, { ...(groups ? { itemGroups: groups } : {}), ...(this.rec ? { reference: referenceOf(this.rec.state.now, log) } : {}) });
    const p = table.profile(0);
    const seg = await this.store.userSegment(userId);
    if (seg === undefined) return p;
    const set = await this.store.getSegments();
    const name = set?.segments.find((s) => s.id === seg)?.name ?? `segment ${seg}`;
    return { ...p, segment: { id: seg, name } };
  }

  private itemGroups(): Map<string, string> | undefined {
    const s = this.rec?.state;
    if (!s || s.groupNames.length === 0) return undefined;
    const out = new Map<string, string>();
    s.items.forEach((id, i) => {
      const g = s.group[i]!;
      if (g >= 0) out.set(id, s.groupNames[g]!);
    });
    return out;
  }

  async segments(): Promise<{ version: string | null; createdAt: string | null; segments: SegmentRecord[] }> {
    const set = await this.store.getSegments();
    return { version: set?.version ?? null, createdAt: set?.createdAt ?? null, segments: set?.segments ?? [] };
  }

  async segment(id: number, page: { afterId?: string; limit: number }): Promise<SegmentAnswer> {
    const set = await this.store.getSegments();
    const s = set?.segments.find((x) => x.id === id);
    if (!s) throw new NotFoundError("segment", String(id));
    const members = await this.store.segmentMembers(id, page);
    return { ...s, members, ...(members.length === page.limit ? { nextAfter: members[members.length - 1]! } : {}) };
  }

  /** Erases a shopper: events and segment membership from the store; the live recommender answers them as unknown until its next fit. */
  async eraseUser(userId: string): Promise<EraseAnswer> {
    const r = await this.store.eraseUser(userId);
    const inModel = this.rec !== undefined && this.rec.userIndexOf(userId) >= 0;
    if (inModel) {
      this.erased.add(userId);
      // Their cached lists go with them (the cache is keyed by shopper index: every mode and limit of this one).
      this.answers.clear();
    }
    return {
      userId,
      erased: { events: r.events, memberships: r.memberships, profile: r.events > 0 },
      ...(inModel ? { note: "the live recommender no longer answers for this shopper; its next fit leaves them out" } : {}),
    };
  }

  // ---- recommendations

  private live(): Recommender & { version: string } {
    if (!this.rec) throw new UnavailableError("No recommender has been fitted yet: start a recommender job");
    return this.rec;
  }

  recommend(userId: string, o: { mode?: "all" | "new"; limit?: number; maxPerCategory?: number } = {}): { userId: string; mode: "all" | "new"; knownShopper: boolean; recommender: string; items: RecommendedItem[] } {
    const rec = this.live();
    const id = this.erased.has(userId) ? "\u0000erased" : userId;
    const mode = o.mode ?? "all";
    const limit = o.limit ?? 10;
    const u = rec.userIndexOf(id);
    // Keyed by shopper index (-1: every unknown shopper), so ids that are not shoppers cannot fill the cache.
    const key = `${u} ${mode} ${limit} ${o.maxPerCategory ?? 0}`;
    const answers = this.answers;
    let items = answers.get(key);
    if (items === undefined) {
      items = rec.recommend(id, { mode, limit, ...(o.maxPerCategory ? { maxPerCategory: o.maxPerCategory } : {}) });
      answers.set(key, items);
    }
    return { userId, mode, knownShopper: u >= 0, recommender: rec.version, items };
  }

  boughtTogether(itemId: string, o: { limit?: number } = {}): { itemId: string; recommender: string; items: RecommendedItem[] } {
    const rec = this.live();
    if (rec.itemIndexOf(itemId) < 0) throw new NotFoundError("item in the recommender", itemId);
    return { itemId, recommender: rec.version, items: rec.boughtTogether(itemId, { limit: o.limit ?? 10 }) };
  }

  /**
   * The shopper's category affinity for personalized search: share of their spend per product category (the
   * products' effective categories), largest first; empty for an unknown or erased shopper.
   */
  async categoryAffinity(userId: string): Promise<{ category: string; share: number }[]> {
    if (this.erased.has(userId)) return [];
    const events = await this.store.userEvents(userId, { limit: PROFILE_EVENTS });
    if (events.length === 0) return [];
    const table = shopperProfiles(EventLog.fromEvents(events), { itemGroups: await this.categoriesOf(events.map((e) => e.itemId)) });
    return table.profile(0).affinity.map((a) => ({ category: a.group, share: a.share }));
  }

  /** Effective category of the given items (products), for search boosts. */
  private async categoriesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const p of await this.store.getProducts([...new Set(ids)])) if (p.effectiveCategory) out.set(p.id, p.effectiveCategory);
    return out;
  }

  // ---- the recommender job

  /**
   * Fits the recommender and the segments from every stored event and product (in a job worker thread where the
   * runner has one: `run`): item groups from the products' categories (filed by the live model where they have
   * none), else named clusters of the item texts; saved atomically under recommenders/<version>, made live, and
   * published.
   */
  async fit(
    h: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
    params: { params?: RecommenderParamsInput; excludeItems?: string[]; k?: number | "auto" } = {},
    run: (task: RecommenderTask) => Promise<unknown> = (task) => runCatalogTask(task, h),
  ): Promise<Record<string, unknown>> {
    const t0 = performance.now();
    const events: ShopEvent[] = [];
    for (let after = 0; ; ) {
      const page = await this.store.scanEvents({ afterSeq: after, limit: 50_000 });
      for (const e of page) events.push(eventOf(e));
      h.onProgress?.({ stage: "events", done: events.length, total: 0 });
      if (page.length < 50_000) break;
      after = page[page.length - 1]!.seq;
      throwIfAborted(h.signal, "Job");
    }
    if (events.length === 0) throw new ConfigError("Cannot fit a recommender: the store holds no events");
    const products: Product[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.store.scanProducts(after === undefined ? { limit: 5000 } : { afterId: after, limit: 5000 });
      for (const p of page) products.push({ id: p.id, text: [p.title, p.description ?? ""], ...(p.effectiveCategory ? { label: p.effectiveCategory } : {}) });
      if (page.length < 5000) break;
      after = page[page.length - 1]!.id;
    }
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.tmp-${randomUUID()}`);
    const modelDir = this.hooks.liveModelDir();
    const r = (await run({
      kind: "recommender",
      events,
      products,
      ...(params.excludeItems ? { excludeItems: params.excludeItems } : {}),
      ...(params.k !== undefined ? { k: params.k } : {}),
      ...(params.params ? { params: params.params } : {}),
      ...(modelDir ? { modelDir } : {}),
      outDir: tmp,
      seed: this.hooks.seed,
    })) as RecommenderTaskResult;
    try {
      throwIfAborted(h.signal, "Job");
      const final = path.join(this.dir, r.version);
      await fs.rm(final, { recursive: true, force: true });
      await fs.rename(tmp, final);
      if (this.hooks.artifacts) await this.hooks.artifacts.putDir(`recommenders/${r.version}`, final);
      if (r.segments.length > 0) await this.store.saveSegments({ version: r.version, segments: r.segments.map(({ size: _size, ...s }) => s), members: r.members });
      await this.store.setMeta(RECOMMENDER_META, r.version);
      await this.load(r.version);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    await this.hooks.publish({ kind: "recommender", version: r.version });
    return {
      version: r.version,
      events: r.events,
      shoppers: r.shoppers,
      items: r.items,
      groups: r.groups,
      segments: r.segments.map((s) => ({ id: s.id, name: s.name, size: s.size })),
      silhouette: r.silhouette,
      fitSeconds: r.fitSeconds,
      seconds: (performance.now() - t0) / 1000,
    };
  }
}

/** A stored event as the event log takes it. */
function eventOf(e: StoredEvent): ShopEvent {
  const out: ShopEvent = { userId: e.userId, itemId: e.itemId, type: e.type, time: e.time };
  if (e.quantity !== undefined) out.quantity = e.quantity;
  if (e.price !== undefined) out.price = e.price;
  if (e.orderId !== undefined) out.orderId = e.orderId;
  if (e.session !== undefined) out.session = e.session;
  return out;
}

/** Recency reference: the midnight (UTC) after the recommender's last event, or after the shopper's last one if later. */
function referenceOf(now: number, log: EventLog): number {
  const last = Math.max(now, log.timeRange()?.lastMs ?? now);
  return Math.floor(last / 86_400_000) * 86_400_000 + 86_400_000;
}
