// Worker threads change speed, never results: the compiled library (dist/, where the worker scripts
// exist) gives identical features and models with and without them.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type * as Lib from "../../src/index.js";
import type * as Models from "../../src/entries/models.js";

const dist = pathToFileURL(path.resolve(import.meta.dirname, "../../dist/index.js")).href;

/** Deterministic synthetic catalog: 12k products over 6 categories, with shared and specific words. */
function catalog(n: number): Lib.Product[] {
  const cats = ["phones", "pans", "shoes", "tents", "kettles", "mats"];
  const words = ["pro", "max", "mini", "steel", "black", "white", "2024", "lite", "plus", "xl"];
  const out: Lib.Product[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % cats.length;
    const w1 = words[(i * 7) % words.length]!;
    const w2 = words[(i * 13 + c) % words.length]!;
    out.push({ id: String(i), text: [`${cats[c]} ${w1} model ${i % 97} ${w2}`, `great ${w2} ${cats[(c + 1) % 6]} accessory`], label: cats[c]! });
  }
  return out;
}

describe("worker threads", () => {
  it("that import the library still exit when their work is done (no worker entry starts listening on import)", async () => {
    const { Worker } = await import("node:worker_threads");
    const entries = ["index.js", "store/index.js", "jobs/index.js", "server/index.js"].map((e) => pathToFileURL(path.resolve(import.meta.dirname, "../../dist", e)).href);
    const w = new Worker(`Promise.all(${JSON.stringify(entries)}.map((e) => import(e)))`, { eval: true });
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      w.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!exited) await w.terminate();
    expect(exited).toBe(true);
  }, 30_000);

  it("started ahead by assort train and never used (the run failed first), does not keep the process alive", async () => {
    const { spawnSync } = await import("node:child_process");
    const { mkdtempSync, writeFileSync, rmSync, statSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(path.join(tmpdir(), "assort-prestart-"));
    try {
      // One category: training refuses it after reading, before featurizing (Latin text, and Chinese: jieba loads too).
      // 2.5 MB: big enough for the worker to be started ahead.
      const description = "spec sheet ".repeat(4_600);
      const rows = (title: string) => Array.from({ length: 50 }, (_, i) => `${JSON.stringify({ id: String(i), title: `${title} ${i}`, description, category: "only" })}\n`).join("");
      for (const [name, title] of [["latin.jsonl", "steel kettle"], ["cn.jsonl", "华为手机"]] as const) {
        const data = path.join(dir, name);
        writeFileSync(data, rows(title));
        expect(statSync(data).size).toBeGreaterThan(2_000_000);
        const started = performance.now();
        const r = spawnSync(process.execPath, [path.resolve(import.meta.dirname, "../../bin/assort.js"), "train", "--data", data, "--out", path.join(dir, "m"), "-q"], { timeout: 15_000 });
        expect(r.status, String(r.stderr)).toBe(1);
        expect(String(r.stderr)).toMatch(/Cannot train on 1 category/);
        expect(performance.now() - started).toBeLessThan(10_000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it("hash the same features as this thread alone, with the worker started ahead or not, whatever minDf drops", async () => {
    const lib = (await import(dist)) as typeof Lib;
    // The worker started ahead is the CLI's (the narrow assort/models entry), not the root's.
    const { prestartTextTraining } = (await import(new URL("entries/models.js", dist).href)) as typeof Models;
    const texts = (n: number): string[][] => catalog(n).map((p, i) => [`${p.text[0]!} ${"variant ".repeat(i % 5)}`, `${p.text[1]!} ${"spec sheet ".repeat(3)}`]);
    const chars = (t: string[][]): number => t.reduce((a, f) => a + f[0]!.length + f[1]!.length, 0);
    // Text enough for a worker started ahead and for one started here (parts of both sizes, a few dozen or more).
    const medium = texts(20_000);
    const large = texts(40_000);
    expect(chars(medium)).toBeGreaterThan(2_000_000);
    expect(chars(medium)).toBeLessThan(4_000_000);
    expect(chars(large)).toBeGreaterThan(4_000_000);
    const same = (a: Lib.CsrMatrix, b: Lib.CsrMatrix): void => {
      expect(a.rows).toBe(b.rows);
      expect(a.cols).toBe(b.cols);
      expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
      const nnz = a.indptr[a.rows]!;
      expect(a.indices.length).toBe(nnz);
      expect(Buffer.from(a.indices.buffer, a.indices.byteOffset, nnz * 4).equals(Buffer.from(b.indices.buffer, b.indices.byteOffset, nnz * 4))).toBe(true);
      expect(Buffer.from(a.data.buffer, a.data.byteOffset, nnz * 4).equals(Buffer.from(b.data.buffer, b.data.byteOffset, nnz * 4))).toBe(true);
    };
    for (const [texts, prestart] of [
      [medium, true],
      [large, false],
      [large, true],
    ] as const) {
      for (const minDf of [1, 3]) {
        const serial = await new lib.TextFeaturizer({ minDf }).fitTransformTexts(texts, { threads: 0 });
        if (prestart) prestartTextTraining();
        const parallel = await new lib.TextFeaturizer({ minDf }).fitTransformTexts(texts, { threads: 1 });
        expect(Array.from(parallel.featurizer.columns)).toEqual(Array.from(serial.featurizer.columns));
        expect(Buffer.from(parallel.featurizer.idf.buffer).equals(Buffer.from(serial.featurizer.idf.buffer))).toBe(true);
        same(parallel.matrix, serial.matrix);
        // The training rows are the rows the fitted featurizer gives the same text.
        same(parallel.matrix, parallel.featurizer.transformTexts(texts));
      }
    }
  }, 60_000);

  it("hash the same features from a catalog whose text went to the worker while it was read (readTrainingSet), whatever the training set and settings", async () => {
    const lib = (await import(dist)) as typeof Lib;
    const models = (await import(new URL("entries/models.js", dist).href)) as typeof Models;
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(path.join(tmpdir(), "assort-feed-"));
    try {
      // ~2.5 MB, many parts; the second file repeats ids, so the training set leaves rows out that the worker was fed.
      const rows = catalog(20_000).map((p, i) => ({ id: p.id, title: `${p.text[0]} ${"variant ".repeat(i % 5)}`, description: `${p.text[1]} spec sheet`, category: p.label }));
      const plain = path.join(dir, "plain.jsonl");
      await writeFile(plain, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const repeated = path.join(dir, "repeated.jsonl");
      await writeFile(repeated, rows.map((r, i) => JSON.stringify(i % 1000 === 7 ? { ...r, id: "0" } : r)).join("\n") + "\n");
      for (const [file, params] of [
        [plain, {}],
        [repeated, {}],
        [plain, { minDf: 3 }],
      ] as const) {
        models.prestartTextTraining(file);
        const { products } = await models.readTrainingSet(file, { requireLabel: true });
        const fed = await new lib.TextFeaturizer(params).fitTransform(products, { threads: 1 });
        const serial = await new lib.TextFeaturizer(params).fitTransform(products, { threads: 0 });
        expect(Array.from(fed.featurizer.columns)).toEqual(Array.from(serial.featurizer.columns));
        expect(Buffer.from(fed.featurizer.idf.buffer).equals(Buffer.from(serial.featurizer.idf.buffer))).toBe(true);
        expect(Array.from(fed.matrix.indptr)).toEqual(Array.from(serial.matrix.indptr));
        expect(Buffer.from(fed.matrix.indices.buffer, 0, fed.matrix.indices.length * 4).equals(Buffer.from(serial.matrix.indices.buffer, 0, serial.matrix.indices.length * 4))).toBe(true);
        expect(Buffer.from(fed.matrix.data.buffer, 0, fed.matrix.data.length * 4).equals(Buffer.from(serial.matrix.data.buffer, 0, serial.matrix.data.length * 4))).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("train the same model as this thread alone", async () => {
    const lib = (await import(dist)) as typeof Lib;
    const products = catalog(12_000);
    const { matrix } = await new lib.TextFeaturizer().fitTransform(products, { threads: 0 });
    const { y } = lib.encodeLabels(products);
    const a = await new lib.LinearSvm({ threads: 0 }).fit(matrix, y, 6, { seed: 3 });
    const b = await new lib.LinearSvm({ threads: 1 }).fit(matrix, y, 6, { seed: 3 });
    const arraysB = b.toArtifact().arrays;
    for (const [name, v] of Object.entries(a.toArtifact().arrays)) expect(Buffer.from(arraysB[name]!.buffer).equals(Buffer.from(v.buffer)), name).toBe(true);
    expect(b.temperature).toBe(a.temperature);
  });

  it("classify large batches the same on two cores as on one", async () => {
    const lib = (await import(dist)) as typeof Lib;
    const products = catalog(6_000);
    const model = await lib.train(products, { seed: 5 });
    const fresh = catalog(3_000).map((p, i) => ({ ...p, id: `new-${i}`, text: [`${p.text[0]} v2`, p.text[1]!] }));
    const one = model.predict(fresh, { topK: 3 });
    const two = await model.predictBatch(fresh, { topK: 3 });
    await model.close();
    expect(two).toEqual(one);
  });

  it("classify a small batch of long descriptions on two cores, with a sparse model scored by the worker, the same as on one", async () => {
    const lib = (await import(dist)) as typeof Lib;
    // Nearest centroid keeps sparse class weights (SparseLinearModel); 60 products of ~800 characters each pass
    // the pool's threshold in characters though not in rows.
    const model = await lib.train(catalog(3_000), { seed: 5, classifier: "nearest-centroid" });
    const long = catalog(60).map((p, i) => ({ ...p, id: `long-${i}`, text: [p.text[0]!, `${p.text[1]!} `.repeat(20) + `item ${i}`] }));
    const one = model.predict(long, { topK: 3 });
    const two = await model.predictBatch(long, { topK: 3 });
    const again = await model.predictBatch(long, { topK: 3 });
    await model.close();
    expect(long.reduce((a, p) => a + p.text.join("").length, 0)).toBeGreaterThan(32_768);
    expect(two).toEqual(one);
    expect(again).toEqual(one);
  });

  it("classify a stream of batches (pipelined, the worker's share adapting) the same as one batch at a time", async () => {
    const lib = (await import(dist)) as typeof Lib;
    const model = await lib.train(catalog(6_000), { seed: 5 });
    const fresh = catalog(9_000).map((p, i) => ({ ...p, id: `new-${i}`, text: [`${p.text[0]} v${i % 3}`, p.text[1]!] }));
    const sizes = [2_000, 600, 3_000, 100, 0, 3_300];
    async function* batches(): AsyncGenerator<Lib.Product[]> {
      let at = 0;
      for (const n of sizes) {
        yield fresh.slice(at, at + n);
        at += n;
      }
    }
    // A stream does not wait for the worker to start (its first batches are predicted on this thread alone);
    // a batch of predictBatch does, so after it the whole stream is shared with the worker.
    expect(await model.predictBatch(fresh.slice(0, 1_000), { topK: 2 })).toEqual(model.predict(fresh.slice(0, 1_000), { topK: 2 }));
    const seen: string[] = [];
    const answers: Lib.ItemPrediction[] = [];
    for await (const { products, predictions } of model.predictStream(batches(), { topK: 2 })) {
      expect(predictions.length).toBe(products.length);
      seen.push(...products.map((p) => p.id));
      answers.push(...predictions);
    }
    await model.close();
    expect(seen).toEqual(fresh.map((p) => p.id));
    expect(answers).toEqual(model.predict(fresh, { topK: 2 }));
  });

  it("classify a JSONL file on worker threads: the same bytes as this thread alone; a bad row in a later block fails at its line, with no file left", async () => {
    const models = (await import(pathToFileURL(path.resolve(import.meta.dirname, "../../dist/entries/models.js")).href)) as typeof Models;
    const { mkdtemp, readdir, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { assort } = await import("./helpers.js");
    const dir = await mkdtemp(path.join(tmpdir(), "assort-jsonl-"));
    try {
      const model = await models.train(catalog(3_000), { seed: 5 });
      await model.save(path.join(dir, "model"));
      // ~3 MB: a dozen blocks, so the worker and this thread both answer some.
      const lines = catalog(30_000).map((p, i) => JSON.stringify({ id: `n${i}`, title: `${p.text[0]} v${i % 7}`, description: p.text[1] }));
      const good = path.join(dir, "good.jsonl");
      await writeFile(good, lines.join("\n") + "\n");
      const bad = path.join(dir, "bad.jsonl");
      lines[24_999] = JSON.stringify({ id: "x", title: ["not", "text"] });
      await writeFile(bad, lines.join("\n") + "\n");
      const collect = async (file: string, threads: number, share = true): Promise<{ bytes: Buffer; error?: string; workerBlocks: number }> => {
        const out: Buffer[] = [];
        const run = models.classifyJsonl(model, file, {}, { topK: 2 }, { batchSize: 4096, threads, share });
        try {
          for await (const c of run) out.push(Buffer.from(c));
        } catch (e) {
          return { bytes: Buffer.concat(out), error: (e as Error).message, workerBlocks: run.workerBlocks };
        }
        return { bytes: Buffer.concat(out), workerBlocks: run.workerBlocks };
      };
      const one = await collect(good, 0);
      expect(one.bytes.toString("utf8").split("\n")).toHaveLength(30_001);
      expect(one.workerBlocks).toBe(0);
      // Two workers answer every block (share: false), or one worker and this thread.
      for (const [threads, share] of [[2, false], [1, true]] as const) {
        const two = await collect(good, threads, share);
        expect(two.bytes.equals(one.bytes)).toBe(true);
        if (!share) expect(two.workerBlocks).toBeGreaterThan(10);
      }
      const failOne = await collect(bad, 0);
      expect(failOne.error).toContain(`${bad}:25000`);
      for (const [threads, share] of [[2, false], [1, true]] as const) {
        const failTwo = await collect(bad, threads, share);
        expect(failTwo.error).toBe(failOne.error);
        expect(failTwo.bytes.equals(failOne.bytes)).toBe(true);
      }
      // The CLI (workers, as the file passes 1 MB): same lines; a bad row names file, line and field, and --out leaves nothing.
      const cli = await assort(["classify", "--model", path.join(dir, "model"), "--data", good, "--top-k", "2", "-q"]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(Buffer.from(cli.stdout).equals(one.bytes)).toBe(true);
      const out = path.join(dir, "out.jsonl");
      const failed = await assort(["classify", "--model", path.join(dir, "model"), "--data", bad, "--out", out, "-q"]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`${bad}:25000`);
      expect(failed.stderr).toContain("title");
      expect((await readdir(dir)).sort()).toEqual(["bad.jsonl", "good.jsonl", "model"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
