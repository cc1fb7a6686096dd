// The lean restore of a model for classifying JSONL (loadLeanModel) against loadModel: the same answers and output
// bytes for dense and sparse linear models; undefined (the caller then loads the model the usual way) for any model
// it does not restore as loadModel would; loadModel's errors for a damaged model directory; and the text params
// it reads without zod as TextFeaturizerParams reads them.
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile, type ReadOptions } from "../catalog/read-catalog.js";
import type { Product } from "../core/product.js";
import { TextFeaturizerParams } from "../featurize/text/params.js";
import type { CategoryModel } from "./category-model.js";
import { classifyJsonl } from "./classify-jsonl.js";
import { leanTextParams, loadLeanModel, TEXT_PARAM_KEYS } from "./classify-jsonl-model.js";
import { classifyJsonlModel, type JsonlClassifyRun } from "./classify-jsonl-run.js";
import { loadModel } from "./model-kinds.js";
import { train } from "./train.js";

const TRAIN = new URL("../../examples/catalog/train.jsonl", import.meta.url).pathname;
const TEST = new URL("../../examples/catalog/test.jsonl", import.meta.url).pathname;
let dir: string;
let dense: CategoryModel;
let sparse: CategoryModel;
let products: Product[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "assort-lean-"));
  const { products: training } = await readCatalogFile(TRAIN, { requireLabel: true });
  dense = await train(training, { seed: 1, classifierParams: { threads: 0 } });
  sparse = await train(training, { seed: 1, classifier: "nearest-centroid" });
  await dense.save(path.join(dir, "dense"));
  await sparse.save(path.join(dir, "sparse"));
  products = (await readCatalogFile(TEST)).products;
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function bytes(run: JsonlClassifyRun): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of run) out.push(Buffer.from(c));
  return Buffer.concat(out).toString("utf8");
}

/** A copy of the model directory `name` with its manifest edited by `edit` (its checksum dropped: a model written before there was one). */
let copies = 0;
async function edited(name: string, edit: (m: Record<string, unknown>) => void): Promise<string> {
  const to = path.join(dir, `${name}-${++copies}`);
  await cp(path.join(dir, name), to, { recursive: true });
  const file = path.join(to, "manifest.json");
  const m = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  delete m.manifestSha256;
  edit(m);
  await writeFile(file, JSON.stringify(m));
  return to;
}

describe("loadLeanModel", () => {
  it("restores dense and sparse linear models: the same answers, fields, version and output bytes as the model loadModel restores", async () => {
    const jsonl = await readFile(TEST);
    const read: ReadOptions = { format: "jsonl", fileLabel: "t.jsonl", duplicateIds: false };
    for (const name of ["dense", "sparse"]) {
      const full = (await loadModel(path.join(dir, name))) as CategoryModel;
      const lean = await loadLeanModel(path.join(dir, name));
      expect(lean, name).toBeDefined();
      expect(lean!.version).toBe(full.version);
      expect(lean!.fields).toEqual({ text: full.fields.text, id: full.fields.id });
      for (const o of [{ topK: 3 }, { topK: 1, minPrecision: 0.8 }, { topK: 2, backoff: 0.6 }]) expect(lean!.predictor().predict(products, o)).toEqual(full.predict(products, o));
      expect(lean!.decider.operatingPoint(0.8)).toEqual(full.operatingPoint(0.8));
      const options = { topK: 2 };
      const want = await bytes(classifyJsonl(full, Readable.from([jsonl]), { ...read, textFields: full.fields.text, idField: full.fields.id }, options, { batchSize: 64, threads: 0 }));
      const got = await bytes(classifyJsonlModel(lean!, Readable.from([jsonl]), { ...read, textFields: lean!.fields.text, idField: lean!.fields.id }, options, { batchSize: 64, threads: 0 }));
      expect(got).toBe(want);
      expect(got.split("\n")).toHaveLength(products.length + 1);
    }
  });

  it("gives undefined for a model it does not restore as loadModel would, which loadModel then loads or refuses", async () => {
    // A param missing: the schema's default (loadModel) rather than a guess.
    const old = await edited("dense", (m) => delete ((m.featurizer as Record<string, unknown>).params as Record<string, unknown>).titleWeight);
    expect(await loadLeanModel(old)).toBeUndefined();
    expect(((await loadModel(old)) as CategoryModel).featurizer.params.titleWeight).toBe(2);
    // Not a linear classifier, one class too few, a sparse kind with dense weights, another kind of model.
    const cases: ((m: Record<string, unknown>) => void)[] = [
      (m) => ((m.classifier as Record<string, unknown>).kind = "mlp"),
      (m) => (m.labels = (m.labels as string[]).slice(1)),
      (m) => ((m.classifier as Record<string, unknown>).kind = "nearest-centroid"),
      (m) => (m.kind = "multimodal-model"),
      (m) => (((m.featurizer as Record<string, unknown>).params as Record<string, unknown>).hashBits = 30),
    ];
    for (const edit of cases) {
      const m = await edited("dense", edit);
      expect(await loadLeanModel(m)).toBeUndefined();
      await expect(loadModel(m)).rejects.toThrow();
    }
    // Missing, or not a model directory: loadModel says why.
    expect(await loadLeanModel(path.join(dir, "none"))).toBeUndefined();
    expect(await loadLeanModel(TEST)).toBeUndefined();
  });

  it("refuses a damaged model with loadModel's error", async () => {
    const cut = await edited("dense", () => undefined);
    await truncate(path.join(cut, "arrays.bin"), 1000);
    const why = await loadModel(cut).catch((e: Error) => e.message);
    expect(why).toMatch(/truncated|corrupt/);
    await expect(loadLeanModel(cut)).rejects.toThrow(why as string);
  });
});

describe("leanTextParams", () => {
  it("knows the params TextFeaturizerParams has", () => {
    expect([...TEXT_PARAM_KEYS]).toEqual(Object.keys(TextFeaturizerParams.shape));
  });

  it("gives TextFeaturizerParams.parse's params where every one is given and valid, else undefined", () => {
    const base = dense.featurizer.params as unknown as Record<string, unknown>;
    expect(leanTextParams(base)).toEqual(TextFeaturizerParams.parse(base));
    expect(leanTextParams({ ...base, extra: 1 })).toEqual(TextFeaturizerParams.parse(base));
    const values: unknown[] = [undefined, null, "1", true, -1, 0, 0.5, 1, 8, 9, 10, 24, 25, 100, 101, Infinity, [1, 2], [2, 1], [0, 9], [1], [1, 2, 3], ["1", "2"]];
    for (const key of TEXT_PARAM_KEYS) {
      for (const v of values) {
        const raw = { ...base, [key]: v };
        if (v === undefined) delete raw[key];
        const lean = leanTextParams(raw);
        const zod = TextFeaturizerParams.safeParse(raw);
        if (lean !== undefined) expect(zod.success && zod.data, `${key}: ${JSON.stringify(v)}`).toEqual(lean);
        else if (v !== undefined) expect(zod.success, `${key}: ${JSON.stringify(v)}`).toBe(false);
      }
    }
    expect(leanTextParams(null)).toBeUndefined();
    expect(leanTextParams([])).toBeUndefined();
  });
});
