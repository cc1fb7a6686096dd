import { describe, expect, it } from "vitest";
import { Random } from "../linalg/random.js";
import { ExactIndex } from "./exact-index.js";
import { GroupedIndex } from "./grouped-index.js";

/**
 * n unit rows of dimension d whose column j has scale decay^j (energy in the leading columns, as SVD vectors
 * have: decay 1 spreads it evenly); every 10th row repeats an earlier one (exact ties), every 7th is a
 * slightly moved copy of one (near ties).
 */
function unitRows(n: number, d: number, decay: number, seed: number): Float32Array {
  const r = new Random(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const src = i % 10 === 9 ? r.int(i) : i % 7 === 6 ? r.int(i) : -1;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = src >= 0 && i % 10 === 9 ? x[src * d + j]! : (src >= 0 ? x[src * d + j]! : 0) + r.normal() * decay ** j * (src >= 0 ? 0.05 : 1);
      x[i * d + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < d; j++) x[i * d + j] = x[i * d + j]! / Math.sqrt(norm);
  }
  return x;
}

/** The whole scan by hand: float64 sums over the columns in order, rounded to float32; best first, ties by lower row. */
function bruteForce(x: Float32Array, d: number, q: Float32Array, k: number, ok: (row: number) => boolean): { rows: number[]; scores: number[] } {
  const all: [number, number][] = [];
  for (let r = 0; r < x.length / d; r++) {
    if (!ok(r)) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j]! * q[j]!;
    all.push([r, Math.fround(s)]);
  }
  all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const top = all.slice(0, k);
  return { rows: top.map((t) => t[0]), scores: top.map((t) => t[1]) };
}

// Four unit vectors in 2-D at 0°, 30°, 90° and 180°.
const s = Math.sqrt(3) / 2;
const vectors = Float32Array.from([1, 0, s, 0.5, 0, 1, -1, 0]);
const ids = ["east", "east-north-east", "north", "west"];

