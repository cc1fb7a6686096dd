// assort demo: learn the sample shop's categories, measure the model, and file a few new products.
// Run with `npm run demo` (builds dist/ first). Uses only the public API, as your code would.
import { fileURLToPath } from "node:url";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { clusterCatalog, evaluate, fitRecommender, groupItems, loadModel, readCatalogFile, readEventLog, segmentShoppers, shopperProfiles, train } from "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const catalog = (f) => path.join(here, "catalog", f);
const pct = (x) => `${(x * 100).toFixed(1)}%`;

const t0 = performance.now();
const { products: trainSet } = await readCatalogFile(catalog("train.jsonl"), { requireLabel: true });
const { products: testSet } = await readCatalogFile(catalog("test.jsonl"), { requireLabel: true });
console.log(`Sample catalog: ${trainSet.length} products to learn from, ${testSet.length} held out (English and Chinese).`);

const model = await train(trainSet, { seed: 42 });
const dir = await mkdtemp(path.join(tmpdir(), "assort-demo-"));
await model.save(path.join(dir, "model"));
const saved = await loadModel(path.join(dir, "model"), { kind: "category-model" });
console.log(`Learned ${saved.labels.length} categories in ${((performance.now() - t0) / 1000).toFixed(2)} s (model ${saved.version}).\n`);

const report = evaluate(saved, testSet);
console.log(`On the held-out products: accuracy ${pct(report.accuracy)}, macro-F1 ${report.macroF1.toFixed(3)}.`);
const weakest = [...report.perClass].filter((c) => c.support > 0).sort((a, b) => a.f1 - b.f1).slice(0, 3);
console.log(`Hardest categories: ${weakest.map((c) => `${c.label} (F1 ${c.f1.toFixed(2)})`).join("; ")}\n`);

const { products: fresh } = await readCatalogFile(catalog("new-products.jsonl"));
console.log("New products, top 3 suggestions:");
for (const [i, p] of saved.predict(fresh, { topK: 3 }).entries()) {
  console.log(`  ${fresh[i].text[0]}`);
  for (const c of p.categories) console.log(`      ${pct(c.score).padStart(6)}  ${c.category}`);
}
await rm(dir, { recursive: true, force: true });

// Named clusters: the whole catalog grouped by its text alone (no labels), each group named by its distinctive terms.
const all = [...trainSet, ...testSet];
const run = await clusterCatalog(all, { algorithm: "kmeans", k: "auto", seed: 42 });
console.log(`\nNamed clusters of the ${all.length} products (k-means, k chosen by silhouette: ${run.k}); the five largest:`);
for (const c of [...run.clusters].sort((a, b) => b.size - a.size).slice(0, 5)) console.log(`  ${String(c.size).padStart(3)} products  ${c.label}  (e.g. ${c.examples[0]?.title.slice(0, 40) ?? ""})`);

// Shoppers: the sample shop's purchase log (examples/shop/events.csv) → named segments and recommendations with reasons.
const { log } = await readEventLog(path.join(here, "shop", "events.csv"));
const items = [...trainSet, ...fresh];
const groups = await groupItems(log, items);
const segments = await segmentShoppers(shopperProfiles(log, { itemGroups: groups.groupOf }), { k: "auto", seed: 1 });
console.log(`\nSample shop: ${log.length} events of ${log.users.size} shoppers in ${segments.k} segments; the two largest:`);
for (const s of [...segments.segments].sort((a, b) => b.size - a.size).slice(0, 2)) console.log(`  ${String(s.size).padStart(3)} shoppers  ${s.name}`);
const rec = await fitRecommender(log, { items, itemGroups: groups.groupOf });
console.log("Recommended for shopper c1001, with the reasons:");
for (const r of rec.recommend("c1001", { limit: 4 })) console.log(`  ${(r.title ?? r.itemId).slice(0, 48).padEnd(48)}  ${r.reason.text}`);
