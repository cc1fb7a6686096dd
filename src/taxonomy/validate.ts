// Checks a catalog's category labels against a taxonomy: which are exact paths, which need fixing, and how.

import { LabelMatcher, type LabelMatch, type LabelStatus } from "./match.js";
import type { Taxonomy } from "./taxonomy.js";

/** One label occurrence: the label text as written, and where it was read (both optional). */
export interface LabelOccurrence {
  label: string;
  line?: number;
  file?: string;
}

/** The findings about one distinct label. */
export interface LabelFinding extends LabelMatch {
  /** The label as written. */
  label: string;
  /** How many times it occurs. */
  count: number;
  /** Where it first occurs (up to `maxOccurrences`), in input order. */
  occurrences: { file?: string; line?: number }[];
}

/** Options of {@link validateLabels}. */
export interface ValidateLabelsOptions {
  /** Suggestions per unknown label. Default 3. */
  maxSuggestions?: number;
  /** Occurrences kept per label. Default 3. */
  maxOccurrences?: number;
}

/** The result of {@link validateLabels}. */
export interface LabelValidation {
  /** True when every label is an exact path of the taxonomy. */
  valid: boolean;
  /** Non-blank label occurrences read. */
  labels: number;
  /** Blank labels (ignored). */
  blank: number;
  /** Distinct labels. */
  distinct: number;
  /** Distinct labels per status. */
  counts: Record<LabelStatus, number>;
  /** Label occurrences (rows) per status. */
  rows: Record<LabelStatus, number>;
  /** One finding per distinct label, in order of first occurrence. */
  findings: LabelFinding[];
}

const zero = (): Record<LabelStatus, number> => ({ exact: 0, normalized: 0, "too-deep": 0, unknown: 0 });

/**
 * Checks each distinct label against the taxonomy: an exact path; a match only after normalizing case,
 * whitespace, Unicode (NFKC) and separator spacing (with the canonical path and what was fixed); a path
 * deeper than the taxonomy (with its deepest existing ancestor, a leaf); or unknown (with up to 3 near
 * matches). Counts are per distinct label and per row. Cost: O(nodes) per unknown label.
 * @example
 * const v = validateLabels(taxonomy, products.map((p) => ({ label: p.label ?? "", line: p.line })));
 * for (const f of v.findings) if (f.status !== "exact") console.log(f.label, f.status, f.path ?? f.suggestions);
 */
export function validateLabels(
  taxonomy: Taxonomy,
  labels: Iterable<LabelOccurrence | string>,
  options: ValidateLabelsOptions = {},
): LabelValidation {
  const maxOccurrences = options.maxOccurrences ?? 3;
  const maxSuggestions = options.maxSuggestions ?? 3;
  const byLabel = new Map<string, { count: number; occurrences: { file?: string; line?: number }[] }>();
  let total = 0;
  let blank = 0;
  for (const item of labels) {
    const o: LabelOccurrence = typeof item === "string" ? { label: item } : item;
    if (typeof o.label !== "string" || o.label.trim() === "") {
      blank++;
      continue;
    }
    total++;
    let entry = byLabel.get(o.label);
    if (!entry) byLabel.set(o.label, (entry = { count: 0, occurrences: [] }));
    entry.count++;
    if (entry.occurrences.length < maxOccurrences && (o.file !== undefined || o.line !== undefined)) {
      entry.occurrences.push(o.file === undefined ? { line: o.line } : o.line === undefined ? { file: o.file } : { file: o.file, line: o.line });
    }
  }
  const matcher = new LabelMatcher(taxonomy);
  const counts = zero();
  const rows = zero();
  const findings: LabelFinding[] = [];
  for (const [label, e] of byLabel) {
    const m = matcher.match(label, maxSuggestions);
    counts[m.status]++;
    rows[m.status] += e.count;
    findings.push({ label, ...m, count: e.count, occurrences: e.occurrences });
  }
  return { valid: counts.exact === byLabel.size, labels: total, blank, distinct: byLabel.size, counts, rows, findings };
}
