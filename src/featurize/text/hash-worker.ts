// Worker thread of TextFeaturizer.fitTransform (see fit-worker.ts): hashes the parts of the documents it is sent
// that it claims before the main thread does (from the front; the main thread takes them from the back), possibly
// while the main thread is still reading the catalog; on "finish", sends back their document frequencies and raw
// rows (shared memory); then, given the fitted columns, compacts and weighs the parts it claims into the shared
// output, and ends.
import { parentPort } from "node:worker_threads";
import { FitHasher } from "./hash-wasm.js";
import { segment } from "./tokenize.js";
import { BY_WORKER, claim, compactClaimed, type RawPart } from "./fit-rows.js";
import type { FitReply, FitRequest } from "./fit-worker.js";

const port = parentPort!;
let hasher: FitHasher | undefined;
let claims: Int32Array | undefined;
const parts: { index: number; part: RawPart }[] = [];
port.on("message", (m: FitRequest) => {
  let reply: FitReply;
  if (m.kind === "warm-cjk") {
    segment("中文"); // loads jieba's dictionary (~0.2 s) while the main thread reads
    return;
  }
  if (m.kind === "begin") {
    hasher = new FitHasher(m.params);
    claims = m.claims;
    return;
  }
  if (m.kind === "part") {
    if (claim(claims!, m.index, BY_WORKER)) parts.push({ index: m.index, part: hasher!.part(m.texts, m.first) });
    return;
  }
  if (m.kind === "finish") {
    const df = hasher?.df ?? new Int32Array(0);
    reply = { kind: "hashed", df, parts: parts.splice(0) };
    hasher = undefined;
    port.postMessage(reply, [df.buffer as ArrayBuffer]);
    return;
  }
  compactClaimed(m.plan, BY_WORKER);
  reply = { kind: "compacted" };
  port.postMessage(reply);
  port.close();
});
