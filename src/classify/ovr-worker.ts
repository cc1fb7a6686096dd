// Worker thread entry: pulls one-vs-rest classes off the shared queue and posts each solution back.
import { parentPort, workerData } from "node:worker_threads";
import { rowSquaredNorms } from "./dual-cd.js";
import { drainQueue, type OvrJob } from "./one-vs-rest.js";

const job = workerData as OvrJob;
// The main thread fills the shared norms (or the Gram matrix) while this thread starts: wait for them.
if (job.ready) Atomics.wait(job.ready, 0, 0);
const xsq = job.xsq ?? (job.gram ? new Float64Array(job.x.rows) : rowSquaredNorms(job.x, job.config.bias));

drainQueue(job, xsq, (s) => {
  parentPort!.postMessage(s, [s.features.buffer as ArrayBuffer, s.values.buffer as ArrayBuffer, s.probeAlpha.buffer as ArrayBuffer, s.probeOof.buffer as ArrayBuffer]);
});
