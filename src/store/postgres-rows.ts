// Row shapes of the PostgreSQL catalog store: the shared SQL rows (sql-rows.ts) and the product columns to select.
export { effective, toCorrection, toJob, toModel, toProduct, type CorrectionRow, type JobRow, type ModelRow, type ProductRow } from "./sql-rows.js";

/** The columns of a product row, for SELECT lists. */
export const PRODUCT_COLUMNS = "id, title, description, category, fields, pred_category, pred_score, pred_model, corrected, eff_category, updated_at";
