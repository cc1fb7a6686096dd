// Worker thread of TextFeaturizer.fitTransform (see fit-worker.ts): waits for its share of the documents,
// hashes them and sends back their document frequencies; then, given the fitted columns, writes its rows,
// compacted and weighted, into the shared output, and ends.
import { parentPort } from "node:worker_threads";
import { hashRows, type RawRows } from "./hash-wasm.js";
import { segment } from "./tokenize.js";
import { compactRows } from "./fit-rows.js";
import type { FitReply, FitRequest } from "./fit-worker.js";

const port = parentPort!;
let rows: RawRows | undefined;
port.on("message", (m: FitRequest) => {
  let reply: FitReply;
  let transfer: ArrayBuffer[] = [];
  if (m.kind === "warm-cjk") {
    segment("中文"); // loads jieba's dictionary (~0.2 s) while the main thread reads
    return;
  }
  if (m.kind === "hash") {
    rows = hashRows(m.params, m.texts);
    reply = { kind: "hashed", df: rows.df, nnz: rows.cols.length };
    transfer = [rows.df.buffer as ArrayBuffer];
  } else {
    const end = compactRows(rows!, m.colMap, m.weights, m.out);
    rows = undefined;
    reply = { kind: "compacted", end };
  }
  port.postMessage(reply, transfer);
  if (reply.kind === "compacted") port.close();
});
