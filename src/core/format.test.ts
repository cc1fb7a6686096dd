// formatCount writes whole numbers as toLocaleString("en-US") does.
import { describe, expect, it } from "vitest";
import { formatCount } from "./format.js";

describe("formatCount", () => {
  it("groups digits by thousands like en-US", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(12_057)).toBe("12,057");
    expect(formatCount(4_774_250)).toBe("4,774,250");
    expect(formatCount(-1_234_567)).toBe("-1,234,567");
    for (const n of [1, 12, 123, 1234, 12_345, 123_456, 1_234_567, 2 ** 40, Number.MAX_SAFE_INTEGER, -50_000]) expect(formatCount(n)).toBe(n.toLocaleString("en-US"));
  });

  it("leaves other numbers to toLocaleString", () => {
    expect(formatCount(1234.5)).toBe((1234.5).toLocaleString("en-US"));
    expect(formatCount(1e22)).toBe((1e22).toLocaleString("en-US"));
  });
});
