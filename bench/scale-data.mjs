// Seeded synthetic catalogs for the scale-out benchmark: PriceRunner's 35,311 offers expanded to N products
// by variants of their titles (another capacity or size, a colour, a merchant's SKU, a dropped or swapped
// word), each keeping its offer's category. Same seed, same catalog; the search queries are drawn from it.
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import readline from "node:readline";

/** mulberry32: a small seeded generator (the benchmark must not depend on the library's build). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COLOURS = ["black", "white", "silver", "grey", "red", "blue", "gold", "stainless steel", "graphite", "rose gold", "anthracite", "schwarz", "weiss"];
const SIZES = ["32gb", "64gb", "128gb", "256gb", "512gb", "1tb", "45cm", "55cm", "60cm", "7kg", "8kg", "9kg", "20l", "25l", "32 inch", "43 inch", "55 inch", "65 inch"];
const EXTRAS = ["refurbished", "uk model", "eu model", "with warranty", "boxed", "new", "2024", "energy class a", "free delivery", "bundle"];
const LETTERS = "abcdefghjkmnprstuvwxyz";

/** The PriceRunner offers: { title, category }[] (train then test, in file order). */
export async function readOffers(dataDir) {
  const out = [];
  for (const f of ["train.jsonl", "test.jsonl"]) {
    const file = path.join(dataDir, "pricerunner", f);
    if (!existsSync(file)) throw new Error(`Missing ${file}: the scale benchmark expands PriceRunner's offers (../shared/data)`);
    const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      const r = JSON.parse(line);
      out.push({ title: r.title, category: r.category });
    }
  }
  return out;
}

function pick(r, xs) {
  return xs[Math.floor(r() * xs.length)];
}

/** One variant of `title`: its words, with a few seeded changes. The original comes back unchanged one time in four. */
export function variant(r, title) {
  const words = title.split(/\s+/).filter(Boolean);
  if (r() < 0.25) return words.join(" ");
  if (words.length > 3 && r() < 0.3) words.splice(1 + Math.floor(r() * (words.length - 1)), 1);
  if (words.length > 3 && r() < 0.2) {
    const i = 1 + Math.floor(r() * (words.length - 2));
    [words[i], words[i + 1]] = [words[i + 1], words[i]];
  }
  if (r() < 0.35) words.push(pick(r, COLOURS));
  if (r() < 0.3) words.push(pick(r, SIZES));
  if (r() < 0.15) words.push(pick(r, EXTRAS));
  // A merchant's own SKU: the rare words of a big catalog.
  if (r() < 0.4) words.push(`${pick(r, LETTERS)}${pick(r, LETTERS)}${Math.floor(r() * 100000)}`);
  return words.join(" ");
}

/**
 * Writes `n` products as JSON Lines (id, title, category) to `file`: offer i % 35,311 with a variant title,
 * ids s0000000…, seeded. Resolves to the number written.
 */
export async function writeCatalog(file, n, { dataDir, seed = 20261206 } = {}) {
  const offers = await readOffers(dataDir);
  const r = rng(seed);
  const out = createWriteStream(file);
  let buf = "";
  for (let i = 0; i < n; i++) {
    const o = offers[i % offers.length];
    const title = i < offers.length ? o.title : variant(r, o.title);
    buf += JSON.stringify({ id: `s${String(i).padStart(8, "0")}`, title, category: o.category }) + "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
  return n;
}

/**
 * A fixed, seeded set of `count` search queries over the offers' titles: half one word, half two words
 * from one title; the words are drawn half by frequency (common words) and half uniformly over the
 * vocabulary (rare words: SKUs, model numbers).
 */
export async function searchQueries(dataDir, count = 500, seed = 7) {
  const offers = await readOffers(dataDir);
  const r = rng(seed);
  const freq = new Map();
  const tokenized = offers.map((o) => o.title.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1));
  for (const ws of tokenized) for (const w of new Set(ws)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const vocab = [...freq.keys()];
  // Cumulative frequencies for drawing words in proportion to how often titles hold them.
  const cum = [];
  let total = 0;
  for (const w of vocab) cum.push((total += freq.get(w)));
  const byFreq = () => {
    const x = r() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo];
  };
  const out = [];
  while (out.length < count) {
    const common = out.length % 4 < 2;
    const first = common ? byFreq() : pick(r, vocab);
    if (out.length % 2 === 0) {
      out.push(first);
      continue;
    }
    // Two words: a second word from a title that holds the first.
    const holders = tokenized.filter((ws) => ws.includes(first));
    const ws = pick(r, holders);
    const others = ws.filter((w) => w !== first);
    out.push(others.length > 0 ? `${first} ${pick(r, others)}` : first);
  }
  return out;
}
