// The work of the "recommender" job as a plain task (src/service/tasks.ts runs it in a job worker thread, so a
// fit never holds up the event loop): item groups, segments and the recommender from the stored events and
// products, the recommender saved to `outDir`; the caller stores the segments and makes the version live.
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { ConfigError, throwIfAborted } from "../core/errors.js";
import type { ShopEvent } from "../events/event.js";
import { EventLog } from "../events/event-log.js";
import { groupItems } from "../pipeline/item-groups.js";
import { loadModel } from "../pipeline/model-kinds.js";
import { fitRecommender, type Recommender } from "../pipeline/recommender.js";
import { saveRecommender } from "../pipeline/recommender-artifact.js";
import type { RecommenderParamsInput } from "../pipeline/recommender-params.js";
import { segmentShoppers } from "../pipeline/segments.js";
import { shopperProfiles } from "../pipeline/shopper-profiles.js";

/** Fit the shopper recommender and segments; save the recommender to `outDir`. */
export interface RecommenderTask {
  kind: "recommender";
  events: ShopEvent[];
  products: Product[];
  excludeItems?: string[];
  /** Segments, or "auto" (best silhouette over 3..8, as a marketer wants more than two). Default: auto from 40 customers, else 2. */
  k?: number | "auto";
  params?: RecommenderParamsInput;
  /** The live category model's directory: files products without a category into groups. */
  modelDir?: string;
  outDir: string;
  seed?: number;
}

export interface RecommenderTaskResult {
  version: string;
  dir: string;
  events: number;
  shoppers: number;
  items: number;
  groups: { source: string; count: number; description: string } | null;
  segments: { id: number; name: string; size: number; details: Record<string, unknown> }[];
  members: { userId: string; segment: number }[];
  silhouette: number | null;
  fitSeconds: number;
}

export async function fitShopperModel(task: RecommenderTask, o: RunOptions = {}): Promise<RecommenderTaskResult> {
  const log = EventLog.fromEvents(task.events);
  if (log.length === 0) throw new ConfigError("Cannot fit a recommender: the store holds no events");
  const exclude = task.excludeItems ?? [];
  let groups: Awaited<ReturnType<typeof groupItems>> | undefined;
  if (task.products.length > 0) {
    const model = task.modelDir ? await loadModel(task.modelDir).catch(() => undefined) : undefined;
    try {
      groups = await groupItems(log, task.products, { excludeItems: exclude, seed: task.seed ?? 0, ...(model ? { model } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    } finally {
      await model?.close();
    }
    o.onProgress?.({ stage: "item groups", done: 1, total: 1 });
  }
  throwIfAborted(o.signal, "Job");
  const table = shopperProfiles(log, { excludeItems: exclude, ...(groups ? { itemGroups: groups.groupOf } : {}) });
  const customers = table.customers().length;
  let run: Awaited<ReturnType<typeof segmentShoppers>> | undefined;
  if (customers >= 6) {
    const k = task.k ?? (customers >= 40 ? "auto" : 2);
    run = await segmentShoppers(table, { k, nInit: 3, seed: task.seed ?? 0, mapSample: 0, ...(k === "auto" ? { kRange: [3, Math.min(8, customers - 1)] as [number, number] } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    o.onProgress?.({ stage: "segments", done: 1, total: 1 });
  }
  const segmentOf = run ? new Map(run.users.map((u, i) => [u, run!.labels[i]!])) : undefined;
  const rec = await fitRecommender(log, {
    items: task.products,
    excludeItems: exclude,
    ...(groups ? { itemGroups: groups.groupOf } : {}),
    ...(segmentOf ? { segmentOf } : {}),
    ...(task.params ? { params: task.params } : {}),
    seed: task.seed ?? 0,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  throwIfAborted(o.signal, "Job");
  const version = await saveRecommender(rec, task.outDir);
  return {
    version,
    dir: task.outDir,
    events: log.length,
    shoppers: rec.users.length,
    items: rec.state.items.length,
    groups: groups ? { source: groups.source, count: groups.names.length, description: groups.description } : null,
    segments: run ? run.segments.map((s) => ({ id: s.id, name: s.name, size: s.size, details: { share: s.share, mean: s.mean, topGroups: s.topGroups, topItems: topItemsOf(rec, s.id) } })) : [],
    members: run ? run.users.flatMap((u, i) => (run!.labels[i]! >= 0 ? [{ userId: u, segment: run!.labels[i]! }] : [])) : [],
    silhouette: run?.metrics.silhouette ?? null,
    fitSeconds: rec.state.fitSeconds,
  };
}

/** A segment's favourite items (the recommender's per-segment popularity), top 5 ids. */
function topItemsOf(rec: Recommender, segment: number): string[] {
  const fav = rec.state.favourites;
  if (!fav || !rec.state.segmentOf) return [];
  const n = rec.state.items.length;
  if ((segment + 1) * n > fav.length) return [];
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => fav[segment * n + i]! > 0 && rec.state.excluded[i] === 0);
  idx.sort((a, b) => fav[segment * n + b]! - fav[segment * n + a]! || a - b);
  return idx.slice(0, 5).map((i) => rec.state.items[i]!);
}
