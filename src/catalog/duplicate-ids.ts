// Rows that share an id: counted while a catalog is read, reported with their lines, and resolved (the last
// row of an id wins) where a whole catalog is collected.
import type { Warning } from "../core/progress.js";
import type { Product } from "../core/product.js";

/** A row whose id an earlier row already had. */
export interface DuplicateId {
  id: string;
  /** Line of the first row with this id. */
  first: number;
  /** Line of this row. */
  line: number;
}

/** Duplicates described in detail; all are counted. */
const EXAMPLES = 5;

/** Remembers each id's first line (memory: one map entry per distinct id) and counts the repeats. */
export class DuplicateIds {
  #first = new Map<string, number>();
  count = 0;
  readonly examples: DuplicateId[] = [];

  see(id: string, line: number): void {
    const first = this.#first.get(id);
    if (first === undefined) {
      this.#first.set(id, line);
      return;
    }
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push({ id, first, line });
  }

  /** The warning for `file`: how many rows repeat an id, the first few with their lines, and the rule. */
  warning(file: string): Warning {
    const shown = this.examples.map((d) => `"${d.id}" (lines ${d.first} and ${d.line})`).join(", ");
    const more = this.count > this.examples.length ? `, and ${this.count - this.examples.length} more` : "";
    const rows = this.count === 1 ? "1 row repeats the id" : `${this.count} rows repeat the id`;
    return {
      code: "DUPLICATE_IDS",
      count: this.count,
      message: `${file}: ${rows} of an earlier row: ${shown}${more}; an id is one product, so the last row of each id wins`,
    };
  }
}

/** The products with only the last row of each id, in input order. O(n). */
export function keepLastOfEachId(products: readonly Product[]): Product[] {
  const last = new Map<string, number>();
  products.forEach((p, i) => last.set(p.id, i));
  return products.filter((p, i) => last.get(p.id) === i);
}
