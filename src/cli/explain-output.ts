// `classify --explain`: the help text (each line's "explanation" is the item prediction's, see core/prediction.ts).

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
