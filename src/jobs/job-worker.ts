// Worker-thread entry of WorkerJobRunner: runs one catalog task and posts progress and the result.
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority, runCatalogTask, type CatalogTask, type CatalogTaskResult, type Progress } from "../index.js";

/** Messages from the worker to the runner. */
export type WorkerMessage =
  | { type: "progress"; progress: Progress }
  | { type: "done"; result: CatalogTaskResult }
  | { type: "error"; message: string; code?: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  lowerThreadPriority(); // training and clustering must not slow the server's requests down
  try {
    const result = await runCatalogTask(workerData as CatalogTask, { onProgress: (progress) => port.postMessage({ type: "progress", progress } satisfies WorkerMessage) });
    port.postMessage({ type: "done", result } satisfies WorkerMessage);
  } catch (e) {
    const err = e as Error & { code?: unknown };
    port.postMessage({ type: "error", message: err.message ?? String(e), ...(typeof err.code === "string" ? { code: err.code } : {}) } satisfies WorkerMessage);
  }
}

if (parentPort) void main();
