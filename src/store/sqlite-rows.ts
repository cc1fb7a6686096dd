// Row shapes of the SQLite catalog store: the shared SQL rows (sql-rows.ts) plus SQLite's own product columns.
import type { ProductRow as SqlProductRow } from "./sql-rows.js";

export { effective, toCorrection, toJob, toModel, toProduct, type CorrectionRow, type JobRow, type ModelRow } from "./sql-rows.js";

/** A product row as SQLite returns it: the rowid (keyset paging) and the content hash as well. */
export interface ProductRow extends SqlProductRow {
  rid: number;
  hash: string;
}
