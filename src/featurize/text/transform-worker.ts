// Worker thread entry for TransformPool: holds a copy of a fitted featurizer and transforms the batches
// it is sent, posting the CSR arrays back (transferred, not copied).
import { parentPort, workerData } from "node:worker_threads";
import { FittedTextFeaturizer } from "./text-featurizer.js";
import type { TextFeaturizerParams } from "./params.js";

const init = workerData as { params: TextFeaturizerParams; columns: Int32Array; idf: Float32Array };
const featurizer = new FittedTextFeaturizer(init.params, init.columns, init.idf);

parentPort!.on("message", (m: { id: number; texts: string[][] }) => {
  const t = performance.now();
  const x = featurizer.transformTexts(m.texts);
  parentPort!.postMessage({ id: m.id, ms: performance.now() - t, rows: x.rows, indptr: x.indptr, indices: x.indices, data: x.data }, [
    x.indptr.buffer,
    x.indices.buffer,
    x.data.buffer,
  ] as ArrayBuffer[]);
});
