// Hostile taxonomy files: nesting and chains thousands of levels deep (a stack overflow once), directories,
// devices, encodings that are not UTF-8 and oversized files all end in one InvalidInputError naming the file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { loadTaxonomyFile, MAX_TAXONOMY_BYTES } from "./load.js";
import { parseTaxonomyJson } from "./parse-json.js";
import { parsePathList } from "./parse-text.js";
import { Taxonomy } from "./taxonomy.js";

const dir = mkdtempSync(join(tmpdir(), "assort-taxonomy-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = ".json"): string {
  const path = join(dir, `t${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function loadError(path: string): Promise<InvalidInputError> {
  const e = await loadTaxonomyFile(path).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InvalidInputError);
  return e as InvalidInputError;
}

const nested = (depth: number) => '{"name":"x","children":['.repeat(depth) + '{"name":"leaf"}' + "]}".repeat(depth);

describe("deep taxonomies: an error, never a stack overflow", () => {
  it("nested JSON 5,000 levels deep", async () => {
    const path = file(nested(5000));
    const e = await loadError(path);
    expect(e.message).toContain("nested more than 100 levels deep");
    expect(e.issues[0]).toMatchObject({ file: path });
  });

  it("nested JSON 100,000 levels deep (parsed as a string)", () => {
    expect(() => parseTaxonomyJson(nested(100_000), { file: "deep.json" })).toThrow(/nested more than 100 levels deep/);
  });

  it("a flat list whose parent chain is 5,000 long", () => {
    const nodes = Array.from({ length: 5000 }, (_, i) => ({ id: String(i), name: `n${i}`, parent: i === 0 ? null : String(i - 1) }));
    expect(() => parseTaxonomyJson(nodes, { file: "chain.json" })).toThrow(/deeper than 100 levels: "100" is at level 101/);
    expect(() => new Taxonomy(nodes)).toThrow(/deeper than 100 levels/);
  });

  it("a path of 5,000 levels", () => {
    expect(() => parsePathList(Array(5000).fill("a").join(" > ") + "\n", { file: "p.txt" })).toThrow(/p\.txt:1.*5000 levels, more than the limit of 100/s);
  });

  it("100 levels are fine", () => {
    expect(parseTaxonomyJson(nested(99), { file: "ok.json" }).taxonomy.depth).toBe(100);
  });
});

describe("files that are not taxonomies", () => {
  it("a directory: an EISDIR error naming it", async () => {
    const d = join(dir, "folder.json");
    mkdirSync(d);
    await expect(loadTaxonomyFile(d)).rejects.toMatchObject({ code: "EISDIR", path: d });
  });

  it("/dev/zero: refused at once (NUL byte), not read forever", async () => {
    expect((await loadError("/dev/zero")).message).toMatch(/\/dev\/zero:1: NUL byte at byte 0/);
  });

  it("UTF-16 with a byte order mark, and without one", async () => {
    const text = "Home > Kitchen\nHome > Garden\n";
    const bom = file(Buffer.from("\ufeff" + text, "utf16le"), ".txt");
    expect((await loadError(bom)).message).toContain(`${bom}:1: the file is UTF-16 (little-endian) text, not UTF-8`);
    const bare = file(Buffer.from(text, "utf16le"), ".txt");
    expect((await loadError(bare)).message).toMatch(/UTF-16 or UTF-32 text without a byte order mark/);
  });

  it("a file larger than the limit", async () => {
    const big = file(Buffer.alloc(MAX_TAXONOMY_BYTES + 10, 0x61), ".txt");
    expect((await loadError(big)).message).toContain(`larger than ${MAX_TAXONOMY_BYTES} bytes`);
  });
});
