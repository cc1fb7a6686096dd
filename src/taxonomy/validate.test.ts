import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { LabelMatcher } from "./match.js";
import { loadTaxonomyFile } from "./load.js";
import { parseGoogleTaxonomy } from "./parse-text.js";
import type { Taxonomy } from "./taxonomy.js";
import { validateLabels } from "./validate.js";

const SHOP = parseGoogleTaxonomy(
  [
    "1 - Electronics",
    "2 - Electronics > Phones",
    "3 - Electronics > Phones > Smartphones",
    "4 - Electronics > Phones > Phone Cases",
    "5 - Electronics > Audio",
    "10 - Home & Garden",
    "11 - Home & Garden > Kitchen",
    "12 - Home & Garden > Kitchen > Frying Pans",
  ].join("\n"),
).taxonomy;

describe("LabelMatcher on a small taxonomy", () => {
  const m = new LabelMatcher(SHOP);

  it("finds exact paths", () => {
    expect(m.match("Electronics > Phones")).toEqual({ status: "exact", id: "2", path: "Electronics > Phones" });
  });

  it.each([
    ["electronics > phones > SMARTPHONES", ["case"]],
    ["Electronics > Phones > Smartphones ", ["whitespace"]],
    ["Electronics >  Phones  >  Smartphones", ["whitespace"]],
    ["Electronics>Phones>Smartphones", ["separator"]],
    ["Electronics > Phones > > Smartphones", ["empty-level"]],
    ["Ｅlectronics ＞ Phones ＞ Smartphones", ["unicode"]],
    ["Home  &  garden>Kitchen", ["case", "whitespace", "separator"]],
  ])("normalizes %j (fixes %j)", (label, fixes) => {
    const r = m.match(label);
    expect(r.status).toBe("normalized");
    expect(r.fixes).toEqual(fixes);
    expect(r.path).toBe(SHOP.path(r.id!));
  });

  it("gives the deepest existing ancestor of a path deeper than the taxonomy", () => {
    expect(m.match("Electronics > Phones > Smartphones > Android > Pixel")).toEqual({
      status: "too-deep",
      ancestor: { id: "3", path: "Electronics > Phones > Smartphones" },
      extra: ["Android", "Pixel"],
    });
    expect(m.match("electronics > audio > headphones")).toMatchObject({ status: "too-deep", ancestor: { id: "5" }, extra: ["headphones"] });
  });

  it("suggests near matches for an unknown label, best first", () => {
    const r = m.match("Electronics > Phones > Smartphone");
    expect(r.status).toBe("unknown");
    expect(r.ancestor).toEqual({ id: "2", path: "Electronics > Phones" });
    expect(r.suggestions![0]).toMatchObject({ id: "3", path: "Electronics > Phones > Smartphones" });
    expect(r.suggestions!.length).toBeLessThanOrEqual(3);
    const scores = r.suggestions!.map((s) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(m.match("Kitchen > Pans").suggestions![0]?.id).toBe("12");
    expect(m.match("Garden furniture > Parasols").suggestions!.map((s) => s.id)).not.toContain("3");
    expect(m.match("Zzzz").suggestions).toEqual([]);
  });
});

describe("validateLabels", () => {
  it("counts distinct labels and rows per status and keeps the first lines", () => {
    const labels = [
      { label: "Electronics > Phones", line: 1, file: "c.jsonl" },
      { label: "electronics > phones", line: 2, file: "c.jsonl" },
      { label: "electronics > phones", line: 3, file: "c.jsonl" },
      { label: "Electronics > Audio > Speakers", line: 4, file: "c.jsonl" },
      { label: "", line: 5, file: "c.jsonl" },
      { label: "Toys", line: 6, file: "c.jsonl" },
      { label: "electronics > phones", line: 7, file: "c.jsonl" },
      { label: "electronics > phones", line: 8, file: "c.jsonl" },
    ];
    const v = validateLabels(SHOP, labels);
    expect(v).toMatchObject({
      valid: false,
      labels: 7,
      blank: 1,
      distinct: 4,
      counts: { exact: 1, normalized: 1, "too-deep": 1, unknown: 1 },
      rows: { exact: 1, normalized: 4, "too-deep": 1, unknown: 1 },
    });
    expect(v.findings.map((f) => f.status)).toEqual(["exact", "normalized", "too-deep", "unknown"]);
    expect(v.findings[1]).toMatchObject({
      label: "electronics > phones",
      count: 4,
      path: "Electronics > Phones",
      occurrences: [{ file: "c.jsonl", line: 2 }, { file: "c.jsonl", line: 3 }, { file: "c.jsonl", line: 7 }],
    });
  });

  it("is valid when every label is an exact path; plain strings are accepted", () => {
    const v = validateLabels(SHOP, ["Electronics > Phones", "Home & Garden > Kitchen"]);
    expect(v.valid).toBe(true);
    expect(v.findings[0]!.occurrences).toEqual([]);
  });
});

const SHARED_GOOGLE = fileURLToPath(new URL("../../../shared/data/google-product-taxonomy/taxonomy-with-ids.en-US.txt", import.meta.url));
const FIXTURE_GOOGLE = fileURLToPath(new URL("../../test/fixtures/taxonomy/google-taxonomy-with-ids.en-US.txt.gz", import.meta.url));

/** The shared data's copy of Google's taxonomy, or the gzipped one kept with the tests (CI clones this repository only). */
function googleTaxonomyFile(): string {
  if (existsSync(SHARED_GOOGLE)) return SHARED_GOOGLE;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "assort-google-")), "taxonomy-with-ids.en-US.txt");
  writeFileSync(file, gunzipSync(readFileSync(FIXTURE_GOOGLE)));
  return file;
}
const GOOGLE = googleTaxonomyFile();

