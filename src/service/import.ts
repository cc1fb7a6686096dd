// Writing products into the store: one transaction per batch, classified with the live model on the way.
import { throwIfAborted, type RowIssue } from "../core/errors.js";
import type { Progress } from "../core/progress.js";
import type { CatalogStore, ProductWrite } from "./catalog-store.js";
import { readCatalog, type ReadOptions } from "../catalog/read-catalog.js";
import path from "node:path";
import type { ProductModel } from "../core/contracts.js";
import { productToInput, toProductWrites } from "./input.js";

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  classified: number;
  changed: string[];
}

/**
 * Classifies the rows with `model` (when given; large batches on every core) and upserts them in one store
 * transaction. `baseDir`: where relative image paths start (models that see photos).
 */
export async function upsertBatch(store: CatalogStore, rows: ProductWrite[], model: ProductModel | undefined, baseDir?: string): Promise<BatchResult> {
  let classified = 0;
  if (model && rows.length > 0) {
    // Rows whose content and prediction model are unchanged keep their prediction.
    const known = await store.productHashes(rows.map((r) => r.id));
    const todo = rows.filter((r) => {
      const k = known.get(r.id);
      return !k || k.hash !== r.hash || k.model !== model.version;
    });
    const predictions = todo.length > 0 ? await model.classifyBatch(todo.map((r) => r.fields), baseDir !== undefined ? { baseDir } : {}) : [];
    todo.forEach((r, i) => {
      const top = predictions[i]?.categories[0];
      if (top) r.predicted = { category: top.category, score: top.score, model: model.version };
    });
    classified = todo.length;
  }
  const r = await store.upsertProducts(rows);
  return { ...r, classified };
}

export interface ImportFileOptions {
  readOptions?: ReadOptions;
  batchSize?: number;
  model?: ProductModel;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
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
  const out: ImportFileResult = { rows: 0, inserted: 0, updated: 0, unchanged: 0, classified: 0, skipped: [], seconds: 0, changedIds: [] };
  let batch: ReturnType<typeof productToInput>[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    throwIfAborted(o.signal, "Import");
    const r = await upsertBatch(store, toProductWrites(batch, file), o.model, path.dirname(path.resolve(file)));
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
