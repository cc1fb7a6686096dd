// Images and learned embeddings benchmark (issue 5): Fashion-MNIST with each image feature set, CNN features
// on product photos, flipkart-1050 text / image / fused at two levels, and embedding quality (k-means NMI,
// recall@10 of same-product neighbours) against TF-IDF + SVD.
//
//   npm run bench:images                          # human summary (builds dist/ first)
//   npm run --silent bench:images -- --json       # JSON lines only on stdout
//   node bench/images.mjs [--only fashion,cnn,flipkart,embeddings] [--reps N] [--data-dir DIR]
//
// Each section is its own module (bench/images-<section>.mjs) and runs alone too. Results also go to
// bench/results/images-<timestamp>.jsonl and bench/results/images-latest.jsonl.
import os from "node:os";
import { benchOptions, writeResults } from "./common.mjs";

const SECTIONS = {
  fashion: "Fashion-MNIST: 60k/10k product images, 10 classes",
  cnn: "MobileNetV2 features on flipkart-1050 photos: linear probe and speed",
  flipkart: "flipkart-1050: text only, image only, fused",
  embeddings: "learned text embeddings vs TF-IDF + SVD; similar-items index",
};

const { args, json, dataDir, out, reps } = benchOptions(
  `Usage: node bench/images.mjs [--only ${Object.keys(SECTIONS).join(",")}] [--reps N] [--no-peer] [--json] [--data-dir DIR]`,
);
const only = args.only ? new Set(args.only.split(",")) : null;
for (const s of only ?? []) {
  if (!(s in SECTIONS)) {
    process.stderr.write(`Unknown section "${s}": choose from ${Object.keys(SECTIONS).join(", ")}\n`);
    process.exit(2);
  }
}
const startedAt = new Date();
out(`assort images benchmark — ${startedAt.toISOString()}`);
out(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}`);
const results = [];
let failures = 0;
for (const [name, title] of Object.entries(SECTIONS)) {
  if (only && !only.has(name)) continue;
  out("");
  out(`## ${title}`);
  try {
    const section = await import(`./images-${name}.mjs`);
    const rows = await section.run({ dataDir, out, reps, peer: !args["no-peer"] });
    for (const r of rows) {
      results.push(r);
      if (json) process.stdout.write(JSON.stringify(r) + "\n");
    }
  } catch (e) {
    failures++;
    out(`  ${name}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  }
}
await writeResults("images", results, startedAt, out);
if (failures > 0) process.exitCode = 1;
