// Item groups for profiles, segments and per-category limits: the catalogue's categories, a live category model's,
// or (without either) clusters of items by who buys them and what they are called, split until none dominates spend.
import { KMeans } from "../cluster/kmeans.js";
import { ConfigError } from "../core/errors.js";
import type { ProductModel } from "../core/contracts.js";
import type { Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { EVENT_CODE } from "../events/event.js";
import type { EventLog } from "../events/event-log.js";
import { csr, dense, toDense, type DenseMatrix } from "../linalg/matrix.js";
import { truncatedSvd } from "../linalg/svd.js";
import { nameFromTerms, topTerms } from "./cluster-names.js";
import { embedProducts } from "./text-embedding.js";

/** How items were grouped. */
export type ItemGroupSource = "category" | "model" | "clusters";

/** Options of {@link groupItems}. */
export interface ItemGroupOptions extends RunOptions {
  /** "auto" (default): the catalogue's categories when most items have one, else clusters. */
  method?: "auto" | "category" | "clusters";
  /** A category model that files items without a category (the live model). */
  model?: ProductModel;
  /** Clusters to start from (method clusters). Default 12. */
  groups?: number;
  /** No group may hold more than this share of all spend: larger ones are split in two, repeatedly. Default 0.25. */
  maxShare?: number;
  /** Weight of the text vectors next to the co-purchase vectors (0–1). Default 0.3. */
  textWeight?: number;
  /** Category levels kept (method category). Default: all. */
  depth?: number;
  excludeItems?: Iterable<string>;
}

/** Items → groups, with names and each group's share of spend. */
export interface ItemGroups {
  source: ItemGroupSource;
  /** Group names (unique). */
  names: string[];
  /** Item id → group name. */
  groupOf: Map<string, string>;
  /** Share of all spend per group (names order). */
  spendShare: number[];
  /** Items per group. */
  sizes: number[];
  /** How the groups were made, in words. */
  description: string;
}

/** Spend (Σ quantity × price over purchase lines with both positive) per log item. */
function itemSpend(log: EventLog): Float64Array {
  const out = new Float64Array(log.items.size);
  for (let e = 0; e < log.length; e++) {
    if (log.type[e] !== EVENT_CODE.purchase) continue;
    const q = log.quantity[e]!;
    const p = log.price[e]!;
    if (q > 0 && p > 0) out[log.item[e]!]! += q * p;
  }
  return out;
}

function finish(source: ItemGroupSource, groupOf: Map<string, string>, log: EventLog, description: string): ItemGroups {
  const spend = itemSpend(log);
  const names = [...new Set(groupOf.values())].sort();
  const idx = new Map(names.map((n, k) => [n, k]));
  const share = new Array<number>(names.length).fill(0);
  const sizes = new Array<number>(names.length).fill(0);
  for (const g of groupOf.values()) sizes[idx.get(g)!]!++;
  let total = 0;
  for (let i = 0; i < log.items.size; i++) {
    const g = groupOf.get(log.items.ids[i]!);
    if (g === undefined) continue;
    share[idx.get(g)!]! += spend[i]!;
    total += spend[i]!;
  }
  return { source, names, groupOf, spendShare: share.map((s) => (total > 0 ? s / total : 0)), sizes, description };
}

/**
 * Groups the items of a shop. With categories (`Product.label`) on most items, each item's category (its last
 * `depth` levels joined); items without one are filed by `model` when given. Otherwise clusters: each item is a
 * vector of who bought it (SVD of the item × shopper incidence) beside `textWeight` × its text vector (TF-IDF →
 * SVD), k-means makes `groups` clusters, and any cluster over `maxShare` of spend is split in two until none
 * is; clusters are named by their most distinctive title terms.
 * @example const g = await groupItems(log, products); g.groupOf.get("85123A") // → "t-light · holder · hanging"
 */
export async function groupItems(log: EventLog, items: readonly Product[], options: ItemGroupOptions = {}): Promise<ItemGroups> {
  const method = options.method ?? "auto";
  const skip = new Set(options.excludeItems ?? []);
  const usable = items.filter((p) => !skip.has(p.id));
  const labelled = usable.filter((p) => p.label !== undefined && p.label !== "");
  if (method === "category" || (method === "auto" && usable.length > 0 && labelled.length >= 0.5 * usable.length)) {
    const groupOf = new Map<string, string>();
    const depth = options.depth;
    const name = (label: string): string => {
      const levels = label.split(" > ");
      return (depth === undefined ? levels : levels.slice(0, depth)).join(" > ");
    };
    for (const p of labelled) groupOf.set(p.id, name(p.label!));
    const rest = usable.filter((p) => !groupOf.has(p.id));
    let source: ItemGroupSource = "category";
    if (rest.length > 0 && options.model) {
      const answers = await options.model.predictBatch(rest, { topK: 1 });
      answers.forEach((a, t) => {
        const c = a.categories[0]?.category;
        if (c) groupOf.set(rest[t]!.id, name(c));
      });
      source = "model";
    }
    if (groupOf.size === 0) throw new ConfigError("Cannot group the items by category: no item has one");
    return finish(source, groupOf, log, source === "model" ? `catalogue categories; ${rest.length} items filed by the category model` : "catalogue categories");
  }
  return clusterItems(log, usable, options);
}

async function clusterItems(log: EventLog, items: readonly Product[], options: ItemGroupOptions): Promise<ItemGroups> {
  const k0 = options.groups ?? 12;
  const cap = options.maxShare ?? 0.25;
  const seed = options.seed ?? 0;
  const textWeight = options.textWeight ?? 0.3;
  // Items to group: the catalogue's, plus any bought item the catalogue lacks (grouped by purchases alone).
  const ids = [...new Set([...items.map((p) => p.id), ...log.items.ids.filter((id) => !new Set(options.excludeItems ?? []).has(id))])];
  const n = ids.length;
  if (n < 2) throw new ConfigError(`Cannot cluster ${n} item into groups: at least 2 items are needed`);
  const row = new Map(ids.map((id, i) => [id, i]));
  // Co-purchase vectors: item × shopper incidence (unit rows) → SVD → unit rows.
  const pairs = new Set<number>();
  const nu = log.users.size;
  for (let e = 0; e < log.length; e++) {
    if (log.type[e] !== EVENT_CODE.purchase) continue;
    const i = row.get(log.items.ids[log.item[e]!]!);
    if (i !== undefined) pairs.add(i * nu + log.user[e]!);
  }
  const sorted = [...pairs].sort((a, b) => a - b);
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(sorted.length);
  const data = new Float32Array(sorted.length);
  sorted.forEach((key, p) => {
    indptr[Math.floor(key / nu) + 1]!++;
    indices[p] = key % nu;
  });
  for (let i = 0; i < n; i++) indptr[i + 1]! += indptr[i]!;
  for (let i = 0; i < n; i++) {
    const len = indptr[i + 1]! - indptr[i]!;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) data[p] = 1 / Math.sqrt(len);
  }
  const incidence = csr(n, nu, indptr, indices, data);
  const dims = Math.min(50, n - 1, nu - 1);
  const co = sorted.length > 0 && dims >= 2 ? truncatedSvd(incidence, { components: dims, seed, normalize: true }).transform(incidence) : dense(n, 0);
  // Text vectors of the catalogue items (zero rows for items without text).
  const byId = new Map(items.map((p) => [p.id, p]));
  const withText = ids.map((id) => byId.get(id)).filter((p): p is Product => p !== undefined && p.text.some((s) => s.trim() !== ""));
  let text: DenseMatrix = dense(n, 0);
  if (withText.length >= 3 && textWeight > 0) {
    const e = toDense((await embedProducts(withText, { dims: Math.min(100, withText.length - 1), seed })).embedding);
    text = dense(n, e.cols);
    withText.forEach((p, r) => text.data.set(e.data.subarray(r * e.cols, (r + 1) * e.cols), row.get(p.id)! * e.cols));
  }
  const d = co.cols + text.cols;
  if (d === 0) throw new ConfigError("Cannot cluster the items: they have neither purchases nor text");
  const x = dense(n, d);
  for (let i = 0; i < n; i++) {
    x.data.set(co.data.subarray(i * co.cols, (i + 1) * co.cols), i * d);
    for (let f = 0; f < text.cols; f++) x.data[i * d + co.cols + f] = textWeight * text.data[i * text.cols + f]!;
  }
  const k = Math.max(1, Math.min(k0, n));
  const labels = Int32Array.from((await new KMeans({ k, nInit: 3 }).fit(x, { seed, signal: options.signal })).labels);
  // Split the group with the largest spend share in two while it exceeds the cap.
  const spendOfLog = itemSpend(log);
  const spend = Float64Array.from(ids, (id) => {
    const i = log.items.get(id);
    return i >= 0 ? spendOfLog[i]! : 0;
  });
  let total = 0;
  for (const s of spend) total += s;
  let groups = k;
  for (let guard = 0; guard < 4 * n && total > 0; guard++) {
    const share = new Float64Array(groups);
    for (let i = 0; i < n; i++) share[labels[i]!]! += spend[i]! / total;
    let big = 0;
    for (let g = 1; g < groups; g++) if (share[g]! > share[big]!) big = g;
    if (share[big]! <= cap) break;
    const members = labels.reduce<number[]>((a, l, i) => (l === big ? (a.push(i), a) : a), []);
    const sub = dense(members.length, d);
    members.forEach((i, r) => sub.data.set(x.data.subarray(i * d, (i + 1) * d), r * d));
    const distinct = new Set(members.map((i) => Array.from(x.data.subarray(i * d, (i + 1) * d)).join(","))).size;
    if (distinct < 2) break;
    const two = (await new KMeans({ k: 2, nInit: 3 }).fit(sub, { seed: seed + groups })).labels;
    if (two.every((l) => l === two[0])) break;
    members.forEach((i, r) => {
      if (two[r] === 1) labels[i] = groups;
    });
    groups++;
  }
  options.onProgress?.({ stage: "item groups", done: 1, total: 1 });
  // Names: the most distinctive title terms of each group (class-based TF-IDF), made unique.
  const titles = ids.map((id) => byId.get(id)?.text.find((s) => s.trim() !== "") ?? id);
  const terms = topTerms(titles, labels, groups, 4);
  const used = new Map<string, number>();
  const names = terms.map((t, g) => {
    let name = t.length > 0 ? nameFromTerms(t).replace(/ · /g, ", ") : `group ${g + 1}`;
    const c = used.get(name) ?? 0;
    used.set(name, c + 1);
    if (c > 0) name = `${name} (${c + 1})`;
    return name;
  });
  const groupOf = new Map(ids.map((id, i) => [id, names[labels[i]!]!]));
  return finish("clusters", groupOf, log, `${groups} clusters of items by co-purchase (SVD of who bought them) and text (TF-IDF → SVD, weight ${textWeight}), split until no group holds over ${Math.round(cap * 100)}% of spend`);
}
