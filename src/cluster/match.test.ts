// Tests for matchRows on small hand-built CSR rows whose cosines are exact fractions (rows of 3s, 4s and 5s):
// pairs found, average linkage that does not chain, cannot-link groups, adjust, cohesion, labels and bad options.
import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import { denseFromRows, toCsr, type CsrMatrix } from "../linalg/matrix.js";
import { matchRows } from "./match.js";

const rows = (r: number[][]): CsrMatrix => toCsr(denseFromRows(r));

/**
 * A chain of six rows, every row of norm 5, so each cosine is (dot product) / 25:
 *   cos(0,1) = 16/25 = 0.64   cos(1,2) = 9/25 = 0.36   cos(2,3) = 0.64   cos(3,4) = 12/25 = 0.48   cos(4,5) = 15/25 = 0.6
 * and every other pair 0. Three obvious pairs {0,1} {2,3} {4,5}; between pairs the average similarity is
 *   {0,1}–{2,3}: (0 + 0 + 0.36 + 0) / 4 = 0.09      {2,3}–{4,5}: (0 + 0 + 0.48 + 0) / 4 = 0.12
 *   {0,1}–{2,3,4,5}: 0.36 / 8 = 0.045
 */
const CHAIN = rows([
  [4, 3, 0, 0, 0, 0],
  [4, 0, 3, 0, 0, 0],
  [0, 0, 3, 4, 0, 0],
  [0, 0, 0, 4, 3, 0],
  [0, 0, 0, 0, 4, 3],
  [0, 0, 0, 0, 0, 5],
]);

