import { describe, expect, it } from "vitest";
import { LruMap } from "./lru.js";

describe("LruMap", () => {
  it("drops the least recently used entry past its capacity; get refreshes an entry", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1);
    m.set("b", 2);
    expect(m.get("a")).toBe(1); // a is now younger than b
    m.set("c", 3); // drops b
    expect(m.get("b")).toBeUndefined();
    expect(m.get("a")).toBe(1);
    expect(m.get("c")).toBe(3);
    expect(m.size).toBe(2);
    m.set("a", 10); // overwrite keeps the size
    expect(m.size).toBe(2);
    expect(m.get("a")).toBe(10);
    m.clear();
    expect(m.size).toBe(0);
  });

  it("refuses a capacity below 1", () => {
    expect(() => new LruMap(0)).toThrow(/at least 1/);
    expect(() => new LruMap(1.5)).toThrow(/at least 1/);
  });
});
