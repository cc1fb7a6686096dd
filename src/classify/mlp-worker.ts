// Worker thread entry of the MLP: computes the gradient of its slice of each mini-batch (see mlp-parallel).
import { workerData } from "node:worker_threads";
import { runSliceWorker, type SliceJob } from "./mlp-parallel.js";

runSliceWorker(workerData as SliceJob);
