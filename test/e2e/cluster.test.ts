// End-to-end tests of `assort cluster` and `assort evaluate-clusters` on the sample catalog, each run as a real
// child process of the compiled build (dist/): the output directory, the JSON summaries, stable ids against a
// previous run, and bad input (exit 2 for usage, 1 for data) with one clear message and nothing half-written.
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOG, assort, expectError, jsonLines, leftovers, type RunResult } from "./helpers.js";

const TRAIN = join(CATALOG, "train.jsonl");
const TEST = join(CATALOG, "test.jsonl");

interface Row {
  id: string;
  title: string;
  category: string;
}
const TRAIN_ROWS = jsonLines(readFileSync(TRAIN, "utf8")) as Row[];
/** The first 30 training rows: quick to cluster where the catalog's size does not matter. */
const SMALL_TEXT = readFileSync(TRAIN, "utf8").split("\n").slice(0, 30).join("\n") + "\n";

interface AssignmentLine {
  id: string;
  cluster: number;
  distance: number;
}
interface ClusterJson {
  id: number;
  label: string;
  size: number;
  topTerms: { term: string; score: number }[];
  examples: { id: string; title: string }[];
  status?: string;
}
interface Summary {
  algorithm: string;
  n: number;
  k: number;
  noise: number;
  kCurve?: { points: { k: number; silhouette: number | null }[]; chosen: number };
  stability?: { kept: number; new: number; merged: number; vanished: number; ids: Record<string, number[]> };
  topClusters: { id: number; label: string; size: number }[];
  external?: Record<string, number>;
}

let dir: string;
let small: string;
let run1: string;
let first: RunResult;
let auto: RunResult;

