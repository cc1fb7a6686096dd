// The one per-item prediction object: what every model's classify returns, what `assort classify` writes on
// each line and what the HTTP API and jobs answer with (each inside its own envelope). One zod schema, so
// validation, the OpenAPI document and the TypeScript types cannot drift apart.
import { z } from "zod";

/** One category suggestion: a full category path and its (calibrated, when the model is) score. */
export const CategoryScoreSchema = z.object({
  category: z.string().describe("full category path"),
  score: z.number().describe("probability that this category is right (calibrated when the model is)"),
});
export type CategoryScore = z.infer<typeof CategoryScoreSchema>;

/**
 * What to do with the product, given a target precision or a backoff threshold: the leaf category, the
 * deepest ancestor the model is sure enough of ("backoff"), or nothing ("abstain", category null).
 */
export const DecisionSchema = z.object({
  category: z.string().nullable().describe("the leaf, an ancestor path (backoff) or null (abstain)"),
  score: z.number().describe("probability of the chosen category (summed over the leaves below an ancestor)"),
  depth: z.number().int().min(0).describe("levels in the chosen path (0 when abstaining)"),
  status: z.enum(["leaf", "backoff", "abstain"]),
  needsReview: z.boolean().describe("true unless the leaf clears the threshold: send the product to a person"),
  threshold: z.number().describe("the score threshold applied"),
});
export type ItemDecision = z.infer<typeof DecisionSchema>;

const TermWeight = z.object({ term: z.string(), weight: z.number() });

/** Why a product gets its category (numbers rounded to 4 decimals; see `explain` for the exact values). */
export const ItemExplanationSchema = z.object({
  category: z.string().describe("the category explained"),
  score: z.number().optional().describe("decision score of the category: bias plus the weight of every term"),
  bias: z.number().optional(),
  features: z.array(TermWeight).describe("the product's terms that pushed towards the category, largest first"),
  against: z.array(TermWeight).describe("terms that pushed against it, most negative first"),
  neighbors: z
    .array(z.object({ id: z.string(), title: z.string(), category: z.string(), similarity: z.number() }))
    .describe("the most similar labelled training products kept with the model"),
  notes: z.array(z.string()).optional().describe("why a part is missing"),
});
export type ItemExplanation = z.infer<typeof ItemExplanationSchema>;

/** The evidence an answer rests on (models that see photos). */
export const EvidenceSchema = z.object({ text: z.boolean(), image: z.boolean() });

/** The answer for one product. */
export const ItemPredictionSchema = z.object({
  id: z.string(),
  categories: z.array(CategoryScoreSchema).describe("the top-k categories, best first"),
  decision: DecisionSchema.optional().describe("with minPrecision or backoff"),
  evidence: EvidenceSchema.optional().describe("models that see photos: which evidence the answer used"),
  imageIssue: z.object({ code: z.string(), message: z.string() }).optional().describe("why the product's photo was not used"),
  explanation: ItemExplanationSchema.optional().describe("with explain"),
  corrected: z.literal(true).optional().describe("the category comes from a person's correction (score 1)"),
});
export type ItemPrediction = z.infer<typeof ItemPredictionSchema>;

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** The explanation fields of an item prediction, from an exact explanation (weights rounded to 4 decimals). */
export function toItemExplanation(e: {
  category: string;
  score?: number;
  bias?: number;
  features: readonly { term: string; weight: number }[];
  against: readonly { term: string; weight: number }[];
  neighbors: readonly { id: string; title: string; category: string; similarity: number }[];
  notes: readonly string[];
}): ItemExplanation {
  return {
    category: e.category,
    ...(e.score !== undefined ? { score: round4(e.score) } : {}),
    ...(e.bias !== undefined ? { bias: round4(e.bias) } : {}),
    features: e.features.map((t) => ({ term: t.term, weight: round4(t.weight) })),
    against: e.against.map((t) => ({ term: t.term, weight: round4(t.weight) })),
    neighbors: e.neighbors.map((n) => ({ id: n.id, title: n.title, category: n.category, similarity: round4(n.similarity) })),
    ...(e.notes.length > 0 ? { notes: [...e.notes] } : {}),
  };
}
