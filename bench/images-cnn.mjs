// MobileNetV2 CNN features (nsfwjs's weights, converted to ONNX in project code) on flipkart-1050 photos:
// a linear probe (standardised features → logistic regression / linear SVM, C by 3-fold CV on the train
// split, scored on the test split),
// k-means NMI against the 7 top-level classes, and embedding speed (ms/image, images/s) and peak RSS
// at 224 and 128 px. A section of `npm run bench:images`; runs alone too:
//   node bench/images-cnn.mjs [--json] [--only 224,128] [--reps N] [--no-peer] [--data-dir DIR]
// The peer is the same network in tfjs (CPU backend), timed on a few photos.
// Each input size runs in its own child process so that its timings and peak RSS are its own.
import { readFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions, median, run as runProcess } from "./common.mjs";

const DATASET = "flipkart-1050";
const SIZES = [224, 128];
const self = fileURLToPath(import.meta.url);

/** Runs the section; one result object per (input size, probe) plus one k-means row per size. */
export async function run({ dataDir, out, reps = 1, only, peer = true }) {
  const dir = path.join(dataDir, DATASET);
  if (!existsSync(path.join(dir, "images_labels.csv"))) {
    out(`${DATASET}: skipped (no images_labels.csv under ${dir})`);
    return [];
  }
  // A fresh cache per run, so the one-time ONNX conversion is measured too (then reused by every rep).
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "assort-bench-cnn-"));
  const rows = [];
  try {
    for (const size of SIZES) {
      if (only && !only.has(String(size))) continue;
      const runs = [];
      for (let r = 0; r < reps; r++) {
        // Quality does not vary between reps (same seed): only the first rep probes and clusters.
        const argv = [self, "--child", dir, String(size), cacheDir, r === 0 ? "probe" : "speed"];
        const { stdout } = await runProcess(process.execPath, argv, { stderr: "tee" });
        runs.push(JSON.parse(stdout.trim().split("\n").pop()));
      }
      const first = runs[0];
      const embedSeconds = median(runs.map((x) => x.embedSeconds));
      const speed = {
        inputSize: size,
        images: first.images,
        missingImages: first.missing,
        decodeSeconds: median(runs.map((x) => x.decodeSeconds)),
        convertSeconds: first.convertSeconds,
        embedSeconds,
        msPerImage: (1000 * embedSeconds) / first.images,
        imagesPerSecond: first.images / embedSeconds,
        threads: first.threads,
        peakRssMb: Math.max(...runs.map((x) => x.peakRssMb)),
      };
      out(
        `  ${size} px: ${first.images} photos embedded in ${embedSeconds.toFixed(1)} s = ${speed.msPerImage.toFixed(1)} ms/image, ` +
          `${speed.imagesPerSecond.toFixed(1)} images/s (${first.threads} threads; decode ${speed.decodeSeconds.toFixed(1)} s; ` +
          `open + one-time conversion ${first.convertSeconds.toFixed(1)} s; peak RSS ${speed.peakRssMb.toFixed(0)} MB)`,
      );
      for (const p of first.probes) {
        rows.push({ bench: "images", dataset: DATASET, task: "level-1", method: `mobilenet-v2-${size}+${p.classifier}`, c: p.c, cvAccuracy: p.cvAccuracy, accuracy: p.accuracy, macroF1: p.macroF1, trainRows: p.trainRows, testRows: p.testRows, trainSeconds: p.trainSeconds, ...speed });
        out(`  ${size} px ${p.classifier}: accuracy ${p.accuracy.toFixed(3)}, macro-F1 ${p.macroF1.toFixed(3)} (C ${p.c} by 3-fold CV on train; train+CV ${p.trainSeconds.toFixed(1)} s; chance 0.143)`);
      }
      const k = first.kmeans;
      rows.push({ bench: "images", dataset: DATASET, task: "kmeans-level-1", method: `mobilenet-v2-${size}+kmeans-cosine`, nmi: k.nmi, k: k.k, seconds: k.seconds, ...speed });
      out(`  ${size} px k-means (k=${k.k}, cosine) NMI vs top level: ${k.nmi.toFixed(3)}`);
    }
    if (peer) {
      // The same network in tfjs (the runtime nsfwjs itself uses; CPU backend, as no wasm backend is installed).
      const { stdout } = await runProcess(process.execPath, [self, "--peer", dir, String(PEER_IMAGES)], { stderr: "tee" });
      const p = JSON.parse(stdout.trim().split("\n").pop());
      rows.push({ bench: "images", dataset: DATASET, task: "embed-speed", method: "mobilenet-v2-224 tfjs-cpu", peer: "tfjs-cpu", inputSize: 224, images: p.images, msPerImage: p.msPerImage, imagesPerSecond: 1000 / p.msPerImage, peakRssMb: p.peakRssMb });
      out(`  peer: tfjs ${p.backend} backend, 224 px: ${p.msPerImage.toFixed(0)} ms/image (${p.images} photos, batch 1; peak RSS ${p.peakRssMb.toFixed(0)} MB)`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return rows;
}

const PEER_IMAGES = 4;

/** Peer child: nsfwjs's own MobileNetV2 in tfjs, flatten_1 output, a few photos one at a time. */
async function peerChild(dir, count) {
  const { default: sharp } = await import("sharp");
  const tf = await import("@tensorflow/tfjs");
  const nsfwjs = await import("nsfwjs");
  await tf.setBackend("cpu");
  const net = await nsfwjs.load("MobileNetV2");
  const features = tf.model({ inputs: net.model.inputs, outputs: net.model.getLayer("flatten_1").output });
  const files = readFileSync(path.join(dir, "images_test.txt"), "utf8").split("\n").filter(Boolean).slice(0, count + 1);
  const white = { r: 255, g: 255, b: 255 };
  const tensors = [];
  for (const f of files) {
    const data = await sharp(path.join(dir, f)).flatten({ background: white }).resize(224, 224, { fit: "contain", background: white }).removeAlpha().raw().toBuffer();
    tensors.push(tf.tidy(() => tf.tensor4d(Float32Array.from(data, (v) => v / 255), [1, 224, 224, 3])));
  }
  tf.dispose(features.predict(tensors[0])); // warm-up
  const t = performance.now();
  for (const x of tensors.slice(1)) {
    const y = features.predict(x);
    await y.data();
    y.dispose();
  }
  const msPerImage = (performance.now() - t) / (tensors.length - 1);
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), images: tensors.length - 1, msPerImage, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

/** The child: decode, embed, probe and cluster one input size; prints one JSON line. */
async function child(dir, size, cacheDir, probe) {
  const { default: sharp } = await import("sharp");
  const { parse } = await import("csv-parse/sync");
  const lib = await (await import("./lib.mjs")).loadLibrary();
  const records = parse(readFileSync(path.join(dir, "images_labels.csv")), { columns: true, skip_empty_lines: true });
  const white = { r: 255, g: 255, b: 255 };
  sharp.concurrency(1);
  // Decode like the library's loader: EXIF-rotate, flatten alpha on white, letterbox ("contain") on white.
  const t0 = performance.now();
  const items = [];
  let missing = 0;
  for (const r of records) {
    const file = path.join(dir, r.file);
    if (!r.file || !existsSync(file)) {
      missing++;
      continue;
    }
    const data = await sharp(file).rotate().flatten({ background: white }).resize(size, size, { fit: "contain", background: white }).removeAlpha().raw().toBuffer();
    items.push({ split: r.split, label: r.category_l1, image: { width: size, height: size, data: new Uint8Array(data.buffer, data.byteOffset, data.length) } });
  }
  const decodeSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const threads = os.availableParallelism();
  const cnn = await lib.MobileNetEmbedder.open({ inputSize: size, cacheDir, threads });
  const convertSeconds = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const features = await cnn.embed(items.map((i) => i.image));
  const embedSeconds = (performance.now() - t2) / 1000;
  await cnn.close();
  const dim = cnn.dim;
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // decode + embed; the probe below is not counted
  const speed = { images: items.length, missing, decodeSeconds, convertSeconds, embedSeconds, threads, peakRssMb };
  if (!probe) {
    process.stdout.write(JSON.stringify(speed) + "\n");
    return;
  }

  // Linear probe on features standardised with the training rows' mean and std.
  const labels = [...new Set(items.map((i) => i.label))].sort();
  const y = Int32Array.from(items.map((i) => labels.indexOf(i.label)));
  const trainIdx = items.flatMap((it, i) => (it.split === "train" ? [i] : []));
  const testIdx = items.flatMap((it, i) => (it.split === "test" ? [i] : []));
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (const i of trainIdx) for (let j = 0; j < dim; j++) {
    const v = features[i * dim + j];
    mean[j] += v;
    sq[j] += v * v;
  }
  const scale = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] /= trainIdx.length;
    const sd = Math.sqrt(Math.max(sq[j] / trainIdx.length - mean[j] ** 2, 0));
    scale[j] = sd > 1e-6 ? 1 / sd : 0; // constant (dead) features are dropped
  }
  const rowsOf = (idx) => {
    const m = new Float32Array(idx.length * dim);
    idx.forEach((i, r) => {
      for (let j = 0; j < dim; j++) m[r * dim + j] = (features[i * dim + j] - mean[j]) * scale[j];
    });
    return lib.dense(idx.length, dim, m);
  };
  const xTrain = rowsOf(trainIdx);
  const xTest = rowsOf(testIdx);
  const yTrain = Int32Array.from(trainIdx, (i) => y[i]);
  const yTest = Int32Array.from(testIdx, (i) => y[i]);
  // C is chosen by 3-fold stratified cross-validation on the training rows only (the test split stays unseen).
  const folds = lib.stratifiedKFold(yTrain, 3, 42);
  const cvAccuracy = async (Model, c) => {
    let correct = 0;
    for (let f = 0; f < 3; f++) {
      const fit = [...folds.keys()].filter((i) => folds[i] !== f);
      const held = [...folds.keys()].filter((i) => folds[i] === f);
      const m = await new Model({ c }).fit(lib.selectRows(xTrain, fit), Int32Array.from(fit, (i) => yTrain[i]), labels.length, { seed: 42 });
      const pred = m.predict(lib.selectRows(xTrain, held));
      held.forEach((i, r) => (correct += pred[r] === yTrain[i] ? 1 : 0));
    }
    return correct / yTrain.length;
  };
  const probes = [];
  const grids = [
    ["logistic-regression", lib.LogisticRegression, [0.01, 0.1, 1, 10]],
    ["linear-svm", lib.LinearSvm, [0.001, 0.01, 0.1, 1]],
  ];
  for (const [name, Model, grid] of grids) {
    const s = performance.now();
    let best = { c: grid[0], acc: -1 };
    for (const c of grid) {
      const acc = await cvAccuracy(Model, c);
      if (acc > best.acc) best = { c, acc };
    }
    const model = await new Model({ c: best.c }).fit(xTrain, yTrain, labels.length, { seed: 42 });
    const trainSeconds = (performance.now() - s) / 1000;
    const report = lib.classificationReport(yTest, model.predict(xTest), labels);
    probes.push({ classifier: name, c: best.c, cvAccuracy: best.acc, accuracy: report.accuracy, macroF1: report.macroF1, trainSeconds, trainRows: trainIdx.length, testRows: testIdx.length });
  }

  // k-means on all photos (cosine: CNN features are non-negative and their norm tracks contrast, not content).
  const s = performance.now();
  const km = await new lib.KMeans({ k: labels.length, metric: "cosine" }).fit(lib.dense(items.length, dim, features), { seed: 42 });
  const kmeans = { k: labels.length, nmi: lib.normalizedMutualInformation(y, km.labels), seconds: (performance.now() - s) / 1000 };

  process.stdout.write(JSON.stringify({ ...speed, probes, kmeans }) + "\n");
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === self;
if (isMain && process.argv[2] === "--peer") {
  await peerChild(process.argv[3], Number(process.argv[4]));
} else if (isMain && process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]), process.argv[5], process.argv[6] !== "speed");
} else if (isMain) {
  const { args, json, dataDir, out, reps } = benchOptions("Usage: node bench/images-cnn.mjs [--only 224,128] [--reps N] [--no-peer] [--json] [--data-dir DIR]");
  const rows = await run({ dataDir, out, reps, only: args.only ? new Set(args.only.split(",")) : null, peer: !args["no-peer"] });
  if (json) for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
  else if (rows.length > 0) {
    out("");
    out("method                                   accuracy  macroF1    nmi  ms/image  images/s  peakRssMb");
    for (const r of rows) {
      const f = (v, d) => (typeof v === "number" ? v.toFixed(d) : "-");
      out(`${r.method.padEnd(40)} ${f(r.accuracy, 3).padStart(8)} ${f(r.macroF1, 3).padStart(8)} ${f(r.nmi, 3).padStart(6)} ${f(r.msPerImage, 1).padStart(9)} ${f(r.imagesPerSecond, 1).padStart(9)} ${f(r.peakRssMb, 0).padStart(10)}`);
    }
  }
}
