import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CancelledError, CategoryModel, readCatalogFile, type Progress, type Product } from "../index.js";
import { WorkerJobRunner } from "./job-runner.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples/catalog");
const root = mkdtempSync(path.join(tmpdir(), "assort-jobs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function products(): Promise<Product[]> {
  return (await readCatalogFile(path.join(EXAMPLES, "train.jsonl"), { requireLabel: true })).products;
}

describe("WorkerJobRunner (in this thread: sources have no compiled worker)", () => {
  const runner = new WorkerJobRunner();

  it("runs a train task with progress and saves a loadable model", async () => {
    expect(runner.useWorkers).toBe(false);
    const seen: Progress[] = [];
    const out = path.join(root, "m1");
    const r = await runner.run({ kind: "train", products: await products(), outDir: out, seed: 3, options: { calibration: "none" } }, { signal: new AbortController().signal, onProgress: (p) => seen.push(p) });
    expect(r).toMatchObject({ dir: out, rows: 358 });
    expect(seen.some((p) => p.stage === "save" && p.done === 1)).toBe(true);
    const model = await CategoryModel.load(out);
    expect(model.version).toBe((r as { version: string }).version);
  });

  it("runs a cluster task", async () => {
    const r = (await runner.run({ kind: "cluster", products: await products(), k: 4, seed: 1 }, { signal: new AbortController().signal, onProgress: () => {} })) as { ids: string[]; labels: number[]; clusters: unknown[] };
    expect(r.ids).toHaveLength(358);
    expect(new Set(r.labels).size).toBe(4);
    expect(r.clusters).toHaveLength(4);
  });

  it("honours cancel and reports a failing task", async () => {
    const c = new AbortController();
    c.abort();
    await expect(runner.run({ kind: "cluster", products: await products() }, { signal: c.signal, onProgress: () => {} })).rejects.toBeInstanceOf(CancelledError);
    const c2 = new AbortController();
    const run = runner.run({ kind: "train", products: await products(), outDir: path.join(root, "m2"), options: { calibration: "none" } }, { signal: c2.signal, onProgress: () => c2.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await expect(runner.run({ kind: "cluster", products: await products(), algorithm: "nope" as "kmeans" }, { signal: new AbortController().signal, onProgress: () => {} })).rejects.toThrow(/Unknown clustering algorithm "nope"/);
    await expect(runner.run({ kind: "classify", modelDir: path.join(root, "missing"), items: [] }, { signal: new AbortController().signal, onProgress: () => {} })).rejects.toThrow(/no such model directory/);
  });
});
