// What every model kind shares at its edges: raw input objects → products, and model version names.
import { createHash } from "node:crypto";
import type { Product, ProductInput } from "../core/product.js";
import { LIBRARY_VERSION } from "../core/version.js";

/**
 * Maps raw input objects to products: the id from `idField` (else the 1-based position), the named text
 * fields in order; with `keepFields`, every field too (an image reference, say).
 */
export function productsFromInputs(items: readonly ProductInput[], textFields: readonly string[], idField: string, keepFields = false): Product[] {
  return items.map((item, i) => ({
    id: item[idField] === undefined || item[idField] === null ? String(i + 1) : String(item[idField]),
    text: textFields.map((f) => {
      const v = item[f];
      return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
    }),
    ...(keepFields ? { fields: item } : {}),
  }));
}

/** A model version: UTC creation time plus a short hash of what was learned. */
export function makeVersion(createdAt: Date, fingerprint: string, kind: string): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const h = createHash("sha256").update(`${fingerprint}|${kind}|${createdAt.toISOString()}|${LIBRARY_VERSION}`).digest("hex");
  return `${stamp}-${h.slice(0, 8)}`;
}
