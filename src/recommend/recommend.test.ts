// Each recommender part on tiny matrices with hand-computed answers: interactions, EASE, item-kNN, bought
// together, ranking with filters and the for-you blend.
import { describe, expect, it } from "vitest";
import { csr, denseFromRows } from "../linalg/matrix.js";
import { transposeCsr } from "../linalg/sparse.js";
import { Blend, type BlendParams } from "./blend.js";
import { basketLists, basketPopularity, basketWeights, fitBoughtTogether, sparseRowDots } from "./bought-together.js";
import { fitEase } from "./ease.js";
import { buildBaskets, buildInteractions, columnCounts, decay } from "./interactions.js";
import { fitItemKnn } from "./item-knn.js";
import { rankItems } from "./rank.js";

const DAY = 86_400_000;
/** Shoppers × items, binary: u0 {0, 1}, u1 {1, 2}, u2 {0, 1, 2}. */
const X = csr(3, 3, Int32Array.of(0, 2, 4, 7), Int32Array.of(0, 1, 1, 2, 0, 1, 2), Float32Array.of(1, 1, 1, 1, 1, 1, 1));
const NOW = 100 * DAY;
const LAST = new Float64Array(7).fill(NOW);

describe("interactions", () => {
  it("counts distinct orders per shopper and item, keeps the last time, and dedupes basket lines", () => {
    // u0 buys item 1 twice in basket 10 (a repeated line), once in basket 11; item 0 once in basket 10.
    const cols = { user: Int32Array.of(0, 0, 0, 0, 1), item: Int32Array.of(1, 1, 1, 0, 0), basket: Int32Array.of(10, 10, 11, 10, 12), time: Float64Array.of(5, 5, 9, 5, 7) };
    const { counts, last } = buildInteractions(cols, 2, 2);
    expect(Array.from(counts.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(counts.indices)).toEqual([0, 1, 0]);
    expect(Array.from(counts.data)).toEqual([1, 2, 1]);
    expect(Array.from(last)).toEqual([5, 9, 7]);
    const b = buildBaskets(cols, 13, 2);
    expect(b.indptr[11]! - b.indptr[10]!).toBe(2); // basket 10: items 0 and 1, the repeated line once
    expect(Array.from(columnCounts(counts))).toEqual([2, 1]);
    expect(decay(14 * DAY, 14)).toBeCloseTo(0.5, 12);
    expect(decay(5, null)).toBe(1);
  });
});

describe("EASE", () => {
  it("matches the closed form worked out by hand for λ = 1", () => {
    // XᵀX + I = [[3,2,1],[2,4,2],[1,2,3]], det 16; P = [[.5,-.25,0],[-.25,.5,-.25],[0,-.25,.5]]; W[i][j] = −P[i][j]/P[j][j].
    const ease = fitEase(X, LAST, NOW, { lambda: 1, maxItems: 10, halfLifeDays: null })!;
    expect(Array.from(ease.weights, (v) => v + 0)).toEqual([0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0]);
    const out = new Float64Array(3);
    ease.scoreInto([0], out);
    expect(Array.from(out)).toEqual([0, 0.5, 0]);
    expect(ease.weight(1, 2)).toBe(0.5);
  });

  it("keeps only the most bought items, and decays old pairs", () => {
    const top = fitEase(X, LAST, NOW, { lambda: 1, maxItems: 1, halfLifeDays: null })!;
    expect(Array.from(top.kept)).toEqual([1]); // item 1 has 3 buyers
    const out = new Float64Array(3);
    top.scoreInto([0, 1, 2], out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
    // u2's pairs a half-life old weigh (√½)² = ½: XᵀX + I = [[2.5,1.5,.5],[1.5,3.5,1.5],[.5,1.5,2.5]], det 12,
    // so W[0][2] = −P[0][2]/P[2][2] = −(0.5/12)/(6.5/12) = −1/13 (0 without decay).
    const old = Float64Array.of(NOW, NOW, NOW, NOW, NOW - 7 * DAY, NOW - 7 * DAY, NOW - 7 * DAY);
    const decayed = fitEase(X, old, NOW, { lambda: 1, maxItems: 10, halfLifeDays: 7 })!;
    expect(decayed.weight(0, 2)).toBeCloseTo(-1 / 13, 6);
    expect(() => fitEase(X, LAST, NOW, { lambda: 0, maxItems: 3, halfLifeDays: null })).toThrow(RangeError);
  });
});

describe("item-kNN", () => {
  it("keeps the K most similar items by cosine of shopper sets, ties to the lower index", () => {
    // |S0| = 2, |S1| = 3, |S2| = 2; co-buyers (0,1) = 2, (0,2) = 1, (1,2) = 2: cos(0,1) = cos(1,2) = 2/√6, cos(0,2) = 1/2.
    const knn = fitItemKnn(X, 1);
    const c = 2 / Math.sqrt(6);
    expect(Array.from(knn.neighbors.indices)).toEqual([1, 0, 1]);
    knn.neighbors.scores.forEach((s) => expect(s).toBeCloseTo(c, 6));
    const out = new Float64Array(3);
    knn.scoreInto([0], out); // item 0 is a neighbour of item 1 only
    expect(out[1]).toBeCloseTo(c, 6);
    expect(out[0]).toBe(0);
    expect(out[2]).toBe(0);
  });
});

describe("bought together", () => {
  const baskets = csr(3, 4, Int32Array.of(0, 2, 5, 7), Int32Array.of(0, 1, 0, 1, 2, 1, 2), new Float32Array(7).fill(1));
  const counts = csr(3, 4, X.indptr, X.indices, X.data);
  it("ranks by shared baskets, scaled to a maximum of 1", () => {
    const t = fitBoughtTogether(baskets, counts, null, { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, neighbors: 5 });
    // Item 0 shares 2 baskets with item 1 and 1 with item 2.
    expect(Array.from(t.indices.subarray(t.indptr[0]!, t.indptr[1]!))).toEqual([1, 2]);
    expect(Array.from(t.scores.subarray(t.indptr[0]!, t.indptr[1]!))).toEqual([1, 0.5]);
    expect(Array.from(t.evidence.subarray(t.indptr[0]!, t.indptr[1]!))).toEqual([0, 0]);
    expect(t.indptr[4]! - t.indptr[3]!).toBe(0); // item 3: never bought, no text
  });

  it("gives an item without purchases its content neighbours", () => {
    const content = denseFromRows([
      [1, 0],
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    const t = fitBoughtTogether(baskets, counts, content, { popularityPenalty: 0, shopperWeight: 0, contentWeight: 1, neighbors: 5 });
    expect(Array.from(t.indices.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([0]);
    expect(Array.from(t.evidence.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([2]);
    // Item 2: basket share with 1 is 1 (max), content with 1 is 1: 2 in all; item 0: basket 0.5.
    expect(Array.from(t.scores.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([2, 0.5]);
  });

  it("weighs recent baskets more when asked", () => {
    // Basket 0 {0,1} is new, basket 1 {0,1,2} a year old: recent co-occurrence favours 1 for item 0 even more.
    const t = fitBoughtTogether(baskets, counts, null, { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, recentWeight: 1, recentHalfLifeDays: 30, neighbors: 5 }, Float64Array.of(0, 365, 0));
    const s = t.scores.subarray(t.indptr[0]!, t.indptr[1]!);
    expect(s[0]).toBeCloseTo(2, 6);
    expect(s[1]).toBeCloseTo(0.5 + Math.pow(2, -365 / 30) / (1 + Math.pow(2, -365 / 30)), 6);
  });
});

describe("bought together: what sells now in baskets, shrunk shopper evidence", () => {
  const baskets = csr(3, 4, Int32Array.of(0, 2, 5, 7), Int32Array.of(0, 1, 0, 1, 2, 1, 2), new Float32Array(7).fill(1));
  const counts = csr(3, 4, X.indptr, X.indices, X.data);
  it("weighs each basket by its size and age", () => {
    // Ages 0, 7, 14 days, half-life 7: weights 2·1, 3·0.5, 2·0.25 → item 0: 3.5, item 1: 4, item 2: 2; scaled to max 1.
    const p = basketPopularity(baskets, Float64Array.of(0, 7, 14), 7);
    expect(Array.from(p)).toEqual([3.5 / 4, 1, 2 / 4, 0]);
  });

  it("adds ε × basket popularity to a bought item's partners, and shrinks shopper co-occurrence by (max + s)", () => {
    const t = fitBoughtTogether(baskets, counts, null, { popularityPenalty: 0, shopperWeight: 1, shopperShrink: 2, contentWeight: 0, popularWeight: 1, popularHalfLifeDays: 7, neighbors: 5 }, Float64Array.of(0, 7, 14));
    // Item 2: baskets with 1 (2 of them → 1) and 0 (1 → 0.5); shoppers (u1, u2 with 1; u2 with 0): 2/(2+2) and 1/4;
    // popularity 1 and 0.875.
    expect(Array.from(t.indices.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([1, 0]);
    const s = t.scores.subarray(t.indptr[2]!, t.indptr[3]!);
    expect(s[0]).toBeCloseTo(1 + 0.5 + 1, 6);
    expect(s[1]).toBeCloseTo(0.5 + 0.25 + 0.875, 6);
  });
});

describe("bought together: title similarity", () => {
  const baskets = csr(3, 4, Int32Array.of(0, 2, 5, 7), Int32Array.of(0, 1, 0, 1, 2, 1, 2), new Float32Array(7).fill(1));
  const counts = csr(3, 4, X.indptr, X.indices, X.data);
  // Unit word rows: item 0 (1, 0, 0), item 1 (0, .6, .8), item 2 (0, .8, .6), item 3 (.6, .8, 0).
  const titles = csr(4, 3, Int32Array.of(0, 1, 3, 5, 7), Int32Array.of(0, 1, 2, 1, 2, 0, 1), Float32Array.of(1, 0.6, 0.8, 0.8, 0.6, 0.6, 0.8));
  it("adds weight × the cosine of the title rows for every item sharing a word", () => {
    const out = new Float64Array(4);
    const touched: number[] = [];
    sparseRowDots(3, titles, transposeCsr(titles), 2, out, touched);
    // Item 3 · item 0 = .6·1 = .6; · item 1 = .8·.6 = .48; · item 2 = .8·.8 = .64; · itself = 1.
    expect(touched.sort()).toEqual([0, 1, 2, 3]);
    expect(out[0]).toBeCloseTo(2 * 0.6, 6);
    expect(out[1]).toBeCloseTo(2 * 0.48, 6);
    expect(out[2]).toBeCloseTo(2 * 0.64, 6);
    expect(out[3]).toBeCloseTo(2 * 1, 6);
  });

  it("gives a product without purchases its title neighbours, and adds titles to co-purchase evidence", () => {
    const t = fitBoughtTogether(baskets, counts, null, { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, titleWeight: 1, neighbors: 5 }, undefined, undefined, titles);
    // Item 3 (never bought): titles only, 0.64 (item 2) > 0.6 (item 0) > 0.48 (item 1), each "content" evidence.
    expect(Array.from(t.indices.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([2, 0, 1]);
    expect(Array.from(t.evidence.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([2, 2, 2]);
    const s3 = t.scores.subarray(t.indptr[3]!, t.indptr[4]!);
    [0.64, 0.6, 0.48].forEach((v, k) => expect(s3[k]).toBeCloseTo(v, 6));
    // Item 2: baskets with 1 (2 shared → 1) plus title .96; item 3 title .64; item 0 one basket (0.5), no shared word.
    expect(Array.from(t.indices.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([1, 3, 0]);
    expect(Array.from(t.evidence.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([0, 2, 0]);
    const s2 = t.scores.subarray(t.indptr[2]!, t.indptr[3]!);
    [1.96, 0.64, 0.5].forEach((v, k) => expect(s2[k]).toBeCloseTo(v, 6));
    // Without the weight, the title rows are ignored.
    const off = fitBoughtTogether(baskets, counts, null, { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, neighbors: 5 }, undefined, undefined, titles);
    expect(off.indptr[4]! - off.indptr[3]!).toBe(0);
  });
});

describe("bought together: basket weights and the title-neighbour backoff", () => {
  // Baskets b0 {0, 1}, b1 {0, 1, 2}, b2 {1, 2}; item 3 never bought.
  const baskets = csr(3, 4, Int32Array.of(0, 2, 5, 7), Int32Array.of(0, 1, 0, 1, 2, 1, 2), new Float32Array(7).fill(1));
  const counts = csr(3, 4, X.indptr, X.indices, X.data);
  const titles = csr(4, 3, Int32Array.of(0, 1, 3, 5, 7), Int32Array.of(0, 1, 2, 1, 2, 0, 1), Float32Array.of(1, 0.6, 0.8, 0.8, 0.6, 0.6, 0.8));
  const row = (t: { indptr: Int32Array; indices: Int32Array }, i: number): number[] => Array.from(t.indices.subarray(t.indptr[i]!, t.indptr[i + 1]!));
  const scoresOf = (t: { indptr: Int32Array; scores: Float32Array }, i: number): Float32Array => t.scores.subarray(t.indptr[i]!, t.indptr[i + 1]!);
  const none = { popularityPenalty: 0, shopperWeight: 0, contentWeight: 0, neighbors: 5 };

  it("weighs each basket |b|^(−e) · 2^(−age / half-life), and is off when both are", () => {
    const w = basketWeights(baskets, 1, 7, Float64Array.of(0, 7, 14));
    expect(Array.from(w!)).toEqual([1 / 2, (1 / 3) * 0.5, (1 / 2) * 0.25]);
    expect(basketWeights(baskets, 0, null, Float64Array.of(0, 7, 14))).toBeUndefined();
    expect(Array.from(basketWeights(baskets, 0.5, null)!)).toEqual([2 ** -0.5, 3 ** -0.5, 2 ** -0.5]);
  });

  it("damps big baskets: item 0 shares 1/2 + 1/3 with item 1 and 1/3 with item 2 at e = 1", () => {
    const t = fitBoughtTogether(baskets, counts, null, { ...none, basketSizeExponent: 1 });
    expect(row(t, 0)).toEqual([1, 2]);
    const s = scoresOf(t, 0);
    expect(s[0]).toBeCloseTo(1, 6);
    expect(s[1]).toBeCloseTo(1 / 3 / (5 / 6), 6); // 0.4 (plain counts give 0.5)
  });

  it("decays old baskets: b1 a half-life old weighs 1/2, so item 0 has 1.5 with item 1 and 0.5 with item 2", () => {
    const t = fitBoughtTogether(baskets, counts, null, { ...none, basketHalfLifeDays: 365 }, Float64Array.of(0, 365, 0));
    expect(row(t, 0)).toEqual([1, 2]);
    expect(scoresOf(t, 0)[1]).toBeCloseTo(0.5 / 1.5, 6);
  });

  it("keeps each item's best basket partners, scaled to max 1, ties to the lower item", () => {
    const l = basketLists(baskets, transposeCsr(baskets), new Float64Array(4).fill(1), undefined, 1);
    // Item 1 shares 2 baskets with 0 and 2 with 2: the lower item wins the one place.
    expect(row(l, 1)).toEqual([0]);
    expect(Array.from(scoresOf(l, 1))).toEqual([1]);
    expect(row(l, 2)).toEqual([1]);
    expect(row(l, 3)).toEqual([]);
  });

  it("borrows the basket partners of the closest title neighbour, and names it as the reason", () => {
    const t = fitBoughtTogether(baskets, counts, null, { ...none, titleWeight: 1, backoffWeight: 1, backoffNeighbors: 1 }, undefined, undefined, titles);
    // Item 3 (never bought): closest title item 2 (.64), whose partners are 1 (1) and 0 (.5): backoff 1 → .64,
    // 0 → .32; titles 2 .64, 0 .6, 1 .48. Item 1: 1.12 (mostly borrowed: via 2), 0: .92 (mostly title), 2: .64.
    expect(row(t, 3)).toEqual([1, 0, 2]);
    [1.12, 0.92, 0.64].forEach((v, k) => expect(scoresOf(t, 3)[k]).toBeCloseTo(v, 6));
    expect(Array.from(t.evidence.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([0, 2, 2]);
    expect(Array.from(t.via!.subarray(t.indptr[3]!, t.indptr[4]!))).toEqual([2, -1, -1]);
    // Item 2 (bought): closest title item 1 (.96), partners 0 and 2 (1 each; itself left out): item 0 gets
    // .5 (own basket) + .96 (borrowed, the larger part: via 1).
    expect(row(t, 2)).toEqual([1, 0, 3]);
    [1.96, 1.46, 0.64].forEach((v, k) => expect(scoresOf(t, 2)[k]).toBeCloseTo(v, 6));
    expect(Array.from(t.via!.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([-1, 1, -1]);
  });

  it("shrinks the backoff of an item with baskets of its own by c / (c + baskets)", () => {
    const t = fitBoughtTogether(baskets, counts, null, { ...none, titleWeight: 1, backoffWeight: 1, backoffNeighbors: 1, backoffShrink: 2 }, undefined, undefined, titles);
    // Item 2 is in 2 baskets: its backoff weighs 2 / (2 + 2); item 0 gets .5 + .48, its own basket now the larger part.
    expect(row(t, 2)).toEqual([1, 0, 3]);
    expect(scoresOf(t, 2)[1]).toBeCloseTo(0.98, 6);
    expect(Array.from(t.via!.subarray(t.indptr[2]!, t.indptr[3]!))).toEqual([-1, -1, -1]);
    // Item 3 has no baskets: no shrinkage (.64 borrowed for item 1, as above).
    expect(scoresOf(t, 3)[0]).toBeCloseTo(1.12, 6);
  });
});

describe("rankItems", () => {
  it("breaks ties to the lower index and never shows excluded or -Infinity items", () => {
    expect(Array.from(rankItems(Float64Array.of(1, 3, 3, -Infinity, 2), 10))).toEqual([1, 2, 4, 0]);
    expect(Array.from(rankItems(Float64Array.of(1, 3, 3, 0, 2), 2, { excluded: Uint8Array.of(0, 1, 0, 0, 0) }))).toEqual([2, 4]);
  });

  it("keeps at most N items per group, widening the candidates when needed", () => {
    const scores = Float64Array.of(9, 8, 7, 6, 5, 4, 3);
    const groups = Int32Array.of(0, 0, 0, 0, 0, 1, -1);
    expect(Array.from(rankItems(scores, 3, { groups, maxPerGroup: 1 }))).toEqual([0, 5, 6]);
  });
});

describe("Blend", () => {
  const params: BlendParams = {
    easeWeight: 0.5,
    segmentWeight: 0,
    popularWeight: 0,
    recencyWeight: 0,
    recencyHalfLifeDays: 30,
    repeatRateExponent: 0,
    repeatRatePrior: 0,
    popularHalfLifeDays: 30,
    returnPenalty: 0.5,
  };
  // u0 bought item 0 in 3 orders and item 1 once (returned); u1 bought items 1 and 2.
  const counts = csr(2, 4, Int32Array.of(0, 2, 4), Int32Array.of(0, 1, 1, 2), Float32Array.of(3, 1, 1, 1));
  const last = new Float64Array(4).fill(NOW);
  const ease = fitEase(counts, last, NOW, { lambda: 1, maxItems: 10, halfLifeDays: null });
  const blend = new Blend({ counts, last, returned: Uint8Array.of(0, 1, 0, 0), ease, segmentOf: null, favourites: null, now: NOW }, params);

  it("ranks a shopper's own items by how often they bought them, returned ones down-weighted, plus EASE", () => {
    const out = new Float64Array(4);
    const parts = [0, 1, 2, 3].map(() => new Float64Array(4));
    blend.score(0, "all", out, parts);
    // own: item 0 → 3/3 = 1; item 1 → (1/3) × 0.5 (returned). EASE (λ = 1, items 0–2): P = [[5,−2,1],[−2,4,−2],[1,−2,5]]/8,
    // so rows 0 + 1 of W = [0.4, 0.5, 0.2]; scaled to max 1 and weighted 0.5: [0.4, 0.5, 0.2].
    expect(Array.from(parts[0]!)).toEqual([1, 1 / 6, 0, 0]);
    [0.4, 0.5, 0.2, 0].forEach((v, i) => expect(parts[1]![i]).toBeCloseTo(v, 6));
    expect(out[0]).toBeCloseTo(1.4, 6);
    expect(blend.recommend(0, "all", 3).map((r) => [r.item, r.part])).toEqual([
      [0, "repeat"],
      [1, "ease"],
      [2, "ease"],
    ]);
  });

  it("answers the same on repeated calls: its per-call scratch is cleared between shoppers", () => {
    const u1 = blend.recommend(1, "all", 4);
    blend.recommend(0, "all", 4);
    blend.recommend(0, "new", 4);
    expect(blend.recommend(1, "all", 4)).toEqual(u1);
    // u1 never bought item 0: EASE decides it, not a left-over own-item part of u0.
    expect(u1.find((r) => r.item === 0)?.part).toBe("ease");
  });

  it("leaves out what the shopper bought in mode new, and answers popular items for an unknown shopper", () => {
    expect(blend.recommend(0, "new", 4).map((r) => r.item)).toEqual([2, 3]);
    // All purchases are equally recent: popular now = buyers (item 1 has 2); item 3 was never bought.
    expect(blend.recommend(-1, "all", 4).map((r) => [r.item, r.part])).toEqual([
      [1, "popular"],
      [0, "popular"],
      [2, "popular"],
      [3, "popular"],
    ]);
  });
});
