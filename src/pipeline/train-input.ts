// What training reads before it learns, kept apart from the learning (train.ts) so that a caller can start reading
// while train.ts and its dependencies (the classifiers, zod) still load: the catalog, whose text goes to the
// featurizer's worker as it is read, and that worker, started ahead.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { Product } from "../core/product.js";
import { feedFitWorker, prestartFitWorker } from "../featurize/text/fit-worker.js";
import { readCatalogBatches, type ReadOptions, type ReadReport } from "../catalog/read-catalog.js";
import { isCjk } from "../featurize/text/tokenize.js";

/** Bytes of the catalog file looked at for Chinese or Japanese text by {@link prestartTextTraining}. */
const PEEK_BYTES = 64 * 1024;

/**
 * Smallest catalog file {@link prestartTextTraining} starts the worker for. Catalogs carry other fields than the
 * text (pricerunner: 6.8 MB for 1.5M characters of text), and on a smaller one the worker is still starting (and
 * compiling its code) when the file has been read: flipkart-1050's 1.3 MB (437k characters) came out no faster.
 */
const PRESTART_MIN_BYTES = 2_000_000;

/**
 * Starts what featurizing training text will need while the caller still reads the catalog `file` (optional; only
 * a regular file's head is looked at):
 * the featurizer's worker thread (~40 ms to start; not for a file too small to share its text with one), and, when
 * the file begins with Chinese or Japanese text, its segmenter's dictionary (~0.2 s). train() then takes them; unused, they do not keep the process alive.
 */
export function prestartTextTraining(file?: string): void {
  let cjk = false;
  // Only a regular file is looked at: a FIFO or device would block, and what is read from it would be lost.
  const stat = file === undefined ? undefined : statSync(file, { throwIfNoEntry: false });
  if (stat?.isFile() === true && stat.size < PRESTART_MIN_BYTES) return;
  if (file !== undefined && stat?.isFile() === true) {
    try {
      const fd = openSync(file, "r");
      try {
        const head = Buffer.alloc(PEEK_BYTES);
        const text = head.toString("utf8", 0, readSync(fd, head, 0, PEEK_BYTES, 0));
        for (let i = 0; i < text.length && !cjk; i++) cjk = isCjk(text.charCodeAt(i));
      } finally {
        closeSync(fd);
      }
    } catch {
      // unreadable here: reading the catalog reports it
    }
  }
  prestartFitWorker({ cjk });
}

/**
 * Reads a training catalog as readCatalogFile does, handing the text of each batch read to the worker
 * {@link prestartTextTraining} started (if any), which hashes it while the rest is read: train() on the
 * products then goes on from there (with the default featurizer; otherwise the worker's work is dropped).
 */
export function readTrainingSet(source: string | NodeJS.ReadableStream, options?: ReadOptions): Promise<{ products: Product[]; report: ReadReport }> {
  return readCatalogBatches(source, options, (batch) => feedFitWorker(batch.map((p) => p.text)));
}
