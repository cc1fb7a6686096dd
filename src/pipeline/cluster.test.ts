// Tests for clusterCatalog on the sample catalog (358 products, 5 top-level categories, a quarter Chinese) and on
// small hand-made catalogs: the run's shape, determinism, quality against the categories, k "auto", match with
// cannot-link groups, noise from dbscan / hdbscan, errors, and stable ids against a previous run.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../catalog/read-catalog.js";
import { NOISE } from "../cluster/contracts.js";
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { externalClusterMetrics } from "../metrics/clustering-external.js";
import { clusterCatalog, type ClusterRun } from "./cluster.js";

const TRAIN = fileURLToPath(new URL("../../examples/catalog/train.jsonl", import.meta.url));

let products: Product[];
let run5: ClusterRun;

beforeAll(async () => {
  ({ products } = await readCatalogFile(TRAIN));
  run5 = await clusterCatalog(products, { k: 5, seed: 0 });
});

/** Products from [id, title, extra fields]. */
function catalog(rows: [string, string, Record<string, unknown>?][]): Product[] {
  return rows.map(([id, title, extra], i) => ({ id, text: [title], fields: { id, title, ...(extra ?? {}) }, line: i + 1 }));
}

/** Top-level category ids of the products. */
function topLevel(ps: readonly Product[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(ps, (p) => {
    const t = p.label!.split(" > ")[0]!;
    if (!ids.has(t)) ids.set(t, ids.size);
    return ids.get(t)!;
  });
}

async function configError(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toMatch(message);
}

describe("clusterCatalog: kmeans, k = 5 on the sample catalog", () => {
  it("reads the 358 products of 5 top-level categories", () => {
    expect(products).toHaveLength(358);
    expect(new Set(topLevel(products)).size).toBe(5);
  });

  it("labels every product with one of 5 clusters, in input order", () => {
    expect(run5.algorithm).toBe("kmeans");
    expect(run5.n).toBe(358);
    expect(run5.k).toBe(5);
    expect(run5.noise).toBe(0);
    expect(run5.labels).toHaveLength(358);
    expect(run5.ids).toEqual(products.map((p) => p.id));
    expect(new Set(run5.labels)).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it("summarizes every cluster: label, size, terms, examples; sizes sum to n, largest first", () => {
    expect(run5.clusters).toHaveLength(5);
    expect(run5.clusters.map((c) => c.id).sort()).toEqual([0, 1, 2, 3, 4]);
    let total = 0;
    const byId = new Map(products.map((p) => [p.id, p]));
    for (const c of run5.clusters) {
      total += c.size;
      expect(c.size).toBe(run5.labels.filter((l) => l === c.id).length);
      expect(c.label.length).toBeGreaterThan(0);
      expect(c.label).not.toBe("(no terms)");
      expect(c.topTerms.length).toBeGreaterThan(0);
      expect(c.topTerms.length).toBeLessThanOrEqual(8);
      expect(c.label).toBe(c.topTerms.slice(0, 3).map((t) => t.term).join(" · "));
      expect(c.examples).toHaveLength(3);
      for (const e of c.examples) {
        // An example is a member of its cluster, shown by its title.
        expect(run5.labels[run5.ids.indexOf(e.id)]).toBe(c.id);
        expect(e.title).toBe(byId.get(e.id)!.text[0]);
      }
      expect(c.status).toBeUndefined();
    }
    expect(total).toBe(358);
    const sizes = run5.clusters.map((c) => c.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it("scores rows by cosine distance to their centre; the examples are the closest members", () => {
    expect(run5.scoreKind).toBe("distance");
    for (const s of run5.score) {
      expect(s).toBeGreaterThanOrEqual(-1e-6);
      expect(s).toBeLessThanOrEqual(2);
    }
    for (const c of run5.clusters) {
      const members = run5.ids.map((_, i) => i).filter((i) => run5.labels[i] === c.id);
      const best = Math.min(...members.map((i) => run5.score[i]!));
      expect(run5.score[run5.ids.indexOf(c.examples[0]!.id)]).toBe(best);
    }
  });

  it("reports internal metrics, a 2-D map of every row, the features and no warnings", () => {
    expect(run5.metrics.silhouette).toBeGreaterThan(0);
    expect(run5.metrics.silhouette).toBeLessThan(1);
    expect(run5.metrics.calinskiHarabasz).toBeGreaterThan(0);
    expect(run5.metrics.daviesBouldin).toBeGreaterThan(0);
    expect(run5.map.x).toHaveLength(358);
    expect(run5.map.y).toHaveLength(358);
    expect(run5.map.titles[10]).toBe(products[run5.map.rows[10]!]!.text[0]);
    expect(run5.features).toMatch(/SVD 100/);
    expect(run5.params).toEqual({ metric: "cosine", k: 5 });
    expect(run5.warnings).toEqual([]);
    expect(run5.kCurve).toBeUndefined();
    expect(run5.stability).toBeUndefined();
  });

  it("is deterministic: the same seed gives the same labels", async () => {
    const again = await clusterCatalog(products, { k: 5, seed: 0 });
    expect(Array.from(again.labels)).toEqual(Array.from(run5.labels));
    expect(again.clusters).toEqual(run5.clusters);
  });

  it("agrees with the top-level categories: NMI > 0.4 (measured 0.548 with seed 0)", () => {
    // Measured with seed 0: NMI 0.548, ARI 0.468 (word-unigram embedding, HEAD 04198f3); seeds 1, 2, 3, 42 gave
    // NMI 0.53, 0.50, 0.47, 0.42. The earlier word 1–2-gram embedding gave 0.447 / 0.371 with seed 0.
    const m = externalClusterMetrics(topLevel(products), run5.labels);
    expect(m.nmi).toBeGreaterThan(0.4);
    expect(m.ari).toBeGreaterThan(0.3);
  });
});

describe("clusterCatalog: k = auto", () => {
  it("tries k = 2, 4, …, 30 and chooses the k with the best silhouette", async () => {
    const run = await clusterCatalog(products, { k: "auto", seed: 0 });
    const curve = run.kCurve!;
    expect(curve.points.map((p) => p.k)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
    const best = Math.max(...curve.points.map((p) => p.silhouette));
    expect(curve.points.find((p) => p.k === curve.chosen)!.silhouette).toBe(best);
    expect(run.k).toBe(curve.chosen);
    expect(run.params).toMatchObject({ k: curve.chosen });
    // Five broad categories, 15 leaves: the best silhouette is well above k = 2.
    expect(curve.chosen).toBeGreaterThan(5);
  });

  it("kRange limits the values tried", async () => {
    const run = await clusterCatalog(products, { k: "auto", kRange: [3, 5], seed: 0 });
    expect(run.kCurve!.points.map((p) => p.k)).toEqual([3, 4, 5]);
    expect([3, 4, 5]).toContain(run.kCurve!.chosen);
  });
});

describe("clusterCatalog: match", () => {
  const OFFERS = catalog([
    ["a", "Sony WH-1000XM5 wireless headphones black", { merchant: "m1" }],
    ["b", "Sony WH-1000XM5 wireless noise cancelling headphones, black", { merchant: "m2" }],
    ["c", "Sony WH-1000XM5 wireless headphones silver", { merchant: "m1" }],
    ["d", "Tefal Ingenio frying pan 28cm", { merchant: "m3" }],
    ["e", "Tefal Ingenio 28 cm frying pan", { merchant: "m2" }],
    ["f", "Hilleberg Akto one person tent", { merchant: "m3" }],
  ]);

  it("without a group field: the three headphone offers match, the pans match, with a warning", async () => {
    const run = await clusterCatalog(OFFERS, { algorithm: "match" });
    expect(Array.from(run.labels)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(run.params).toEqual({ threshold: 0.3, groupField: null });
    expect(run.warnings.some((w) => /without a group field/.test(w))).toBe(true);
  });

  it("with groupField: two offers of one merchant never share a cluster", async () => {
    const run = await clusterCatalog(OFFERS, { algorithm: "match", groupField: "merchant" });
    const l = run.labels;
    expect(l[0]).not.toBe(l[2]); // a and c are both m1's
    expect(l[1] === l[0] || l[1] === l[2]).toBe(true);
    expect(l[3]).toBe(l[4]);
    expect(new Set([l[0], l[2], l[3], l[5]]).size).toBe(4);
    expect(run.k).toBe(4);
    expect(run.params).toEqual({ threshold: 0.3, groupField: "merchant" });
    expect(run.warnings).toEqual([]);
    expect(run.scoreKind).toBe("similarity");
    // Cohesion: NaN for the two rows alone, at least the threshold for the members of the two pairs.
    const size = (c: number): number => l.filter((x) => x === c).length;
    l.forEach((c, i) => {
      if (size(c) === 1) expect(run.score[i], run.ids[i]).toBeNaN();
      else expect(run.score[i], run.ids[i]).toBeGreaterThanOrEqual(0.3);
    });
    expect(run.score[5]).toBeNaN();
    // Names are the best-connected member's title; no internal metrics for matching.
    const pans = run.clusters.find((c) => c.id === l[3])!;
    expect(pans.size).toBe(2);
    expect(["Tefal Ingenio frying pan 28cm", "Tefal Ingenio 28 cm frying pan"]).toContain(pans.label);
    expect(run.metrics).toEqual({ silhouette: null, calinskiHarabasz: null, daviesBouldin: null });
  });

  it("a group field no product has is a ConfigError; a threshold outside 0..1 too", async () => {
    await configError(clusterCatalog(OFFERS, { algorithm: "match", groupField: "shop" }), /No product has the group field "shop"/);
    await configError(clusterCatalog(OFFERS, { algorithm: "match", threshold: 2 }), /threshold must be between 0 and 1/);
  });

  it("threshold 1 keeps only exact duplicates together", async () => {
    const dups = catalog([
      ["a", "Lodge cast iron skillet 10.25 inch"],
      ["b", "Lodge cast iron skillet 10.25 inch"],
      ["c", "Lodge cast iron skillet 12 inch"],
    ]);
    const run = await clusterCatalog(dups, { algorithm: "match", threshold: 1 });
    expect(Array.from(run.labels)).toEqual([0, 0, 1]);
  });

  // BUG (codes.ts ProductCodes.compare is asymmetric; match.ts / cluster.ts call `adjust(a, b)` in either order): on
  // the sample catalog 6 rows end in match clusters whose mean similarity to their mates is below the 0.3 threshold,
  // e.g. "三星 Galaxy S23 FE 8GB+256GB" (0.10) with "Xiaomi Pad 6 11\" 8GB/256GB" and "Honor Magic6 Lite 5G
  // 8GB+256GB" (0.12). Calling compare(min(a, b), max(a, b)) leaves none (checked by hand).
  it("on the sample catalog, every matched row's cohesion reaches the threshold", async () => {
    const run = await clusterCatalog(products, { algorithm: "match", threshold: 0.3 });
    const below: string[] = [];
    run.score.forEach((s, i) => {
      if (s < 0.3 - 1e-6) below.push(`${run.ids[i]} ${s.toFixed(2)} ${products[i]!.text[0]}`);
    });
    expect(below).toEqual([]);
  });
});

describe("clusterCatalog: dbscan and hdbscan", () => {
  // Eight pans, eight iPhones, and two products like nothing else.
  const GROUPS = catalog([
    ["p1", "Tefal frying pan 28cm non-stick"],
    ["p2", "Tefal non-stick frying pan 24cm"],
    ["p3", "Tefal frying pan 28cm induction"],
    ["p4", "Tefal Ingenio frying pan non-stick 26 cm"],
    ["p5", "frying pan Tefal 20cm with lid"],
    ["p6", "Tefal titanium frying pan 30cm"],
    ["p7", "Tefal Jamie Oliver frying pan 28cm"],
    ["p8", "Tefal frying pan set 24cm and 28cm"],
    ["h1", "Apple iPhone 15 128GB blue"],
    ["h2", "Apple iPhone 15 Pro 256GB black"],
    ["h3", "iPhone 15 Apple 128GB pink"],
    ["h4", "Apple iPhone 15 Plus 128 GB blue"],
    ["h5", "Apple iPhone 15 512GB yellow"],
    ["h6", "Apple iPhone 15 Pro Max 256GB titanium"],
    ["h7", "Apple iPhone 15 green 128GB renewed"],
    ["h8", "Apple iPhone 15 256GB black unlocked"],
    ["x", "Leather gardening gloves for roses"],
    ["y", "Hilleberg Akto one person mountain tent"],
  ]);
  const PANS = [0, 1, 2, 3, 4, 5, 6, 7];
  const PHONES = [8, 9, 10, 11, 12, 13, 14, 15];

  it("hdbscan (minClusterSize 4) finds the pans and the phones, and leaves the two outliers as noise (-1)", async () => {
    const run = await clusterCatalog(GROUPS, { algorithm: "hdbscan", params: { minClusterSize: 4 } });
    expect(Array.from(run.labels)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, NOISE, NOISE]);
    expect(run.k).toBe(2);
    expect(run.noise).toBe(2);
    expect(run.scoreKind).toBe("membership");
    expect(run.score[16]).toBe(0);
    expect(run.score[17]).toBe(0);
    expect(run.clusters.map((c) => c.size)).toEqual([8, 8]);
    expect(run.clusters.find((c) => c.id === 0)!.label).toMatch(/frying|pan|tefal/);
    expect(run.clusters.find((c) => c.id === 1)!.label).toMatch(/iphone|apple/);
    expect(run.metrics.silhouette).toBeGreaterThan(0);
  });

  it("dbscan (eps 0.7, minSamples 3): the outliers are noise and no cluster mixes pans and phones", async () => {
    const run = await clusterCatalog(GROUPS, { algorithm: "dbscan", params: { eps: 0.7, minSamples: 3 } });
    const l = run.labels;
    expect(l[16]).toBe(NOISE);
    expect(l[17]).toBe(NOISE);
    const pans = new Set(PANS.map((i) => l[i]!).filter((c) => c !== NOISE));
    const phones = new Set(PHONES.map((i) => l[i]!).filter((c) => c !== NOISE));
    expect(pans.size).toBeGreaterThan(0);
    expect(phones.size).toBeGreaterThan(0);
    for (const c of pans) expect(phones.has(c)).toBe(false);
    expect(run.noise).toBe(l.filter((c) => c === NOISE).length);
    expect(run.scoreKind).toBe("none");
    expect(run.params).toEqual({ metric: "cosine", eps: 0.7, minSamples: 3 });
  });

  it("dbscan with a tiny eps (0.05) on ten different titles: every product is noise, k = 0, and a warning says so", async () => {
    const run = await clusterCatalog(GROUPS.slice(8), { algorithm: "dbscan", params: { eps: 0.05 } });
    expect(Array.from(run.labels)).toEqual(new Array(10).fill(NOISE));
    expect(run.k).toBe(0);
    expect(run.noise).toBe(10);
    expect(run.clusters).toEqual([]);
    expect(run.metrics).toEqual({ silhouette: null, calinskiHarabasz: null, daviesBouldin: null });
    expect(run.warnings.some((w) => /every product is noise/.test(w))).toBe(true);
  });

  it("on the sample catalog: noise rows are -1, the clusters hold the rest", async () => {
    for (const algorithm of ["dbscan", "hdbscan"] as const) {
      const run = await clusterCatalog(products, { algorithm });
      const noise = run.labels.filter((l) => l === NOISE).length;
      expect(noise, algorithm).toBeGreaterThan(0);
      expect(run.noise).toBe(noise);
      expect(run.clusters.reduce((s, c) => s + c.size, 0)).toBe(358 - noise);
      expect(run.k).toBe(run.clusters.length);
    }
  });
});

describe("clusterCatalog: errors", () => {
  const THREE = catalog([
    ["a", "Tefal frying pan"],
    ["b", "Apple iPhone 15"],
    ["c", "Hilleberg tent"],
  ]);

  it("k larger than the number of products", async () => {
    await configError(clusterCatalog(THREE, { k: 4 }), /k=4 .*3 products.*must not exceed/);
    await configError(clusterCatalog(THREE, { k: 4, algorithm: "agglomerative" }), /must not exceed/);
  });

  it('k "auto" with dbscan, hdbscan or match', async () => {
    for (const algorithm of ["dbscan", "hdbscan", "match"] as const) {
      await configError(clusterCatalog(THREE, { k: "auto", algorithm }), new RegExp(`auto applies to kmeans and agglomerative; ${algorithm}`));
    }
  });

  it("an empty product list", async () => {
    await configError(clusterCatalog([], { k: 2 }), /no products/);
  });

  it("k that is not a positive integer, and an unknown algorithm", async () => {
    await configError(clusterCatalog(THREE, { k: 0 }), /k must be a positive integer/);
    await configError(clusterCatalog(THREE, { k: 1.5 }), /k must be a positive integer/);
    await configError(clusterCatalog(THREE, { algorithm: "spectral" as never }), /Unknown algorithm "spectral"/);
  });

  it('k "auto" with fewer than 3 products', async () => {
    await configError(clusterCatalog(THREE.slice(0, 2), { k: "auto" }), /at least 3 products/);
  });
});

describe("clusterCatalog: previous run", () => {
  it("an identical rerun keeps every id and reports all clusters kept", async () => {
    const previous = run5.ids.map((id, i) => ({ id, cluster: run5.labels[i]! }));
    const again = await clusterCatalog(products, { k: 5, seed: 0, previous });
    expect(Array.from(again.labels)).toEqual(Array.from(run5.labels));
    expect(again.stability).toMatchObject({ kept: 5, new: 0, merged: 0, vanished: 0 });
    expect([...again.stability!.ids.kept].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const c of again.clusters) expect(c.status).toBe("kept");
    expect(again.clusters.map((c) => [c.id, c.label, c.size])).toEqual(run5.clusters.map((c) => [c.id, c.label, c.size]));
  });

  it("a previous run under shifted ids: the same clusters come back under the old ids", async () => {
    const previous = run5.ids.map((id, i) => ({ id, cluster: run5.labels[i]! + 10 }));
    const again = await clusterCatalog(products, { k: 5, seed: 0, previous });
    expect(Array.from(again.labels)).toEqual(Array.from(run5.labels, (l) => l + 10));
    expect(again.clusters.map((c) => c.id).sort()).toEqual([10, 11, 12, 13, 14]);
  });

  it("a different k: every cluster gets a status, and kept + merged + new = k", async () => {
    const previous = run5.ids.map((id, i) => ({ id, cluster: run5.labels[i]! }));
    const run = await clusterCatalog(products, { k: 8, seed: 0, previous });
    const s = run.stability!;
    expect(s.kept + s.merged + s.new).toBe(run.k);
    expect(s.new).toBeGreaterThan(0);
    for (const c of run.clusters) expect(["kept", "merged", "new"]).toContain(c.status);
    for (const id of s.ids.new) expect(id).toBeGreaterThan(4);
  });
});
