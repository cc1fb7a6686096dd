// `assort import --queue`: reads the catalog file where it runs and puts batches of rows (not paths: the
// workers need no access to the file) on the batches queue, at most a window of them at once; follows them
// to the end; checks in the store that every row of each finished batch is stored (and classified by the
// import's model), putting back a batch that is not; records the import as a job (/v1/jobs shows it).
import path from "node:path";
import { productToInput, readCatalog, type CatalogStore, type Progress, type ProductInput, type ReadOptions, type RowIssue } from "../index.js";
import { BatchTracker } from "./queue-batches.js";
import { queueJobId, type BullJobQueue } from "./queue.js";

export interface QueueImportOptions {
  file: string;
  store: CatalogStore;
  queue: BullJobQueue;
  /** The live model's version (every worker classifies with it); undefined: store without classifying. */
  model: string | undefined;
  readOptions?: ReadOptions;
  /** Rows per batch (default 1000). */
  batchSize?: number;
  /** Batches outstanding at once (default 32). */
  window?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface QueueImportResult {
  job: string;
  rows: number;
  batches: number;
  /** Rows found in the store afterwards (each batch checked when it finished). */
  stored: number;
  /** Rows whose stored prediction is the import model's. */
  classified: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Batches put on the queue again (Redis lost them, or the check found rows missing). */
  readded: number;
  skipped: RowIssue[];
  seconds: number;
}

interface BatchData {
  jobId: string;
  n: number;
  model: string | undefined;
  classify: boolean;
  rows: ProductInput[];
}

/** Imports `file` through the queue; resolves when every batch is stored (and classified), verified. */
export async function importThroughQueue(o: QueueImportOptions): Promise<QueueImportResult> {
  const started = performance.now();
  const { store } = o;
  const batchSize = o.batchSize ?? 1000;
  const job = await store.createJob("import", { file: path.basename(o.file), batchSize, ...(o.model ? { model: o.model } : {}) });
  await store.updateJob(job.id, { state: "running", progress: { stage: "import", done: 0, total: 0 } });
  const out: QueueImportResult = { job: job.id, rows: 0, batches: 0, stored: 0, classified: 0, inserted: 0, updated: 0, unchanged: 0, readded: 0, skipped: [], seconds: 0 };
  const report = (): void => o.onProgress?.({ stage: "import", done: out.stored, total: out.rows });
  let lastWrite = 0;
  const tracker = new BatchTracker(o.queue.batches, {
    window: o.window ?? 32,
    ...(o.signal ? { signal: o.signal } : {}),
    onComplete: async (_id, result, data) => {
      const b = data as BatchData;
      const r = result as { stored?: number; inserted?: number; updated?: number; unchanged?: number } | undefined;
      // The store is the record of truth: every row there, with the import model's prediction.
      const hashes = await store.productHashes(b.rows.map((x) => String(x.id)));
      const ids = new Set(b.rows.map((x) => String(x.id)));
      const classified = [...hashes.values()].filter((h) => h.model === b.model).length;
      if (hashes.size < ids.size || (b.classify && b.model !== undefined && classified < ids.size)) return false;
      out.stored += hashes.size;
      out.classified += b.model ? classified : 0;
      out.inserted += r?.inserted ?? 0;
      out.updated += r?.updated ?? 0;
      out.unchanged += r?.unchanged ?? 0;
      report();
      if (Date.now() - lastWrite > 500) {
        lastWrite = Date.now();
        const j = await store.updateJob(job.id, { progress: { stage: "import", done: out.stored, total: out.rows } });
        if (j?.state === "cancelled") throw new Error(`The import job "${job.id}" was cancelled`);
      }
      return true;
    },
  });
  try {
    const read = o.readOptions ?? {};
    const textFields = read.textFields ?? ["title", "description"];
    const stream = readCatalog(o.file, { onBadRow: "skip", ...read, ...(o.signal ? { signal: o.signal } : {}) });
    let rows: ProductInput[] = [];
    const flush = async (): Promise<void> => {
      if (rows.length === 0) return;
      const n = out.batches++;
      const data: BatchData = { jobId: job.id, n, model: o.model, classify: o.model !== undefined, rows };
      await tracker.add(queueJobId(job.id, n, o.model ?? "none"), "import-batch", data);
      rows = [];
    };
    for await (const p of stream) {
      out.rows++;
      rows.push(productToInput(p, textFields));
      if (rows.length >= batchSize) await flush();
    }
    await flush();
    out.skipped = stream.report.issues;
    await tracker.drain();
    out.readded = tracker.readded;
    out.seconds = (performance.now() - started) / 1000;
    const { skipped, ...summary } = out;
    await store.updateJob(job.id, { state: "done", progress: { stage: "import", done: out.stored, total: out.rows }, result: { ...summary, skipped: skipped.length } });
    return out;
  } catch (e) {
    await store.updateJob(job.id, { state: "failed", error: (e as Error).message }).catch(() => undefined);
    throw e;
  }
}
