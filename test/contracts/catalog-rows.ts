// Rows for the CatalogStore contract and the tests beside it: a product to write whose hash follows its content,
// a stored prediction, and ids that every collation orders alike.
import type { ProductWrite, StoredPrediction } from "../../src/index.js";

export interface RowOptions {
  category?: string;
  description?: string;
  predicted?: StoredPrediction;
  hash?: string;
  fields?: Record<string, unknown>;
}

/** A product to write; the hash follows its content unless given. */
export function row(id: string, title: string, o: RowOptions = {}): ProductWrite {
  const fields = o.fields ?? { id, title, ...(o.description ? { description: o.description } : {}), ...(o.category ? { category: o.category } : {}) };
  return {
    id,
    title,
    description: o.description ?? "",
    ...(o.category !== undefined ? { category: o.category } : {}),
    fields,
    hash: o.hash ?? JSON.stringify([id, title, o.description ?? "", o.category ?? "", fields]),
    ...(o.predicted ? { predicted: o.predicted } : {}),
  };
}

export const pred = (category: string, score = 0.9, model = "m1"): StoredPrediction => ({ category, score, model });

/** Ids p00 … p(n-1), zero-padded so every collation sorts them alike. */
export const ids = (n: number, prefix = "p"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
