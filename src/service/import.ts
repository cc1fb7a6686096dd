// Writing products into the store: one transaction per batch, classified with the live model on the way.
import { throwIfAborted, type RowIssue } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import type { CatalogStore, ProductWrite } from "./catalog-store.js";
import { readCatalog, type ReadOptions } from "../catalog/read-catalog.js";
import path from "node:path";
import type { ProductModel } from "../core/contracts.js";
import type { ProductInput } from "../core/product.js";
import { productToInput, toProductWrites } from "./input.js";
import { topOf, type TopPredictions } from "./write-work.js";

/** Lets the event loop run what is waiting (a macrotask turn). */
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface BatchResult<P = undefined> {
  inserted: number;
  updated: number;
  unchanged: number;
  classified: number;
  changed: string[];
  /** Effective category of each changed product. */
  categories: (string | null)[];
  /** What `prepare` returned for the changing rows (undefined when nothing changed or it failed). */
  prepared?: P;
}

/** Classifies items with one model version: the top category and score of each. */
export interface BatchClassifier {
  version: string;
  top(items: readonly ProductInput[]): Promise<TopPredictions>;
}

/** A classifier over a model's own `classifyBatch` (large batches on every core), in this thread. */
export function inThreadClassifier(model: ProductModel, baseDir?: string): BatchClassifier {
  return { version: model.version, top: async (items) => topOf(model.version, await model.classifyBatch(items, baseDir !== undefined ? { baseDir } : {})) };
}

/**
 * Classifies the rows with `classifier` (when given) and upserts them in one store transaction. Rows whose
 * content and prediction model are unchanged keep their prediction. `prepare` runs on the rows whose content
 * changes while the store writes (e.g. embedding them); a failure there only leaves `prepared` undefined.
 */
export async function upsertBatch<P = undefined>(
  store: CatalogStore,
  rows: ProductWrite[],
  classifier: BatchClassifier | undefined,
  prepare?: (changing: ProductWrite[]) => Promise<P>,
): Promise<BatchResult<P>> {
  let classified = 0;
  // Yields between the steps that run on this thread (validation before, the lookup, handing rows over), so
  // a bulk write never holds the event loop for long in one piece.
  await yieldToLoop();
  const known = rows.length > 0 && (classifier || prepare) ? await store.productHashes(rows.map((r) => r.id)) : new Map<string, { hash: string; model?: string }>();
  await yieldToLoop();
  if (classifier && rows.length > 0) {
    const todo = rows.filter((r) => {
      const k = known.get(r.id);
      return !k || k.hash !== r.hash || k.model !== classifier.version;
    });
    if (todo.length > 0) {
      const p = await classifier.top(todo.map((r) => r.fields));
      todo.forEach((r, i) => {
        const category = p.categories[i];
        if (category !== undefined) r.predicted = { category, score: p.scores[i]!, model: p.version };
      });
    }
    classified = todo.length;
  }
  const changing = prepare ? rows.filter((r) => known.get(r.id)?.hash !== r.hash) : [];
  const [r, prepared] = await Promise.all([store.upsertProducts(rows), changing.length > 0 ? prepare!(changing).catch(() => undefined) : undefined]);
  return { ...r, classified, ...(prepared !== undefined ? { prepared } : {}) };
}

export interface ImportFileOptions {
  readOptions?: ReadOptions;
  batchSize?: number;
  model?: ProductModel;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called with each batch's rows after it is stored (rows the model classified carry `predicted`). */
  onClassified?: (rows: readonly ProductWrite[]) => void;
}

export interface ImportFileResult {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  classified: number;
  skipped: RowIssue[];
  seconds: number;
  changedIds: string[];
}

/**
 * Streams a JSONL/CSV catalog into the store in batches (default 2000 rows, one transaction each). Bad rows
 * are skipped and reported; a crash mid-import keeps every batch acknowledged before it.
 */
export async function importCatalogFile(store: CatalogStore, file: string, o: ImportFileOptions = {}): Promise<ImportFileResult> {
  const started = performance.now();
  const batchSize = o.batchSize ?? 2000;
  const read = o.readOptions ?? {};
  const textFields = read.textFields ?? ["title", "description"];
  const stream = readCatalog(file, { onBadRow: "skip", ...read, signal: o.signal });
  const classifier = o.model ? inThreadClassifier(o.model, path.dirname(path.resolve(file))) : undefined;
  const out: ImportFileResult = { rows: 0, inserted: 0, updated: 0, unchanged: 0, classified: 0, skipped: [], seconds: 0, changedIds: [] };
  let batch: ReturnType<typeof productToInput>[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    throwIfAborted(o.signal, "Import");
    const rows = toProductWrites(batch, file);
    const r = await upsertBatch(store, rows, classifier);
    if (classifier) o.onClassified?.(rows);
    out.inserted += r.inserted;
    out.updated += r.updated;
    out.unchanged += r.unchanged;
    out.classified += r.classified;
    for (const id of r.changed) out.changedIds.push(id);
    batch = [];
    o.onProgress?.({ stage: "import", done: out.rows, total: 0 });
  };
  for await (const p of stream) {
    out.rows++;
    batch.push(productToInput(p, textFields));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  out.skipped = stream.report.issues;
  out.seconds = (performance.now() - started) / 1000;
  return out;
}
