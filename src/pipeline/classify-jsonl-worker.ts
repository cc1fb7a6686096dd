// Worker thread entry for classifyJsonl (./classify-jsonl.ts): holds a copy of a category model and answers the
// blocks of JSONL lines it is sent (answerBlock), posting each answer's buffers back transferred, not copied.
import { parentPort, workerData } from "node:worker_threads";
import type { ArtifactArray } from "../core/contracts.js";
import type { LineBlock } from "../catalog/read-lines.js";
import { CategoryModel } from "./category-model.js";
import { answerBlock, type BlockSettings } from "./classify-jsonl.js";

const init = workerData as { manifest: Record<string, unknown>; arrays: Record<string, ArtifactArray>; settings: BlockSettings };
const model = CategoryModel.fromParts(init.manifest, init.arrays, "<worker>");
// Compiles the hashing and scoring modules before saying ready (the first block would wait for them).
model.predict([{ id: "", text: ["warm up"], fields: {} }], init.settings.options);

parentPort!.on("message", (m: { id: number; block: LineBlock; check: boolean }) => {
  const answer = answerBlock(model, init.settings, m.block, m.check);
  parentPort!.postMessage({ id: m.id, answer }, [answer.text.buffer, answer.ends.buffer] as ArrayBuffer[]);
});
parentPort!.postMessage({ ready: true });
