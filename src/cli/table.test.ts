// Checks table layout: alignment, number formatting, CJK display width and confusion-matrix truncation.
import { describe, expect, it } from "vitest";
import { displayWidth, formatConfusion, formatTable, truncateToWidth } from "./table.js";

describe("displayWidth / truncateToWidth", () => {
  it("counts CJK, kana, Hangul and fullwidth characters as two columns", () => {
    expect(displayWidth("shoes")).toBe(5);
    expect(displayWidth("女装")).toBe(4);
    expect(displayWidth("ランニング")).toBe(10);
    expect(displayWidth("신발")).toBe(4);
    expect(displayWidth("ＡＢ")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1); // e + combining acute
    expect(displayWidth("𠀀")).toBe(2); // astral CJK Extension B
  });

  it("truncates by display width with an ellipsis", () => {
    expect(truncateToWidth("Women's running shoes", 10)).toBe("Women's r…");
    expect(truncateToWidth("short", 10)).toBe("short");
    expect(truncateToWidth("女装连衣裙", 6)).toBe("女装…"); // 2 + 2 + 1 ≤ 6; a third ideograph would not fit
    expect(displayWidth(truncateToWidth("女装连衣裙", 6))).toBeLessThanOrEqual(6);
  });
});

describe("formatTable", () => {
  it("aligns text left and numbers right, with a ─ underline and 3 decimals by default", () => {
    const out = formatTable(["category", "f1", "support"], [
      ["shoes", 0.91234, 120],
      ["bags", 0.5, 8],
    ]);
    expect(out).toBe(
      [
        "category     f1  support",
        "────────  ─────  ───────",
        "shoes     0.912      120",
        "bags      0.500        8",
      ].join("\n"),
    );
  });

  it("lines up columns after CJK text by display width", () => {
    const out = formatTable(["name", "n"], [
      ["鞋子", 3],
      ["bags", 12],
    ]);
    const lines = out.split("\n");
    expect(lines[2]).toBe("鞋子   3");
    expect(lines[3]).toBe("bags  12");
    for (const l of lines) expect(displayWidth(l)).toBe(displayWidth(lines[1]!));
  });

  it("honours align and digits options and pads short rows", () => {
    const out = formatTable(["a", "b", "c"], [["x", 1.23456], ["yy", 2, "z"]], {
      align: ["right", "left"],
      digits: 1,
    });
    expect(out.split("\n")).toEqual([" a  b    c", "──  ───  ─", " x  1.2", "yy  2.0  z"]);
  });

  it("keeps a mixed column left-aligned and flattens newlines in cells", () => {
    const out = formatTable(["v"], [[1], ["two\nlines"]]);
    expect(out.split("\n")).toEqual(["v", "─────────", "1", "two lines"]);
  });
});

describe("formatConfusion", () => {
  it("prints a compact matrix with indexed, truncated row labels", () => {
    const out = formatConfusion(["shoes", "a very long category name indeed"], [
      [12, 1],
      [0, 9],
    ], 10);
    expect(out.split("\n")).toEqual([
      "true \\ pred    0  1",
      "────────────  ──  ─",
      "0 shoes       12  1",
      "1 a very lo…   0  9",
    ]);
  });

  it("shows only the first 20 classes of a larger matrix, with a note", () => {
    const k = 25;
    const labels = Array.from({ length: k }, (_, i) => `class ${i}`);
    const confusion = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 5 : 0)));
    const lines = formatConfusion(labels, confusion).split("\n");
    expect(lines).toHaveLength(2 + 20 + 1);
    expect(lines.at(-1)).toBe("(showing the first 20 of 25 classes)");
    expect(lines[0]!.trimEnd().endsWith(" 19")).toBe(true);
    expect(lines[2]!.startsWith(" 0 class 0")).toBe(true);
  });

  it("rejects a matrix that does not match the labels", () => {
    expect(() => formatConfusion(["a", "b"], [[1, 0]])).toThrow(TypeError);
  });
});
