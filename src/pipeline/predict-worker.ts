// Worker thread entry for PredictPool: holds a copy of a fitted text featurizer (and, when sent one, of the
// classifier) and answers the batches it is sent: the classifier's raw probabilities (rows × classes), or the
// feature rows when it has no classifier; posted back transferred, not copied.
import { parentPort, workerData } from "node:worker_threads";
import type { Artifact } from "../core/contracts.js";
import { FittedTextFeaturizer } from "../featurize/text/text-featurizer.js";
import type { TextFeaturizerParams } from "../featurize/text/params.js";
import { restoreAnyClassifier } from "./restore-classifier.js";

const init = workerData as { params: TextFeaturizerParams; columns: Int32Array; idf: Float32Array; classifier?: Artifact };
const featurizer = new FittedTextFeaturizer(init.params, init.columns, init.idf);
const classifier = init.classifier ? restoreAnyClassifier(init.classifier) : undefined;

parentPort!.on("message", (m: { id: number; texts: string[][] }) => {
  const t = performance.now();
  const x = featurizer.transformTexts(m.texts);
  if (classifier) {
    const proba = classifier.predictProba(x).data as Float32Array;
    parentPort!.postMessage({ id: m.id, ms: performance.now() - t, rows: x.rows, proba }, [proba.buffer] as ArrayBuffer[]);
    return;
  }
  parentPort!.postMessage({ id: m.id, ms: performance.now() - t, rows: x.rows, indptr: x.indptr, indices: x.indices, data: x.data }, [
    x.indptr.buffer,
    x.indices.buffer,
    x.data.buffer,
  ] as ArrayBuffer[]);
});
parentPort!.postMessage({ ready: true });