describe("matchRows: pairs and average linkage", () => {
  it("finds the three pairs at the default threshold 0.3 (no chaining through the 0.36 and 0.48 links)", () => {
    const r = matchRows(CHAIN, CHAIN);
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(r.k).toBe(3);
    expect(r.refusedMerges).toBe(0);
    // Candidates: the five chain links (row pairs with a positive blocking dot product).
    expect(r.candidatePairs).toBe(5);
  });

  it("cohesion of a pair is the pair's cosine", () => {
    const r = matchRows(CHAIN, CHAIN);
    const c = Array.from(r.cohesion);
    [0.64, 0.64, 0.64, 0.64, 0.6, 0.6].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 6));
  });

  it("threshold 0.1 joins {2,3} and {4,5} (average 0.12) but not {0,1} (0.09, then 0.045)", () => {
    const r = matchRows(CHAIN, CHAIN, { threshold: 0.1 });
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(r.k).toBe(2);
    // Cohesion: each row's mean cosine to the other three members of {2,3,4,5}.
    const c = Array.from(r.cohesion);
    expect(c[0]).toBeCloseTo(0.64, 6);
    expect(c[1]).toBeCloseTo(0.64, 6);
    expect(c[2]).toBeCloseTo((0.64 + 0 + 0) / 3, 6);
    expect(c[3]).toBeCloseTo((0.64 + 0.48 + 0) / 3, 6);
    expect(c[4]).toBeCloseTo((0 + 0.48 + 0.6) / 3, 6);
    expect(c[5]).toBeCloseTo((0 + 0 + 0.6) / 3, 6);
  });

  it("threshold 0.04 merges everything (the last merge averages 0.045 over all 8 member pairs)", () => {
    const r = matchRows(CHAIN, CHAIN, { threshold: 0.04 });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.k).toBe(1);
    // Row 0: cosines 0.64, 0, 0, 0, 0 to the five others.
    expect(r.cohesion[0]).toBeCloseTo(0.64 / 5, 6);
  });

  it("threshold 0 merges only rows linked by candidate pairs (a row without features stays alone)", () => {
    const x = rows([
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
    ]);
    const r = matchRows(x, x, { threshold: 0 });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1]);
    expect(r.cohesion[3]).toBeNaN();
  });

  it("labels are numbered by first row", () => {
    // Pairs {0,4}, {1,2}, {3,5} of identical one-hot rows.
    const x = rows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const r = matchRows(x, x);
    expect(Array.from(r.labels)).toEqual([0, 1, 1, 2, 0, 2]);
    expect(Array.from(r.cohesion)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("cohesion is NaN for a row alone", () => {
    const x = rows([
      [3, 4, 0],
      [3, 4, 0],
      [0, 0, 1],
    ]);
    const r = matchRows(x, x);
    expect(Array.from(r.labels)).toEqual([0, 0, 1]);
    expect(r.cohesion[0]).toBe(1);
    expect(r.cohesion[2]).toBeNaN();
  });

  it("an empty input gives no clusters", () => {
    const x = rows([]);
    const r = matchRows({ ...x, cols: 3 }, { ...x, cols: 3 });
    expect(r.k).toBe(0);
    expect(r.labels).toHaveLength(0);
  });
});

describe("matchRows: blocking", () => {
  it("neighbors 1 keeps each row's best candidate only: the three pair links", () => {
    // Blocking dot products: 0→1 16; 1→0 16 (vs 9); 2→3 16; 3→2 16 (vs 12); 4→5 15 (vs 12); 5→4 15.
    const r = matchRows(CHAIN, CHAIN, { neighbors: 1, threshold: 0.04 });
    expect(r.candidatePairs).toBe(3);
    // With no links between the pairs they never merge, however low the threshold.
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("maxDf drops features present in more rows than it: no candidates, no merges", () => {
    // Every feature of CHAIN is in 2 rows; maxDf 1 leaves nothing to block on.
    const r = matchRows(CHAIN, CHAIN, { maxDf: 1 });
    expect(r.candidatePairs).toBe(0);
    expect(Array.from(r.labels)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.cohesion.every((c) => Number.isNaN(c))).toBe(true);
  });

  it("blocking and features may differ: blocking proposes, the features' cosine decides", () => {
    // Blocking links 0–1 and 2–3; the features make 0–1 identical and 2–3 orthogonal.
    const blocking = rows([
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    const features = rows([
      [3, 4, 0, 0],
      [3, 4, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    const r = matchRows(blocking, features);
    expect(r.candidatePairs).toBe(2);
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 2]);
  });
});

describe("matchRows: threshold 1", () => {
  it("keeps rows with cosine exactly 1 together and everything else alone", () => {
    const x = rows([
      [3, 4, 0],
      [3, 4, 0],
      [4, 3, 0],
      [0, 0, 5],
      [0, 3, 4],
    ]);
    const r = matchRows(x, x, { threshold: 1 });
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 2, 3]);
  });

  // BUG (match.ts, PairSimilarity.of: `dot / (norm[a] * norm[b])`): for two identical rows the cosine comes out
  // as sq / (√sq · √sq), which is 0.9999999999999998 for sq = 2 (rows [1, 1]) or for the L2-normalized row
  // [0.6, 0.8] in Float32, so threshold 1 leaves exact duplicates apart. dot / Math.sqrt(sqA · sqB) (exact for
  // equal rows) or a clamp / tolerance at 1 would fix it.
  it("merges identical rows whatever their values ([1, 1], [0.6, 0.8], [1, 2])", () => {
    for (const v of [
      [1, 1],
      [0.6, 0.8],
      [1, 2],
    ]) {
      const x = rows([v, v]);
      const r = matchRows(x, x, { threshold: 1 });
      expect(Array.from(r.labels), JSON.stringify(v)).toEqual([0, 0]);
    }
  });
});

describe("matchRows: cannot-link groups", () => {
  const SAME = rows([
    [3, 4],
    [3, 4],
  ]);

  it("two identical rows of the same group are never merged (and the refusal is counted)", () => {
    const r = matchRows(SAME, SAME, { groups: Int32Array.of(7, 7) });
    expect(Array.from(r.labels)).toEqual([0, 1]);
    expect(r.refusedMerges).toBe(1);
  });

  it("rows of different groups, or without a group (-1), merge", () => {
    expect(Array.from(matchRows(SAME, SAME, { groups: Int32Array.of(1, 2) }).labels)).toEqual([0, 0]);
    expect(Array.from(matchRows(SAME, SAME, { groups: Int32Array.of(-1, -1) }).labels)).toEqual([0, 0]);
    expect(Array.from(matchRows(SAME, SAME, { groups: Int32Array.of(3, -1) }).labels)).toEqual([0, 0]);
  });

  it("a merged cluster carries its members' groups: A(g0) + B(g1) never takes C(g0)", () => {
    const x = rows([
      [3, 4],
      [3, 4],
      [3, 4],
    ]);
    const r = matchRows(x, x, { groups: Int32Array.of(0, 1, 0) });
    expect(r.k).toBe(2);
    expect(r.labels[0]).not.toBe(r.labels[2]);
    expect(r.labels[1] === r.labels[0] || r.labels[1] === r.labels[2]).toBe(true);
    expect(r.refusedMerges).toBeGreaterThanOrEqual(1);
  });
});

describe("matchRows: adjust", () => {
  it("receives each pair's cosine", () => {
    const seen = new Map<string, number>();
    matchRows(CHAIN, CHAIN, {
      adjust: (a, b, s) => {
        seen.set(`${Math.min(a, b)}-${Math.max(a, b)}`, s);
        return s;
      },
    });
    expect(seen.get("0-1")).toBeCloseTo(0.64, 12);
    expect(seen.get("1-2")).toBeCloseTo(0.36, 12);
    expect(seen.get("3-4")).toBeCloseTo(0.48, 12);
    expect(seen.get("4-5")).toBeCloseTo(0.6, 12);
  });

  it("can veto a pair (return 0): rows 0 and 1 stay apart, and 1 does not join {2,3} (0.36 / 2 = 0.18)", () => {
    const veto = (a: number, b: number, s: number): number => (Math.min(a, b) === 0 && Math.max(a, b) === 1 ? 0 : s);
    const r = matchRows(CHAIN, CHAIN, { adjust: veto });
    expect(Array.from(r.labels)).toEqual([0, 1, 2, 2, 3, 3]);
    expect(r.k).toBe(4);
  });

  it("can raise pairs, including pairs blocking never proposed (they count in the exact group averages)", () => {
    // 1–2 raised to 0.9 merges first. 0–2 (not a candidate) raised to 0.2: {1,2} vs 0 = (0.64 + 0.2) / 2 = 0.42,
    // {1,2} vs 3 = (0 + 0.64) / 2 = 0.32, so 0 joins. Then {0,1,2} vs 3 = 0.64 / 3 = 0.213 < 0.3 and
    // {3} vs {4,5} = (0.48 + 0) / 2 = 0.24 < 0.3: row 3 stays alone.
    const pair = (a: number, b: number): string => `${Math.min(a, b)}-${Math.max(a, b)}`;
    const raised: Record<string, number> = { "1-2": 0.9, "0-2": 0.2 };
    const r = matchRows(CHAIN, CHAIN, { adjust: (a, b, s) => raised[pair(a, b)] ?? s });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 2, 2]);
    expect(r.cohesion[0]).toBeCloseTo((0.64 + 0.2) / 2, 6);
    expect(r.cohesion[1]).toBeCloseTo((0.64 + 0.9) / 2, 6);
    expect(r.cohesion[2]).toBeCloseTo((0.2 + 0.9) / 2, 6);
    expect(r.cohesion[3]).toBeNaN();
  });
});

describe("matchRows: bad options and input", () => {
  it("rejects a threshold outside 0..1 with RangeError", () => {
    expect(() => matchRows(CHAIN, CHAIN, { threshold: 1.5 })).toThrow(RangeError);
    expect(() => matchRows(CHAIN, CHAIN, { threshold: -0.1 })).toThrow(RangeError);
    expect(() => matchRows(CHAIN, CHAIN, { threshold: Number.NaN })).toThrow(/threshold must be between 0 and 1/);
  });

  it("rejects neighbors that are not a positive integer with RangeError", () => {
    expect(() => matchRows(CHAIN, CHAIN, { neighbors: 0 })).toThrow(RangeError);
    expect(() => matchRows(CHAIN, CHAIN, { neighbors: 2.5 })).toThrow(/neighbors must be a positive integer/);
  });

  it("rejects groups of the wrong length and blocking rows of another count with TypeError", () => {
    expect(() => matchRows(CHAIN, CHAIN, { groups: new Int32Array(5) })).toThrow(TypeError);
    expect(() => matchRows(CHAIN, CHAIN, { groups: new Int32Array(5) })).toThrow("groups has 5 entries for 6 rows");
    const five = rows([[1], [1], [1], [1], [1]]);
    expect(() => matchRows(five, CHAIN)).toThrow(TypeError);
  });

  it("rejects non-finite values", () => {
    const bad = rows([
      [1, Number.NaN],
      [1, 0],
    ]);
    expect(() => matchRows(bad, bad)).toThrow(/non-finite/);
  });

  it("stops with CancelledError when the signal has fired", () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => matchRows(CHAIN, CHAIN, { signal: ac.signal })).toThrow(CancelledError);
  });
});
