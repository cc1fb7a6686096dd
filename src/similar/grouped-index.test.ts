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

// Pre-sizing (start-up): groups sized from known counts are filled without growing; the answers do not change.
describe("GroupedIndex.reserveGroups", () => {
  it("sizes empty groups to the counts given, leaves groups that hold items alone, and answers as an index grown by doubling", () => {
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const data = Float32Array.from(ids.flatMap((_, i) => [Math.cos(i), Math.sin(i)]));
    const groups = ids.map((_, i) => (i % 4 === 0 ? null : `g${i % 2}`));
    const grown = new GroupedIndex(2);
    grown.add(ids, data, groups);
    const sized = new GroupedIndex(2);
    sized.add(["p0"], data.subarray(0, 2), [null]);
    // 10 without a group (p0 is already in it), 20 in g1, 10 in g0; a zero count makes no group.
    sized.reserveGroups([
      { group: undefined, rows: 10 },
      { group: "g1", rows: 20 },
      { group: "g0", rows: 10 },
      { group: "empty", rows: 0 },
    ]);
    expect(sized.groupCapacity(null)).toBe(16); // held p0 already: its first arrays (16 rows) are kept
    expect(sized.groupCapacity("g1")).toBe(20);
    expect(sized.groupCapacity("g0")).toBe(10);
    expect(sized.groupCapacity("empty")).toBe(0);
    sized.add(ids, data, groups);
    expect(sized.groupCapacity("g1")).toBe(20);
    expect(sized.groupCapacity("g0")).toBe(10);
    expect(grown.groupCapacity("g1")).toBe(32);
    for (const id of ids) {
      const v = grown.vectorOf(id)!;
      expect(sized.search(v, 5, { exclude: id })).toEqual(grown.search(v, 5, { exclude: id }));
      expect(sized.search(v, 3, { exclude: id, group: grown.groupOf(id) ?? null })).toEqual(grown.search(v, 3, { exclude: id, group: grown.groupOf(id) ?? null }));
    }
    // One more row than reserved grows the group as before (at least double).
    sized.add(["q"], Float32Array.of(1, 0), ["g0"]);
    expect(sized.groupCapacity("g0")).toBe(20);
  });
});

// Gradual growth (bulk writes): a group about to outgrow its arrays grows a chunk per pause, ahead of the add, so a
// large copy never runs in one event-loop turn; the answers are those of the index grown at once.
describe("GroupedIndex.reserveFor", () => {
  const d = 64; // ≥ 48: the pruning arrays (heads, tail norms) grow too
  const rowsOf = (n: number, seed: number): Float32Array => {
    const x = new Float32Array(n * d);
    let s = seed;
    for (let i = 0; i < n; i++) {
      let norm = 0;
      for (let j = 0; j < d; j++) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        x[i * d + j] = s / 2 ** 31 - 0.5;
        norm += x[i * d + j]! ** 2;
      }
      for (let j = 0; j < d; j++) x[i * d + j] = x[i * d + j]! / Math.sqrt(norm);
    }
    return x;
  };

  it("grows each group that the add would grow, in chunks between pauses, with the same answers as growing at once", async () => {
    const gradual = new GroupedIndex(d);
    const atOnce = new GroupedIndex(d);
    let pauses = 0;
    const pause = async (): Promise<void> => void pauses++;
    for (let b = 0; b < 80; b++) {
      const ids = Array.from({ length: 250 }, (_, i) => `p${b * 250 + i}`);
      const groups = ids.map((_, i) => (i % 5 === 0 ? null : `g${i % 2}`));
      const v = rowsOf(250, b + 1);
      const before = pauses;
      await gradual.reserveFor(ids, groups, pause);
      // Before batch 64, g0 and g1 (100 rows a batch each) grow from 6,400 rows to 12,800: two 4,096-row chunks each
      // (a pause between them, one before the swap); the ungrouped rows (50 a batch) from 3,200 to 6,400: one chunk.
      if (b === 64) expect(pauses - before).toBe(5);
      gradual.add(ids, v, groups);
      atOnce.add(ids, v, groups);
    }
    expect(gradual.size).toBe(20_000);
    for (const q of ["p0", "p4321", "p19999"]) {
      for (const group of [undefined, gradual.groupOf(q)]) {
        const o = group === undefined ? { exclude: q } : { exclude: q, group };
        expect(gradual.search(gradual.vectorOf(q)!, 10, o)).toEqual(atOnce.search(atOnce.vectorOf(q)!, 10, o));
      }
    }
  });

  it("gives up when the index changes during a pause (the next add grows at once), losing nothing", async () => {
    const ix = new GroupedIndex(d);
    const ids = Array.from({ length: 9000 }, (_, i) => `p${i}`);
    ix.add(ids, rowsOf(9000, 7), ids.map(() => "g"));
    let removed = false;
    const more = Array.from({ length: 9000 }, (_, i) => `q${i}`);
    await ix.reserveFor(more, more.map(() => "g"), async () => {
      if (!removed) ix.remove("p1");
      removed = true;
    });
    ix.add(more, rowsOf(9000, 8), more.map(() => "g"));
    expect(ix.size).toBe(17_999);
    expect(ix.has("p1")).toBe(false);
    expect([...ix.vectorOf("p8999")!]).toEqual([...rowsOf(9000, 7).subarray(8999 * d, 9000 * d)]);
    expect(ix.search(ix.vectorOf("q5")!, 1)[0]!.id).toBe("q5");
  });
});
