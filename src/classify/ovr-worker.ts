// Worker thread entry: pulls one-vs-rest classes off the shared queue and posts each solution back.
import { parentPort, workerData } from "node:worker_threads";
import { rowSquaredNorms } from "./dual-cd.js";
import { drainQueue, type OvrJob } from "./one-vs-rest.js";

const job = workerData as OvrJob;
/** The rows' squared norms: the main thread's, once it has them, or this thread's own. */
function squaredNorms(): Float64Array {
  if (job.gram) return new Float64Array(job.x.rows);
  if (!job.xsq || !job.xsqReady) return rowSquaredNorms(job.x, job.config.bias);
  Atomics.wait(job.xsqReady, 0, 0);
  return job.xsq;
}

drainQueue(job, squaredNorms(), (s) => {
  parentPort!.postMessage(s, [s.features.buffer as ArrayBuffer, s.values.buffer as ArrayBuffer, s.probeAlpha.buffer as ArrayBuffer, s.probeOof.buffer as ArrayBuffer]);
});
