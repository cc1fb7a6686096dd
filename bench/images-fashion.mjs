// Fashion-MNIST (60k train / 10k test product photos, 28×28 grey, 10 classes) with each image feature set:
// HOG (4- and 7-pixel cells), MobileNetV2 CNN features (nsfwjs weights via onnxruntime, the grey image
// replicated to RGB and upscaled), both, and the recipe (HOG ×2 + 14×14 pixels, mirror-image
// augmentation, MLP, test-time mirror averaging). Reports accuracy, macro-F1, training seconds (features +
// fit), prediction seconds (features + predict), images/s and peak RSS. A section of `npm run bench:images`;
// runs alone too:
//   node bench/images-fashion.mjs [--json] [--only hog,cnn,hog+cnn,recipe] [--data-dir DIR]
// Data: `apt-get install -y dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), or
// <data-dir>/fashion-mnist with the four IDX files. Each method runs once (reps are ignored: one run is
// minutes long) in its own child process, so its timings and peak RSS are its own.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchOptions, run as runProcess } from "./common.mjs";

const self = fileURLToPath(import.meta.url);
const FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const CNN_SIZE = 64;

/** Feature set → how it is classified. Linear SVM for the feature-set comparison; the MLP for the recipe. */
const METHODS = {
  hog: { features: "hog", classifier: "linear-svm" },
  cnn: { features: "cnn", classifier: "linear-svm" },
  "hog+cnn": { features: "hog+cnn", classifier: "linear-svm" },
  recipe: { features: "hog+pixels", classifier: "mlp", flip: true },
};

/** The folder holding the Fashion-MNIST IDX files, or null. */
function findData(dataDir) {
  for (const dir of [path.join(dataDir, "fashion-mnist"), "/usr/share/datasets/fashion-mnist"]) {
    if (FILES.every((f) => existsSync(path.join(dir, f)))) return dir;
  }
  return null;
}

