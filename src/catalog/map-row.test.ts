// Tests for field mapping: ids, text fields, label canonicalisation and the reasons a row is rejected.

import { describe, expect, it } from "vitest";
import { canonicalLabel, mapRow, type RowMapping } from "./map-row.js";

const base: RowMapping = {
  file: "f.jsonl",
  textFields: ["title", "description"],
  labelField: "category",
  idField: "id",
  requireLabel: false,
  labelDepth: undefined,
  pathSeparator: " > ",
  maxFieldChars: 100,
  explicit: [],
};

const ok = (row: Record<string, unknown>, m: Partial<RowMapping> = {}, line = 7) => {
  const r = mapRow(row, line, { ...base, ...m });
  if (!r.ok) throw new Error(`expected a product, got: ${r.issue.message}`);
  return r.product;
};
const bad = (row: Record<string, unknown>, m: Partial<RowMapping> = {}, line = 7) => {
  const r = mapRow(row, line, { ...base, ...m });
  if (r.ok) throw new Error("expected a bad row");
  return r.issue;
};

describe("canonicalLabel", () => {
  it("trims levels, drops empty ones and joins with ' > '", () => {
    expect(canonicalLabel("A>B >  C", " > ")).toBe("A > B > C");
    expect(canonicalLabel(" A > > B ", " > ")).toBe("A > B");
    expect(canonicalLabel("A/B/C", "/")).toBe("A > B > C");
  });
  it("keeps the first depth levels", () => {
    expect(canonicalLabel("A > B > C", " > ", 2)).toBe("A > B");
    expect(canonicalLabel("A", " > ", 3)).toBe("A");
  });
});

describe("mapRow", () => {
  it("maps id, text in textFields order, label and the whole row", () => {
    const row = { id: "p1", description: "d", title: "t", category: "A > B", extra: 1 };
    expect(ok(row)).toEqual({ id: "p1", text: ["t", "d"], label: "A > B", fields: row, line: 7 });
  });

  it("turns numbers into strings and uses the line number when the id is missing or blank", () => {
    expect(ok({ id: 42, title: 3.5, category: 7 })).toMatchObject({ id: "42", text: ["3.5", ""], label: "7" });
    expect(ok({ title: "t" }, {}, 12).id).toBe("12");
    expect(ok({ id: "  ", title: "t" }, {}, 13).id).toBe("13");
  });

  it("uses custom text, label and id fields", () => {
    const p = ok({ sku: "S-1", name: "n", brand: "b", cat: "X>Y>Z" }, {
      textFields: ["name", "brand", "notes"],
      labelField: "cat",
      idField: "sku",
      labelDepth: 2,
    });
    expect(p).toMatchObject({ id: "S-1", text: ["n", "b", ""], label: "X > Y" });
  });

  it("leaves label out when blank and not required", () => {
    expect(ok({ title: "t", category: " " })).not.toHaveProperty("label");
    expect(ok({ title: "t", category: null })).not.toHaveProperty("label");
  });

  it("rejects a row whose text fields are all empty", () => {
    expect(bad({ id: "x", title: " ", description: null })).toEqual({
      file: "f.jsonl",
      line: 7,
      message: "missing text: none of title, description has text",
    });
  });

  it("rejects a missing or blank label when required", () => {
    expect(bad({ title: "t" }, { requireLabel: true })).toMatchObject({ field: "category", message: 'missing label: field "category" is missing' });
    expect(bad({ title: "t", category: "  " }, { requireLabel: true }).message).toContain("is blank");
  });

  it("rejects an empty level anywhere in a category path instead of dropping it, naming the field", () => {
    for (const [label, level] of [["A >  > B", "2 of 3"], ["A>>B", "2 of 3"], ["> A", "1 of 2"], ["A > B >", "3 of 3"], [" > ", "1 of 2"]] as const) {
      for (const requireLabel of [false, true]) {
        const issue = bad({ title: "t", category: label }, { requireLabel });
        expect(issue).toMatchObject({ file: "f.jsonl", line: 7, field: "category" });
        expect(issue.message).toContain(`empty level ${level}`);
      }
    }
    expect(bad({ title: "t", cat: "X//Y" }, { labelField: "cat", pathSeparator: "/" }).message).toContain("empty level 2 of 3");
    expect(ok({ title: "t", category: " A >B > C " }).label).toBe("A > B > C");
  });

  it("rejects a category path with more than 100 levels", () => {
    expect(ok({ title: "t", category: Array(100).fill("a").join(">") }, { maxFieldChars: 1000 }).label?.split(" > ")).toHaveLength(100);
    expect(bad({ title: "t", category: Array(101).fill("a").join(">") }, { maxFieldChars: 1000 }).message).toContain("101 levels, more than the limit of 100");
  });

  it("rejects arrays and objects, naming the field", () => {
    expect(bad({ title: ["a"] })).toMatchObject({ field: "title", message: "expected text, got an array" });
    expect(bad({ title: "t", description: { a: 1 } })).toMatchObject({ field: "description", message: "expected text, got an object" });
    expect(bad({ id: [1], title: "t" })).toMatchObject({ field: "id" });
    expect(bad({ title: "t", category: ["A", "B"] })).toMatchObject({ field: "category" });
  });

  it("rejects a text field or label over maxFieldChars, saying its length and the limit", () => {
    expect(bad({ title: "x".repeat(101) })).toMatchObject({
      field: "title",
      message: "too long: 101 characters, more than the limit of 100 (maxFieldChars)",
    });
    expect(bad({ title: "t", category: "c".repeat(150) })).toMatchObject({ field: "category" });
    expect(ok({ title: "x".repeat(100) }).text[0]).toHaveLength(100);
  });
});
