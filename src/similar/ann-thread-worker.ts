// Worker-thread entry of AnnThread: runs an AnnHost at a lowered priority. Inserts, builds and saves run in
// order; a search is answered at once (it sees the inserts done so far). `workerData.reads`: the serving
// thread's read gate (read-gate.ts), by which inserts keep off the CPU while reads are answered.
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority } from "../core/worker.js";
import { AnnHost, type AnnThreadReply, type AnnThreadRequest } from "./ann-host.js";
import { ReadGate } from "./read-gate.js";

const port = parentPort;
if (port) {
  lowerThreadPriority();
  const reads = (workerData as { reads?: SharedArrayBuffer } | undefined)?.reads;
  const host = new AnnHost(reads ? new ReadGate(reads) : undefined);
  let queue: Promise<void> = Promise.resolve();
  const answer = async (m: AnnThreadRequest): Promise<void> => {
    let reply: AnnThreadReply;
    try {
      reply = await host.handle(m);
    } catch (e) {
      reply = { id: m.id, ok: false, message: (e as Error)?.message ?? String(e) };
    }
    port.postMessage(reply);
  };
  port.on("message", (m: AnnThreadRequest) => {
    // Searches do not wait for queued inserts (they see the inserts done so far); everything else runs in order.
    if (m.op === "search") {
      void answer(m);
      return;
    }
    queue = queue.then(() => answer(m));
  });
}
