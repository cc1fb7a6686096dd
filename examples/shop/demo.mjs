// The sample shop through the library: read the events, profile a shopper, segment everyone, recommend with
// reasons, and evaluate on a time split. Run `npm run build` once, then `node examples/shop/demo.mjs`.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluateRecommendations, fitRecommender, groupItems, readCatalogFile, readEventLog, segmentShoppers, shopperProfiles } from "../../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const catalog = path.join(here, "..", "catalog");
const { log, report } = await readEventLog(path.join(here, "events.csv"));
const items = [
  ...(await readCatalogFile(path.join(catalog, "train.jsonl"))).products,
  ...(await readCatalogFile(path.join(catalog, "new-products.jsonl"))).products,
];
console.log(`${log.length} events of ${log.users.size} shoppers (${report.identicalRows} identical rows kept)`);

const groups = await groupItems(log, items);
const profiles = shopperProfiles(log, { itemGroups: groups.groupOf });
const p = profiles.profile(profiles.indexOf("c1001"));
console.log(`\nshopper c1001: ${p.frequency} orders, last ${p.recencyDays} days ago, ${p.monetary} spent; mostly ${p.affinity[0].group}`);

const segments = await segmentShoppers(profiles, { k: "auto", seed: 1 });
console.log(`\n${segments.k} segments (silhouette ${segments.metrics.silhouette.toFixed(3)}):`);
for (const s of segments.segments) console.log(`  ${String(s.size).padStart(3)}  ${s.name}`);

const rec = await fitRecommender(log, { items, itemGroups: new Map(items.filter((x) => x.label).map((x) => [x.id, x.label])) });
for (const [user, mode] of [["c1001", "all"], ["c1250", "new"], ["a-new-shopper", "all"]]) {
  console.log(`\nfor ${user} (${mode}):`);
  for (const r of rec.recommend(user, { mode, limit: 4 })) console.log(`  ${r.itemId}  ${(r.title ?? "").slice(0, 44).padEnd(44)}  ${r.reason.text}`);
}
console.log("\nbought together with p0003 (a tent):");
for (const r of rec.boughtTogether("p0003", { limit: 3 })) console.log(`  ${r.itemId}  ${(r.title ?? "").slice(0, 44).padEnd(44)}  ${r.reason.text}`);

const ev = await evaluateRecommendations(log, { splitAt: "2025-10-01", k: 10, items });
console.log(`\ntime split at 2025-10-01, NDCG@10 (popularity in brackets): all ${ev.all.ndcg.toFixed(3)} (${ev.baseline.all.ndcg.toFixed(3)}), new ${ev.new.ndcg.toFixed(3)} (${ev.baseline.new.ndcg.toFixed(3)}), bought together ${ev.boughtTogether.ndcg.toFixed(3)} (${ev.baseline.boughtTogether.ndcg.toFixed(3)})`);
