#!/usr/bin/env node
// `npm start`: the sample shop in the review console. Trains a calibrated model on examples/catalog/train.jsonl
// (once), imports the unlabelled products (the test split without its categories, and the new products) into
// a data directory, and runs `assort serve` with the console at / — printing its URL and the keys to use.
// Environment: PORT (default 8080), ASSORT_API_KEY (default: a fresh random admin key), ASSORT_CONSOLE_DIR
// (default ./assort-console-data, rebuilt at each start).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(root, "bin", "assort.js");
const work = path.resolve(process.env.ASSORT_CONSOLE_DIR ?? path.join(root, "assort-console-data"));
const model = path.join(work, "model");
const data = path.join(work, "data");
const port = process.env.PORT ?? "8080";

function assort(args) {
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: ["ignore", "inherit", "inherit"], cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

mkdirSync(work, { recursive: true });
if (!existsSync(path.join(model, "manifest.json"))) {
  console.log("training the sample model (calibrated) …");
  assort(["train", "--data", "examples/catalog/train.jsonl", "--out", model, "--seed", "1"]);
}
rmSync(data, { recursive: true, force: true });
const unlabelled = path.join(work, "unlabelled.jsonl");
const rows = ["test.jsonl", "new-products.jsonl"].flatMap((f) =>
  readFileSync(path.join(root, "examples", "catalog", f), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const { category: _drop, ...p } = JSON.parse(l);
      return JSON.stringify(p);
    }),
);
writeFileSync(unlabelled, rows.join("\n") + "\n");
assort(["import", "--data", unlabelled, "--data-dir", data, "--model", model, "--quiet"]);

const adminKey = process.env.ASSORT_API_KEY || `demo-admin-${randomBytes(12).toString("hex")}`;
const readKey = `demo-read-${randomBytes(12).toString("hex")}`;
const keysFile = path.join(work, "keys.txt");
writeFileSync(keysFile, `${readKey} read\n`, { mode: 0o600 });
chmodSync(keysFile, 0o600);

const child = spawn(process.execPath, [bin, "serve", "--data-dir", data, "--port", port, "--keys-file", keysFile, "--log-level", "warn"], {
  cwd: root,
  env: { ...process.env, ASSORT_API_KEY: adminKey },
  stdio: ["ignore", "pipe", "inherit"],
});
let shown = false;
child.stdout.on("data", (b) => {
  const m = /listening on (\S+)/.exec(String(b));
  if (m && !shown) {
    shown = true;
    console.log(`\nreview console: ${m[1]}/\n  admin key:     ${adminKey}\n  read-only key: ${readKey}\n(Ctrl-C stops it)`);
  }
});
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => child.kill(s));
child.on("exit", (code) => process.exit(code ?? 0));
