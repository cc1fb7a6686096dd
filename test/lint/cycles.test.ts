// No import cycles in src/: static, dynamic and type-only imports all count (madge, as `npm run lint` runs it).
import path from "node:path";
import madge from "madge";
import { describe, expect, it } from "vitest";

const src = path.resolve(import.meta.dirname, "../../src");

describe("import graph", () => {
  it("has no cycles", async () => {
    const graph = await madge(src, { fileExtensions: ["ts"], tsConfig: path.resolve(src, "../tsconfig.json") });
    expect(graph.circular()).toEqual([]);
  }, 60_000);
});
