// Whole-catalog reads in pages: keyset scans over a CatalogStore, one page in memory at a time.
import type { CatalogStore, CorrectedCategory, ScanPage, StoredProduct, VectorPage } from "./catalog-store.js";

/** Rows per page of a whole-catalog read. */
export const PAGE_SIZE = 5000;

/**
 * Pages of a keyset scan: `fetch` from the start, then after the last id of each page, until a page is
 * shorter than `limit`. Empty pages are not yielded.
 */
export async function* keysetPages<P>(fetch: (o: ScanPage) => Promise<P>, cursor: (page: P) => { rows: number; lastId?: string }, limit = PAGE_SIZE): AsyncGenerator<P> {
  let afterId: string | undefined;
  for (;;) {
    const page = await fetch(afterId === undefined ? { limit } : { afterId, limit });
    const { rows, lastId } = cursor(page);
    if (rows > 0) yield page;
    if (rows < limit || lastId === undefined) return;
    afterId = lastId;
  }
}

const rowsCursor = (page: readonly { id: string }[]): { rows: number; lastId?: string } => ({ rows: page.length, lastId: page[page.length - 1]?.id });

/** Every product, a page at a time, in id order. */
export function productPages(store: CatalogStore, limit = PAGE_SIZE): AsyncGenerator<StoredProduct[]> {
  return keysetPages((o) => store.scanProducts(o), rowsCursor, limit);
}

/** Every product id, a page at a time, in id order. */
export function idPages(store: CatalogStore, limit = PAGE_SIZE): AsyncGenerator<string[]> {
  return keysetPages((o) => store.scanIds(o), (page) => ({ rows: page.length, lastId: page[page.length - 1] }), limit);
}

/** Every corrected product (id, title, corrected category), a page at a time, in id order. */
export function correctedPages(store: CatalogStore, limit = PAGE_SIZE): AsyncGenerator<CorrectedCategory[]> {
  return keysetPages((o) => store.scanCorrectedCategories(o), rowsCursor, limit);
}

/** Every vector of vector model `model`, a page at a time, in product-id order. */
export function vectorPages(store: CatalogStore, model: string, limit = PAGE_SIZE): AsyncGenerator<VectorPage> {
  return keysetPages((o) => store.scanVectors(model, o), (page) => ({ rows: page.ids.length, lastId: page.ids[page.ids.length - 1] }), limit);
}
