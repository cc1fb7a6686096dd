// Worker thread entry: started ahead of its job (trainOneVsRest), which it gets by message; fills its share of the
// Gram matrix's blocks (when the job has one), then pulls one-vs-rest classes off the shared queue and posts each
// solution back.
import { parentPort } from "node:worker_threads";
import { kernels } from "../linalg/kernels.js";
import { rowSquaredNorms } from "./dual-cd.js";
import { drainQueue, fillGramBlocks, type OvrJob } from "./one-vs-rest.js";

// Compiles the kernels' module, and its solvers for speed, while the main thread lays out the job.
kernels().prepareSolvers();
parentPort!.once("message", (job: OvrJob) => {
  fillGramBlocks(job);
  // The main thread fills the shared norms (or completes the Gram matrix): wait for them.
  if (job.ready) Atomics.wait(job.ready, 0, 0);
  const xsq = job.xsq ?? (job.gram ? new Float64Array(job.x.rows) : rowSquaredNorms(job.x, job.config.bias));
  drainQueue(job, xsq, (s) => {
    parentPort!.postMessage(s, [s.features.buffer as ArrayBuffer, s.values.buffer as ArrayBuffer, s.probeAlpha.buffer as ArrayBuffer, s.probeOof.buffer as ArrayBuffer, s.rowScores.buffer as ArrayBuffer]);
  });
});
