// The Gram matrix that the one-vs-rest threads fill in shared blocks of rows (fillGramBlocks, completeGram): it is
// the matrix one thread computes, including when a block's thread never finishes it (a worker that died after
// claiming it): that block is waited for, then computed by the thread that completes the matrix.
import { describe, expect, it } from "vitest";
import { gramPlan, kernels } from "../linalg/kernels.js";
import { Random } from "../linalg/random.js";
import { randomSparseRows } from "../../test/fixtures/sparse-rows.js";
import { completeGram, fillGramBlocks, type OvrJob } from "./one-vs-rest.js";

const COLS = 60;
const bits = (a: Float64Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

const rows = () => randomSparseRows(new Random(11), 70, COLS, { maxNonZeros: 9, scale: 2 });

function gramJob(claimed: number): { job: OvrJob; state: Int32Array } {
  const x = rows();
  const gramPlanned = gramPlan(x, COLS, true, 16);
  const state = new Int32Array(new SharedArrayBuffer(4 * gramPlanned.blockPtr.length));
  // Blocks [0, claimed) were claimed by another thread (state[0] is the next block to claim).
  state[0] = claimed;
  const gram = new Float64Array(new SharedArrayBuffer(8 * x.rows * x.rows)).fill(NaN);
  const job = { gram, gramPlan: gramPlanned, gramState: state, config: { bias: 1 } } as unknown as OvrJob;
  return { job, state };
}

describe("Gram blocks shared by the one-vs-rest threads", () => {
  it("completeGram gives kernels().gramMatrix's bits, with and without blocks left by a thread that never finished them", () => {
    const reference = kernels().gramMatrix(rows(), COLS, 1);
    const whole = gramJob(0);
    completeGram(whole.job);
    expect(bits(whole.job.gram!)).toEqual(bits(reference));
    // Every block marked filled, each by this thread.
    const blocks = whole.job.gramPlan!.blockPtr.length - 1;
    expect(blocks).toBeGreaterThan(2);
    for (let r = 0; r < blocks; r++) expect(whole.state[1 + r]).toBe(1);

    // Block 0 claimed by a worker that died before filling it: waited for (a second), then filled here.
    const orphan = gramJob(1);
    completeGram(orphan.job);
    expect(orphan.state[1]).toBe(0);
    expect(bits(orphan.job.gram!)).toEqual(bits(reference));
  });

  it("fillGramBlocks takes only unclaimed blocks and stops when none is left", () => {
    const { job, state } = gramJob(2);
    fillGramBlocks(job);
    const blocks = job.gramPlan!.blockPtr.length - 1;
    expect([state[1], state[2]]).toEqual([0, 0]);
    for (let r = 2; r < blocks; r++) expect(state[1 + r]).toBe(1);
    // Rows of the two unclaimed-by-this-thread blocks are untouched (still NaN on and right of the diagonal).
    const n = job.gramPlan!.n;
    const firstRow = job.gram!.subarray(0, n);
    expect(Number.isNaN(firstRow[0])).toBe(true);
    expect(Atomics.load(state, 0)).toBeGreaterThanOrEqual(blocks);
  });
});
