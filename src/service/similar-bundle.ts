// The similar-items indexes of one vector model as one shared artifact: the whole-catalog index and each
// category's, saved with their ANN graphs (saveSimilarIndex: a model directory with a SHA-256 of its arrays).
// A process that fits product vectors on a catalog beyond the exact limit builds the indexes once and
// shares them; the others load them instead of building an HNSW graph each.
import { promises as fs } from "node:fs";
import path from "node:path";
import { loadSimilarIndex, saveSimilarIndex } from "../pipeline/product-vectors.js";
import type { SimilarIndex } from "../similar/similar-index.js";
import { writeFileAtomic } from "../core/atomic-write.js";

/** The indexes of one vector model: the whole catalog's and one per category. */
export interface IndexBundle {
  all: SimilarIndex;
  byCategory: Map<string, SimilarIndex>;
  /** The product ids in `all` (what a loader reconciles against the stored vectors). */
  ids: string[];
}

/** Writes `bundle` under `dir`: all/, c0/, c1/…, and bundle.json naming each category's folder and the ids. */
export async function saveBundle(dir: string, bundle: IndexBundle): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await saveSimilarIndex(path.join(dir, "all"), bundle.all);
  const names: string[] = [];
  for (const [category, index] of bundle.byCategory) {
    await saveSimilarIndex(path.join(dir, `c${names.length}`), index);
    names.push(category);
  }
  await writeFileAtomic(path.join(dir, "bundle.json"), JSON.stringify({ categories: names, ids: bundle.ids }));
}

/** Reads a bundle written by {@link saveBundle} (each index's checksum verified). */
export async function loadBundle(dir: string): Promise<IndexBundle> {
  const { categories, ids } = JSON.parse(await fs.readFile(path.join(dir, "bundle.json"), "utf8")) as { categories: string[]; ids: string[] };
  const byCategory = new Map<string, SimilarIndex>();
  for (let i = 0; i < categories.length; i++) byCategory.set(categories[i]!, await loadSimilarIndex(path.join(dir, `c${i}`)));
  return { all: await loadSimilarIndex(path.join(dir, "all")), byCategory, ids };
}
