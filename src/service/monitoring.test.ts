// Drift maths checked against hand-computed values, and the monitoring report and prediction recorder over
// the in-memory prediction log with a fixed clock.
import { describe, expect, it } from "vitest";
import type { ProductModel } from "../core/contracts.js";
import { ConfigError } from "../core/errors.js";
import { driftOf, jsDivergence, Monitoring, psi, psiTerm, PSI_EPSILON, trainingMix } from "./monitoring.js";
import { MemoryPredictionLog, type PredictionLogStore, type PredictionLogWrite } from "./prediction-log.js";
import { PredictionRecorder } from "./prediction-recorder.js";
import { noopLogger } from "./logger.js";

describe("psi", () => {
  it("is (a − e)·ln(a / e) summed over the bins", () => {
    // 0.4·ln(0.9/0.5) + (−0.4)·ln(0.1/0.5) = 0.4·0.587787 + 0.4·1.609438 = 0.878890
    expect(psi([0.9, 0.1], [0.5, 0.5])).toBeCloseTo(0.8788898, 6);
    expect(psiTerm(0.9, 0.5)).toBeCloseTo(0.2351147, 6);
    expect(psi([0.25, 0.75], [0.25, 0.75])).toBe(0);
  });

  it("counts an empty bin as ε = 0.01 %", () => {
    expect(PSI_EPSILON).toBe(1e-4);
    // (0.0001 − 0.5)·ln(0.0001 / 0.5) = −0.4999·(−8.517193) = 4.257745
    expect(psiTerm(0, 0.5)).toBeCloseTo(4.2577449, 6);
    expect(psiTerm(0.5, 0)).toBeCloseTo(4.2577449, 6);
    expect(psiTerm(0, 0)).toBe(0);
  });

  it("refuses bins that do not align", () => {
    expect(() => psi([1], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe("jsDivergence", () => {
  it("is 0 for equal distributions, 1 bit for disjoint ones", () => {
    expect(jsDivergence([0.3, 0.7], [0.3, 0.7])).toBe(0);
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(1, 12);
  });

  it("matches the hand computation through the mixture", () => {
    // M = (0.75, 0.25); KL(P‖M) = 0.5·log2(2/3) + 0.5·log2(2) = 0.2075187; KL(Q‖M) = log2(4/3) = 0.4150375
    expect(jsDivergence([0.5, 0.5], [1, 0])).toBeCloseTo(0.3112781, 6);
    expect(jsDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(0.3112781, 6);
  });
});

describe("driftOf", () => {
  const served = new Map([
    ["a", 90],
    ["b", 10],
  ]);
  const training = new Map([
    ["a", 500],
    ["b", 500],
    ["c", 0],
  ]);

  it("shares, per-category PSI terms, overall PSI and JS, flags over the threshold", () => {
    const d = driftOf(served, training, 0.2)!;
    expect(d.psi).toBeCloseTo(0.8788898, 6);
    expect(d.js).toBeCloseTo(jsDivergence([0.9, 0.1, 0], [0.5, 0.5, 0]), 12);
    expect(d.categories.map((c) => [c.category, c.served, c.servedShare, c.trainingShare])).toEqual([
      ["b", 10, 0.1, 0.5],
      ["a", 90, 0.9, 0.5],
      ["c", 0, 0, 0],
    ]);
    expect(d.categories[0]!.psi).toBeCloseTo(0.6437752, 6);
    expect(d.flagged).toEqual(["b", "a"]);
    expect(driftOf(served, training, 0.5)!.flagged).toEqual(["b"]);
  });

  it("a category served but never trained on gets the empty-bin term", () => {
    const d = driftOf(new Map([["new", 1]]), new Map([["a", 1]]), 0.2)!;
    expect(d.categories.find((c) => c.category === "new")!.psi).toBeCloseTo(psiTerm(1, 0), 12);
  });

  it("is undefined without served or training counts", () => {
    expect(driftOf(new Map(), training)).toBeUndefined();
    expect(driftOf(served, new Map([["a", 0]]))).toBeUndefined();
  });
});

/** A model with labels, class counts and an operating point at each precision up to 0.95. */
function fakeModel(o: { classCounts?: Record<string, number>; calibrated?: boolean } = {}): ProductModel {
  return {
    kind: "fake",
    version: "v1",
    labels: ["kitchen", "garden"],
    capabilities: { explain: false, decisions: o.calibrated ?? true, taxonomy: false, images: false },
    describe: () => ({ details: o.classCounts ? { metrics: { classCounts: o.classCounts } } : {} }),
    operatingPoint: (p: number) => {
      if (p > 0.95) throw new ConfigError(`This model cannot reach precision ${p}`);
      return { threshold: p === 0.9 ? 0.5 : 0.75, coverage: p === 0.9 ? 0.8 : 0.6 };
    },
  } as unknown as ProductModel;
}

describe("trainingMix", () => {
  it("reads the class counts of the manifest, by label", () => {
    expect(trainingMix(fakeModel({ classCounts: { kitchen: 30, garden: 10 } }))).toEqual({ counts: new Map([["kitchen", 30], ["garden", 10]]), rows: 40 });
  });
  it("says why a model has none", () => {
    expect((trainingMix(fakeModel()) as { unavailable: string }).unavailable).toMatch(/does not record its training mix/);
    expect((trainingMix(fakeModel({ classCounts: { kitchen: 30 } })) as { unavailable: string }).unavailable).toMatch(/do not name its labels/);
  });
});

describe("Monitoring.report", () => {
  const NOW = Date.UTC(2026, 2, 3, 12); // 2026-03-03 12:00 UTC
  const at = (daysAgo: number): number => NOW - daysAgo * 86_400_000;
  const e = (when: number, category: string, score: number, model = "v1"): PredictionLogWrite => ({ at: when, model, source: "classify", categories: [{ category, score }] });

  it("drift, every day of the window, and coverage at each precision from the served scores", async () => {
    const log = new MemoryPredictionLog();
    await log.appendPredictions([e(at(0), "kitchen", 0.875), e(at(0), "kitchen", 0.5), e(at(0), "kitchen", 0.25), e(at(2), "garden", 0.75), e(at(9), "garden", 1), e(at(0), "kitchen", 1, "old")]);
    const m = new Monitoring(log, () => fakeModel({ classCounts: { kitchen: 50, garden: 50 } }), { retentionDays: 30, now: () => NOW });
    const r = await m.report(3);
    expect(r.since).toBe("2026-03-01T00:00:00.000Z");
    expect(r.served).toBe(5); // the entry 9 days ago is outside; the old model's entry counts for drift
    expect(r.daily).toEqual([
      { day: "2026-03-01", count: 1, meanScore: 0.75 },
      { day: "2026-03-02", count: 0, meanScore: null },
      { day: "2026-03-03", count: 4, meanScore: 0.65625 },
    ]);
    // kitchen 4/5 vs 0.5, garden 1/5 vs 0.5
    expect(r.drift!.psi).toBeCloseTo(psi([0.8, 0.2], [0.5, 0.5]), 12);
    // garden: (0.2 − 0.5)·ln(0.4) = 0.2749 > 0.2; kitchen: 0.3·ln(1.6) = 0.1410
    expect(r.drift!.flagged).toEqual(["garden"]);
    expect(r.training).toEqual({ available: true, rows: 100, categories: 2 });
    // Live model v1 served 4 in the window: scores 0.875, 0.5, 0.25, 0.75 → ≥ 0.5: 3; ≥ 0.75: 2.
    expect(r.coverage.served).toBe(4);
    expect(r.coverage.points.map((p) => [p.precision, p.threshold, p.decided, p.coverage])).toEqual([
      [0.9, 0.5, 3, 0.75],
      [0.95, 0.75, 2, 0.5],
      [0.98, null, null, null],
      [0.99, null, null, null],
    ]);
    expect(r.coverage.points[2]!.note).toMatch(/cannot reach precision 0.98/);
  });

  it("says when the live model has no training mix, and refuses a bad window", async () => {
    const m = new Monitoring(new MemoryPredictionLog(), () => fakeModel(), { retentionDays: 30, now: () => NOW });
    const r = await m.report(7);
    expect(r.drift).toBeNull();
    expect(r.training.available).toBe(false);
    expect(r.daily).toHaveLength(7);
    await expect(m.report(0)).rejects.toThrow(/Invalid days 0/);
    expect(() => new Monitoring(new MemoryPredictionLog(), () => undefined, { retentionDays: 1, threshold: 0 })).toThrow(/drift threshold/);
  });
});

describe("PredictionRecorder", () => {
  class CountingLog extends MemoryPredictionLog {
    appends: number[] = [];
    prunes = 0;
    override async appendPredictions(rows: readonly PredictionLogWrite[]): Promise<number> {
      this.appends.push(rows.length);
      return super.appendPredictions(rows);
    }
    override async prunePredictions(before: number, limit: number): Promise<number> {
      this.prunes++;
      return super.prunePredictions(before, limit);
    }
  }

  it("buffers answers and appends them in one batch; skips corrections and empty answers", async () => {
    const log = new CountingLog();
    const r = new PredictionRecorder(log, { retentionDays: 30, logger: noopLogger, flushMs: 60_000, now: () => 1000 });
    r.record("v1", "classify", [{ id: "a", categories: [{ category: "x", score: 0.5 }] }, { categories: [{ category: "y", score: 0.25 }] }]);
    r.record("v1", "classify", [{ id: "c", categories: [{ category: "x", score: 1 }], corrected: true } as never, { id: "d", categories: [] }]);
    expect(log.appends).toEqual([]);
    await r.flush();
    expect(log.appends).toEqual([2]);
    expect((await log.predictionSummary({ fromDay: 0 })).categories).toEqual([
      { category: "x", count: 1 },
      { category: "y", count: 1 },
    ]);
    await r.close();
  });

  it("writes at once when a batch is full", async () => {
    const log = new CountingLog();
    const r = new PredictionRecorder(log, { retentionDays: 30, logger: noopLogger, flushMs: 60_000, batch: 3 });
    r.record("v1", "upsert", [1, 2, 3, 4].map((i) => ({ id: `p${i}`, categories: [{ category: "x", score: 0.5 }] })));
    await r.flush();
    expect(log.appends).toEqual([4]);
    await r.close();
  });

  it("records nothing with retention 0, and prunes what is older than the retention", async () => {
    const off = new CountingLog();
    const r0 = new PredictionRecorder(off, { retentionDays: 0, logger: noopLogger });
    r0.record("v1", "classify", [{ id: "a", categories: [{ category: "x", score: 0.5 }] }]);
    await r0.close();
    expect(off.appends).toEqual([]);
    expect(() => new PredictionRecorder(off, { retentionDays: -1, logger: noopLogger })).toThrow(/retention/);

    const NOW = 100 * 86_400_000;
    const log = new CountingLog();
    await log.appendPredictions([5, 20, 40].map((d) => ({ at: NOW - d * 86_400_000, model: "v1", source: "classify", categories: [{ category: `d${d}`, score: 1 }] })));
    const r = new PredictionRecorder(log as PredictionLogStore, { retentionDays: 30, logger: noopLogger, now: () => NOW });
    expect(await r.prune()).toBe(1);
    expect((await log.predictionSummary({ fromDay: 0 })).categories.map((c) => c.category)).toEqual(["d20", "d5"]);
    await r.close();
  });
});
