// Recall@10 of a running server's similar items (its ANN index) against exact search over the same vectors,
// read from the store's SQLite file (read-only: allowed while the server holds the data directory).
import Database from "better-sqlite3";
import path from "node:path";
import { ExactIndex } from "../dist/similar/exact-index.js";

/**
 * Asks `server` for the 10 most similar products of `queries` products spread over the store and compares
 * each answer with the exact top 10: { recallAt10, queries, methods } (methods: how the server answered).
 */
export async function annRecallAt10(server, dataDir, queries = 200) {
  const db = new Database(path.join(dataDir, "catalog.db"), { readonly: true, fileMustExist: true });
  let index;
  let ids;
  try {
    const model = db.prepare("SELECT value FROM meta WHERE key = 'vectors.model'").pluck().get();
    const rows = db.prepare("SELECT product_id, vec FROM vectors WHERE model = ? ORDER BY product_id").all(model);
    const dim = rows[0].vec.byteLength / 4;
    const data = new Float32Array(rows.length * dim);
    const bytes = new Uint8Array(data.buffer);
    rows.forEach((r, i) => bytes.set(r.vec, i * dim * 4));
    ids = rows.map((r) => r.product_id);
    index = new ExactIndex(dim, rows.length);
    index.add(ids, data);
  } finally {
    db.close();
  }
  let hit = 0;
  let total = 0;
  const methods = {};
  const step = Math.max(1, Math.floor(ids.length / queries));
  for (let q = 0; q < queries && q * step < ids.length; q++) {
    const id = ids[q * step];
    const a = await (await globalThis.fetch(`${server.url}/v1/products/${encodeURIComponent(id)}/similar?limit=10`)).json();
    if (!Array.isArray(a.neighbors)) throw new Error(`similar items answered ${JSON.stringify(a).slice(0, 200)}`);
    methods[a.method] = (methods[a.method] ?? 0) + 1;
    const truth = new Set(index.search(index.vectors.subarray(index.rowOf(id) * index.dim, (index.rowOf(id) + 1) * index.dim), 10, { exclude: id }).map((n) => n.id));
    hit += a.neighbors.filter((n) => truth.has(n.id)).length;
    total += truth.size;
  }
  return { recallAt10: total === 0 ? null : hit / total, queries: Object.values(methods).reduce((x, y) => x + y, 0), methods };
}
