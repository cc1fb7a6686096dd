// The pid scramble of the search postings: a bijection on [0, 2^31) whose order is unrelated to insertion
// order, so that `pid < p` is a uniform sample of any set of products, whatever order they came in.
import { describe, expect, it } from "vitest";
import { PID_INV, PID_MUL, PID_SPACE, pidOf, seqOf } from "./pg-postings.js";

describe("search posting ids", () => {
  it("maps seq to pid and back (PID_INV is the inverse of PID_MUL mod 2^31)", () => {
    expect(Number((BigInt(PID_MUL) * BigInt(PID_INV)) % 2n ** 31n)).toBe(1);
    for (const seq of [0, 1, 2, 3, 1000, 123_456_789, PID_SPACE - 1]) {
      const pid = pidOf(seq);
      expect(pid).toBeGreaterThanOrEqual(0);
      expect(pid).toBeLessThan(PID_SPACE);
      expect(pid).toBe(Number((BigInt(seq) * BigInt(PID_MUL)) % 2n ** 31n));
      expect(seqOf(pid)).toBe(seq);
    }
    const pids = new Set(Array.from({ length: 100_000 }, (_, i) => pidOf(i + 1)));
    expect(pids.size).toBe(100_000);
  });

  it("samples every tenth product of any contiguous or strided run alike (pid below a tenth of the space)", () => {
    const below = PID_SPACE / 10;
    const runs = [
      Array.from({ length: 20_000 }, (_, i) => i + 1), // one import
      Array.from({ length: 20_000 }, (_, i) => 500_000 + i), // a later one
      Array.from({ length: 20_000 }, (_, i) => 1 + 7 * i), // every 7th product (a category imported interleaved)
      Array.from({ length: 20_000 }, (_, i) => 1 + 10 * i), // every 10th: the stride of the sample itself
    ];
    for (const run of runs) {
      const share = run.filter((seq) => pidOf(seq) < below).length / run.length;
      expect(share).toBeGreaterThan(0.09);
      expect(share).toBeLessThan(0.11);
    }
  });
});
