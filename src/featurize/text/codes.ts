// Product codes in titles (model numbers, capacities, sizes) and the pair rule that keeps "iphone 7" from "iphone 8".
import { normalizeText } from "./normalize.js";

/** What a code is: a model code ("ue55ku6000", "sm-g930f"), a bare number ("7"), or a quantity with its unit ("64gb"). */
export type CodeKind = "model" | "number" | "quantity";

/** One code of a title: its normalized text, its kind, and for quantities the unit. */
export interface ProductCode {
  code: string;
  kind: CodeKind;
  unit?: string;
  /** A short prefix joined to the next chunk ("tx" + "55fx700b"): matches others' codes, never conflicts. */
  joined?: boolean;
}

/** Units a number may carry, written joined ("64gb") or apart ("64 gb"). */
const UNITS =
  "gb|tb|mb|mm|cm|m|kg|g|l|ml|w|kw|kwh|mp|mpx|inch|in|hz|ghz|mhz|mah|ltr|litre|litres|liter|liters|rpm|db|v|k|p|x|core|cores|zoll";
const QUANTITY = new RegExp(`^(\\d+(?:[.,]\\d+)?)(${UNITS})$`);
const NUMBER = /^\d+(?:[.,]\d+)?$/;
const DIGIT = /\d/;
const LETTER = /\p{L}/u;
const SHORT_PREFIX = /^\p{L}{1,3}$/u;
const UNIT_ONLY = new RegExp(`^(${UNITS})$`);
/** Chunk separators: spaces and brackets, and commas except a decimal comma between digits ("3,5 kg"). */
const CHUNK_SPLIT = /(?:[\s;()[\]{}"'+&|*]|,(?!\d)|(?<!\d),)+/u;
const EDGE_PUNCT = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
const INNER_PUNCT = /[-./_:]/g;
const NOT_ALNUM = /[^\p{L}\p{N}]/gu;

/** Units whose quantities are written with a thousands separator ("5.000 mAh", "1,500 rpm"). */
const THOUSANDS_UNITS = new Set(["mah", "rpm"]);

/** "3.90" → "3.9", "3,5" → "3.5", "007" → "7"; with a unit such as mAh, "5.000" → "5000". */
function numberText(s: string, unit = ""): string {
  if (THOUSANDS_UNITS.has(unit) && /^\d{1,3}[.,]\d{3}$/.test(s)) return String(Number.parseInt(s.replace(/[.,]/, ""), 10));
  return String(Number.parseFloat(s.replace(",", ".")));
}

/**
 * The codes of one title, in order of appearance (duplicates dropped). Numbers next to a unit become a
 * quantity ("64 gb" and "64GB" → "64gb"; "3.90 GHz" → "3.9ghz"); chunks mixing letters and digits become
 * model codes without inner punctuation ("SM-G930F" → "smg930f"), and a short letter prefix written apart
 * is also joined ("TX 55FX700B" adds "tx55fx700b").
 * @example extractCodes("Apple iPhone 8 Plus 64 GB") // [{code:"8",kind:"number"}, {code:"64gb",kind:"quantity",unit:"gb"}]
 */
export function extractCodes(text: string, html = true): ProductCode[] {
  const chunks = normalizeText(text, html)
    .split(CHUNK_SPLIT)
    .map((c) => c.replace(EDGE_PUNCT, ""))
    .filter((c) => c.length > 0)
    // "16gb/512gb", "8/256": quantities or numbers joined by a slash are separate codes.
    .flatMap((c) => {
      if (!c.includes("/")) return [c];
      const parts = c.split("/").filter((x) => x.length > 0);
      return parts.length > 1 && parts.every((x) => NUMBER.test(x) || QUANTITY.test(x)) ? parts : [c];
    });
  const out = new Map<string, ProductCode>();
  const add = (p: ProductCode): void => {
    if (!out.has(p.code)) out.set(p.code, p);
  };
  for (let i = 0; i < chunks.length; i++) {
    let c = chunks[i]!;
    if (!DIGIT.test(c)) continue;
    if (NUMBER.test(c) && i + 1 < chunks.length && UNIT_ONLY.test(chunks[i + 1]!)) c += chunks[++i]!;
    const q = QUANTITY.exec(c);
    if (q) {
      add({ code: numberText(q[1]!, q[2]!) + q[2]!, kind: "quantity", unit: q[2]! });
      continue;
    }
    if (NUMBER.test(c)) {
      add({ code: numberText(c), kind: "number" });
      continue;
    }
    const code = c.replace(INNER_PUNCT, "");
    if (!LETTER.test(code)) {
      // Digits with inner punctuation only ("18-55", "1/2"): a number-like code.
      add({ code, kind: "number" });
      continue;
    }
    const prev = i > 0 ? chunks[i - 1]! : "";
    add({ code, kind: "model" });
    if (SHORT_PREFIX.test(prev)) add({ code: prev + code, kind: "model", joined: true });
  }
  return [...out.values()];
}

/** How two titles' codes relate: they contradict, one shares a distinctive model code, or neither. */
export const CODES_CONFLICT = -1;
export const CODES_NEUTRAL = 0;
export const CODES_SHARED = 1;

/** Model codes at least this long count as distinctive when shared. */
const STRONG_CODE_LENGTH = 5;

interface Row {
  codes: ProductCode[];
  set: Set<string>;
  /** The title without spaces or punctuation, for codes written apart on one side ("wfc 3c26" vs "wfc3c26"). */
  squashed: string;
}

/**
 * The codes of a list of titles, compared pairwise. Two titles conflict when each has a code of the same
 * kind (same unit for quantities) that the other lacks: "iphone 7 32gb" vs "iphone 8 32gb" (numbers 7/8),
 * "64gb" vs "256gb", "ue55ku6000" vs "ue55ku6400". A code the other side only lacks, without a rival of
 * its own, is no conflict (merchants omit details). Model codes also match when one is a prefix of the
 * other (≥ 5 characters: "kd65a1" ~ "kd65a1bu", a regional suffix) or appears inside the other title
 * written apart. Titles that share a model code of ≥ 5 characters and do not conflict are `CODES_SHARED`.
 */
export class ProductCodes {
  private readonly rows: Row[];

  constructor(titles: readonly string[], html = true) {
    this.rows = titles.map((t) => {
      const codes = extractCodes(t, html);
      return { codes, set: new Set(codes.map((c) => c.code)), squashed: normalizeText(t, html).replace(NOT_ALNUM, "") };
    });
  }

  get length(): number {
    return this.rows.length;
  }

  /** The codes found in title `i`. */
  codes(i: number): readonly ProductCode[] {
    return this.rows[i]!.codes;
  }

  /** CODES_CONFLICT, CODES_SHARED or CODES_NEUTRAL for titles `a` and `b`. */
  compare(a: number, b: number): number {
    const ra = this.rows[a]!;
    const rb = this.rows[b]!;
    if (ra.codes.length === 0 || rb.codes.length === 0) return CODES_NEUTRAL;
    const missingA = unmatchedKinds(ra, rb);
    if (missingA.size > 0) {
      const missingB = unmatchedKinds(rb, ra);
      for (const k of missingB) if (missingA.has(k)) return CODES_CONFLICT;
    }
    return sharesModelCode(ra, rb) || sharesModelCode(rb, ra) ? CODES_SHARED : CODES_NEUTRAL;
  }
}

/** Whether `row` has a distinctive model code (letters and digits, ≥ 5 characters) that `other` also has. */
function sharesModelCode(row: Row, other: Row): boolean {
  for (const c of row.codes) {
    if (c.kind === "model" && c.code.length >= STRONG_CODE_LENGTH && LETTER.test(c.code) && matches(c, other)) return true;
  }
  return false;
}

/** Whether code `c` of one title is present in title `other`. */
function matches(c: ProductCode, other: Row): boolean {
  if (other.set.has(c.code)) return true;
  if (c.kind !== "model") return false;
  // Written apart on the other side ("wfc 3c26" for "wfc3c26"); short codes would match inside longer
  // ones ("s2" in "s21"), so only distinctive ones.
  if (c.code.length < STRONG_CODE_LENGTH) return false;
  if (other.squashed.includes(c.code)) return true;
  for (const d of other.codes) {
    if (d.kind === "model" && d.code.length >= STRONG_CODE_LENGTH && (d.code.startsWith(c.code) || c.code.startsWith(d.code))) return true;
  }
  return false;
}

/** Kinds ("number", "model", "quantity:gb") of the codes of `row` that `other` lacks. */
function unmatchedKinds(row: Row, other: Row): Set<string> {
  const out = new Set<string>();
  for (const c of row.codes) {
    if (!c.joined && !matches(c, other)) out.add(c.kind === "quantity" ? `quantity:${c.unit}` : c.kind);
  }
  return out;
}
