// Validating service input (product objects from HTTP or files) and mapping it onto store rows.
import * as crypto from "node:crypto";
import { InvalidInputError, LimitError, type RowIssue } from "../core/errors.js";
import type { Product, ProductInput } from "../core/product.js";
import type { ProductWrite } from "./catalog-store.js";

/** Longest product id, in characters (Unicode code points, as JSON Schema's maxLength counts them). */
export const MAX_ID_CHARS = 256;

/** Whether `s` has more than `max` code points (a surrogate pair is one character). */
function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > max) return true;
  }
  return false;
}

/** Deepest nesting of objects and arrays in one product, the product object itself being level 1. */
export const MAX_FIELD_DEPTH = 32;

/**
 * The path (keys and indexes) to the first object or array nested deeper than `max` levels in `value` (`value`
 * itself at level 1), or undefined when none is. Iterative, so any depth is safe; the path ends at level max + 1.
 * @example nestingPath({ a: { b: [1] } }, 2) // ["a", "b"]
 */
export function nestingPath(value: unknown, max: number): (string | number)[] | undefined {
  interface Frame {
    v: object;
    depth: number;
    key: string | number | undefined;
    up: Frame | undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const stack: Frame[] = [{ v: value, depth: 1, key: undefined, up: undefined }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.depth > max) {
      const path: (string | number)[] = [];
      for (let g: Frame | undefined = f; g?.key !== undefined; g = g.up) path.push(g.key);
      return path.reverse();
    }
    // Children pushed in reverse, so the first deep path in document order is found first.
    if (Array.isArray(f.v)) {
      for (let i = f.v.length - 1; i >= 0; i--) {
        const x: unknown = f.v[i];
        if (x !== null && typeof x === "object") stack.push({ v: x, depth: f.depth + 1, key: i, up: f });
      }
    } else {
      const keys = Object.keys(f.v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const x: unknown = (f.v as Record<string, unknown>)[keys[i]!];
        if (x !== null && typeof x === "object") stack.push({ v: x, depth: f.depth + 1, key: keys[i]!, up: f });
      }
    }
  }
  return undefined;
}

/** Checks the batch size against `maxBatch`: LimitError names the limit. */
export function checkBatch(n: number, maxBatch: number, what = "items in one call"): void {
  if (n > maxBatch) throw new LimitError(what, n, maxBatch);
}

function issue(source: string, line: number, field: string, message: string): RowIssue {
  return { file: source, line, field, message };
}

/** A string form of an id field: strings and finite numbers; anything else is undefined. */
function idOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Maps product inputs onto store rows: `id` and `title` are required strings, `description` and
 * `category` optional strings; every field is kept. All problems are collected: InvalidInputError names
 * each item (1-based, as `line`) and field. Later duplicates of an id win.
 */
export function toProductWrites(items: readonly ProductInput[], source = "<request>"): ProductWrite[] {
  const w = new ProductWrites(source);
  items.forEach((item, i) => w.add(item, i));
  return w.done();
}

/** Items mapped between two yields to the event loop in {@link toProductWritesSliced} (about 0.2 ms of hashing). */
const WRITE_SLICE = 100;

/**
 * {@link toProductWrites} a slice of items at a time, yielding to the event loop between slices: a batch of
 * 1,000 products (validation and content hashes, a few ms) never holds the loop in one piece.
 */
export async function toProductWritesSliced(items: readonly ProductInput[], source = "<request>"): Promise<ProductWrite[]> {
  const w = new ProductWrites(source);
  for (let s = 0; s < items.length; s += WRITE_SLICE) {
    if (s > 0) await new Promise((r) => setImmediate(r));
    const end = Math.min(items.length, s + WRITE_SLICE);
    for (let i = s; i < end; i++) w.add(items[i]!, i);
  }
  return w.done();
}

/** The rows of a batch as its items are checked one by one; {@link done} throws the problems found, if any. */
class ProductWrites {
  private readonly issues: RowIssue[] = [];
  private readonly out = new Map<string, ProductWrite>();

  constructor(private readonly source: string) {}

  add(item: ProductInput, i: number): void {
    const { issues, source } = this;
    const line = i + 1;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      issues.push(issue(source, line, "item", "must be an object"));
      return;
    }
    const id = idOf(item.id);
    const title = item.title;
    if (id === undefined || id.trim() === "") issues.push(issue(source, line, "id", "is required: a non-empty string"));
    else if (longerThan(id, MAX_ID_CHARS)) issues.push(issue(source, line, "id", `is longer than ${MAX_ID_CHARS} characters`));
    if (typeof title !== "string" || title.trim() === "") issues.push(issue(source, line, "title", "is required: a non-empty string"));
    for (const f of ["description", "category"] as const) {
      const v = item[f];
      if (v !== undefined && v !== null && typeof v !== "string") issues.push(issue(source, line, f, "must be a string"));
    }
    const deep = nestingPath(item, MAX_FIELD_DEPTH);
    if (deep) issues.push(issue(source, line, deep.join("."), `is nested deeper than ${MAX_FIELD_DEPTH} levels of objects and arrays`));
    if (deep || id === undefined || id.trim() === "" || longerThan(id, MAX_ID_CHARS) || typeof title !== "string" || title.trim() === "") return;
    const description = typeof item.description === "string" ? item.description : "";
    const category = typeof item.category === "string" && item.category.trim() !== "" ? item.category.trim() : undefined;
    const fields: Record<string, unknown> = { ...item, id };
    // The nesting was checked just above: hash without walking the fields again.
    this.out.set(id, { id, title, description, ...(category !== undefined ? { category } : {}), fields, hash: hashFields(fields) });
  }

  done(): ProductWrite[] {
    const issues = this.issues;
    if (issues.length > 0) throw new InvalidInputError(issues.slice(0, 20), issues.length, issues.length === 1 ? InvalidInputError.format(issues[0]!) : undefined);
    return [...this.out.values()];
  }
}

/** A product read from a catalog file as a product input (its fields, with the mapped title/description/category). */
export function productToInput(p: Product, textFields: readonly string[]): ProductInput {
  const input: ProductInput = { ...(p.fields ?? {}), id: p.id };
  textFields.forEach((f, i) => {
    input[f] = p.text[i] ?? "";
  });
  if (textFields[0] !== "title") input.title = p.text[0] ?? "";
  if (p.label !== undefined) input.category = p.label;
  return input;
}

/** One-shot hashing where Node has it (20.12+: about 3× faster per product than a Hash object). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "base64url") => string }).hash;

/**
 * SHA-1 of the fields in key order: same content → same hash. The fields may nest at most MAX_FIELD_DEPTH levels
 * (toProductWrites checks it): deeper ones are a RangeError here, never a stack overflow in JSON.stringify.
 */
export function contentHash(fields: Record<string, unknown>): string {
  if (nestingPath(fields, MAX_FIELD_DEPTH)) throw new RangeError(`Cannot hash product fields nested deeper than ${MAX_FIELD_DEPTH} levels`);
  return hashFields(fields);
}

/** {@link contentHash} of fields whose nesting was checked already. */
function hashFields(fields: Record<string, unknown>): string {
  const keys = Object.keys(fields).sort();
  const text = JSON.stringify(keys.map((k) => [k, fields[k]]));
  return oneShot ? oneShot("sha1", text, "base64url") : crypto.createHash("sha1").update(text).digest("base64url");
}
