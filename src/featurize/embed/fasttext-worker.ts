// Worker thread of the fastText trainer: trains its share of the lines on the shared matrices (Hogwild).
import { parentPort, workerData } from "node:worker_threads";
import { TrainScratch, trainLines, type TrainState } from "./fasttext-train.js";

interface Job {
  state: TrainState;
  from: number;
  to: number;
  epochs: number;
  seed: number;
}

const job = workerData as Job;
const sc = new TrainScratch(job.state.dim, job.state.nlabels, job.seed);
const CHUNK = 512;
for (let e = 0; e < job.epochs; e++) {
  for (let l = job.from; l < job.to; l += CHUNK) {
    trainLines(job.state, l, Math.min(job.to, l + CHUNK), sc);
  }
}
parentPort!.postMessage({ loss: sc.loss, lossCount: sc.lossCount });
