import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { Taxonomy, type TaxonomyNodeInput } from "./taxonomy.js";

const NODES: TaxonomyNodeInput[] = [
  { id: "3", name: "Smartphones", parent: "2" }, // before its parent: order does not matter
  { id: "1", name: "Electronics" },
  { id: "2", name: "Phones", parent: "1" },
  { id: "4", name: "Phone Cases", parent: "2" },
  { id: "5", name: "Audio", parent: "1" },
  { id: "10", name: "Home & Garden", parent: null },
];

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).issues.map((i) => InvalidInputError.format(i));
  }
  throw new Error("expected InvalidInputError");
}

describe("Taxonomy", () => {
  const t = new Taxonomy(NODES);

  it("orders nodes as a tree, parents first, and counts depth", () => {
    expect(t.nodes().map((n) => n.id)).toEqual(["1", "2", "3", "4", "5", "10"]);
    expect(t.size).toBe(6);
    expect(t.depth).toBe(3);
    expect(t.levelCounts()).toEqual([2, 2, 2]);
    expect(t.get("3")).toEqual({ id: "3", name: "Smartphones", parent: "2", depth: 3 });
    expect(t.get("nope")).toBeUndefined();
    expect(() => t.node("nope")).toThrow(RangeError);
  });

  it("looks nodes up by id and by full path", () => {
    expect(t.byPath("Electronics > Phones > Smartphones")?.id).toBe("3");
    expect(t.byPath(["Electronics", "Phones"])?.id).toBe("2");
    expect(t.byPath("Electronics>Phones")).toBeUndefined(); // exact only
    expect(t.path("4")).toBe("Electronics > Phones > Phone Cases");
    expect(t.pathNames("4")).toEqual(["Electronics", "Phones", "Phone Cases"]);
  });

  it("walks children, ancestors and leaves", () => {
    expect(t.roots().map((n) => n.name)).toEqual(["Electronics", "Home & Garden"]);
    expect(t.children("2").map((n) => n.id)).toEqual(["3", "4"]);
    expect(t.children("3")).toEqual([]);
    expect(t.ancestors("3").map((n) => n.id)).toEqual(["1", "2"]);
    expect(t.ancestors("1")).toEqual([]);
    expect(t.leaves().map((n) => n.id)).toEqual(["3", "4", "5", "10"]);
    expect(t.isLeaf("2")).toBe(false);
    expect(t.descendantCount("1")).toBe(4);
  });

  it("uses a configurable separator", () => {
    const slash = new Taxonomy(NODES, { separator: " / " });
    expect(slash.path("3")).toBe("Electronics / Phones / Smartphones");
    expect(slash.byPath("Electronics / Phones")?.id).toBe("2");
  });

  it("rename changes paths below the node and keeps every id", () => {
    const r = new Taxonomy(NODES);
    r.rename("2", "Mobile Phones");
    expect(r.path("3")).toBe("Electronics > Mobile Phones > Smartphones");
    expect(r.byPath("Electronics > Mobile Phones > Smartphones")?.id).toBe("3");
    expect(r.byPath("Electronics > Phones > Smartphones")).toBeUndefined();
    expect(r.get("2")?.name).toBe("Mobile Phones");
    expect(r.nodes().map((n) => n.id)).toEqual(["1", "2", "3", "4", "5", "10"]);
  });

  it("rename refuses names that would break paths", () => {
    const r = new Taxonomy(NODES);
    expect(() => r.rename("3", "Phone Cases")).toThrow(/sibling is already called "Phone Cases"/);
    expect(() => r.rename("3", "Phones > Smart")).toThrow(/separator/);
    expect(() => r.rename("3", " ")).toThrow(/empty/);
    expect(() => r.rename("3", "Smart ")).toThrow(/spaces/);
    expect(() => r.rename("99", "x")).toThrow(/Unknown taxonomy id "99"/);
    expect(r.path("3")).toBe("Electronics > Phones > Smartphones");
  });

  it("round-trips through JSON, renames included", () => {
    const r = new Taxonomy(NODES, { separator: " | " });
    r.rename("5", "Audio & Hi-Fi");
    const json = JSON.parse(JSON.stringify(r)) as unknown;
    const back = Taxonomy.fromJSON(json);
    expect(back.separator).toBe(" | ");
    expect(back.nodes()).toEqual(r.nodes());
    expect(back.path("5")).toBe("Electronics | Audio & Hi-Fi");
    expect(back.toJSON()).toEqual(r.toJSON());
  });

  it("reports every structural problem, each with its index as line", () => {
    const issues = issuesOf(
      () =>
        new Taxonomy([
          { id: "a", name: "A", parent: "c" },
          { id: "b", name: "B", parent: "a" },
          { id: "c", name: "C", parent: "b" },
          { id: "d", name: "D" },
          { id: "d", name: "D2" },
          { id: "e", name: "E", parent: "zz" },
          { id: "f", name: "D" },
        ]),
    );
    expect(issues).toEqual([
      '<nodes>:1, field "parent": cycle in parent ids: "a" → "c" → "b" → "a" (lines 1, 3, 2)',
      '<nodes>:5, field "id": duplicate id "d": also used on line 4',
      '<nodes>:6, field "parent": unknown parent id "zz"',
      '<nodes>:7, field "name": duplicate name "D" at the top level: also on line 4 (id "d")',
    ]);
  });

  it("rejects a node that is its own parent, and names with the separator", () => {
    expect(issuesOf(() => new Taxonomy([{ id: "x", name: "X", parent: "x" }]))).toEqual([
      '<nodes>:1, field "parent": cycle in parent ids: "x" → "x" (line 1)',
    ]);
    expect(issuesOf(() => new Taxonomy([{ id: "x", name: "A > B" }]))[0]).toContain('contains the path separator ">"');
    expect(() => new Taxonomy([{ id: 1 as unknown as string, name: "X" }])).toThrow(TypeError);
  });
});
