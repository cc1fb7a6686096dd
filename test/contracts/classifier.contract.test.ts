// The contract every registered classifier honours (scikit-learn's check_estimator, in spirit).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type {
  CategoryModel} from "../../src/index.js";
import {
  classifierKinds,
  createClassifier,
  loadModel,
  Random,
  restoreClassifier,
  train,
  type CsrMatrix,
  type Product,
} from "../../src/index.js";
import { toDense } from "../../src/entries/linalg.js";

/** A small, noisy 3-class problem in 40 sparse dimensions: class c puts mass on features 10c..10c+9. */
function problem(seed: number, n = 120): { x: CsrMatrix; y: Int32Array } {
  const rng = new Random(seed);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    const row = new Map<number, number>();
    for (let t = 0; t < 4; t++) row.set(c * 10 + rng.int(10), 0.5 + rng.float());
    for (let t = 0; t < 2; t++) row.set(30 + rng.int(10), rng.float());
    for (const [j, v] of [...row].sort((a, b) => a[0] - b[0])) {
      indices.push(j);
      data.push(v);
    }
    indptr[i + 1] = indices.length;
  }
  return { x: { kind: "csr", rows: n, cols: 40, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) }, y };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.each(classifierKinds())("classifier contract: %s", (kind) => {
  const { x, y } = problem(1);
  const test = problem(2, 60);

  it("predicts shapes and labels in range, and learns the problem", async () => {
    const m = await createClassifier(kind).fit(x, y, 3, { seed: 7 });
    expect(m.classCount).toBe(3);
    expect(m.featureCount).toBe(40);
    const pred = m.predict(test.x);
    expect(pred).toBeInstanceOf(Int32Array);
    expect(pred.length).toBe(60);
    let correct = 0;
    for (let i = 0; i < 60; i++) {
      expect(pred[i]).toBeGreaterThanOrEqual(0);
      expect(pred[i]).toBeLessThan(3);
      if (pred[i] === test.y[i]) correct++;
    }
    expect(correct / 60).toBeGreaterThan(0.9);
    const s = m.decisionFunction(test.x);
    expect([s.rows, s.cols]).toEqual([60, 3]);
  });

  it("gives probabilities in [0, 1] that sum to 1 and agree with predict", async () => {
    const m = await createClassifier(kind).fit(x, y, 3, { seed: 7 });
    const p = m.predictProba(test.x);
    const pred = m.predict(test.x);
    for (let i = 0; i < p.rows; i++) {
      let sum = 0;
      let best = 0;
      for (let c = 0; c < 3; c++) {
        const v = p.data[i * 3 + c]!;
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        sum += v;
        if (v > p.data[i * 3 + best]!) best = c;
      }
      expect(sum).toBeCloseTo(1, 5);
      expect(best).toBe(pred[i]);
    }
  });

  it("gives the same model for the same seed", async () => {
    const a = await createClassifier(kind).fit(x, y, 3, { seed: 11 });
    const b = await createClassifier(kind).fit(x, y, 3, { seed: 11 });
    expect(Array.from(a.decisionFunction(test.x).data)).toEqual(Array.from(b.decisionFunction(test.x).data));
  });

  it("round-trips through its artifact with identical predictions", async () => {
    const m = await createClassifier(kind).fit(x, y, 3, { seed: 3 });
    const back = restoreClassifier(m.toArtifact());
    expect(Array.from(back.predictProba(test.x).data)).toEqual(Array.from(m.predictProba(test.x).data));
  });

  it("treats CSR and dense input alike", async () => {
    const fromCsr = await createClassifier(kind).fit(x, y, 3, { seed: 5 });
    const fromDense = await createClassifier(kind).fit(toDense(x), y, 3, { seed: 5 });
    const a = fromCsr.decisionFunction(test.x).data;
    const b = fromCsr.decisionFunction(toDense(test.x)).data;
    const c = fromDense.decisionFunction(test.x).data;
    for (let i = 0; i < a.length; i++) {
      expect(b[i]).toBeCloseTo(a[i]!, 5);
      expect(c[i]).toBeCloseTo(a[i]!, 5);
    }
  });

  it("rejects NaN input, mismatched labels and too few classes", async () => {
    const bad = { ...x, data: Float32Array.from(x.data) };
    bad.data[3] = NaN;
    await expect(createClassifier(kind).fit(bad, y, 3)).rejects.toThrow(TypeError);
    await expect(createClassifier(kind).fit(x, y.subarray(1), 3)).rejects.toThrow(TypeError);
    await expect(createClassifier(kind).fit(x, y, 2)).rejects.toThrow(RangeError);
    await expect(createClassifier(kind).fit(x, new Int32Array(x.rows), 1)).rejects.toThrow(RangeError);
    const m = await createClassifier(kind).fit(x, y, 3);
    expect(() => m.predict({ ...test.x, cols: 41 })).toThrow(TypeError);
  });

  it("trains a whole category model that saves and loads with identical answers", async () => {
    const words = ["alpha beta", "gamma delta", "epsilon zeta"];
    const products: Product[] = [];
    for (let i = 0; i < 60; i++) products.push({ id: String(i), text: [`${words[i % 3]} item ${i}`, ""], label: `C${i % 3}` });
    const model = await train(products, { classifier: kind, seed: 1 });
    const dir = await mkdtemp(path.join(tmpdir(), "assort-contract-"));
    dirs.push(dir);
    await model.save(path.join(dir, "m"));
    const back: CategoryModel = await loadModel(path.join(dir, "m"), { kind: "category-model" });
    const items = [{ id: "a", title: "alpha item" }, { id: "b", title: "zeta thing" }];
    expect(back.classify(items, { topK: 3 })).toEqual(model.classify(items, { topK: 3 }));
    expect(back.version).toBe(model.version);
    expect(model.classify(items)[0]!.categories[0]!.category).toBe("C0");
  });
});
