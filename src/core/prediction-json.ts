// The JSON text of a prediction, written faster than JSON.stringify for the common answer (`assort classify`'s
// output): kept out of the root entry, which re-exports core/prediction.ts whole.
import type { ItemPrediction } from "./prediction.js";

/** JSON text of category paths, kept per path (a model has a fixed set, written once per product). */
const pathJson = new Map<string, string>();

function categoryJson(path: string): string {
  let s = pathJson.get(path);
  if (s === undefined) {
    s = JSON.stringify(path);
    if (pathJson.size < 100_000) pathJson.set(path, s);
  }
  return s;
}

/**
 * `JSON.stringify(p)` without its closing brace, so a caller can append keys; the same text, written faster
 * for the common answer (an id and its top-k categories, nothing else: the category paths' JSON is kept).
 * @example itemPredictionJsonOpen({ id: "1", categories: [{ category: "A", score: 0.5 }] }) + "}" // '{"id":"1","categories":[{"category":"A","score":0.5}]}'
 */
export function itemPredictionJsonOpen(p: ItemPrediction): string {
  // Exactly "id" then "categories" (JSON.stringify writes keys in insertion order).
  let keys = 0;
  let first = "";
  for (const k in p) if (keys++ === 0) first = k;
  if (keys !== 2 || first !== "id" || typeof p.id !== "string" || !Array.isArray(p.categories)) return JSON.stringify(p).slice(0, -1);
  let s = `{"id":${JSON.stringify(p.id)},"categories":[`;
  const cs = p.categories;
  for (let j = 0; j < cs.length; j++) {
    const c = cs[j]!;
    let n = 0;
    let firstKey = "";
    for (const k in c) if (n++ === 0) firstKey = k;
    if (n !== 2 || firstKey !== "category" || typeof c.category !== "string" || typeof c.score !== "number") return JSON.stringify(p).slice(0, -1);
    // JSON.stringify writes a finite number as String does, and NaN or ±Infinity as null.
    s += `${j > 0 ? "," : ""}{"category":${categoryJson(c.category)},"score":${Number.isFinite(c.score) ? String(c.score) : "null"}}`;
  }
  return s + "]";
}
