// The zod schemas of every request the HTTP API accepts: used to validate AND to build /openapi.json.
import { z } from "zod";
import { ItemPredictionSchema } from "../index.js";

/** Longest product id accepted (characters: Unicode code points, as zod and JSON Schema's maxLength count them). */
export const MAX_ID_CHARS = 256;
/**
 * Longest path parameter the router accepts (URL characters): an id of MAX_ID_CHARS characters percent-encoded,
 * each character taking at most 4 UTF-8 bytes of 3 URL characters each. Longer → 414.
 */
export const MAX_PARAM_CHARS = MAX_ID_CHARS * 12;
/** Longest text field accepted in a request. */
export const MAX_FIELD_CHARS = 65_536;
/** Longest search query accepted (characters). */
export const MAX_QUERY_CHARS = 1000;

const id = z.string().min(1).max(MAX_ID_CHARS).describe("product id");
const text = z.string().max(MAX_FIELD_CHARS);

/**
 * A model version or job id as it may appear in a URL: letters, digits, `.`, `_`, `-`; no `..`, no path
 * separators (so it can never name a path outside the data directory).
 */
export const SafeName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'")
  .refine((s) => !s.includes(".."), "must not contain '..'");

/** A product to store: `id`, `title`, optional `description` and `category`, any other fields kept. */
export const ProductItem = z.looseObject({
  id,
  title: text.min(1),
  description: text.optional(),
  category: z.string().min(1).max(1024).optional().describe("known category path, if any"),
});

/** Body of PUT/POST /v1/products. */
export const UpsertBody = z.object({
  items: z.array(ProductItem).min(1),
  classify: z.boolean().optional().describe("predict a category for each stored product (default true)"),
});

/** A product to classify (nothing is stored). */
export const ClassifyItem = z.looseObject({ id, title: text, description: text.optional() });

/** Body of POST /v1/classify. */
export const ClassifyBody = z.object({
  items: z.array(ClassifyItem).min(1),
  topK: z.int().min(1).max(100).default(3),
  explain: z.boolean().optional().describe("add the terms and nearest training products behind each answer"),
  minPrecision: z.number().gt(0).lt(1).optional().describe("accept only predictions at this held-out precision"),
  backoff: z.union([z.boolean(), z.number().min(0).max(1)]).optional().describe("answer a parent category when unsure of the leaf"),
  log: z.boolean().optional().describe("false: keep the answers out of the prediction log that monitoring reads (look-ups that serve no one)"),
});

const queryInt = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);
const queryBool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/** Answer of POST /v1/classify (also compiled into fastify's response serializer). */
export const ClassifyAnswer = z.object({
  model: z.string().describe("version of the model that answered"),
  results: z.array(ItemPredictionSchema).describe("one item prediction per item, in request order (the same object the command line writes per line)"),
});

/** Query of GET /v1/search. */
export const SearchQuery = z.object({
  q: z.string().max(MAX_QUERY_CHARS).describe("words to find (plain text; no query syntax)"),
  category: z.string().min(1).max(1024).optional().describe("only products in this category"),
  limit: queryInt(1, 100, 10),
  offset: queryInt(0, 10_000, 0),
  userId: z.string().min(1).max(MAX_ID_CHARS).optional().describe("personalize for this shopper (needs an API key): an ambiguous query boosts their preferred category"),
});

/** Query of GET /v1/products/:id/similar. */
export const SimilarQuery = z.object({ limit: queryInt(1, 100, 10), sameCategory: queryBool.optional() });

/** `:id` of a product route. */
export const ProductParams = z.object({ id });
/** `:version` of a model route. */
export const ModelParams = z.object({ version: SafeName });
/** `:id` of a job route. */
export const JobParams = z.object({ id: SafeName });

/** Body of POST /v1/feedback: accept the predicted category, or correct it. */
export const FeedbackBody = z
  .object({
    productId: id,
    category: z.string().min(1).max(1024).optional().describe("the right category (a correction)"),
    accept: z.boolean().optional().describe("the predicted category is right"),
    user: z.string().min(1).max(256).optional(),
  })
  .refine((f) => f.category !== undefined || f.accept === true, { message: "give a category or accept: true" });

/** Body of POST /v1/models: register a model directory that lies under an allowed root. */
export const RegisterModelBody = z.object({
  path: z.string().min(1).max(4096).describe("model directory, as training writes it"),
  activate: z.boolean().optional(),
});

/** Body of POST /v1/jobs. */
export const JobBody = z.object({
  kind: z.enum(["train", "classify", "cluster", "recommender", "audit"]).describe("recommender: fits item groups, segments and the recommender from the stored events; audit: label issues with a suggested category, duplicates and small categories among the labelled products"),
  params: z.record(z.string(), z.unknown()).default({}),
});

/** Query of GET /v1/jobs. */
export const JobsQuery = z.object({ limit: queryInt(1, 1000, 50) });

export const Empty = z.object({});
