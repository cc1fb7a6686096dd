// Service input: nesting is bounded and named by path (any depth is safe to check), ids count characters as
// code points, and the content hash is unchanged for what it hashed before.
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { contentHash, MAX_FIELD_DEPTH, nestingPath, toProductWrites, toProductWritesSliced } from "./input.js";

const nest = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
};

describe("nestingPath", () => {
  it("finds the first value nested too deep, in document order, at any depth", () => {
    expect(nestingPath(1, 1)).toBeUndefined();
    expect(nestingPath({ a: 1 }, 1)).toBeUndefined();
    expect(nestingPath({ a: { b: [1] } }, 2)).toEqual(["a", "b"]);
    expect(nestingPath({ a: {}, b: [[[]]], c: [[[[]]]] }, 3)).toEqual(["b", 0, 0]);
    expect(nestingPath([1, [2, [3]]], 3)).toBeUndefined();
    const deep = nest(1_000_000);
    const p = nestingPath(deep, 32);
    expect(p).toHaveLength(32);
  });
});

describe("toProductWrites", () => {
  it("accepts products nested MAX_FIELD_DEPTH levels and names the field of deeper ones", () => {
    const ok = { id: "a", title: "Pan", extra: nest(MAX_FIELD_DEPTH - 1) };
    expect(toProductWrites([ok])).toHaveLength(1);
    let err: unknown;
    try {
      toProductWrites([ok, { id: "b", title: "Pan", extra: nest(100_000) }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const issue = (err as InvalidInputError).issues[0]!;
    expect(issue.line).toBe(2);
    expect(issue.field?.split(".")).toEqual(["extra", ...Array.from({ length: 31 }, (_, i) => (i % 2 === 0 ? "a" : "0"))]);
    expect(issue.message).toMatch(/nested deeper than 32 levels/);
  });

  it("counts id characters as code points (as the HTTP API and its OpenAPI document do)", () => {
    expect(toProductWrites([{ id: "👟".repeat(256), title: "Shoe" }])[0]!.id).toHaveLength(512);
    expect(() => toProductWrites([{ id: "👟".repeat(257), title: "Shoe" }])).toThrow(/longer than 256 characters/);
    expect(() => toProductWrites([{ id: "a".repeat(257), title: "Shoe" }])).toThrow(/longer than 256 characters/);
  });
});

describe("contentHash", () => {
  it("hashes as before (stored hashes stay valid) and refuses, rather than overflows on, absurd nesting", () => {
    // The value the hash had before nesting was bounded (same formula: SHA-1 of the sorted [key, value] pairs).
    expect(contentHash({ id: "p1", title: "Tefal pan", brand: "Tefal", specs: { size: [28, "cm"], colours: ["red"] } })).toBe("vSflW2LPfeK1P_qanFsaJMuhvOI");
    expect(() => contentHash({ id: "p", deep: nest(100_000) })).toThrow(RangeError);
  });
});

describe("toProductWritesSliced", () => {
  it("maps a batch like toProductWrites, yielding to the event loop between slices", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i % 990}`, title: `Pan ${i}`, ...(i % 3 === 0 ? { category: " Pans " } : {}), extra: { n: i } }));
    const immediate = new Promise<string>((r) => setImmediate(() => r("ran")));
    const sliced = await toProductWritesSliced(items);
    // Other work (a setImmediate queued as the mapping started) ran before the mapping finished.
    expect(await Promise.race([immediate, Promise.resolve("not yet")])).toBe("ran");
    expect(sliced).toEqual(toProductWrites(items));
    // Later duplicates win, in first-seen order: 990 rows, p0 with the title of item 990.
    expect(sliced).toHaveLength(990);
    expect(sliced[0]).toMatchObject({ id: "p0", title: "Pan 990", category: "Pans" });
  });

  it("reports problems with their 1-based item numbers across slices", async () => {
    const items: Record<string, unknown>[] = Array.from({ length: 350 }, (_, i) => ({ id: `p${i}`, title: "t" }));
    items[5] = { id: "p5" };
    items[249] = { id: "", title: "t" };
    const e = await toProductWritesSliced(items as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).issues).toEqual([
      { file: "<request>", line: 6, field: "title", message: "is required: a non-empty string" },
      { file: "<request>", line: 250, field: "id", message: "is required: a non-empty string" },
    ]);
  });
});
