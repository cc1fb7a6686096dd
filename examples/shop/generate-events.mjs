// Writes examples/shop/events.csv: a year of made-up shopper events over the sample catalog (examples/catalog),
// with clear patterns for the demo and the tests. Seeded: the same file every run.
//
//   node examples/shop/generate-events.mjs            # rewrites events.csv next to this script
//
// Personas (300 shoppers): beauty regulars who rebuy their shampoo and moisturiser every few weeks; runners
// (running shoes, tees, yoga mats, phone armbands); campers (tents, hiking boots); home cooks (pans, pots,
// kettles, bedding); tech big spenders (laptops, phones, tablets, accessories, often); parents (kids' shoes,
// kids' tees, bedding); lapsed one-time buyers (one order in the first months). Some shoppers browse (views and
// carts) before they buy; about 3% of lines are returned; the eight new products get views only.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const catalog = path.join(here, "..", "catalog");
const read = (f) => readFileSync(path.join(catalog, f), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const products = read("train.jsonl");
const fresh = read("new-products.jsonl");

/** xorshift32: a tiny seeded generator, so the script needs nothing but Node. */
let state = 20240501;
const rand = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const between = (a, b) => a + Math.floor(rand() * (b - a + 1));

const leaf = (p) => p.category.split(" > ").at(-1);
const byLeaf = new Map();
for (const p of products) {
  const l = leaf(p);
  if (!byLeaf.has(l)) byLeaf.set(l, []);
  byLeaf.get(l).push(p);
}
const kids = (p) => /\bkids?\b|kids'|child/i.test(p.title);

/** Price ranges per category (EUR), and a fixed price per product. */
const RANGE = {
  "Running Shoes": [60, 180], "Hiking Boots": [80, 220], "T-Shirts": [10, 35], Tents: [150, 650], "Yoga Mats": [20, 90],
  Laptops: [600, 2400], Tablets: [200, 1100], Smartphones: [300, 1300], "Phone Accessories": [10, 60],
  "Frying Pans": [25, 120], "Saucepans & Pots": [30, 150], "Electric Kettles": [25, 110], Bedding: [40, 160],
  "Shampoo & Conditioner": [4, 14], "Face Moisturisers": [8, 45],
};
const price = new Map(products.map((p) => {
  const [lo, hi] = RANGE[leaf(p)] ?? [10, 50];
  return [p.id, Math.round((lo + rand() * (hi - lo)) * 100) / 100];
}));

/** Persona: count, categories they shop (with weights), orders per year, items per order, whether they rebuy favourites. */
const PERSONAS = [
  { name: "beauty", count: 45, cats: { "Shampoo & Conditioner": 3, "Face Moisturisers": 3, Bedding: 0.3 }, orders: [6, 11], items: [1, 3], rebuy: 0.85 },
  { name: "runner", count: 50, cats: { "Running Shoes": 3, "T-Shirts": 2, "Yoga Mats": 1.5, "Phone Accessories": 1 }, orders: [2, 5], items: [1, 3], rebuy: 0.25 },
  { name: "camper", count: 40, cats: { Tents: 2, "Hiking Boots": 3, "T-Shirts": 1 }, orders: [2, 4], items: [1, 3], rebuy: 0.1 },
  { name: "cook", count: 45, cats: { "Frying Pans": 3, "Saucepans & Pots": 3, "Electric Kettles": 2, Bedding: 1 }, orders: [2, 5], items: [1, 3], rebuy: 0.15 },
  { name: "tech", count: 35, cats: { Laptops: 2, Smartphones: 3, Tablets: 2, "Phone Accessories": 3 }, orders: [5, 10], items: [1, 3], rebuy: 0.2 },
  { name: "parent", count: 30, cats: { "Running Shoes": 2, "T-Shirts": 2, Bedding: 2, "Hiking Boots": 1 }, orders: [3, 6], items: [2, 4], rebuy: 0.2, kids: true },
  { name: "lapsed", count: 55, cats: Object.fromEntries([...byLeaf.keys()].map((l) => [l, 1])), orders: [1, 1], items: [1, 2], rebuy: 0, early: true },
];

/** Things bought together on purpose: a tent with hiking boots, a phone with an accessory, a pan with a pot. */
const BUNDLE = { Tents: "Hiking Boots", Smartphones: "Phone Accessories", "Frying Pans": "Saucepans & Pots", "Running Shoes": "T-Shirts", "Shampoo & Conditioner": "Face Moisturisers" };

const START = Date.UTC(2025, 0, 6);
const YEAR = 350 * 86400000;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const rows = [];
let invoice = 100000;
let user = 1000;

for (const persona of PERSONAS) {
  for (let s = 0; s < persona.count; s++) {
    const id = `c${++user}`;
    const cats = Object.entries(persona.cats);
    const total = cats.reduce((a, [, w]) => a + w, 0);
    const drawCat = () => {
      let r = rand() * total;
      for (const [c, w] of cats) if ((r -= w) <= 0) return c;
      return cats[0][0];
    };
    const pool = (c) => {
      const all = byLeaf.get(c) ?? [];
      const k = all.filter((p) => kids(p) === Boolean(persona.kids));
      return k.length > 0 ? k : all;
    };
    const favourite = new Map(); // category → this shopper's usual product
    const nOrders = between(...persona.orders);
    const first = START + rand() * (persona.early ? 90 : 200) * 86400000;
    const gap = nOrders > 1 ? (START + YEAR - first) / nOrders : 0;
    const browses = rand() < 0.3;
    for (let o = 0; o < nOrders; o++) {
      const t = Math.round(Math.min(START + YEAR, first + o * gap * (0.7 + 0.6 * rand())) / 60000) * 60000;
      const inv = String(++invoice);
      const lines = new Map();
      const nItems = between(...persona.items);
      for (let k = 0; k < nItems; k++) {
        const c = drawCat();
        let p = favourite.get(c);
        if (!p || rand() > persona.rebuy) {
          p = pick(pool(c));
          if (!favourite.has(c)) favourite.set(c, p);
        }
        lines.set(p.id, p);
        const partner = BUNDLE[c];
        if (partner && rand() < 0.45) {
          const q = favourite.get(partner) ?? pick(pool(partner));
          lines.set(q.id, q);
        }
      }
      for (const p of lines.values()) {
        if (browses) {
          rows.push([id, p.id, "view", iso(t - between(10, 90) * 60000), "", "", ""]);
          if (rand() < 0.6) rows.push([id, p.id, "cart", iso(t - between(1, 9) * 60000), "1", "", ""]);
        }
        const consumable = /Shampoo|Moisturisers|T-Shirts/.test(p.category);
        const qty = consumable && rand() < 0.3 ? 2 : 1;
        rows.push([id, p.id, "purchase", iso(t), String(qty), price.get(p.id).toFixed(2), inv]);
        if (rand() < 0.03) rows.push([id, p.id, "return", iso(t + between(2, 20) * 86400000), String(-qty), price.get(p.id).toFixed(2), `C${inv}`]);
      }
      if (browses && rand() < 0.5) rows.push([id, pick(products).id, "view", iso(t + 3600000), "", "", ""]);
    }
    if (rand() < 0.15) rows.push([id, pick(fresh).id, "view", iso(START + YEAR - between(1, 20) * 86400000), "", "", ""]);
  }
}

rows.sort((a, b) => (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0));
const header = "user_id,item_id,event,timestamp,quantity,price,invoice_no";
writeFileSync(path.join(here, "events.csv"), [header, ...rows.map((r) => r.join(","))].join("\n") + "\n");
process.stdout.write(`wrote ${rows.length} events of ${user - 1000} shoppers to ${path.relative(process.cwd(), path.join(here, "events.csv"))}\n`);
