// AnnThread.search over an i8 graph: candidates are rescored on the source's exact vectors, so the scores are the
// exact cosines, the order is exact among them, and recall against exact search is high.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unitRows } from "../../test/support/unit-rows.js";
import { AnnThread } from "./ann-thread.js";
import { GroupedIndex } from "./grouped-index.js";
import { ReadGate } from "./read-gate.js";
import { vectorHash } from "./vector-hash.js";

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

// With a read gate, inserts wait while reads are in flight and rest while they keep coming, but they always
// progress: writes interleaved with reads (some held longer than the bound) end in the same index contents as
// without reads: every item once, at its latest vector, and nothing removed.
describe("AnnThread with a read gate", () => {
  const dim = 8;
  const params = { threads: 1, connectivity: 8, expansionAdd: 32 };
  /** The live rows of a saved index: id → hash of the vector it was added with. */
  const contents = (dir: string): Map<string, number> => {
    const ids = JSON.parse(readFileSync(path.join(dir, "ids.json"), "utf8")) as string[];
    const raw = readFileSync(path.join(dir, "hashes.bin"));
    const hashes = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    return new Map(ids.flatMap((id, r) => (id === "" ? [] : [[id, hashes[r]!] as const])));
  };
  const until = async (ok: () => boolean, ms = 20_000): Promise<void> => {
    const t0 = performance.now();
    while (!ok()) {
      if (performance.now() - t0 > ms) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 2));
    }
  };

  it("converges to the same contents as without reads under interleaved reads and writes", async () => {
    const n = 1200;
    const data = unitRows(3 * n, dim, 5);
    const run = async (gate: ReadGate | undefined, name: string): Promise<{ contents: Map<string, number>; paced: AnnThread["paced"] }> => {
      const source = new GroupedIndex(dim);
      const first = Array.from({ length: 200 }, (_, i) => `p${i}`);
      source.add(first, data.subarray(0, 200 * dim), first.map(() => "g"));
      const dir = path.join(tmp, name);
      const ann = new AnnThread({ dim, params, dir, inThread: true, ...(gate ? { reads: gate } : {}) });
      ann.start(source);
      await ann.ready;
      // Writes in rounds: new items, replaced vectors, removals; reads begin and end around them, and the
      // searches of similar items (reads themselves) are answered while inserts wait.
      let row = 200;
      for (let round = 0; round < 12; round++) {
        const end = gate?.begin();
        const ids = Array.from({ length: 100 }, (_, i) => `p${(round * 67 + i * 13) % n}`);
        const fresh = [...new Set(ids)];
        source.add(fresh, data.subarray(row * dim, (row + fresh.length) * dim), fresh.map(() => "g"));
        row += fresh.length;
        ann.changedIds(fresh);
        if (round % 3 === 2) {
          const gone = `p${round}`;
          source.remove(gone);
          ann.changedIds([gone]);
        }
        const v = Float32Array.from(source.vectorOf(fresh[0]!)!);
        const found = await ann.search(v, 3, { size: source.size });
        expect(found.length).toBeGreaterThan(0);
        // Held past the bound every fourth round: the inserts go on meanwhile.
        await new Promise((r) => setTimeout(r, round % 4 === 0 ? 40 : 1));
        end?.();
      }
      await until(() => ann.backlog === 0);
      const paced = ann.paced;
      await ann.close();
      const want = new Map([...source.views()].flatMap((v) => v.ids).map((id) => [id, vectorHash(source.vectorOf(id)!)]));
      const got = contents(dir);
      expect(got).toEqual(want);
      return { contents: got, paced };
    };
    const gate = new ReadGate();
    const gated = await run(gate, "gated");
    const free = await run(undefined, "free");
    expect(gated.contents).toEqual(free.contents);
    // The gated inserts did wait for reads.
    expect(gated.paced?.waited).toBeGreaterThan(0);
    expect(gate.inFlight).toBe(0);
  }, 60_000);

  it("holds inserts while a read is in flight and finishes them while it lasts past the bound", async () => {
    const n = 600;
    const data = unitRows(n, dim, 9);
    const ids = Array.from({ length: n }, (_, i) => `q${i}`);
    const source = new GroupedIndex(dim);
    source.add(ids.slice(0, 10), data.subarray(0, 10 * dim), ids.slice(0, 10).map(() => "g"));
    const gate = new ReadGate();
    const ann = new AnnThread({ dim, params, dir: path.join(tmp, "held"), inThread: true, reads: gate });
    ann.start(source);
    await ann.ready;
    const end = gate.begin();
    source.add(ids.slice(10), data.subarray(10 * dim), ids.slice(10).map(() => "g"));
    ann.changedIds(ids.slice(10));
    // A read in flight holds the first slice for up to 25 ms: nothing is inserted within 5 ms.
    await new Promise((r) => setTimeout(r, 5));
    expect(ann.backlog).toBe(n - 10);
    expect((await ann.search(Float32Array.from(source.vectorOf("q500")!), 1, { size: source.size }))[0]?.id).not.toBe("q500");
    // The read lasts: the bound lets a slice through every 25 ms, and the backlog drains before it ends.
    await until(() => ann.backlog === 0, 20_000);
    expect(gate.inFlight).toBe(1);
    expect(ann.paced!.waited).toBeGreaterThan(0);
    end();
    expect((await ann.search(Float32Array.from(source.vectorOf("q500")!), 1, { size: source.size }))[0]?.id).toBe("q500");
    await ann.close();
  }, 60_000);
});
