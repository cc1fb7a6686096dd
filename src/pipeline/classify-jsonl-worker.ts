// Worker thread entry for classifyJsonl (./classify-jsonl-run.ts): loads its modules as soon as it starts (it may be
// started before the model is loaded: ./classify-jsonl-start.ts), then is sent a copy of a category model and
// answers the blocks of JSONL lines it is sent (answerBlock; those sent before the model was ready, once it is),
// posting each answer's buffers back transferred, not copied. A linear model is answered by a LeanPredictor, from light modules only; any other loads the whole model
// code when it arrives.
import { parentPort, workerData } from "node:worker_threads";
import type { ArtifactArray } from "../core/contracts.js";
import type { LineBlock } from "../catalog/read-lines.js";
import { segment } from "../featurize/text/tokenize.js";
import { answerBlock, LeanPredictor, type BlockPredictor, type BlockSettings } from "./classify-jsonl-answer.js";
import type { ClassifyWorkerData } from "./classify-jsonl-start.js";

/** The first message: the model's parts (see CategoryModel.toParts), whether its classifier is linear, and how to answer. */
export interface WorkerInit {
  manifest: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
  linear: boolean;
  settings: BlockSettings;
}

// Chinese or Japanese text ahead: the segmenter's dictionary loads now, while the caller loads the model.
if ((workerData as ClassifyWorkerData | undefined)?.cjk) segment("中文");

/** A LeanPredictor for a linear model hashed in WebAssembly, else the whole model. */
async function predictor(init: WorkerInit): Promise<BlockPredictor> {
  const lean = init.linear ? LeanPredictor.fromParts(init.manifest, init.arrays) : undefined;
  if (lean) return lean;
  const { CategoryModel } = await import("./category-model.js");
  return CategoryModel.fromParts(init.manifest, init.arrays, "<worker>");
}

let model: BlockPredictor | undefined;
let settings: BlockSettings;
/** Blocks sent before the model was ready (to a worker started ahead), answered once it is. */
let early: BlockMessage[] | undefined = [];

type BlockMessage = { id: number; block: LineBlock; check: boolean };

function answer(m: BlockMessage): void {
  const a = answerBlock(model!, settings, m.block, m.check);
  parentPort!.postMessage({ id: m.id, answer: a }, [a.text.buffer, a.ends.buffer] as ArrayBuffer[]);
}

parentPort!.on("message", (m: { init: WorkerInit } | BlockMessage) => {
  if ("init" in m) {
    void predictor(m.init).then((p) => {
      model = p;
      settings = m.init.settings;
      // Compiles the hashing and scoring modules before saying ready (the first block would wait for them).
      model.predict([{ id: "", text: ["warm up"], fields: {} }], settings.options);
      parentPort!.postMessage({ ready: true });
      const waiting = early!;
      early = undefined;
      for (const b of waiting) answer(b);
    });
    return;
  }
  if (early) early.push(m);
  else answer(m);
});
