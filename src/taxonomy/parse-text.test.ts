import { describe, expect, it } from "vitest";
import { InvalidInputError, type RowIssue } from "../core/errors.js";
import { parseGoogleTaxonomy, parsePathList, taxonomyFromLabels } from "./parse-text.js";

/** The issues of the InvalidInputError that `f` throws. */
function issuesOf(f: () => unknown): readonly RowIssue[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).issues;
  }
  throw new Error("expected InvalidInputError");
}

/** The formatted issues ("file:line, field …: message") of the InvalidInputError that `f` throws. */
function problems(f: () => unknown): string[] {
  return issuesOf(f).map((i) => InvalidInputError.format(i));
}

const GOOGLE = [
  "# Google_Product_Taxonomy_Version: 2021-09-21",
  "1 - Animals & Pet Supplies",
  "3237 - Animals & Pet Supplies > Live Animals",
  "",
  "2 - Animals & Pet Supplies > Pet Supplies",
  "3 - Animals & Pet Supplies > Pet Supplies > Bird Supplies",
  "   ",
  "166 - Apparel & Accessories",
].join("\n");

describe("parseGoogleTaxonomy", () => {
  it("reads ids, names and parents; skips and counts comments and blank lines", () => {
    const { taxonomy, report } = parseGoogleTaxonomy(GOOGLE + "\n", { file: "g.txt" });
    expect(taxonomy.size).toBe(5);
    expect(taxonomy.path("3")).toBe("Animals & Pet Supplies > Pet Supplies > Bird Supplies");
    expect(taxonomy.get("3")).toEqual({ id: "3", name: "Bird Supplies", parent: "2", depth: 3 });
    expect(taxonomy.leaves().map((n) => n.id)).toEqual(["3237", "3", "166"]);
    expect(report).toEqual({ file: "g.txt", format: "google", lines: 8, blankLines: 2, commentLines: 1, nodes: 5, warnings: [] });
  });

  it("reads CRLF files with a byte order mark", () => {
    const { taxonomy } = parseGoogleTaxonomy("\ufeff1 - A\r\n2 - A > B\r\n");
    expect(taxonomy.path("2")).toBe("A > B");
  });

  it("accepts a parent whose line comes later", () => {
    const { taxonomy } = parseGoogleTaxonomy("2 - A > B\n1 - A\n");
    expect(taxonomy.get("2")?.parent).toBe("1");
  });

  it("reports a missing parent path with the line that needs it", () => {
    expect(problems(() => parseGoogleTaxonomy("1 - A\n2 - A > B > C\n3 - D > E\n", { file: "g.txt" }))).toEqual([
      'g.txt:2, field "path": missing parent "A > B": no line of the file has this path',
      'g.txt:3, field "path": missing parent "D": no line of the file has this path',
    ]);
  });

  it("creates missing parents on request, with a warning", () => {
    const { taxonomy, report } = parseGoogleTaxonomy("1 - A\n2 - A > B > C\n", { file: "g.txt", createMissingParents: true });
    expect(taxonomy.path("2")).toBe("A > B > C");
    expect(taxonomy.get("A > B")).toMatchObject({ name: "B", parent: "1" });
    expect(report.warnings.map((w) => InvalidInputError.format(w))).toEqual(['g.txt:2, field "path": created missing parent "A > B" (id "A > B")']);
  });

  it("names both lines of a duplicate id, and of a duplicate path", () => {
    const text = "1 - A\n2 - A > B\n2 - A > C\n4 - A > B\n";
    expect(problems(() => parseGoogleTaxonomy(text, { file: "g.txt" }))).toEqual([
      'g.txt:3, field "id": duplicate id "2": also used on line 2',
      'g.txt:4, field "path": duplicate name "B" under "A": also on line 2 (id "2")',
    ]);
  });

  it('reports a ">" without spaces and suggests reading with ">" (a hint the CLI phrases as --separator)', () => {
    const [issue] = issuesOf(() => parseGoogleTaxonomy("1 - A\n2 - A>B\n", { file: "g.txt" }));
    expect(InvalidInputError.format(issue!)).toBe(
      'g.txt:2, field "path": bad separator ">" without the spaces around it in "A>B": expected " > "; if the file separates levels with ">", read it with that separator',
    );
    expect(issue!.hint).toEqual({ kind: "separator", separator: ">" });
  });

  it.each([
    ["A / B", '"/"', " / "],
    ["A | B", '"|"', " | "],
    ["A|B", '"|"', "|"],
    ["A » B", '"»"', " » "],
    ["A >> B", '">>"', " >> "],
  ])("reports another separator in %j, naming it", (path, seen, separator) => {
    const [issue] = issuesOf(() => parseGoogleTaxonomy(`1 - A\n2 - ${path}\n`, { file: "g.txt" }));
    expect(InvalidInputError.format(issue!)).toContain(`g.txt:2, field "path": bad separator ${seen}`);
    expect(InvalidInputError.format(issue!)).toContain(`if the file separates levels with "${separator}"`);
    expect(issue!.hint).toEqual({ kind: "separator", separator });
  });

  it("keeps an unspaced slash inside names when the file uses the expected separator", () => {
    const { taxonomy } = parseGoogleTaxonomy("1 - Electronics\n2 - Electronics > I/O Cards & Adapters\n");
    expect(taxonomy.get("2")?.name).toBe("I/O Cards & Adapters");
  });

  it("takes an unspaced slash for a separator in a file without any \" > \"", () => {
    const [issue] = issuesOf(() => parseGoogleTaxonomy("1 - Apparel\n2 - Apparel/Shoes\n", { file: "g.txt" }));
    expect(InvalidInputError.format(issue!)).toContain('g.txt:2, field "path": bad separator "/"');
    expect(issue!.hint).toEqual({ kind: "separator", separator: "/" });
  });

  it("reads a file with another separator when told", () => {
    const { taxonomy } = parseGoogleTaxonomy("1 - Apparel\n2 - Apparel / Shoes\n", { separator: " / " });
    expect(taxonomy.path("2")).toBe("Apparel / Shoes");
  });

  it("reports empty levels and lines not in the format", () => {
    const text = "1 - A\n2 - A >  > B\n3 - A > \nA > C\n4 - \n";
    expect(problems(() => parseGoogleTaxonomy(text, { file: "g.txt" }))).toEqual([
      'g.txt:2, field "path": empty level 2 in "A >  > B"',
      'g.txt:3, field "path": empty level 2 in "A >"',
      'g.txt:4: expected "ID - Level 1 > Level 2…", got "A > C" (a line without an id? use the "paths" format for plain paths)',
      'g.txt:5, field "path": empty path',
    ]);
  });

  it("trims whitespace around names and warns with the line", () => {
    const { taxonomy, report } = parseGoogleTaxonomy("1 - A \n2 - A  > B\n", { file: "g.txt" });
    expect(taxonomy.path("2")).toBe("A > B");
    expect(report.warnings.map((w) => InvalidInputError.format(w))).toEqual([
      'g.txt:1, field "path": trailing whitespace around "A" (level 1): trimmed',
      'g.txt:2, field "path": trailing whitespace around "A" (level 1): trimmed',
    ]);
  });

  it("collects every problem of a file, in line order, and does not report orphans of a bad line", () => {
    const text = ["1 - A", "2 - A > B", "2 - A > C", "4 - A>D", "5 - A>D > E", "6 - A | F", "7 - X > Y"].join("\n");
    const p = problems(() => parseGoogleTaxonomy(text, { file: "bad.txt" }));
    expect(p.map((s) => s.split(":")[1]!.split(",")[0])).toEqual(["3", "4", "5", "6", "7"]);
    expect(p[4]).toContain('missing parent "X"');
  });

  it("warns about sibling names that differ only in case", () => {
    const { report } = parseGoogleTaxonomy("1 - A\n2 - A > Shoes\n3 - A > shoes\n", { file: "g.txt" });
    expect(report.warnings.map((w) => InvalidInputError.format(w))).toEqual([
      'g.txt:3, field "path": names "Shoes" (line 2) and "shoes" under "A" differ only in case or spacing',
    ]);
  });

  it("rejects a file without categories", () => {
    expect(problems(() => parseGoogleTaxonomy("# nothing\n\n", { file: "g.txt" }))).toEqual(["g.txt:2: no categories"]);
  });
});

