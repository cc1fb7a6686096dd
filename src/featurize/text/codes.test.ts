// Tests for product codes in titles: what extractCodes finds on real-looking titles, and how ProductCodes.compare
// tells "iphone 7" from "iphone 8" (conflict), a merchant omitting a detail (neutral) and a shared model code.
import { describe, expect, it } from "vitest";
import { CODES_CONFLICT, CODES_NEUTRAL, CODES_SHARED, ProductCodes, extractCodes, type ProductCode } from "./codes.js";

/** compare(0, 1) and compare(1, 0) of two titles. */
function compare(a: string, b: string): [number, number] {
  const p = new ProductCodes([a, b]);
  return [p.compare(0, 1), p.compare(1, 0)];
}

const codes = (t: string): string[] => extractCodes(t).map((c) => c.code);

describe("extractCodes", () => {
  it('"Apple iPhone 8 Plus 64 GB": the number 8 and the quantity 64gb (unit written apart)', () => {
    expect(extractCodes("Apple iPhone 8 Plus 64 GB")).toEqual<ProductCode[]>([
      { code: "8", kind: "number" },
      { code: "64gb", kind: "quantity", unit: "gb" },
    ]);
  });

  it("a unit written joined or apart, in any case, gives the same quantity", () => {
    expect(extractCodes("64GB")).toEqual(extractCodes("64 gb"));
    expect(extractCodes("Kuhn Rikon pressure cooker 5L")).toEqual([{ code: "5l", kind: "quantity", unit: "l" }]);
    expect(extractCodes("Brabantia stock pot 24 cm")).toEqual([{ code: "24cm", kind: "quantity", unit: "cm" }]);
  });

  it('"Samsung SM-G930F": one model code without the hyphen', () => {
    expect(extractCodes("Samsung SM-G930F")).toEqual([{ code: "smg930f", kind: "model" }]);
  });

  it('"3.90 GHz": the number is normalized ("3.9ghz"), and leading zeros go ("007" → "7")', () => {
    expect(extractCodes("Intel Core i7 3.90 GHz")).toEqual([
      { code: "i7", kind: "model" },
      { code: "3.9ghz", kind: "quantity", unit: "ghz" },
    ]);
    expect(extractCodes("James Bond 007 box set")).toEqual([{ code: "7", kind: "number" }]);
  });

  it('"TX 55FX700B": the model code, and the short prefix joined to it (marked joined)', () => {
    expect(extractCodes("Panasonic TX 55FX700B")).toEqual([
      { code: "55fx700b", kind: "model" },
      { code: "tx55fx700b", kind: "model", joined: true },
    ]);
    // Written with a hyphen it is one chunk: a single, ordinary model code.
    expect(extractCodes("Panasonic TX-55FX700B")).toEqual([{ code: "tx55fx700b", kind: "model" }]);
  });

  it("codes come in order of appearance, duplicates once; HTML is stripped first", () => {
    expect(codes("Dell XPS 9340 laptop <b>16GB</b> 512GB, 16GB RAM")).toEqual(["9340", "16gb", "512gb"]);
    expect(codes("HP Pavilion 15-eg3000 laptop, Core i5-1335U")).toEqual(["15eg3000", "i51335u"]);
  });

  it("titles without digits, and Chinese titles without codes, have no codes", () => {
    expect(extractCodes("Linen duvet cover set, double, natural flax")).toEqual([]);
    expect(extractCodes("鸿星尔克 芷境 运动跑鞋 男 软底 减震")).toEqual([]);
    expect(extractCodes("")).toEqual([]);
  });

  it('a Chinese title keeps its Latin codes: "华为 Mate 60 Pro 12GB+512GB"', () => {
    expect(codes("华为 Mate 60 Pro 12GB+512GB 雅丹黑")).toEqual(["60", "12gb", "512gb"]);
  });

  // BUG (codes.ts, extractCodes, the `QUANTITY.test(c + chunks[i + 1]!)` join): a bare number followed by a chunk
  // that already is a quantity is glued to it: "iPhone 7 32gb" → ["732gb"] instead of ["7", "32gb"]. The join
  // should only take a next chunk that is a bare unit. Sample catalog titles hit it: "Apple iPhone 15 128GB
  // Blue" → "15128gb", "OnePlus Ace 3 16GB+512GB" → "316gb", "Anker Nano 3 30W" → "330w".
  it("a number followed by a joined quantity stays two codes (iPhone 7 32gb)", () => {
    expect(extractCodes("Apple iPhone 7 32gb")).toEqual<ProductCode[]>([
      { code: "7", kind: "number" },
      { code: "32gb", kind: "quantity", unit: "gb" },
    ]);
    expect(codes("Apple iPhone 15 128GB Blue")).toEqual(["15", "128gb"]);
  });

  // BUG (codes.ts, CHUNK_SPLIT contains ","): a decimal comma is split before numberText can read it, although
  // NUMBER / QUANTITY accept "3,5" and numberText documents "3,5" → "3.5": "3,5 kg" → ["3", "5kg"].
  it('a decimal comma reads as a decimal point ("3,5 kg" = "3.5 kg")', () => {
    expect(codes("Tefal pressure cooker 3,5 kg")).toEqual(["3.5kg"]);
  });
});