/** A file in the test directory. */
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const json = (o: Record<string, unknown>): string => JSON.stringify(o);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assort-e2e-cluster-"));
  run1 = join(dir, "run1");
  small = file("small.jsonl", SMALL_TEXT);
  [first, auto] = await Promise.all([
    assort(["cluster", "--data", TRAIN, "--k", "5", "--out", run1, "--json"]),
    assort(["cluster", "--data", TRAIN, "--k", "auto", "--json", "--quiet"]),
  ]);
  expect(first.code, first.stderr).toBe(0);
  expect(auto.code, auto.stderr).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("assort cluster --k 5 --out DIR", () => {
  it("writes exactly assignments.jsonl, clusters.json and report.html, and says so on stderr", () => {
    expect(readdirSync(run1).sort()).toEqual(["assignments.jsonl", "clusters.json", "report.html"]);
    expect(first.stderr).toContain(join(run1, "assignments.jsonl"));
    expect(leftovers(dir, "run1")).toEqual([]);
  });

  it("assignments.jsonl: 358 lines {id, cluster, distance}, in catalog order, clusters 0..4", () => {
    const text = readFileSync(join(run1, "assignments.jsonl"), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = jsonLines(text) as AssignmentLine[];
    expect(lines).toHaveLength(358);
    expect(lines.map((l) => l.id)).toEqual(TRAIN_ROWS.map((r) => r.id));
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(["id", "cluster", "distance"]);
      expect([0, 1, 2, 3, 4]).toContain(l.cluster);
      expect(typeof l.distance).toBe("number");
      expect(l.distance).toBeGreaterThanOrEqual(0);
      expect(l.distance).toBeLessThanOrEqual(2);
    }
    expect(new Set(lines.map((l) => l.cluster)).size).toBe(5);
  });

  it("clusters.json: k 5 and each cluster with id, label, size, topTerms and examples that match the assignments", () => {
    const c = JSON.parse(readFileSync(join(run1, "clusters.json"), "utf8")) as Summary & { clusters: ClusterJson[]; dataset: string; createdAt: string };
    expect(c).toMatchObject({ algorithm: "kmeans", n: 358, k: 5, noise: 0, dataset: TRAIN });
    expect(Number.isNaN(Date.parse(c.createdAt))).toBe(false);
    expect(c.clusters).toHaveLength(5);
    const assigned = jsonLines(readFileSync(join(run1, "assignments.jsonl"), "utf8")) as AssignmentLine[];
    const clusterOf = new Map(assigned.map((a) => [a.id, a.cluster]));
    const titleOf = new Map(TRAIN_ROWS.map((r) => [r.id, r.title]));
    let total = 0;
    for (const cl of c.clusters) {
      expect(Object.keys(cl).sort()).toEqual(["examples", "id", "label", "size", "topTerms"]);
      expect(cl.label.length).toBeGreaterThan(0);
      expect(cl.label).toBe(cl.topTerms.slice(0, 3).map((t) => t.term).join(" · "));
      expect(cl.size).toBe(assigned.filter((a) => a.cluster === cl.id).length);
      expect(cl.examples.length).toBe(3);
      for (const e of cl.examples) {
        expect(clusterOf.get(e.id)).toBe(cl.id);
        expect(e.title).toBe(titleOf.get(e.id));
      }
      total += cl.size;
    }
    expect(total).toBe(358);
    expect(c.clusters.map((x) => x.id).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("report.html: a self-contained page (<!doctype html>, no http(s) src or href)", () => {
    const html = readFileSync(join(run1, "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).toContain("</html>");
  });

  it("--json prints one summary object with the documented keys", () => {
    const s = JSON.parse(first.stdout) as Summary & Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(
      ["algorithm", "duplicateIds", "features", "k", "metrics", "n", "noise", "out", "params", "seconds", "skipped", "topClusters", "warnings"].sort(),
    );
    expect(s).toMatchObject({ algorithm: "kmeans", n: 358, k: 5, noise: 0, out: run1, params: { k: 5 } });
    expect(s.topClusters).toHaveLength(5);
    expect(s.topClusters.reduce((t, c) => t + c.size, 0)).toBe(358);
    expect(Object.keys(s["metrics"] as object).sort()).toEqual(["calinskiHarabasz", "daviesBouldin", "silhouette"]);
  });
});

describe("assort cluster --k auto", () => {
  it("reports the k curve and clusters with the k of the best silhouette", () => {
    const s = JSON.parse(auto.stdout) as Summary;
    const curve = s.kCurve!;
    expect(curve.points.map((p) => p.k)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
    const best = Math.max(...curve.points.map((p) => p.silhouette!));
    expect(curve.points.find((p) => p.k === curve.chosen)!.silhouette).toBe(best);
    expect(s.k).toBe(curve.chosen);
    expect(auto.stderr).toBe("");
  });
});

describe.concurrent("assort cluster --previous", () => {
  it("a rerun against the previous directory keeps every cluster id", async () => {
    const out = join(dir, "run2");
    const r = await assort(["cluster", "--data", TRAIN, "--k", "5", "--previous", run1, "--out", out, "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.stability).toMatchObject({ kept: 5, new: 0, merged: 0, vanished: 0 });
    expect([...s.stability!.ids["kept"]!].sort()).toEqual([0, 1, 2, 3, 4]);
    const before = readFileSync(join(run1, "assignments.jsonl"), "utf8");
    const after = readFileSync(join(out, "assignments.jsonl"), "utf8");
    expect(after).toBe(before);
    const clusters = (JSON.parse(readFileSync(join(out, "clusters.json"), "utf8")) as { clusters: ClusterJson[] }).clusters;
    for (const c of clusters) expect(c.status).toBe("kept");
  });

  it("--out replaces a directory that holds only an earlier run's files", async () => {
    const out = join(dir, "replace");
    cpSync(run1, out, { recursive: true });
    const r = await assort(["cluster", "--data", small, "--k", "2", "--out", out, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["assignments.jsonl", "clusters.json", "report.html"]);
    expect((JSON.parse(readFileSync(join(out, "clusters.json"), "utf8")) as Summary).k).toBe(2);
    expect(jsonLines(readFileSync(join(out, "assignments.jsonl"), "utf8"))).toHaveLength(30);
    expect(leftovers(dir, "replace")).toEqual([]);
  });
});

describe("assort evaluate-clusters", () => {
  it("scores the run against the top-level category: the documented keys, pair precision as counted here", async () => {
    const r = await assort([
      "evaluate-clusters",
      "--assignments",
      run1,
      "--data",
      TRAIN,
      "--truth-field",
      "category",
      "--truth-depth",
      "1",
      "--json",
      "--quiet",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    for (const key of ["ari", "nmi", "vMeasure", "pairPrecision", "pairRecall", "pairF1", "silhouette"]) {
      expect(typeof m[key], key).toBe("number");
    }
    expect(m).toMatchObject({ n: 358, noise: 0, clusters: 5, classes: 5, truthField: "category" });
    // Pair precision and recall counted from the files: pairs in one cluster (and one top-level category).
    const assigned = jsonLines(readFileSync(join(run1, "assignments.jsonl"), "utf8")) as AssignmentLine[];
    const top = new Map(TRAIN_ROWS.map((row) => [row.id, row.category.split(" > ")[0]!]));
    const c2 = (x: number): number => (x * (x - 1)) / 2;
    const count = (keys: string[]): number => [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>()).values()].reduce((s, x) => s + c2(x), 0);
    const both = count(assigned.map((a) => `${a.cluster}|${top.get(a.id)}`));
    expect(m["pairPrecision"]).toBeCloseTo(both / count(assigned.map((a) => String(a.cluster))), 12);
    expect(m["pairRecall"]).toBeCloseTo(both / count(assigned.map((a) => top.get(a.id)!)), 12);
    expect(m["nmi"]).toBeGreaterThan(0.3);
    expect(m["silhouette"]).toBeGreaterThan(0);
  });
});

describe.concurrent("assort cluster: bad input", () => {
  it("--k 0 is a usage error (exit 2)", async () => {
    expectError(await assort(["cluster", "--data", TRAIN, "--k", "0"]), 2, "--k");
  });

  it("--k 1000 on 358 products: exit 1, k must not exceed the number of products", async () => {
    expectError(await assort(["cluster", "--data", TRAIN, "--k", "1000"]), 1, "k must not exceed", "358");
  });

  it("--threshold 2 is a usage error (exit 2)", async () => {
    expectError(await assort(["cluster", "--data", TRAIN, "--algorithm", "match", "--threshold", "2"]), 2, "--threshold");
  });

  it("--threshold with kmeans is a usage error (exit 2), and nothing is written", async () => {
    const out = join(dir, "threshold-kmeans");
    expectError(await assort(["cluster", "--data", TRAIN, "--threshold", "0.5", "--out", out]), 2, "--threshold", "--algorithm match");
    expect(existsSync(out)).toBe(false);
  });

  it("--k auto with dbscan: exit 1, says dbscan finds the number itself", async () => {
    expectError(await assort(["cluster", "--data", TRAIN, "--k", "auto", "--algorithm", "dbscan"]), 1, "dbscan");
  });

  it("--out at a directory holding other files is refused (exit 2) and the files are untouched", async () => {
    const out = join(dir, "busy");
    await mkdir(out);
    writeFileSync(join(out, "notes.txt"), "keep me\n");
    const r = await assort(["cluster", "--data", small, "--k", "2", "--out", out]);
    expectError(r, 2, out, "notes.txt");
    expect(readdirSync(out)).toEqual(["notes.txt"]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("keep me\n");
    expect(leftovers(dir, basename(out))).toEqual([]);
  });

  it("evaluate-clusters with assignments from another catalog: exit 1, one clear message", async () => {
    const other = (jsonLines(readFileSync(TEST, "utf8")) as Row[]).map((row, i) => json({ id: row.id, cluster: i % 3 }));
    const path = file("other-assignments.jsonl", other.join("\n") + "\n");
    const r = await assort(["evaluate-clusters", "--assignments", path, "--data", TRAIN, "--truth-field", "category"]);
    expectError(r, 1, `None of the 90 ids in ${path} is a product id of ${TRAIN} (358 products)`);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a catalog with an empty title row: exit 1, names the file and line", async () => {
    const data = file(
      "empty-title.jsonl",
      [json({ id: "a", title: "Tefal pan", category: "Home" }), json({ id: "b", title: "", category: "Home" }), json({ id: "c", title: "Nike shoe", category: "Shoes" })].join("\n") + "\n",
    );
    const out = join(dir, "empty-title-out");
    expectError(await assort(["cluster", "--data", data, "--k", "2", "--out", out]), 1, `${data}:2`, "title");
    expect(existsSync(out)).toBe(false);
  });
});

describe.concurrent("assort cluster: tiny and degenerate catalogs", () => {
  const noNaN = (r: RunResult): void => {
    expect(r.stdout).not.toContain("NaN");
    expect(r.stderr).not.toContain("NaN");
  };

  it("a single product: one cluster, no NaN; --k auto explains it needs 3 products", async () => {
    const data = file("one.jsonl", json({ id: "a", title: "Apple iPhone 15 128GB", category: "Electronics > Phones" }) + "\n");
    const out = join(dir, "one-out");
    const r = await assort(["cluster", "--data", data, "--k", "1", "--out", out, "--truth-field", "category", "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    noNaN(r);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s).toMatchObject({ n: 1, k: 1, noise: 0 });
    for (const v of Object.values(s.external!)) expect(typeof v).toBe("number");
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), "utf8"), f).not.toContain("NaN");
    expect(jsonLines(readFileSync(join(out, "assignments.jsonl"), "utf8"))).toEqual([{ id: "a", cluster: 0 }]);

    expectError(await assort(["cluster", "--data", data, "--k", "auto"]), 1, "at least 3 products");
  });

  it("report.html escapes product titles (no markup from the catalog gets into the page)", async () => {
    const data = file(
      "markup.jsonl",
      [
        json({ id: "a", title: "Evil </script><script>alert(1)</script> pan" }),
        json({ id: "b", title: 'Tefal pan <img src=x onerror="alert(2)">' }),
        json({ id: "c", title: "Nike running shoe" }),
        json({ id: "d", title: "Nike trail running shoe" }),
      ].join("\n") + "\n",
    );
    const out = join(dir, "markup-out");
    const r = await assort(["cluster", "--data", data, "--k", "2", "--out", out, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("alert(1)"); // the title is there, escaped
  });

  it("all-identical products: every algorithm runs, one cluster, no NaN in the output", async () => {
    const data = file(
      "same.jsonl",
      Array.from({ length: 6 }, (_, i) => json({ id: `s${i}`, title: "Tefal frying pan 28cm", category: "Home > Pans" })).join("\n") + "\n",
    );
    const runs = await Promise.all([
      assort(["cluster", "--data", data, "--k", "2", "--truth-field", "category", "--json"]),
      assort(["cluster", "--data", data, "--k", "auto", "--json"]),
      assort(["cluster", "--data", data, "--algorithm", "match", "--json"]),
      assort(["cluster", "--data", data, "--k", "2", "--truth-field", "category"]), // the human summary
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      noNaN(r);
    }
    for (const r of runs.slice(0, 3)) expect((JSON.parse(r.stdout) as Summary).k).toBe(1);
    const external = (JSON.parse(runs[0]!.stdout) as Summary).external!;
    expect(external).toMatchObject({ ari: 1, nmi: 1, pairPrecision: 1, pairRecall: 1 });
  });
});