describe("ExactIndex", () => {
  it("ranks by cosine (dot of unit rows), best first", () => {
    const ix = new ExactIndex(2);
    ix.add(ids, vectors);
    const hits = ix.search(Float32Array.from([1, 0]), 3);
    expect(hits.map((h) => h.id)).toEqual(["east", "east-north-east", "north"]);
    expect(hits[0]!.score).toBeCloseTo(1, 6);
    expect(hits[1]!.score).toBeCloseTo(s, 6);
    expect(hits[2]!.score).toBeCloseTo(0, 6);
    // k larger than the index: every item, the opposite one last with −1.
    const all = ix.search(Float32Array.from([1, 0]), 10);
    expect(all.map((h) => h.id)).toEqual([...ids]);
    expect(all[3]!.score).toBeCloseTo(-1, 6);
  });

  it("filters, excludes, removes and replaces", () => {
    const ix = new ExactIndex(2, 1); // capacity 1: forces growth
    ix.add(ids, vectors);
    const q = Float32Array.from([0, 1]);
    expect(ix.search(q, 2, { filter: (_r, id) => id !== "north" }).map((h) => h.id)).toEqual(["east-north-east", "east"]);
    expect(ix.search(q, 1, { exclude: "north" })[0]!.id).toBe("east-north-east");
    expect(ix.remove("north")).toBe(true);
    expect(ix.remove("north")).toBe(false);
    expect(ix.size).toBe(3);
    expect(ix.search(q, 4).map((h) => h.id)).toEqual(["east-north-east", "east", "west"]);
    ix.add(["west"], Float32Array.from([0, 1]));
    expect(ix.search(q, 1)[0]!.id).toBe("west");
    expect(ix.size).toBe(3);
    ix.compact();
    expect(ix.rowCount).toBe(3);
    expect(ix.search(q, 3).map((h) => h.id)).toEqual(["west", "east-north-east", "east"]);
  });

  it("answers a batch like single queries, with empty slots when fewer items pass", () => {
    const ix = new ExactIndex(2);
    ix.add(ids, vectors);
    const b = ix.searchMany(Float32Array.from([1, 0, 0, 1]), 2, { filter: (r) => r !== 0 });
    expect(Array.from(b.rows)).toEqual([1, 2, 2, 1]);
    expect(b.scores[1]).toBeCloseTo(0, 6);
    const few = ix.searchMany(Float32Array.from([1, 0]), 3, { filter: (r) => r === 3 });
    expect(Array.from(few.rows)).toEqual([3, -1, -1]);
    expect(Number.isNaN(few.scores[1]!)).toBe(true);
  });

  it("rejects wrong shapes and non-finite values", () => {
    const ix = new ExactIndex(2);
    expect(() => ix.add(["a"], Float32Array.from([1, 0, 0]))).toThrow(TypeError);
    expect(() => ix.add(["a"], Float32Array.from([Number.NaN, 0]))).toThrow(/non-finite/);
    expect(() => ix.searchMany(Float32Array.from([1, 0, 0]), 1)).toThrow(TypeError);
    expect(() => ix.search(Float32Array.from([1, 0]), 0)).toThrow(RangeError);
  });

  it("prunes on the leading columns and still answers the whole scan, row for row and score for score", () => {
    // Energy in the leading columns (the bound prunes most rows), and spread evenly (it prunes few: the index
    // goes back to whole rows); both must answer exactly as the scan by hand, ties included.
    for (const decay of [0.93, 1]) {
      const n = 3000;
      const d = 64;
      const x = unitRows(n, d, decay, 7);
      const ids = Array.from({ length: n }, (_, i) => `p${i}`);
      const ix = new ExactIndex(d);
      ix.add(ids, x);
      for (let t = 0; t < 60; t++) {
        const qr = (t * 97) % n;
        const q = x.subarray(qr * d, (qr + 1) * d);
        const k = [1, 10, 25][t % 3]!;
        const got = ix.search(q, k, { exclude: `p${qr}` });
        const want = bruteForce(x, d, q, k, (r) => r !== qr);
        expect(got.map((h) => h.row)).toEqual(want.rows);
        expect(got.map((h) => h.score)).toEqual(want.scores);
      }
      // A batch answers as single queries do; a filter and a row mask apply before the bound.
      const b = ix.searchMany(x.subarray(0, 5 * d), 10, { filter: (r) => r % 3 !== 0 });
      for (let a = 0; a < 5; a++) {
        const want = bruteForce(x, d, x.subarray(a * d, (a + 1) * d), 10, (r) => r % 3 !== 0);
        expect(Array.from(b.rows.subarray(a * 10, (a + 1) * 10))).toEqual(want.rows);
      }
      const mask = Uint8Array.from({ length: n }, (_, r) => (r < 1500 ? 1 : 0));
      expect(ix.search(x.subarray(2000 * d, 2001 * d), 5, { rowMask: mask }).map((h) => h.row)).toEqual(bruteForce(x, d, x.subarray(2000 * d, 2001 * d), 5, (r) => r < 1500).rows);
    }
  });

  it("finishes every row that can reach the k-th best when many scores crowd around it", () => {
    // 400 graded copies of one vector (noise 0 … 0.4 of the vector's own scale) among 3,000 others: the k-th best
    // of the copies falls where bounds are tight (tails nearly parallel to the query's) and bands are full.
    const d = 64;
    const others = unitRows(3000, d, 0.93, 5);
    const r = new Random(9);
    const base = others.subarray(0, d);
    const x = new Float32Array((3000 + 400) * d);
    x.set(others);
    for (let i = 0; i < 400; i++) {
      let norm = 0;
      const o = (3000 + i) * d;
      for (let j = 0; j < d; j++) {
        x[o + j] = base[j]! + r.normal() * (0.4 * i / 400) * 0.15;
        norm += x[o + j]! * x[o + j]!;
      }
      for (let j = 0; j < d; j++) x[o + j] = x[o + j]! / Math.sqrt(norm);
    }
    const ix = new ExactIndex(d);
    ix.add(
      Array.from({ length: 3400 }, (_, i) => `p${i}`),
      x,
    );
    for (let k = 10; k <= 400; k += 10) {
      expect(ix.search(base, k).map((h) => h.row)).toEqual(bruteForce(x, d, base, k, () => true).rows);
    }
  });

  it("leaves out items below minScore, and keeps removed rows out of the bound's candidates", () => {
    const n = 2000;
    const d = 48;
    const x = unitRows(n, d, 0.9, 3);
    const ix = new ExactIndex(d);
    ix.add(
      Array.from({ length: n }, (_, i) => `p${i}`),
      x,
    );
    const q = x.subarray(0, d);
    const all = bruteForce(x, d, q, 10, () => true);
    const floor = all.scores[4]!;
    const got = ix.search(q, 10, { minScore: floor });
    expect(got.map((h) => h.row)).toEqual(all.rows.filter((_, i) => all.scores[i]! >= floor));
    expect(got.length).toBeGreaterThanOrEqual(5);
    // The best rows removed: the next ones answer (a tombstone is never a candidate).
    for (const r of all.rows.slice(0, 3)) ix.remove(`p${r}`);
    expect(ix.search(q, 3).map((h) => h.row)).toEqual(all.rows.slice(3, 6));
  });
});

describe("GroupedIndex", () => {
  it("searches every group as one index would, the query's own group first", () => {
    const n = 4000;
    const d = 64;
    const x = unitRows(n, d, 0.93, 11);
    const ids = Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, "0")}`);
    const groups = ids.map((_, i) => (i % 5 === 0 ? null : `g${i % 4}`));
    const ix = new GroupedIndex(d);
    ix.add(ids, x, groups);
    const one = new ExactIndex(d);
    one.add(ids, x);
    for (let t = 0; t < 40; t++) {
      const qr = (t * 131) % n;
      const got = ix.search(x.subarray(qr * d, (qr + 1) * d), 10, { exclude: ids[qr] });
      const want = one.search(x.subarray(qr * d, (qr + 1) * d), 10, { exclude: ids[qr] });
      expect(got.map((h) => [h.id, h.score])).toEqual(want.map((h) => [h.id, h.score]));
      // Within its group only.
      const g = groups[qr] ?? null;
      const inGroup = ix.search(x.subarray(qr * d, (qr + 1) * d), 5, { exclude: ids[qr], group: g });
      const wantGroup = one.search(x.subarray(qr * d, (qr + 1) * d), 5, { exclude: ids[qr], filter: (r) => (groups[r] ?? null) === g });
      expect(inGroup.map((h) => h.id)).toEqual(wantGroup.map((h) => h.id));
    }
  });
});
