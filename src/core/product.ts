// The Product row every reader produces and every estimator consumes.

/**
 * One catalog item after field mapping. `text` holds the mapped text fields in order (the first one is
 * the title and weighs most); `label` is the category path as given (levels joined by the separator).
 */
export interface Product {
  id: string;
  text: readonly string[];
  label?: string;
  /** Every field of the source row, as read (for pass-through and later features). */
  fields?: Readonly<Record<string, unknown>>;
  /** 1-based line of the row in its source file, for messages. */
  line?: number;
}

/** Input for classification through the library API: an id and the text fields by name. */
export interface ProductInput {
  id?: string;
  [field: string]: unknown;
}

/** Default category path separator. */
export const DEFAULT_PATH_SEPARATOR = " > ";

/** Most levels a category path or taxonomy may have (real taxonomies have fewer than 10). */
export const MAX_PATH_LEVELS = 100;

/** Splits a category path into its levels, trimming each. */
export function splitPath(label: string, separator = DEFAULT_PATH_SEPARATOR): string[] {
  const sep = separator.trim() === "" ? separator : separator.trim();
  return label
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The first `depth` levels of a path, joined with the canonical separator. */
export function truncatePath(label: string, depth: number, separator = DEFAULT_PATH_SEPARATOR): string {
  return splitPath(label, separator).slice(0, depth).join(DEFAULT_PATH_SEPARATOR);
}
