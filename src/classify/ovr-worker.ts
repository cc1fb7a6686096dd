// Worker thread entry: pulls one-vs-rest classes off the shared queue and posts each solution back.
import { parentPort, workerData } from "node:worker_threads";
import { rowSquaredNorms } from "./dual-cd.js";
import { drainQueue, type OvrJob } from "./one-vs-rest.js";

const job = workerData as OvrJob;
drainQueue(job, rowSquaredNorms(job.x, job.config.bias), (s) => {
  parentPort!.postMessage(s, [s.features.buffer as ArrayBuffer, s.values.buffer as ArrayBuffer, s.probeAlpha.buffer as ArrayBuffer, s.probeOof.buffer as ArrayBuffer]);
});
