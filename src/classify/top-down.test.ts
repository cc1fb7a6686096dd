// The top-down classifier: path products of per-node probabilities, valid paths, artifact round trip.
import { describe, expect, it } from "vitest";
import { csr } from "../linalg/matrix.js";
import { fitTopDown, TopDownModel } from "./top-down.js";

// Six one-hot rows in 6 columns: labels A>X, A>Y, B (a top-level leaf) twice each.
const labels = ["A > X", "A > Y", "B"];
const x = csr(6, 6, Int32Array.of(0, 1, 2, 3, 4, 5, 6), Int32Array.of(0, 1, 2, 3, 4, 5), Float32Array.of(1, 1, 1, 1, 1, 1));
const y = Int32Array.of(0, 0, 1, 1, 2, 2);

describe("top-down", () => {
  it("multiplies P(child | parent) along each path, so rows sum to 1 and the training rows are recovered", async () => {
    const m = await fitTopDown(x, y, labels, " > ", "linear-svm", { threads: 0 }, { seed: 1 });
    expect(m.classCount).toBe(3);
    expect(m.nodeModels).toBe(2); // the root (A vs B) and A (X vs Y); B has no children
    const p = m.predictProba(x);
    for (let i = 0; i < 6; i++) {
      const row = Array.from(p.data.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(Array.from(m.predict(x))).toEqual(Array.from(y));
    // log-probabilities as decision scores
    const d = m.decisionFunction(x);
    expect(d.data[0]).toBeCloseTo(Math.log(p.data[0]!), 5);
  });

  it("round-trips through its artifact with identical probabilities", async () => {
    const m = await fitTopDown(x, y, labels, " > ", "logistic-regression", { threads: 0 }, { seed: 1 });
    const back = TopDownModel.fromArtifact(m.toArtifact());
    expect(Array.from(back.predictProba(x).data)).toEqual(Array.from(m.predictProba(x).data));
  });
});