describe("parsePathList", () => {
  it("creates parents; ids are the paths", () => {
    const text = "# shop\nHome > Kitchen > Pans\n\nHome > Garden\nToys\n";
    const { taxonomy, report } = parsePathList(text, { file: "p.txt" });
    expect(taxonomy.nodes().map((n) => n.id)).toEqual(["Home", "Home > Kitchen", "Home > Kitchen > Pans", "Home > Garden", "Toys"]);
    expect(taxonomy.get("Home > Kitchen")).toEqual({ id: "Home > Kitchen", name: "Kitchen", parent: "Home", depth: 2 });
    expect(report).toMatchObject({ format: "paths", lines: 5, blankLines: 1, commentLines: 1, nodes: 5 });
  });

  it("accepts a parent listed after its children", () => {
    const { taxonomy } = parsePathList("A > B\nA\n");
    expect(taxonomy.size).toBe(2);
  });

  it("ids stay the original paths after a rename", () => {
    const { taxonomy } = parsePathList("A > B\n");
    taxonomy.rename("A", "Z");
    expect(taxonomy.path("A > B")).toBe("Z > B");
  });

  it("names both lines of a duplicate path", () => {
    expect(problems(() => parsePathList("A > B\nA > C\nA > B\n", { file: "p.txt" }))).toEqual([
      'p.txt:3, field "path": duplicate path "A > B": also on line 1',
    ]);
  });

  it("reports bad separators, empty levels and trims names", () => {
    const text = "A > B\nA/B > C\nA > B > \nA » D\n C > D \n";
    expect(problems(() => parsePathList(text, { file: "p.txt" }))).toEqual([
      'p.txt:3, field "path": empty level 3 in "A > B >"',
      'p.txt:4, field "path": bad separator "»" in "A » D": expected " > "; if the file separates levels with " » ", read it with that separator',
    ]);
    const { report } = parsePathList("A > B\n C > D \n", { file: "p.txt" });
    expect(report.warnings.map((w) => w.line)).toEqual([2, 2]);
  });

  it("reads another separator", () => {
    const { taxonomy } = parsePathList("Home/Kitchen/Pans\nHome/Garden\n", { separator: "/" });
    expect(taxonomy.path("Home/Kitchen/Pans")).toBe("Home/Kitchen/Pans");
    expect(taxonomy.children("Home").map((n) => n.name)).toEqual(["Kitchen", "Garden"]);
  });
});

describe("taxonomyFromLabels", () => {
  it("derives the tree of a catalog's labels", () => {
    const t = taxonomyFromLabels(["A > B > C", "A > B > D", { label: "E" }, "", { label: undefined }, "A > B > C"]);
    expect(t.nodes().map((n) => n.id)).toEqual(["A", "A > B", "A > B > C", "A > B > D", "E"]);
    expect(t.leaves().map((n) => n.name)).toEqual(["C", "D", "E"]);
  });

  it("splits leniently, as the catalog readers do", () => {
    const t = taxonomyFromLabels(["A>B", " A >  B > C "]);
    expect(t.nodes().map((n) => n.id)).toEqual(["A", "A > B", "A > B > C"]);
  });
});
