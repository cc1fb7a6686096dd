// Training against a taxonomy: labels mapped to taxonomy nodes (by id), so paths can be renamed later
// without retraining, and labels outside the taxonomy are refused with suggestions.
import { ConfigError } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR, type Product } from "../core/product.js";
import type { RunOptions } from "../core/progress.js";
import { LabelMatcher } from "../taxonomy/match.js";
import type { Taxonomy } from "../taxonomy/taxonomy.js";

/** The canonical path (" > ") of a taxonomy node. */
export function taxonomyPath(taxonomy: Taxonomy, id: string): string {
  return taxonomy.pathNames(id).join(DEFAULT_PATH_SEPARATOR);
}

/**
 * Maps every product's label onto the taxonomy: exact paths and paths that match after fixing case, spaces or
 * Unicode (reported as a warning) become the node's canonical path; labels deeper than the taxonomy or
 * unknown are refused in one ConfigError listing each with its suggestions. Returns relabelled products
 * and the node id of each canonical label.
 */
export function labelsOnTaxonomy(
  products: readonly Product[],
  taxonomy: Taxonomy,
  options: RunOptions = {},
): { products: Product[]; ids: Map<string, string> } {
  const matcher = new LabelMatcher(taxonomy);
  const byLabel = new Map<string, { id: string; path: string } | null>();
  const problems: string[] = [];
  let normalized = 0;
  for (const label of new Set(products.map((p) => p.label ?? ""))) {
    if (label === "") continue;
    const m = matcher.match(label.split(DEFAULT_PATH_SEPARATOR).join(taxonomy.separator));
    if ((m.status === "exact" || m.status === "normalized") && m.id !== undefined) {
      if (m.status === "normalized") normalized++;
      byLabel.set(label, { id: m.id, path: taxonomyPath(taxonomy, m.id) });
      continue;
    }
    byLabel.set(label, null);
    const where = products.find((p) => p.label === label)?.line;
    const hint =
      m.status === "too-deep" && m.ancestor
        ? `deeper than the taxonomy (deepest category: "${m.ancestor.path}")`
        : m.suggestions && m.suggestions.length > 0
          ? `not in the taxonomy; did you mean ${m.suggestions.map((s) => `"${s.path}"`).join(" or ")}?`
          : "not in the taxonomy";
    problems.push(`"${label}"${where ? ` (line ${where})` : ""}: ${hint}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `${problems.length} categor${problems.length === 1 ? "y is" : "ies are"} not paths of the taxonomy (validate the labels against the taxonomy for the full list)`,
      problems.slice(0, 10).concat(problems.length > 10 ? [`… and ${problems.length - 10} more`] : []),
      { hint: { kind: "validate-labels" } },
    );
  }
  if (normalized > 0) {
    options.onWarning?.({ code: "LABELS_NORMALIZED", message: `${normalized} categor${normalized === 1 ? "y was" : "ies were"} matched to the taxonomy after fixing case, spaces or Unicode` });
  }
  const ids = new Map<string, string>();
  const out = products.map((p) => {
    const hit = p.label ? byLabel.get(p.label) : undefined;
    if (!hit) return p;
    ids.set(hit.path, hit.id);
    return { ...p, label: hit.path };
  });
  return { products: out, ids };
}
