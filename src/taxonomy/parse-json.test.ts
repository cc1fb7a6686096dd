import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { parseTaxonomyJson } from "./parse-json.js";
import { Taxonomy } from "./taxonomy.js";

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).issues.map((i) => InvalidInputError.format(i));
  }
  throw new Error("expected InvalidInputError");
}

describe("parseTaxonomyJson", () => {
  it("reads a flat list with parent ids in any order; numbers are ids", () => {
    const text = JSON.stringify([
      { id: 2, name: "Phones", parent: 1 },
      { id: 1, name: "Electronics", parent: null },
      { id: "3", name: "Audio", parent: "1" },
    ]);
    const { taxonomy, report } = parseTaxonomyJson(text, { file: "t.json" });
    expect(taxonomy.nodes().map((n) => [n.id, n.parent])).toEqual([["1", null], ["2", "1"], ["3", "1"]]);
    expect(report).toMatchObject({ file: "t.json", format: "json", nodes: 3, warnings: [] });
  });

  it("reads nested nodes; a node without an id gets its path", () => {
    const value = {
      name: "Electronics",
      children: [{ name: "Phones", id: "p", children: [{ name: "Smartphones" }] }, { name: "Audio", children: [] }],
    };
    const { taxonomy } = parseTaxonomyJson(value);
    expect(taxonomy.nodes().map((n) => n.id)).toEqual(["Electronics", "p", "Electronics > Phones > Smartphones", "Electronics > Audio"]);
    expect(taxonomy.get("Electronics > Phones > Smartphones")?.parent).toBe("p");
  });

  it("reads a list of nested roots, and what Taxonomy.toJSON writes", () => {
    const { taxonomy } = parseTaxonomyJson([{ name: "A", children: [{ name: "B" }] }, { name: "C" }]);
    expect(taxonomy.leaves().map((n) => n.id)).toEqual(["A > B", "C"]);
    const written = new Taxonomy([{ id: "1", name: "A" }, { id: "2", name: "B", parent: "1" }], { separator: " / " }).toJSON();
    const back = parseTaxonomyJson(JSON.stringify(written)).taxonomy;
    expect(back.separator).toBe(" / ");
    expect(back.path("2")).toBe("A / B");
  });

  it("names the ids of a cycle, and both lines of a duplicate id", () => {
    const text = [
      "[",
      '  { "id": "a", "name": "Electronics", "parent": "c" },',
      '  { "id": "b", "name": "Phones", "parent": "a" },',
      '  { "id": "c", "name": "Smartphones", "parent": "b" },',
      '  { "id": "d", "name": "Home", "parent": null },',
      '  { "id": "d", "name": "Garden" }',
      "]",
    ].join("\n");
    expect(problems(() => parseTaxonomyJson(text, { file: "t.json" }))).toEqual([
      't.json:2, field "[0].parent": cycle in parent ids: "a" → "c" → "b" → "a" (lines 2, 4, 3)',
      't.json:6, field "[4].id": duplicate id "d": also used on line 5',
    ]);
  });

  it("reports unknown parents, bad fields and duplicate sibling names with lines", () => {
    const text = [
      "[",
      '  { "id": "1", "name": "A" },',
      '  { "id": "2", "name": "B", "parent": "9" },',
      '  { "id": "3", "parent": "1" },',
      '  { "id": "4", "name": ["x"] },',
      '  { "name": "C", "parent": "1" },',
      '  { "id": "6", "name": "A" },',
      '  { "id": "7", "name": "B > C" },',
      "  5",
      "]",
    ].join("\n");
    expect(problems(() => parseTaxonomyJson(text, { file: "t.json" }))).toEqual([
      't.json:1, field "[7]": expected a node object, got a number',
      't.json:3, field "[1].parent": unknown parent id "9"',
      't.json:4, field "[2].name": missing name',
      't.json:5, field "[3].name": expected a string, got a list',
      't.json:6, field "[4].id": missing id (needed for a node with a parent id or under one)',
      't.json:7, field "[5].name": duplicate name "A" at the top level: also on line 2 (id "1")',
      't.json:8, field "[6].name": name "B > C" contains the path separator ">"',
    ]);
  });

  it("reports a child whose parent contradicts its place", () => {
    const text = '{ "id": "1", "name": "A", "children": [\n  { "id": "2", "name": "B", "parent": "9" }\n] }';
    expect(problems(() => parseTaxonomyJson(text, { file: "t.json" }))).toEqual([
      't.json:2, field "[0].children[0].parent": parent "9" contradicts the enclosing node "1"',
    ]);
  });

  it("reports invalid JSON with its line", () => {
    const [p] = problems(() => parseTaxonomyJson('[\n  { "id": "1", "name": "A" },\n  { "id": 2 "name": "B" }\n]', { file: "t.json" }));
    expect(p).toMatch(/^t\.json:3: invalid JSON: /);
  });

  it("rejects a value of the wrong shape", () => {
    expect(problems(() => parseTaxonomyJson({ foo: 1 }, { file: "t.json" }))[0]).toContain("expected a list of nodes");
  });

  it("trims names with a warning", () => {
    const { taxonomy, report } = parseTaxonomyJson('[{ "id": "1", "name": " A " }]', { file: "t.json" });
    expect(taxonomy.get("1")?.name).toBe("A");
    expect(report.warnings.map((w) => InvalidInputError.format(w))).toEqual(['t.json:1, field "[0].name": whitespace around "A": trimmed']);
  });
});