describe("ProductCodes.compare", () => {
  it("exposes the codes of each title and the number of titles", () => {
    const p = new ProductCodes(["Samsung SM-G930F", "no codes here"]);
    expect(p.length).toBe(2);
    expect(p.codes(0)).toEqual([{ code: "smg930f", kind: "model" }]);
    expect(p.codes(1)).toEqual([]);
  });

  it("conflict: iphone 7 vs iphone 8 (numbers)", () => {
    expect(compare("Apple iPhone 7", "Apple iPhone 8")).toEqual([CODES_CONFLICT, CODES_CONFLICT]);
  });

  it("conflict: 64gb vs 256gb of the same phone (quantities of one unit)", () => {
    expect(compare("Apple iPhone 8 64GB", "Apple iPhone 8 256GB")).toEqual([CODES_CONFLICT, CODES_CONFLICT]);
  });

  it("conflict: ue55ku6000 vs ue55ku6400 (model codes)", () => {
    expect(compare("Samsung UE55KU6000 TV", "Samsung UE55KU6400 TV")).toEqual([CODES_CONFLICT, CODES_CONFLICT]);
  });

  it("no conflict between quantities of different units (64gb vs 6.1 inch)", () => {
    expect(compare("phone 64GB", "phone 6.1 inch")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });

  it("neutral when one side only lacks a code: iphone 8 64gb vs iphone 8", () => {
    expect(compare("iphone 8 64gb", "iphone 8")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });

  it("neutral for the same numbers and quantities written differently (no model code to share)", () => {
    expect(compare("Apple iPhone 8 Plus 64 GB", "Apple iPhone 8 Plus 64GB silver")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });

  it("shared: sony kd65a1bu vs sony kd 65a1 (regional suffix, prefix written apart)", () => {
    expect(compare("sony kd65a1bu", "sony kd 65a1")).toEqual([CODES_SHARED, CODES_SHARED]);
  });

  it("shared: the same model code with and without punctuation or a space", () => {
    expect(compare("Samsung SM-G930F", "samsung sm g930f galaxy s7")).toEqual([CODES_SHARED, CODES_SHARED]);
    expect(compare("Panasonic TX 55FX700B", "Panasonic TX-55FX700B")).toEqual([CODES_SHARED, CODES_SHARED]);
    expect(compare("Bosch wfc 3c26 washer", "Bosch WFC3C26 washer")).toEqual([CODES_SHARED, CODES_SHARED]);
  });

  it("a shared model code does not outweigh a conflict: same model, other capacity", () => {
    expect(compare("Samsung SM-G930F 32GB", "Samsung SM-G930F 64GB")).toEqual([CODES_CONFLICT, CODES_CONFLICT]);
  });

  it("a short shared model code (< 5 characters) is only neutral", () => {
    expect(compare("Intel Core i7 laptop", "Intel Core i7 desktop")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });

  it("Chinese titles without codes are neutral, to each other and to a title with codes", () => {
    expect(compare("小米 电饭煲 家用", "华为 手机 壳 透明")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
    expect(compare("小米 电饭煲 家用", "Xiaomi rice cooker MFB2BM 3L")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });

  // BUG (codes.ts, ProductCodes.compare, the CODES_SHARED loop): it only looks for `a`'s model codes in `b`, so
  // compare(a, b) ≠ compare(b, a). "wfc3c26" of the first title is in the second's squashed text, while the second's
  // codes ("wfc3", "c26") are too short to count as shared: compare(0,1) = SHARED, compare(1,0) = NEUTRAL. In the
  // sample catalog "8gb256gb" (from "8GB/256GB") of the Xiaomi title is in the Honor title. clusterCatalog's match
  // `adjust` calls compare in either order, so matchRows sees two similarities for one pair.
  it("compare is symmetric", () => {
    expect(new Set(compare("Bosch WFC3C26 washer", "Bosch WFC3 C26 washer")).size).toBe(1);
    expect(new Set(compare('Xiaomi Pad 6 11" 8GB/256GB Champagne Gold', "Honor Magic6 Lite 5G 8GB+256GB Emerald Green")).size).toBe(1);
  });

  // BUG (codes.ts, extractCodes): "16GB/512GB" becomes the model code "16gb512gb" (≥ 5 characters, so
  // "distinctive"), and two different phones with the same memory sizes come out CODES_SHARED. In the sample
  // catalog `assort cluster --algorithm match` merges "OnePlus 12 16GB/512GB" with "Vivo X100 Pro 16GB+512GB"
  // and "荣耀 Magic6 Pro 16GB+512GB". Expected: two quantities (16gb, 512gb), and at most neutral here.
  it("memory sizes written with a slash are quantities, not a shared model code", () => {
    expect(codes("OnePlus 12 16GB/512GB Flowy Emerald")).toEqual(["12", "16gb", "512gb"]);
    const [ab, ba] = compare("OnePlus 12 16GB/512GB Flowy Emerald Dual SIM", "Vivo X100 Pro 16GB+512GB Asteroid Black");
    expect(ab).not.toBe(CODES_SHARED);
    expect(ba).not.toBe(CODES_SHARED);
  });

  it("the same product with the capacity written joined or apart does not conflict (iPhone 7 32gb)", () => {
    // Fails today through the number-gluing bug above: "732gb" vs {"7", "32gb"} is a quantity:gb conflict.
    expect(compare("Apple iPhone 7 32gb", "Apple iPhone 7 32 GB")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
    expect(compare("Apple iPhone 15 128GB Blue", "Apple iPhone 15 (128 GB) blue")).toEqual([CODES_NEUTRAL, CODES_NEUTRAL]);
  });
});

describe("review cases", () => {
  it("a short model code does not match inside a longer one", () => {
    const codes = new ProductCodes(["Samsung Galaxy S2 16GB", "Samsung Galaxy S21 16GB"]);
    expect(codes.compare(0, 1)).toBe(CODES_CONFLICT);
  });

  it("reads a thousands separator in mAh", () => {
    expect(extractCodes("Powerbank 5.000 mAh").map((c) => c.code)).toEqual(["5000mah"]);
    const codes = new ProductCodes(["Anker powerbank 5.000 mAh", "Anker powerbank 5000 mAh"]);
    expect(codes.compare(0, 1)).not.toBe(CODES_CONFLICT);
  });
});