/** Runs the section: one result object per method. */
export async function run({ dataDir, out, only }) {
  const dir = findData(dataDir);
  if (!dir) {
    out(`fashion-mnist: skipped (no IDX files under ${path.join(dataDir, "fashion-mnist")} or /usr/share/datasets/fashion-mnist; apt-get install -y dataset-fashion-mnist)`);
    return [];
  }
  const rows = [];
  out(`  ${"method".padEnd(10)} ${"features".padEnd(26)} ${"head".padEnd(11)} ${"acc".padStart(6)} ${"macroF1".padStart(7)} ${"train s".padStart(8)} ${"pred s".padStart(7)} ${"img/s".padStart(7)} ${"RSS MB".padStart(7)}`);
  for (const [method, spec] of Object.entries(METHODS)) {
    if (only && !only.has(method)) continue;
    let r;
    try {
      const { stdout } = await runProcess(process.execPath, [self, "--child", method, "--dir", dir], { stderr: "tee" });
      r = JSON.parse(stdout.trim().split("\n").filter(Boolean).at(-1));
    } catch (e) {
      out(`  ${method}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (r.skipped) {
      out(`  ${method}: skipped: ${r.skipped}`);
      continue;
    }
    const row = { bench: "images", dataset: "fashion-mnist", task: "classify", method, classifier: spec.classifier, ...r };
    rows.push(row);
    out(
      `  ${method.padEnd(10)} ${r.features.padEnd(26)} ${spec.classifier.padEnd(11)} ${r.accuracy.toFixed(4).padStart(6)} ${r.macroF1.toFixed(4).padStart(7)} ${r.trainSeconds.toFixed(1).padStart(8)} ${r.predictSeconds.toFixed(1).padStart(7)} ${Math.round(r.imagesPerSecond).toString().padStart(7)} ${Math.round(r.peakRssMb).toString().padStart(7)}`,
    );
  }
  return rows;
}

/** Child: one method end to end; prints one JSON object on its last stdout line. */
async function child(method, dir) {
  const lib = await (await import("./lib.mjs")).loadLibrary();
  const spec = METHODS[method];
  if (!spec) throw new Error(`Unknown method "${method}": choose from ${Object.keys(METHODS).join(", ")}`);
  const log = (s) => process.stderr.write(`  [${method}] ${s}\n`);
  const load = async (pre) => {
    const r = await lib.readIdxImages(path.join(dir, `${pre}-images-idx3-ubyte.gz`), path.join(dir, `${pre}-labels-idx1-ubyte.gz`));
    return { images: lib.grayImagesFromBytes(r.images, r.count, r.rows, r.cols), y: Int32Array.from(r.labels) };
  };
  const train = await load("train");
  const test = await load("t10k");
  let cnn = null;
  if (spec.features.includes("cnn")) {
    try {
      cnn = await lib.MobileNetEmbedder.open({ inputSize: CNN_SIZE });
    } catch (e) {
      console.log(JSON.stringify({ skipped: `embedder not available (${e instanceof Error ? e.message : String(e)})` }));
      return;
    }
  }
  const featurize = async (images, flip) => {
    const blocks = [];
    if (spec.features.includes("hog")) {
      const pixelPool = spec.features.includes("pixels") ? 2 : 0;
      blocks.push(lib.smallImageFeatures(images, { pixelPool }, { flip }));
    }
    if (cnn) blocks.push(await cnnFeatures(lib, cnn, images, log));
    return hstack(blocks);
  };
  const t0 = performance.now();
  const xTrain = await featurize(train.images, spec.flip === true);
  // The linear probe gets standardised columns (train mean / std): CNN activations differ in scale by
  // orders of magnitude, and mixed blocks (HOG + CNN) must not be weighted by their raw scales.
  const scaler = spec.classifier === "linear-svm" && cnn ? standardizer(xTrain) : null;
  scaler?.(xTrain);
  const yTrain = spec.flip ? concat(train.y, train.y) : train.y;
  const tFeat = performance.now();
  log(`features ${xTrain.rows}×${xTrain.cols} in ${((tFeat - t0) / 1000).toFixed(1)} s`);
  const params = spec.classifier === "mlp" ? { ...lib.SMALL_IMAGE_MLP_PARAMS } : {};
  let lastLog = 0;
  const onProgress = (e) => {
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`${e.stage} ${e.done}/${e.total}`);
    }
  };
  const model = await lib.createClassifier(spec.classifier, params).fit(xTrain, yTrain, 10, { seed: 1, onProgress });
  const t1 = performance.now();
  const xTest = await featurize(test.images, spec.flip === true);
  scaler?.(xTest);
  const proba = model.predictProba(xTest);
  const n = test.images.length;
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = -Infinity;
    for (let c = 0; c < 10; c++) {
      // With mirror images, rows n..2n−1 are the mirrored test images: average the two probabilities.
      const p = proba.data[i * 10 + c] + (spec.flip ? proba.data[(n + i) * 10 + c] : 0);
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    pred[i] = best;
  }
  const t2 = performance.now();
  const report = lib.classificationReport(test.y, pred, CLASSES);
  const features =
    spec.features === "hog" ? "HOG c4+c7" : spec.features === "cnn" ? `MobileNetV2 ${CNN_SIZE}px, std` : spec.features === "hog+cnn" ? `HOG c4+c7 + CNN ${CNN_SIZE}px, std` : "HOG c4+c7 + 14×14 px, flip";
  await cnn?.close?.();
  console.log(
    JSON.stringify({
      features,
      featureCount: xTrain.cols,
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      trainSeconds: (t1 - t0) / 1000,
      featureSeconds: (tFeat - t0) / 1000,
      predictSeconds: (t2 - t1) / 1000,
      imagesPerSecond: n / ((t2 - t1) / 1000),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      ...(cnn ? { cnnInputSize: CNN_SIZE } : {}),
      ...(spec.classifier === "mlp" ? { mlp: lib.SMALL_IMAGE_MLP_PARAMS, epochsRun: model.toArtifact().meta.epochs } : {}),
    }),
  );
}

/** MobileNetV2 features: grey → RGB, bilinear upscale to CNN_SIZE, embedded in chunks (n × 1280). */
async function cnnFeatures(lib, cnn, images, log) {
  const n = images.length;
  const out = new Float32Array(n * 1280);
  const chunk = 512;
  const t0 = performance.now();
  for (let s = 0; s < n; s += chunk) {
    const batch = images.slice(s, s + chunk).map((g) => upscaleRgb(g, CNN_SIZE));
    out.set(await cnn.embed(batch, { batchSize: 64 }), s * 1280);
    if ((s / chunk) % 20 === 19) log(`cnn ${s + batch.length}/${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { kind: "dense", rows: n, cols: 1280, data: out };
}

/** Bilinear resize of a grey [0, 1] image to size×size, replicated into 3 RGB channels. */
function upscaleRgb(g, size) {
  const data = new Uint8Array(size * size * 3);
  const sx = g.width / size;
  const sy = g.height / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(g.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(g.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(g.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(g.width - 1, x0 + 1);
      const wx = fx - x0;
      const d = g.data;
      const v =
        (1 - wy) * ((1 - wx) * d[y0 * g.width + x0] + wx * d[y0 * g.width + x1]) + wy * ((1 - wx) * d[y1 * g.width + x0] + wx * d[y1 * g.width + x1]);
      const b = Math.round(v * 255);
      const o = (y * size + x) * 3;
      data[o] = b;
      data[o + 1] = b;
      data[o + 2] = b;
    }
  }
  return { width: size, height: size, data };
}

/** A function that standardises a matrix in place with the column mean and std of `x` (zero-variance columns → 0). */
function standardizer(x) {
  const mean = new Float64Array(x.cols);
  const sq = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) {
      const v = x.data[i * x.cols + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const scale = new Float64Array(x.cols);
  for (let j = 0; j < x.cols; j++) {
    mean[j] /= x.rows;
    const v = sq[j] / x.rows - mean[j] * mean[j];
    scale[j] = v > 1e-12 ? 1 / Math.sqrt(v) : 0;
  }
  return (m) => {
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] = (m.data[i * m.cols + j] - mean[j]) * scale[j];
  };
}

function hstack(blocks) {
  if (blocks.length === 1) return blocks[0];
  const rows = blocks[0].rows;
  const cols = blocks.reduce((a, b) => a + b.cols, 0);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let o = i * cols;
    for (const b of blocks) {
      data.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), o);
      o += b.cols;
    }
  }
  return { kind: "dense", rows, cols, data };
}

function concat(a, b) {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

if (process.argv[1] === self) {
  if (process.argv.includes("--child")) {
    const { values } = parseArgs({ options: { child: { type: "string" }, dir: { type: "string" } } });
    await child(values.child, values.dir);
  } else {
    const usage = `Usage: node bench/images-fashion.mjs [--only ${Object.keys(METHODS).join(",")}] [--json] [--data-dir DIR]`;
    const { args, json, dataDir, out } = benchOptions(usage);
    const only = args.only ? new Set(args.only.split(",")) : null;
    for (const m of only ?? []) {
      if (!(m in METHODS)) {
        process.stderr.write(`Unknown method "${m}": choose from ${Object.keys(METHODS).join(", ")}\n`);
        process.exit(2);
      }
    }
    const rows = await run({ dataDir, out, only });
    if (json) for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
  }
}
