// BatchTracker against a scripted queue: what it reports when a batch completes between two looks at it.
import type { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { BatchTracker } from "./queue-batches.js";

/**
 * A queue whose one batch completes (return value { rows: 7 }) at the moment its job is first fetched while it
 * runs: a caller that fetched the job first and its state after sees "completed" on a job without a return value.
 */
function racingQueue(): Queue {
  let completed = false;
  const snapshot = () => ({ returnvalue: completed ? { rows: 7 } : null, attemptsMade: completed ? 1 : 0, opts: { attempts: 3 }, getState: async () => (completed ? "completed" : "active") });
  return {
    add: async () => ({}),
    getJobState: async () => (completed ? "completed" : "active"),
    getJob: async () => {
      const job = snapshot();
      completed = true;
      return job;
    },
  } as unknown as Queue;
}

describe("BatchTracker", () => {
  it("reports a batch's return value when it completes between the tracker's looks at it", async () => {
    const results: unknown[] = [];
    const tracker = new BatchTracker(racingQueue(), { pollMs: 1, onComplete: (_id, result) => void results.push(result) });
    await tracker.add("b1", "classify-batch", {});
    await tracker.drain();
    expect(results).toEqual([{ rows: 7 }]);
    expect(tracker.readded).toBe(0);
  });

  it("adds a batch again when the queue no longer knows it", async () => {
    const added: string[] = [];
    let known = false;
    const queue = {
      add: async (_name: string, _data: unknown, o: { jobId: string }) => {
        added.push(o.jobId);
        known = added.length > 1; // the first add is lost (Redis restarted), the second kept
        return {};
      },
      getJobState: async () => (known ? "completed" : "unknown"),
      getJob: async () => (known ? { returnvalue: { rows: 1 }, attemptsMade: 1, opts: {} } : undefined),
    } as unknown as Queue;
    const results: unknown[] = [];
    const tracker = new BatchTracker(queue, { pollMs: 1, onComplete: (_id, result) => void results.push(result) });
    await tracker.add("b1", "import-batch", {});
    await tracker.drain();
    expect(added).toEqual(["b1", "b1"]);
    expect(tracker.readded).toBe(1);
    expect(results).toEqual([{ rows: 1 }]);
  });
});
