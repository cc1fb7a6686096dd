import { describe, expect, it } from "vitest";
import { dense } from "../linalg/matrix.js";
import { SimilarIndex } from "./similar-index.js";

const s = Math.sqrt(0.5);
// a ≈ b (45° apart from c), d opposite a.
const data = Float32Array.from([1, 0, s, s, 0, 1, -1, 0]);
const ids = ["a", "b", "c", "d"];
const groups = ["shoes", "bags", "shoes", undefined];

describe("SimilarIndex", () => {
  it("finds similar items, optionally in the same group, leaving the item itself out", async () => {
    const ix = await SimilarIndex.build(ids, dense(4, 2, data), groups);
    expect(ix.mode).toBe("exact");
    expect(ix.similarTo("a", 2).map((h) => h.id)).toEqual(["b", "c"]);
    expect(ix.similarTo("a", 2, { sameGroup: true }).map((h) => h.id)).toEqual(["c"]);
    expect(ix.search(Float32Array.from([0, 1]), 2, { group: "bags" }).map((h) => h.id)).toEqual(["b"]);
    expect(ix.groupOf("d")).toBeUndefined();
    expect(() => ix.similarTo("zz", 1)).toThrow(/No item "zz"/);
  });

  it("keeps same-group answers right as items come and go (cached group masks)", async () => {
    const ix = await SimilarIndex.build(ids, dense(4, 2, data), groups);
    const q = Float32Array.from([0, 1]);
    expect(ix.search(q, 3, { group: "bags" }).map((h) => h.id)).toEqual(["b"]);
    await ix.add(["e"], Float32Array.from([0, 1]), ["bags"]);
    expect(ix.search(q, 3, { group: "bags" }).map((h) => h.id)).toEqual(["e", "b"]);
    ix.remove("e");
    await ix.add(["b"], Float32Array.from([0, 1]), ["shoes"]);
    expect(ix.search(q, 3, { group: "bags" })).toEqual([]);
    expect(ix.search(q, 3, { group: "shoes" }).map((h) => h.id)).toEqual(["b", "c", "a"]);
  });

  it("switches to the ANN index past the exact limit and keeps answering", async () => {
    const ix = new SimilarIndex(2, { exactLimit: 3, ann: { threads: 1 } });
    await ix.add(ids.slice(0, 3), data.subarray(0, 6), groups.slice(0, 3));
    expect(ix.mode).toBe("exact");
    await ix.add(["d"], data.subarray(6));
    expect(ix.mode).toBe("ann");
    expect(ix.similarTo("a", 1)[0]!.id).toBe("b");
    expect(ix.similarTo("a", 1, { sameGroup: true })[0]!.id).toBe("c");
    expect(ix.remove("b")).toBe(true);
    expect(ix.similarTo("a", 1)[0]!.id).toBe("c");
    expect(ix.similarTo("a", 1, { exact: true })[0]!.id).toBe("c");
    expect(ix.recallAgainstExact(Float32Array.from([1, 0, 0.6, 0.8]), 2)).toBe(1);
  });

  it("round-trips through its artifact, ANN graph included", async () => {
    const ix = await SimilarIndex.build(ids, dense(4, 2, data), groups, { exactLimit: 2, ann: { threads: 1 } });
    ix.remove("c");
    const { manifest, arrays } = await ix.toArtifact();
    const back = await SimilarIndex.fromArtifact(manifest, arrays);
    expect(back.mode).toBe("ann");
    expect(back.size).toBe(3);
    expect(back.similarTo("a", 3).map((h) => h.id)).toEqual(ix.similarTo("a", 3).map((h) => h.id));
    expect(back.groupOf("b")).toBe("bags");
  });

  it("rejects duplicate ids in one call and mismatched groups", async () => {
    const ix = new SimilarIndex(2);
    await expect(ix.add(["a", "a"], data.subarray(0, 4))).rejects.toThrow(/twice/);
    await expect(ix.add(["a"], data.subarray(0, 2), ["x", "y"])).rejects.toThrow(TypeError);
  });
});
