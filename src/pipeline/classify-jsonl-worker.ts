// Worker thread entry for classifyJsonl (./classify-jsonl.ts): loads its modules as soon as it starts (it may be
// started before the model is loaded: ./classify-jsonl-start.ts), then is sent a copy of a category model and
// answers the blocks of JSONL lines it is sent (answerBlock), posting each answer's buffers back transferred, not
// copied.
import { parentPort, workerData } from "node:worker_threads";
import type { ArtifactArray } from "../core/contracts.js";
import type { LineBlock } from "../catalog/read-lines.js";
import { segment } from "../featurize/text/tokenize.js";
import { CategoryModel } from "./category-model.js";
import { answerBlock, type BlockSettings } from "./classify-jsonl.js";
import type { ClassifyWorkerData } from "./classify-jsonl-start.js";

// Chinese or Japanese text ahead: the segmenter's dictionary loads now, while the caller loads the model.
if ((workerData as ClassifyWorkerData | undefined)?.cjk) segment("中文");

/** The first message: the model's parts and how to answer. */
interface Init {
  manifest: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
  settings: BlockSettings;
}

let model: CategoryModel | undefined;
let settings: BlockSettings;

parentPort!.on("message", (m: { init: Init } | { id: number; block: LineBlock; check: boolean }) => {
  if ("init" in m) {
    model = CategoryModel.fromParts(m.init.manifest, m.init.arrays, "<worker>");
    settings = m.init.settings;
    // Compiles the hashing and scoring modules before saying ready (the first block would wait for them).
    model.predict([{ id: "", text: ["warm up"], fields: {} }], settings.options);
    parentPort!.postMessage({ ready: true });
    return;
  }
  const answer = answerBlock(model!, settings, m.block, m.check);
  parentPort!.postMessage({ id: m.id, answer }, [answer.text.buffer, answer.ends.buffer] as ArrayBuffer[]);
});
