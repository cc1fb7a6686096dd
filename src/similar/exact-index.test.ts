import { describe, expect, it } from "vitest";
import { ExactIndex } from "./exact-index.js";

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
});