describe("on Google's product taxonomy", () => {
  let google: Taxonomy;
  let m: LabelMatcher;
  beforeAll(async () => {
    google = (await loadTaxonomyFile(GOOGLE)).taxonomy;
    m = new LabelMatcher(google);
  });

  it("reads all 5,595 categories", () => {
    expect(google.size).toBe(5595);
    expect(google.depth).toBe(7);
    expect(google.levelCounts()).toEqual([21, 192, 1349, 2203, 1385, 397, 48]);
    expect(google.path("267")).toBe("Electronics > Communications > Telephony > Mobile Phones");
  });

  it.each([
    ["Electronics > Phones > Smartphone", "267"], // Electronics > Communications > Telephony > Mobile Phones
    ["Electronics > Computers > Notebooks", "328"], // Electronics > Computers > Laptops
    ["Sports > Camping > Tents", "1022"], // Sporting Goods > Outdoor Recreation > Camping & Hiking > Tents
    ["Home & Garden > Kitchen & Dining > Cookware > Frying Pans", "662"], // … > Cookware > Skillets & Frying Pans
    ["Electronics > TV", "404"], // Electronics > Video > Televisions
    ["Apparel & Accessories > Clothing > T-Shirts", "212"], // Apparel & Accessories > Clothing > Shirts & Tops
    ["Electronics > Audio > Headphones", "543626"], // … > Audio Components > Headphones & Headsets > Headphones
  ])("suggests a sensible category for %j", (label, id) => {
    const r = m.match(label);
    expect(r.status).toBe("unknown");
    expect(r.suggestions!.map((s) => s.id)).toContain(id);
    expect(r.suggestions![0]!.id).toBe(id);
  });

  it("knows case slips and too-deep paths", () => {
    expect(m.match("electronics > video > televisions")).toMatchObject({ status: "normalized", id: "404", fixes: ["case"] });
    expect(m.match("Apparel & Accessories > Shoes > Sneakers")).toMatchObject({
      status: "too-deep",
      ancestor: { id: "187", path: "Apparel & Accessories > Shoes" },
      extra: ["Sneakers"],
    });
  });
});
