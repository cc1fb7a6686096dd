// Synthetic catalog rows for load benchmarks: seeded variants of the PriceRunner titles (real product text,
// realistic vocabulary and length), so a store of 250k products reads and indexes like a real one.
//
//   const gen = await syntheticProducts(dataDir, { seed: 1 });  gen.batch(0, 1000) → 1000 product objects
//
// Variant i takes PriceRunner row (i * 7919) mod n, then, seeded by i: keeps or drops a word, adds a colour
// or a size, replaces the model code's digits, and sometimes appends a merchant suffix. Ids are "s<i>"
// zero-padded, so batches are disjoint and re-running a batch is an idempotent update.
import { readFileSync } from "node:fs";
import path from "node:path";

const COLOURS = ["black", "white", "silver", "grey", "blue", "red", "stainless steel", "schwarz", "weiss", "graphite", "gold", "inox"];
const SUFFIXES = ["", "", "", "uk", "eu", "refurbished", "bundle", "2020", "2021", "new", "a+++", "energy class a"];
const SIZES = ["32gb", "64gb", "128gb", "256gb", "55 inch", "65 inch", "8kg", "9kg", "60cm", "45cm", "20l", "25l", "4k", "fhd"];

/** A small seeded generator (mulberry32): the same seed gives the same products. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Loads the PriceRunner rows under `dataDir`/pricerunner and returns a generator of variants. */
export function syntheticProducts(dataDir, { seed = 1 } = {}) {
  const rows = ["train.jsonl", "test.jsonl"].flatMap((f) =>
    readFileSync(path.join(dataDir, "pricerunner", f), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l)),
  );
  const n = rows.length;
  /** Product i (deterministic). */
  const product = (i) => {
    const r = rng(seed * 1_000_003 + i);
    const base = rows[(i * 7919) % n];
    let words = base.title.split(/\s+/).filter(Boolean);
    if (words.length > 3 && r() < 0.3) words.splice(1 + Math.floor(r() * (words.length - 1)), 1);
    words = words.map((w) => (/\d/.test(w) && r() < 0.5 ? w.replace(/\d/g, () => String(Math.floor(r() * 10))) : w));
    if (r() < 0.4) words.push(COLOURS[Math.floor(r() * COLOURS.length)]);
    if (r() < 0.3) words.push(SIZES[Math.floor(r() * SIZES.length)]);
    const suffix = SUFFIXES[Math.floor(r() * SUFFIXES.length)];
    if (suffix) words.push(suffix);
    return { id: `s${String(i).padStart(7, "0")}`, title: words.join(" "), merchant_id: String(1 + Math.floor(r() * 306)), price: Math.round(2000 + r() * 200000) / 100 };
  };
  return {
    size: n,
    product,
    /** Products start … start + count - 1. */
    batch: (start, count) => Array.from({ length: count }, (_, j) => product(start + j)),
    /** Titles of the real rows (for classify requests). */
    titles: rows.map((row) => row.title),
  };
}
