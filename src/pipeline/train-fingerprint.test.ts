import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Product } from "../core/product.js";
import { fingerprint } from "./train.js";

/** The definition: one SHA-256 update per product line. */
function reference(products: readonly Product[]): string {
  const h = createHash("sha256");
  for (const p of products) h.update(`${p.id}\u0000${p.text.join("\u001f")}\u0000${p.label ?? ""}\n`);
  return h.digest("hex");
}

describe("fingerprint", () => {
  const products: Product[] = Array.from({ length: 3000 }, (_, i) => ({
    id: String(i),
    // Long enough that the lines span several of fingerprint's chunks; non-ASCII, astral and lone surrogates too.
    text: [`Produkt ${i} größe ${"x".repeat(i % 97)} 😀`, i % 7 === 0 ? "\ud800 lone" : ""],
    ...(i % 11 === 0 ? {} : { label: `Cat ${i % 5} > 手机` }),
  }));

  it("hashes the same bytes as one update per product", () => {
    expect(fingerprint(products)).toBe(reference(products));
    expect(fingerprint([])).toBe(reference([]));
    expect(fingerprint(products.slice(0, 1))).toBe(reference(products.slice(0, 1)));
  });

  it("changes with any id, text or label", () => {
    const base = fingerprint(products);
    const changed = products.map((p, i) => (i === 2500 ? { ...p, label: "Other" } : p));
    expect(fingerprint(changed)).not.toBe(base);
    expect(fingerprint(products.slice(0, -1))).not.toBe(base);
  });
});
