// Benchmark: k-means on a 35k-row TF-IDF-like CSR matrix and a 100k × 100 dense one. Run with `npx vitest bench src/cluster`.
import { bench, describe } from "vitest";
import { Random } from "../core/random.js";
import { csr, dense, type CsrMatrix, type DenseMatrix } from "../linalg/matrix.js";
import { KMeans } from "./kmeans.js";
import { truncatedSvd } from "../linalg/svd.js";

/**
 * n unit rows of ~170 stored values over `cols` columns: 60% drawn log-uniformly from a shared vocabulary (a
 * Zipf-like head of frequent n-grams), 40% from one of 10 topic vocabularies of 3000 columns.
 */
function textLike(n: number, cols: number, seed: number): CsrMatrix {
  const rng = new Random(seed);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const row = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const topic = i % 10;
    row.clear();
    while (row.size < 170) {
      const j = rng.float() < 0.6 ? Math.floor(Math.exp(rng.float() * Math.log(cols))) - 1 : (topic * 3000 + Math.floor(Math.exp(rng.float() * Math.log(3000))) * 7) % cols;
      row.set(j, (row.get(j) ?? 0) + 1);
    }
    const entries = [...row].sort((a, b) => a[0] - b[0]);
    let s = 0;
    for (const [, v] of entries) s += v * v;
    for (const [j, v] of entries) {
      indices.push(j);
      data.push(v / Math.sqrt(s));
    }
    indptr[i + 1] = indices.length;
  }
  return csr(n, cols, indptr, Int32Array.from(indices), Float32Array.from(data));
}

function gaussianBlobs(n: number, d: number, k: number, seed: number): DenseMatrix {
  const rng = new Random(seed);
  const centres = Float32Array.from({ length: k * d }, () => 3 * rng.normal());
  const x = dense(n, d);
  for (let i = 0; i < n; i++) {
    const c = rng.int(k);
    for (let j = 0; j < d; j++) x.data[i * d + j] = centres[c * d + j]! + rng.normal();
  }
  return x;
}

/** Each case runs once, without warm-up: they take seconds, and the first run is what a user waits for. */
const ONCE = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

const text = textLike(35_000, 180_000, 1);
const blobs = gaussianBlobs(100_000, 100, 10, 2);

describe("k-means, 35k text-like CSR rows (~170 nnz), k = 10", () => {
  bench("Lloyd, nInit 3", async () => void (await new KMeans({ k: 10 }).fit(text, { seed: 1 })), ONCE);
  bench("Lloyd, nInit 1", async () => void (await new KMeans({ k: 10, nInit: 1 }).fit(text, { seed: 1 })), ONCE);
  bench("mini-batch 1024", async () => void (await new KMeans({ k: 10, batchSize: 1024 }).fit(text, { seed: 1 })), ONCE);
  bench("truncated SVD, 100 components", () => void truncatedSvd(text, { components: 100, seed: 1 }), ONCE);
});

describe("k-means, 100k × 100 dense, k = 10", () => {
  bench("mini-batch 1024", async () => void (await new KMeans({ k: 10, batchSize: 1024 }).fit(blobs, { seed: 1 })), ONCE);
  bench("Lloyd, nInit 3", async () => void (await new KMeans({ k: 10 }).fit(blobs, { seed: 1 })), ONCE);
});
