// GroupedIndex.views: every live item once, with its own vector, without copies, in slices.
import { describe, expect, it } from "vitest";
import { GroupedIndex } from "./grouped-index.js";

describe("GroupedIndex.views", () => {
  it("gives every live item once with its vector (views into the index), at most maxRows per slice", () => {
    const ix = new GroupedIndex(2);
    const ids = Array.from({ length: 25 }, (_, i) => `p${i}`);
    const data = Float32Array.from(ids.flatMap((_, i) => [i, -i]));
    ix.add(ids, data, ids.map((_, i) => (i % 3 === 0 ? null : `g${i % 2}`)));
    ix.remove("p4");
    ix.add(["p7"], Float32Array.of(70, -70), ["g0"]); // moves p7 from g1 to g0 with a new vector
    const seen = new Map<string, number[]>();
    for (const s of ix.views(4)) {
      expect(s.ids.length).toBeLessThanOrEqual(4);
      expect(s.rows).toHaveLength(s.ids.length);
      s.ids.forEach((id, i) => seen.set(id, [...s.data.subarray(s.rows[i]! * 2, s.rows[i]! * 2 + 2)]));
    }
    expect(seen.size).toBe(24);
    expect(seen.has("p4")).toBe(false);
    expect(seen.get("p7")).toEqual([70, -70]);
    for (const [id, v] of seen) expect(v).toEqual([...ix.vectorOf(id)!]);
  });
});
