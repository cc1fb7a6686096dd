// Hand-computed cases for calibration of rows, operating points and hierarchical backoff.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { calibrateRows, fitCalibration, LabelTree, thresholdFor, type ScoreCalibrator } from "./confidence.js";

const halve: ScoreCalibrator = { transformOne: (p) => p / 2 };
const identity: ScoreCalibrator = { transformOne: (p) => p };

describe("calibrateRows", () => {
  it("maps the top score and shares the rest in proportion", () => {
    // Top 0.6 → 0.3; the others (0.3, 0.1) share 0.7 in proportion 3:1 → 0.525 and 0.175 — but 0.525 > 0.3,
    // so they are scaled with the top instead: × 0.3/0.6 → 0.15 and 0.05.
    const row = Float32Array.of(0.3, 0.6, 0.1, 0);
    calibrateRows(row, 4, halve);
    expect(Array.from(row).map((v) => +v.toFixed(6))).toEqual([0.15, 0.3, 0.05, 0]);
  });

  it("never puts the top of k categories below 1/k", () => {
    // A calibrator that says 0.01 for a top of 0.6 among 3: the top becomes 1/3, the others scale with it (× 1/3 / 0.6).
    const row = Float32Array.of(0.3, 0.6, 0.1);
    calibrateRows(row, 3, { transformOne: () => 0.01 });
    expect(Array.from(row).map((v) => +v.toFixed(6))).toEqual([0.166667, 0.333333, 0.055556]);
  });

  it("keeps rows summing to 1 when the proportional share stays below the top", () => {
    // Top 0.5 → 0.8 (a calibrator that raises it); others 0.3, 0.2 share 0.2 → 0.12, 0.08.
    const row = Float32Array.of(0.5, 0.3, 0.2);
    calibrateRows(row, 3, { transformOne: () => 0.8 });
    expect(Array.from(row).map((v) => +v.toFixed(6))).toEqual([0.8, 0.12, 0.08]);
  });

  it("never changes the ranking", () => {
    const row = Float32Array.of(0.05, 0.4, 0.35, 0.2);
    calibrateRows(row, 4, { transformOne: () => 0 });
    const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!);
    expect(order).toEqual([1, 2, 3, 0]);
  });
});

describe("operating points", () => {
  it("finds the threshold for a precision on held-out pairs, and refuses an unreachable one", () => {
    // Confidences 0.1..1.0; right for the top 6 and for 0.2. Isotonic on these is monotone, so the order holds.
    const conf = Float64Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
    const ok = Uint8Array.of(0, 1, 0, 0, 1, 1, 1, 1, 1, 1);
    const pad = 200; // fitCalibration needs ≥ 100 rows: repeat the pattern
    const c = Float64Array.from({ length: 10 * pad }, (_, i) => conf[i % 10]!);
    const y = Uint8Array.from({ length: 10 * pad }, (_, i) => ok[i % 10]!);
    const info = fitCalibration(c, y)!;
    const at1 = thresholdFor(info, 1);
    expect(at1.coverage).toBeCloseTo(0.6, 10); // the six right ones, calibrated to 1 − ½/n
    expect(() => thresholdFor({ ...info, correct: info.correct.map(() => 0) }, 0.5)).toThrow(ConfigError);
    expect(() => thresholdFor(info, 0)).toThrow(/minPrecision must be in/);
  });
});

describe("LabelTree backoff", () => {
  const labels = ["Home > Cookware > Pans", "Home > Cookware > Pots", "Home > Bedding", "Electronics > Phones"];
  const tree = new LabelTree(labels, " > ");

  it("files a sure leaf", () => {
    const d = tree.decide(Float32Array.of(0.9, 0.05, 0.03, 0.02), 0, 0.8);
    expect(d).toEqual({ category: "Home > Cookware > Pans", score: expect.closeTo(0.9, 6), depth: 3, status: "leaf" });
  });

  it("backs off to the deepest ancestor whose summed probability clears the threshold", () => {
    // Pans 0.45 + Pots 0.4 = Cookware 0.85; Home = 0.95.
    const d = tree.decide(Float32Array.of(0.45, 0.4, 0.1, 0.05), 0, 0.8);
    expect(d.status).toBe("backoff");
    expect(d.category).toBe("Home > Cookware");
    expect(d.score).toBeCloseTo(0.85, 6);
    // At 0.9 only "Home" (0.95) is sure enough.
    expect(tree.decide(Float32Array.of(0.45, 0.4, 0.1, 0.05), 0, 0.9).category).toBe("Home");
  });

  it("abstains when no top-level category is sure enough", () => {
    const d = tree.decide(Float32Array.of(0.25, 0.2, 0.05, 0.5), 0, 0.6);
    expect(d).toMatchObject({ category: null, status: "abstain", depth: 0 });
  });

  it("applies per-level calibrators to the sums", () => {
    // Level 1 sums are halved: Home 0.95 → 0.475 < 0.8, so even the top level fails.
    const d = tree.decide(Float32Array.of(0.45, 0.4, 0.1, 0.05), 0, 0.8, undefined, [halve, identity]);
    expect(d.status).toBe("abstain");
  });
});

describe("training with a rare deep branch", () => {
  it("trains and backs off when a level has no held-out rows (the level keeps its raw sums)", async () => {
    const { train } = await import("./train.js");
    const products = [
      ...Array.from({ length: 80 }, (_, i) => ({ id: `a${i}`, text: [`alpha kettle ${i % 7}`], label: "A" })),
      ...Array.from({ length: 80 }, (_, i) => ({ id: `b${i}`, text: [`beta shoe ${i % 5}`], label: "B" })),
      { id: "f", text: ["gamma delta foxtrot"], label: "C > D > F" },
      { id: "g", text: ["gamma delta golf"], label: "C > D > G" },
    ];
    const model = await train(products, { seed: 1, classifierParams: { threads: 0 } });
    expect(model.calibrated).toBe(true);
    const [p] = model.classify([{ id: "x", title: "gamma delta" }], { backoff: 0.9 });
    expect(["leaf", "backoff", "abstain"]).toContain(p!.decision!.status);
  });
});

describe("calibration from a linear classifier's single fit", () => {
  const products = [
    ...Array.from({ length: 120 }, (_, i) => ({ id: `a${i}`, text: [`alpha kettle ${i % 9} steel ${i % 4 === 0 ? "shoe" : ""}`], label: "A" })),
    ...Array.from({ length: 120 }, (_, i) => ({ id: `b${i}`, text: [`beta shoe ${i % 7} ${i % 5 === 0 ? "kettle" : "lace"}`], label: "B" })),
  ];

  it("calibrates on out-of-fold scores of warm-started refits, with no second training (no calibrate stage)", async () => {
    const { train } = await import("./train.js");
    const stages = new Set<string>();
    const model = await train(products, { seed: 3, classifierParams: { threads: 0 }, onProgress: (p) => stages.add(p.stage) });
    expect(model.calibrated).toBe(true);
    expect(stages.has("calibrate")).toBe(false);
    // Every training row has a held-out estimate.
    expect(model.info.calibration!.rows).toBe(products.length);
  });

  it("refits on folds when calibrationFolds is given", async () => {
    const { train } = await import("./train.js");
    const stages = new Set<string>();
    const model = await train(products, { seed: 3, calibrationFolds: 2, classifierParams: { threads: 0 }, onProgress: (p) => stages.add(p.stage) });
    expect(model.calibrated).toBe(true);
    expect(stages.has("calibrate")).toBe(true);
  });
});
