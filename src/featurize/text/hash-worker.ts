// Worker thread entry: hashes a slice of the documents and posts the raw rows back (transferred, not copied).
import { parentPort, workerData } from "node:worker_threads";
import { hashRows } from "./hash-wasm.js";
import type { TextFeaturizerParams } from "./params.js";

const { params, texts } = workerData as { params: TextFeaturizerParams; texts: string[][] };
const r = hashRows(params, texts);
parentPort!.postMessage(r, [r.indptr.buffer, r.cols.buffer, r.counts.buffer, r.df.buffer] as ArrayBuffer[]);
