// Shopper profiles, segment names and stable ids, the recommender (reasons, modes, filters, cold start, artifact
// round trip) and evaluate-recs' protocol on a hand-computed log; the sample shop's events for realistic runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import { ConfigError, ModelFormatError, NotFoundError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { EventLog } from "../events/event-log.js";
import type { ShopEvent } from "../events/event.js";
import { readEventLog } from "../events/read-events.js";
import { writeModelDir } from "../persist/model-dir.js";
import { evaluateRecommendations } from "./evaluate-recs.js";
import { groupItems } from "./item-groups.js";
import { fitRecommender, type Recommender } from "./recommender.js";
import { loadRecommender, saveRecommender } from "./recommender-artifact.js";
import { segmentNames, segmentWords, shortGroup } from "./segment-names.js";
import { segmentShoppers } from "./segments.js";
import { shopperProfiles } from "./shopper-profiles.js";

const SHOP = new URL("../../examples/shop/events.csv", import.meta.url).pathname;
const CATALOG = new URL("../../examples/catalog/", import.meta.url).pathname;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const ev = (userId: string, itemId: string, day: number, extra: Partial<ShopEvent> = {}): ShopEvent => ({ userId, itemId, type: "purchase", time: T0 + day * DAY, quantity: 1, price: 10, orderId: `${userId}-${day}`, ...extra });

