// Benchmark: reading a 35k-row catalog (about 7 MB) as JSONL and as CSV. Run with `npx vitest bench src/catalog`.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench, describe } from "vitest";
import { readCatalog } from "./read-catalog.js";

const ROWS = 35_000;
const dir = mkdtempSync(join(tmpdir(), "assort-bench-"));
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: `sku-${i}`,
  title: `Product ${i} stainless steel kettle 1.7 l, "quiet boil" edition`,
  description: `Cordless electric kettle with 360° base, auto shut-off and limescale filter. Batch ${i % 97}. `.repeat(1),
  category: `Home > Kitchen > Appliances > Kettles ${i % 40}`,
}));
const jsonl = join(dir, "catalog.jsonl");
writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
const csv = join(dir, "catalog.csv");
writeFileSync(
  csv,
  "id,title,description,category\n" +
    rows.map((r) => [r.id, quote(r.title), quote(r.description), r.category].join(",")).join("\n") +
    "\n",
);

async function count(path: string): Promise<number> {
  let n = 0;
  for await (const _ of readCatalog(path, { requireLabel: true })) n++;
  if (n !== ROWS) throw new Error(`read ${n} rows, expected ${ROWS}`);
  return n;
}

describe(`read ${ROWS} rows`, () => {
  bench("jsonl", async () => void (await count(jsonl)), { iterations: 5 });
  bench("csv", async () => void (await count(csv)), { iterations: 5 });
});
