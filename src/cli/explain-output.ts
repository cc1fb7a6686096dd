// `classify --explain`: the explanation object written on each output line (numbers rounded for reading).
import type { Explanation } from "../index.js";

/** Help text of the --explain flags, shown after the options. */
export const EXPLAIN_HELP = `
Explanations (--explain):
  Each line gets "explanation": {"category", "score", "bias", "features", "against", "neighbors"}.
  features/against: the product's own words and n-grams that pushed the category's score up/down, with
  their share of it (exact for linear-svm, logistic-regression and complement-nb: bias + all shares =
  score); a word's character n-grams count towards the word. neighbors: the most similar labelled
  training products kept with the model ({id, title, category, similarity}); models trained before
  explanations existed have none (a "notes" entry says so: retrain to add them).

Example:
  assort classify --model models/shop --data new.jsonl --explain --explain-features 5
`;

const round = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The JSON value of one explanation: weights to 4 decimals, notes only when there are some. */
export function explanationJson(e: Explanation): Record<string, unknown> {
  return {
    category: e.category,
    ...(e.score !== undefined ? { score: round(e.score) } : {}),
    ...(e.bias !== undefined ? { bias: round(e.bias) } : {}),
    features: e.features.map((t) => ({ term: t.term, weight: round(t.weight) })),
    against: e.against.map((t) => ({ term: t.term, weight: round(t.weight) })),
    neighbors: e.neighbors.map((n) => ({ id: n.id, title: n.title, category: n.category, similarity: round(n.similarity) })),
    ...(e.notes.length > 0 ? { notes: e.notes } : {}),
  };
}