const dir = mkdtempSync(join(tmpdir(), "assort-shoppers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let shop: EventLog;
let items: Product[];
let rec: Recommender;
beforeAll(async () => {
  shop = (await readEventLog(SHOP)).log;
  items = [...(await readCatalogFile(join(CATALOG, "train.jsonl"))).products, ...(await readCatalogFile(join(CATALOG, "new-products.jsonl"))).products];
  rec = await fitRecommender(shop, { items, itemGroups: new Map(items.filter((p) => p.label).map((p) => [p.id, p.label!])), seed: 1 });
});

describe("shopperProfiles", () => {
  it("computes recency, frequency, spend net of returns, return rate, basket size, affinity and conversion", () => {
    const log = EventLog.fromEvents([
      ev("a", "x", 0, { quantity: 2, price: 5, orderId: "o1" }),
      ev("a", "y", 0, { quantity: 1, price: 30, orderId: "o1" }),
      ev("a", "x", 10, { quantity: 1, price: 5, orderId: "o2" }),
      ev("a", "y", 12, { type: "return", quantity: 1, price: 30, orderId: "C1" }),
      ev("a", "z", 11, { type: "view", quantity: undefined, price: undefined, orderId: undefined }),
      ev("a", "x", 11, { type: "cart", quantity: 1, price: undefined, orderId: undefined }),
      ev("b", "z", 5, { price: 0 }), // price 0: not a spend line, and b has no customer row
    ]);
    const t = shopperProfiles(log, { itemGroups: new Map([["x", "soap"], ["y", "towels"]]) });
    const a = t.profile(t.indexOf("a"));
    expect(a).toMatchObject({ frequency: 2, grossSpend: 45, monetary: 15, returnRate: 0.667, basketSize: 1.5, items: 2, views: 1, carts: 1, conversion: 0.5 });
    expect(a.recencyDays).toBeCloseTo(3, 6); // reference: the midnight after the last event (day 12) → day 13; last order day 10
    expect(a.affinity).toEqual([
      { group: "towels", share: 0.667 },
      { group: "soap", share: 0.333 },
    ]);
    const b = t.profile(t.indexOf("b"));
    expect(b.recencyDays).toBeNull();
    expect(Array.from(t.customers(), (u) => t.users[u])).toEqual(["a"]);
  });
});

describe("segment names", () => {
  it("puts RFM levels into words a marketer can read", () => {
    expect(segmentWords({ zRecency: 1.1, zFrequency: -0.9, zMonetary: -0.5, medianFrequency: 1 })).toEqual({ recency: "lapsed", frequency: "one-time", spend: "buyers" });
    expect(segmentWords({ zRecency: -1, zFrequency: 1.2, zMonetary: 1.4, medianFrequency: 9 })).toEqual({ recency: "active", frequency: "frequent", spend: "big spenders" });
    expect(shortGroup("Home & Kitchen > Cookware > Frying Pans")).toBe("frying pans");
    expect(shortGroup("CANDLES & LANTERNS")).toBe("candles & lanterns");
  });

  it("adds the most distinctive item group and keeps names unique", () => {
    const shapes = [
      { zRecency: -1, zFrequency: 1.2, zMonetary: 1.4, medianFrequency: 9 },
      { zRecency: 1.1, zFrequency: -0.9, zMonetary: -0.9, medianFrequency: 1 },
      { zRecency: 1.1, zFrequency: -0.9, zMonetary: -0.9, medianFrequency: 1 },
    ];
    const g = (name: string, share: number, lift: number) => ({ name, share, lift });
    const names = segmentNames(shapes, [[g("Home > Candles & lanterns", 0.4, 2)], [g("tents", 0.03, 3)], []]);
    expect(names).toEqual(["active frequent big spenders · candles & lanterns", "lapsed one-time small spenders", "lapsed one-time small spenders (2)"]);
  });
});

describe("segmentShoppers", () => {
  it("segments the sample shop with names, metrics and a k curve, and keeps ids across re-runs", async () => {
    const groups = await groupItems(shop, items);
    expect(groups.source).toBe("category");
    const table = shopperProfiles(shop, { itemGroups: groups.groupOf });
    const run = await segmentShoppers(table, { k: "auto", kRange: [3, 5], seed: 1 });
    expect(run.kCurve!.points.map((p) => p.k)).toEqual([3, 4, 5]);
    expect(run.segments.length).toBe(run.kCurve!.chosen);
    expect(run.metrics.silhouette).toBeGreaterThan(0);
    expect(run.segments.every((s) => /buyers|spenders/.test(s.name))).toBe(true);
    expect(new Set(run.segments.map((s) => s.name)).size).toBe(run.segments.length);
    // A re-run with another seed: ids follow the previous run's.
    const again = await segmentShoppers(table, { k: run.k, seed: 7, previous: run.users.map((id, i) => ({ id, cluster: run.labels[i]! })) });
    expect(again.stability!.kept + again.stability!.merged).toBeGreaterThan(0);
    let same = 0;
    again.labels.forEach((l, i) => (same += l === run.labels[i] ? 1 : 0));
    expect(same / run.labels.length).toBeGreaterThan(0.9);
  });

  it("refuses too few customers and affinity without groups", async () => {
    const tiny = shopperProfiles(EventLog.fromEvents([ev("a", "x", 0), ev("b", "x", 1)]));
    await expect(segmentShoppers(tiny)).rejects.toThrow(ConfigError);
    await expect(segmentShoppers(shopperProfiles(shop), { features: "rfm+affinity" })).rejects.toThrow(/item groups/);
  });
});

describe("the recommender", () => {
  it("gives every item a reason, repeats in mode all and never in mode new", () => {
    const all = rec.recommend("c1001", { limit: 10 });
    expect(all).toHaveLength(10);
    expect(all.every((r) => r.reason.text.length > 0 && r.title)).toBe(true);
    expect(all[0]!.reason.kind).toBe("bought-again");
    const bought = new Set(shop.filter((e) => shop.users.ids[shop.user[e]!] === "c1001" && shop.type[e] === 3).item.map((i) => i));
    const boughtIds = new Set([...bought].map((i) => shop.items.ids[i]));
    const fresh = rec.recommend("c1001", { mode: "new", limit: 10 });
    expect(fresh.some((r) => boughtIds.has(r.itemId))).toBe(false);
    expect(fresh.filter((r) => r.reason.kind === "bought-with").every((r) => boughtIds.has(r.reason.itemId!))).toBe(true);
  });

  it("answers a new shopper with what is popular now, and a new product with its content neighbours", () => {
    const cold = rec.recommend("someone-new", { limit: 5 });
    expect(cold.map((r) => r.reason.kind)).toEqual(["popular", "popular", "popular", "popular", "popular"]);
    const similar = rec.boughtTogether("n03", { limit: 3 }); // hiking shoes, never bought
    expect(similar.length).toBe(3);
    expect(similar.every((r) => r.reason.kind === "similar" && r.reason.text.startsWith("similar to"))).toBe(true);
    expect(() => rec.boughtTogether("no-such-item")).toThrow(NotFoundError);
  });

  it("never shows excluded items and keeps at most N per category", () => {
    const top = rec.recommend("c1001", { limit: 3 }).map((r) => r.itemId);
    const without = rec.recommend("c1001", { limit: 10, exclude: top });
    expect(without.some((r) => top.includes(r.itemId))).toBe(false);
    const capped = rec.recommend("c1060", { limit: 6, maxPerCategory: 1 });
    const cats = capped.map((r) => items.find((p) => p.id === r.itemId)!.label);
    expect(new Set(cats).size).toBe(cats.length);
  });

  it("down-weights returned items", async () => {
    const log = EventLog.fromEvents([ev("a", "x", 0), ev("a", "y", 0), ev("a", "x", 5), ev("a", "y", 5), ev("a", "y", 6, { type: "return" }), ev("b", "x", 1)]);
    // Without the return, y (bought twice by its only buyer) would rank first; returned, it weighs a quarter.
    const r = await fitRecommender(log, { params: { blend: { returnPenalty: 0.25, recencyWeight: 0, easeWeight: 0 }, segments: 1 } });
    const [first, second] = r.recommend("a", { limit: 2 });
    expect([first!.itemId, second!.itemId]).toEqual(["x", "y"]);
    expect(second!.score).toBeCloseTo(0.25, 3);
    const kept = await fitRecommender(log, { params: { blend: { returnPenalty: 1, recencyWeight: 0, easeWeight: 0 }, segments: 1 } });
    expect(kept.recommend("a", { limit: 1 })[0]!.itemId).toBe("y");
  });

  it("names the title neighbour whose baskets a borrowed partner comes from, also after a round trip", async () => {
    // The red bag goes with the lunch box in three baskets; the pink bag was bought once, with a candle. The
    // backoff lends the pink bag the red bag's partner: "often bought with jumbo bag red", not with itself.
    const log = EventLog.fromEvents([ev("a", "r", 0), ev("a", "l", 0), ev("b", "r", 1), ev("b", "l", 1), ev("c", "r", 2), ev("c", "l", 2), ev("d", "p", 3), ev("d", "c", 3)]);
    const catalog: Product[] = [
      ["r", "jumbo bag red"],
      ["p", "jumbo bag pink"],
      ["l", "lunch box"],
      ["c", "candle holder"],
    ].map(([id, title]) => ({ id: id!, text: [title!] }));
    const params = { boughtTogether: { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, recentWeight: 0, popularWeight: 0, titleWeight: 1, backoffWeight: 1.5, backoffNeighbors: 1, backoffShrink: null }, segments: 1 };
    const r = await fitRecommender(log, { items: catalog, params });
    const pink = r.boughtTogether("p");
    expect(pink.map((x) => x.itemId)).toEqual(["c", "l", "r"]);
    expect(pink[0]!.reason).toMatchObject({ kind: "bought-with", itemId: "p", text: 'often bought with "jumbo bag pink"' });
    expect(pink[1]!.reason).toMatchObject({ kind: "bought-with", itemId: "r", text: 'often bought with "jumbo bag red"' });
    expect(pink[2]!.reason.kind).toBe("similar");
    const out = join(dir, "recs-backoff");
    await saveRecommender(r, out);
    expect((await loadRecommender(out)).boughtTogether("p")).toEqual(pink);
    // Off, the pink bag's list holds only its own evidence.
    const off = await fitRecommender(log, { items: catalog, params: { ...params, boughtTogether: { ...params.boughtTogether, backoffWeight: 0 } } });
    expect(off.boughtTogether("p").map((x) => x.itemId)).toEqual(["c", "r"]);
  });

  it("refuses a log without purchases", async () => {
    await expect(fitRecommender(EventLog.fromEvents([ev("a", "x", 0, { type: "view" })]))).rejects.toThrow(/no purchase/);
  });

  it("round-trips through its artifact: the loaded model answers identically", async () => {
    const out = join(dir, "recs");
    const version = await saveRecommender(rec, out);
    const loaded = await loadRecommender(out);
    expect(loaded.version).toBe(version);
    for (const u of ["c1001", "c1060", "c1300", "someone-new"]) {
      for (const mode of ["all", "new"] as const) expect(loaded.recommend(u, { mode, limit: 10 })).toEqual(rec.recommend(u, { mode, limit: 10 }));
    }
    for (const i of ["p0003", "n03"]) expect(loaded.boughtTogether(i)).toEqual(rec.boughtTogether(i));
    await writeModelDir(join(dir, "other"), { kind: "category-model" }, {});
    await expect(loadRecommender(join(dir, "other"))).rejects.toThrow(ModelFormatError);
    await writeModelDir(join(dir, "newer"), { kind: "recommender", recommenderFormatVersion: 99 }, {});
    await expect(loadRecommender(join(dir, "newer"))).rejects.toThrow(/newer than supported/);
  });
});

describe("evaluateRecommendations", () => {
  it("follows the protocol on a hand-computed log (popularity baseline, ties to the lower id, new and all)", async () => {
    // Train: a buys A and B; b buys A; c buys C. Test: a buys C; b buys B. Popularity: A (2), B (1), C (1).
    const log = EventLog.fromEvents([ev("a", "A", 0), ev("a", "B", 0), ev("b", "A", 1), ev("c", "C", 2), ev("a", "C", 20), ev("b", "B", 21)]);
    const r = await evaluateRecommendations(log, { splitAt: T0 + 10 * DAY, k: 2 });
    expect(r.catalog).toBe(3);
    expect(r.testShoppers).toBe(2);
    // all: a gets [A, B] (miss), b gets [A, B] (hit at rank 2: 1/log2 3).
    expect(r.baseline.all.ndcg).toBeCloseTo(1 / Math.log2(3) / 2, 12);
    expect(r.baseline.all.hitRate).toBe(0.5);
    // new: a's candidates are C alone → hit at 1; b's are B, C → hit at 1.
    expect(r.baseline.new.ndcg).toBe(1);
    expect(r.baseline.new.lists).toBe(2);
    expect(r.boughtTogether.lists).toBe(0); // no test basket holds two items
    expect(r.baseline.all.coverage).toBeCloseTo(2 / 3, 12);
    await expect(evaluateRecommendations(log, { splitAt: T0 - DAY })).rejects.toThrow(/No purchases before the split/);
    await expect(evaluateRecommendations(log, { splitAt: "2031-01-01" })).rejects.toThrow(/No purchases from the split/);
  });

  it("scores the sample shop above the popularity baseline on every task", async () => {
    const r = await evaluateRecommendations(shop, { splitAt: "2025-10-01", k: 10, items });
    for (const task of ["all", "new", "boughtTogether"] as const) expect(r[task].ndcg).toBeGreaterThan(r.baseline[task].ndcg);
  });
});
