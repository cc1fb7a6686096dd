import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { loadTaxonomyFile, parseTaxonomyText, sniffTaxonomyFormat } from "./load.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/taxonomy/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "assort-taxonomy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sniffTaxonomyFormat", () => {
  it.each([
    ["# v1\n\n1 - A\n", undefined, "google"],
    ["A > B\n", undefined, "paths"],
    ["2024 Collection\n", undefined, "paths"],
    ['  [{"id": "1", "name": "A"}]', undefined, "json"],
    ['{"name": "A"}', undefined, "json"],
    ["", "t.json", "json"],
    ["", undefined, "paths"],
  ] as const)("%j (%s) is %s", (text, path, format) => {
    expect(sniffTaxonomyFormat(text, path)).toBe(format);
  });
});

describe("loadTaxonomyFile", () => {
  it("reads the same shop from Google, paths and JSON files", async () => {
    const google = await loadTaxonomyFile(join(FIXTURES, "shop.txt"));
    const paths = await loadTaxonomyFile(join(FIXTURES, "shop-paths.txt"));
    const json = await loadTaxonomyFile(join(FIXTURES, "shop.json"));
    expect(google.report).toMatchObject({ format: "google", nodes: 13, blankLines: 1, commentLines: 1, warnings: [] });
    expect(paths.report).toMatchObject({ format: "paths", nodes: 13, blankLines: 1, commentLines: 1 });
    expect(paths.report.warnings.map((w) => w.line)).toEqual([8]);
    expect(json.report).toMatchObject({ format: "json", nodes: 6 });
    const leafPaths = (r: typeof google) => r.taxonomy.leaves().map((n) => r.taxonomy.path(n.id));
    expect(leafPaths(paths)).toEqual(leafPaths(google));
    expect(leafPaths(json)).toEqual(leafPaths(google).slice(0, 3));
  });

  it("lists every problem of a bad file with its file and line", async () => {
    const file = join(FIXTURES, "bad.txt");
    const e = await loadTaxonomyFile(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidInputError);
    const issues = (e as InvalidInputError).issues;
    expect(issues.map((i) => i.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(issues.every((i) => i.file === file)).toBe(true);
    expect((e as Error).message).toContain(`Cannot read taxonomy "${file}": 6 problems:`);
    expect((e as Error).message).toContain(`${file}:4, field "id": duplicate id "2": also used on line 3`);
  });

  it("honours an explicit format and separator", async () => {
    const file = join(dir, "slash.txt");
    writeFileSync(file, "1 - A\n2 - A / B\n");
    const { taxonomy } = await loadTaxonomyFile(file, { format: "google", separator: " / " });
    expect(taxonomy.path("2")).toBe("A / B");
    const asPaths = parseTaxonomyText("A > B\n", { format: "paths", file: "x" });
    expect(asPaths.taxonomy.size).toBe(2);
  });

  it("names the line of invalid UTF-8", async () => {
    const file = join(dir, "latin1.txt");
    writeFileSync(file, Buffer.concat([Buffer.from("1 - A\n2 - A > Caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    await expect(loadTaxonomyFile(file)).rejects.toThrow(`${file}:2: invalid UTF-8`);
  });

  it("passes file errors through", async () => {
    await expect(loadTaxonomyFile(join(dir, "missing.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
