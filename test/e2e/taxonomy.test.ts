// End-to-end tests of `assort taxonomy show|validate` on the small fixture taxonomies and catalogs,
// each run as a real child process of the compiled build.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assort, expectError } from "./helpers.js";

const FIX = fileURLToPath(new URL("../fixtures/taxonomy/", import.meta.url));
const SHOP = `${FIX}shop.txt`;
const CATALOG = `${FIX}catalog.jsonl`;

interface ShowJson {
  format: string;
  nodes: number;
  leaves: number;
  depth: number;
  levels: number[];
  blankLines: number;
  commentLines: number;
  tree: { id: string; name: string; children?: unknown[]; below?: number }[];
}

interface ValidateJson {
  valid: boolean;
  labels: number;
  distinct: number;
  counts: Record<string, number>;
  findings: { label: string; status: string; path?: string; fixes?: string[]; ancestor?: { path: string }; suggestions?: { path: string }[]; occurrences: { line?: number }[] }[];
}

describe("assort taxonomy show", () => {
  it("summarizes a Google-format file: counts, levels, and the first levels as a tree", async () => {
    const r = await assort(["taxonomy", "show", "--taxonomy", SHOP]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("google format; 1 blank, 1 comment line skipped");
    expect(r.stdout).toContain("nodes     13 (6 leaves), depth 3");
    expect(r.stdout).toContain("levels    1: 3 · 2: 4 · 3: 6");
    expect(r.stdout).toMatch(/^Electronics {2}\[1\]$/m);
    expect(r.stdout).toMatch(/^ {2}Phones {2}\[2\] {2}\(\+2 below\)$/m);
    expect(r.stdout).not.toContain("Smartphones");
  });

  it("--json gives the same summary, and --depth the levels of the tree", async () => {
    const r = await assort(["taxonomy", "show", "--taxonomy", SHOP, "--json", "--depth", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as ShowJson;
    expect(s).toMatchObject({ format: "google", nodes: 13, leaves: 6, depth: 3, levels: [3, 4, 6], blankLines: 1, commentLines: 1 });
    expect(s.tree.map((n) => [n.name, n.below])).toEqual([["Electronics", 5], ["Home & Garden", 3], ["Sporting Goods", 2]]);
  });

  it("reads a path list (warning about a trimmed name) and a nested JSON file", async () => {
    const paths = await assort(["taxonomy", "show", "--taxonomy", `${FIX}shop-paths.txt`, "--json"]);
    expect(paths.code, paths.stderr).toBe(0);
    expect(JSON.parse(paths.stdout)).toMatchObject({ format: "paths", nodes: 13, leaves: 6 });
    expect(paths.stderr).toContain(`shop-paths.txt:8, field "path": trailing whitespace around "Tents"`);
    const json = await assort(["taxonomy", "show", "--taxonomy", `${FIX}shop.json`, "--format", "json", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: "json", nodes: 6, leaves: 3 });
  });

  it("derives the tree from a catalog's labels when --taxonomy is left out", async () => {
    const r = await assort(["taxonomy", "show", "--data", `${FIX}catalog-valid.jsonl`, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: "labels", nodes: 7, leaves: 3, depth: 3 });
  });

  it("lists every problem of a bad file with file and line, and suggests --separator", async () => {
    const bad = `${FIX}bad.txt`;
    const r = await assort(["taxonomy", "show", "--taxonomy", bad]);
    expectError(
      r,
      1,
      "6 problems",
      `${bad}:4, field "id": duplicate id "2": also used on line 3`,
      `${bad}:5, field "path": bad separator ">" without the spaces around it`,
      '--separator ">"',
      `${bad}:6, field "path": bad separator "|"`,
      '--separator " | "',
      `${bad}:7, field "path": empty level 2`,
      `${bad}:8, field "path": missing parent "Sporting Goods"`,
      `${bad}:9, field "path": duplicate name "Phones" under "Electronics": also on line 3`,
    );
    expect(r.stdout).toBe("");
  });

  it("names the ids of a cycle and both lines of a duplicate id in a JSON file", async () => {
    const bad = `${FIX}bad-cycle.json`;
    const r = await assort(["taxonomy", "show", "--taxonomy", bad]);
    expectError(r, 1, `${bad}:2, field "[0].parent": cycle in parent ids: "a" → "c" → "b" → "a"`, `${bad}:6, field "[4].id": duplicate id "d": also used on line 5`);
  });

  it("needs --taxonomy or --data; a missing file is a clean error", async () => {
    expectError(await assort(["taxonomy", "show"]), 2, "--taxonomy");
    expectError(await assort(["taxonomy", "show", "--taxonomy", `${FIX}no-such.txt`]), 1, "no such file");
  });

  it("--help describes the formats", async () => {
    for (const args of [["taxonomy", "--help"], ["taxonomy", "show", "--help"], ["taxonomy", "validate", "--help"]]) {
      const r = await assort(args);
      expect(r.code).toBe(0);
      for (const word of ["google", "paths", "json", "ID - Level 1 > Level 2", "--separator"]) expect(r.stdout).toContain(word);
    }
  });
});

describe("assort taxonomy validate", () => {
  it("reports trailing-space, case-different, too-deep and unknown labels with lines and fixes; exits 1", async () => {
    const r = await assort(["taxonomy", "validate", "--taxonomy", SHOP, "--data", CATALOG]);
    expectError(r, 1, "4 of 5 distinct labels (4 rows) are not paths of the taxonomy");
    expect(r.stdout).toContain("Checked 6 labels (5 distinct)");
    expect(r.stdout).toContain("1 exact · 2 normalizable · 1 too deep · 1 unknown");
    expect(r.stdout).toContain(`normalizable "Electronics > Audio > Headphones "  (1 row: ${CATALOG}:2)`);
    expect(r.stdout).toContain('→ "Electronics > Audio > Headphones"  (fix: whitespace)');
    expect(r.stdout).toContain(`normalizable "home & garden > kitchen > frying pans"  (1 row: ${CATALOG}:3)`);
    expect(r.stdout).toContain('→ "Home & Garden > Kitchen > Frying Pans"  (fix: case)');
    expect(r.stdout).toContain(`too deep     "Sporting Goods > Camping > Tents > Dome Tents"  (1 row: ${CATALOG}:4)`);
    expect(r.stdout).toContain('deepest category: "Sporting Goods > Camping > Tents"; extra level: Dome Tents');
    expect(r.stdout).toContain(`unknown      "Electronics > Phones > Smartphone"  (1 row: ${CATALOG}:5)`);
    expect(r.stdout).toContain('did you mean: "Electronics > Phones > Smartphones"');
  });

  it("--json returns the findings", async () => {
    const r = await assort(["taxonomy", "validate", "--taxonomy", SHOP, "--data", CATALOG, "--json"]);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout) as ValidateJson;
    expect(v).toMatchObject({ valid: false, labels: 6, distinct: 5, counts: { exact: 1, normalized: 2, "too-deep": 1, unknown: 1 } });
    const byLabel = new Map(v.findings.map((f) => [f.label, f]));
    expect(byLabel.get("Electronics > Audio > Headphones ")).toMatchObject({ status: "normalized", fixes: ["whitespace"], occurrences: [{ line: 2 }] });
    expect(byLabel.get("Sporting Goods > Camping > Tents > Dome Tents")?.ancestor?.path).toBe("Sporting Goods > Camping > Tents");
    expect(byLabel.get("Electronics > Phones > Smartphone")?.suggestions?.[0]?.path).toBe("Electronics > Phones > Smartphones");
    expect(byLabel.get("Electronics > Phones > Smartphones")).toMatchObject({ status: "exact", occurrences: [{ line: 1 }, { line: 6 }] });
  });

  it("exits 0 when every label is a path of the taxonomy", async () => {
    const r = await assort(["taxonomy", "validate", "--taxonomy", SHOP, "--data", `${FIX}catalog-valid.jsonl`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("3 exact · 0 normalizable · 0 too deep · 0 unknown");
    expect(r.stderr).toBe("");
  });
});
