// The worker threads of classifyJsonl (./classify-jsonl-run.ts), which can be started ahead: a worker takes ~0.2 s to
// load its modules, which it can do while the caller still loads its own and the model (the model is sent once it
// is loaded). Imports next to nothing, so that starting them ahead costs the caller nothing to load.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { workerThreads } from "../core/worker.js";
import { isCjk } from "../featurize/text/tokenize.js";

/** The worker script (compiled builds only: from TypeScript sources there is none, and no worker is used). */
export const CLASSIFY_WORKER_URL = new URL("./classify-jsonl-worker.js", import.meta.url);
/** Files smaller than this are answered on the calling thread (starting workers would take longer). */
export const MIN_WORKER_BYTES = 1 << 20;
/** Most workers started (each holds a copy of the model). */
export const MAX_WORKERS = 4;

/** Bytes of the file's head looked at for Chinese or Japanese text. */
const PEEK_BYTES = 64 * 1024;

/** What a worker started ahead is told: the text is Chinese or Japanese, so it loads the segmenter's dictionary (~0.2 s) too. */
export interface ClassifyWorkerData {
  cjk: boolean;
}

/** Whether the first {@link PEEK_BYTES} of the file have a Chinese or Japanese character (false when unreadable: reading it says why). */
function headHasCjk(path: string): boolean {
  try {
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(PEEK_BYTES);
      const text = head.toString("utf8", 0, readSync(fd, head, 0, PEEK_BYTES, 0));
      for (let i = 0; i < text.length; i++) if (isCjk(text.charCodeAt(i))) return true;
    } finally {
      closeSync(fd);
    }
  } catch {
    // unreadable here: reading the catalog reports it
  }
  return false;
}

/** Workers started ahead and not yet taken. */
let spare: Worker[] = [];

/** Workers classifyJsonl starts beside the calling thread: one per other core, at most {@link MAX_WORKERS}; none without the compiled script. */
export function classifyWorkerCount(): number {
  return Math.min(MAX_WORKERS, workerThreads(CLASSIFY_WORKER_URL));
}

/**
 * Starts the worker threads that classifying the JSONL file at `path` with a category model will use (see
 * classifyJsonl), so that they load their modules (and, when the file begins with Chinese or Japanese text, the
 * segmenter's dictionary) while the caller loads its own and the model. Nothing for a file
 * that is not a regular file of at least {@link MIN_WORKER_BYTES}. Unused, they do not keep the process alive;
 * {@link closeSpareClassifyWorkers} ends them.
 */
export function prestartClassifyJsonl(path: string): void {
  if (spare.length > 0) return;
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isFile() !== true || stat.size < MIN_WORKER_BYTES) return;
  const n = classifyWorkerCount();
  const workerData: ClassifyWorkerData = { cjk: n > 0 && headHasCjk(path) };
  for (let i = n; i > 0; i--) {
    const w = new Worker(CLASSIFY_WORKER_URL, { workerData });
    w.unref();
    // A worker that fails while waiting is dropped; classifyJsonl starts another.
    w.on("error", () => (spare = spare.filter((s) => s !== w)));
    spare.push(w);
  }
}

/** Up to `n` of the workers started ahead (each now the caller's: it keeps the process alive until terminated). */
export function takeSpareClassifyWorkers(n: number): Worker[] {
  const taken = spare.splice(0, n);
  for (const w of taken) {
    w.removeAllListeners("error");
    w.ref();
  }
  return taken;
}

/** Ends the workers started ahead that were not taken. */
export async function closeSpareClassifyWorkers(): Promise<void> {
  await Promise.all(spare.splice(0).map((w) => w.terminate()));
}
