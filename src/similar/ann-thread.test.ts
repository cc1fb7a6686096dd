// AnnThread.search over an i8 graph: candidates are rescored on the source's exact vectors, so the scores are the
// exact cosines, the order is exact among them, and recall against exact search is high.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unitRows } from "../../test/support/unit-rows.js";
import { AnnThread } from "./ann-thread.js";
import { GroupedIndex } from "./grouped-index.js";

const tmp = mkdtempSync(path.join(tmpdir(), "assort-ann-thread-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("AnnThread search (i8 graph, rescored)", () => {
  it("answers with exact scores in exact order, and finds most of the exact top 10", async () => {
    const dim = 16;
    const n = 3000;
    const data = unitRows(n, dim, 7);
    const ids = Array.from({ length: n }, (_, i) => `p${i}`);
    const source = new GroupedIndex(dim);
    source.add(ids, data, ids.map((_, i) => `g${i % 3}`));
    const ann = new AnnThread({ dim, params: { threads: 1, quantization: "i8", expansionSearch: 256 }, dir: path.join(tmp, "ann"), inThread: true });
    ann.start(source);
    await ann.ready;
    expect(ann.state).toBe("ready");
    let hit = 0;
    for (let q = 0; q < 50; q++) {
      const id = ids[q * 37]!;
      const v = source.vectorOf(id)!;
      const got = await ann.search(Float32Array.from(v), 10, { exclude: id, size: source.size });
      expect(got).toHaveLength(10);
      for (const g of got) {
        const w = source.vectorOf(g.id)!;
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += v[j]! * w[j]!;
        expect(g.score).toBe(dot);
      }
      for (let j = 1; j < got.length; j++) expect(got[j - 1]!.score).toBeGreaterThanOrEqual(got[j]!.score);
      const exact = new Set(source.search(v, 10, { exclude: id }).map((x) => x.id));
      hit += got.filter((g) => exact.has(g.id)).length;
      // Filtered (same group): every answer passes the filter.
      const group = source.groupOf(id);
      const same = await ann.search(Float32Array.from(v), 5, { exclude: id, size: source.size, accept: (x) => source.groupOf(x) === group });
      expect(same.every((x) => source.groupOf(x.id) === group && x.id !== id)).toBe(true);
    }
    expect(hit / 500).toBeGreaterThanOrEqual(0.95);
    await ann.close();
  }, 60_000);
});

// A saved index is loaded and checked against the catalog a slice of ids at a time: only items added or changed
// since the save are added again, and items removed since are dropped from it.
describe("AnnThread start from a saved index", () => {
  it("re-adds only new and changed items and drops removed ones", async () => {
    const dim = 8;
    const n = 25_000; // more than one slice of checks (10,000 ids each)
    const data = unitRows(n + 1, dim, 11);
    const ids = Array.from({ length: n }, (_, i) => `p${i}`);
    const source = new GroupedIndex(dim);
    source.add(ids, data.subarray(0, n * dim), ids.map((_, i) => `g${i % 2}`));
    const dir = path.join(tmp, "saved");
    const params = { threads: 1, quantization: "i8" as const, connectivity: 8, expansionAdd: 16 };
    const first = new AnnThread({ dim, params, dir, inThread: true });
    first.start(source);
    await first.ready;
    expect(first.state).toBe("ready");
    await first.close();
    // While it was stopped: two items removed (one in the last slice), one changed, one added.
    source.remove("p3");
    source.remove("p24999");
    source.add(["p10"], data.subarray(n * dim, (n + 1) * dim), ["g0"]);
    source.add(["new"], data.subarray(0, dim), ["g1"]);
    const events: Record<string, unknown>[] = [];
    const second = new AnnThread({ dim, params, dir, inThread: true, onEvent: (e, d) => events.push({ event: e, ...d }) });
    second.start(source);
    await second.ready;
    expect(second.state).toBe("ready");
    expect(events.find((e) => e.event === "rebuilding")).toBeUndefined();
    expect(events.find((e) => e.event === "loaded")).toMatchObject({ size: n - 2, stale: 2, removed: 2 });
    // The changed item is found at its new vector, the removed ones never.
    const v = Float32Array.from(source.vectorOf("p10")!);
    expect((await second.search(v, 1, { size: source.size }))[0]?.id).toBe("p10");
    for (const id of ["p3", "p24999"]) {
      const w = data.subarray(Number(id.slice(1)) * dim, (Number(id.slice(1)) + 1) * dim);
      expect((await second.search(Float32Array.from(w), 10, { size: source.size })).map((x) => x.id)).not.toContain(id);
    }
    await second.close();
  }, 120_000);
});
