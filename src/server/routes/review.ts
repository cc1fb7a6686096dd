// The review console's routes: who the key is, the review queue, batch decisions, undo and the taxonomy
// type-ahead. Parsing and formatting only: the work is ReviewDesk's (src/service/review.ts).
import { z } from "zod";
import { allows } from "../api-keys.js";
import { HttpProblem } from "../problem.js";
import type { ReviewPort } from "../review-port.js";
import { route, type RouteContext, type RouteSpec } from "../route-spec.js";
import { MAX_ID_CHARS, MAX_QUERY_CHARS, SafeName } from "../schemas.js";

const score = z.coerce.number().min(0).max(1);
const category = z.string().min(1).max(1024);

/** Query of GET /v1/review. */
export const ReviewQuery = z.object({
  category: category.optional().describe("only products predicted in this category or below it"),
  minScore: score.optional().describe("only scores at least this"),
  maxScore: score.optional().describe("only scores below this"),
  q: z.string().max(MAX_QUERY_CHARS).optional().describe("only titles containing this text (case-insensitive)"),
  spread: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .optional()
    .describe("interleave the predicted categories (each one's most uncertain product first)"),
  cursor: z.string().min(1).max(2048).optional().describe("the `next` of the previous page"),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  details: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .optional()
    .describe("the live model's top-3, decision and explanation per product (default true)"),
});

const Decision = z
  .object({
    productId: z.string().min(1).max(MAX_ID_CHARS),
    category: category.optional().describe("the right category (a correction)"),
    accept: z.boolean().optional().describe("the predicted category is right"),
  })
  .refine((f) => f.category !== undefined || f.accept === true, { message: "give a category or accept: true" });

/** Body of POST /v1/feedback/batch. */
export const FeedbackBatchBody = z.object({
  items: z.array(Decision).min(1).max(1000),
  user: z.string().min(1).max(256).optional(),
});

/** `:id` of DELETE /v1/feedback/:id. */
export const CorrectionParams = z.object({ id: z.coerce.number().int().min(1).max(2 ** 31 - 1).describe("correction id") });

/** `:run/:cluster` of the cluster routes. */
const ClusterParams = z.object({ run: SafeName.describe("clustering run id (the cluster job's id)"), cluster: z.coerce.number().int().min(-1).max(1_000_000) });

/** Query of GET /v1/taxonomy. */
export const TaxonomyQuery = z.object({
  q: z.string().max(MAX_QUERY_CHARS).default("").describe("words, each starting a word of the path (any level)"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const Correction = z.object({
  id: z.number().int(),
  productId: z.string(),
  category: z.string(),
  previous: z.string().optional(),
  accepted: z.boolean(),
  user: z.string().optional(),
  createdAt: z.string(),
});

const WhoAmI = z.object({
  role: z.enum(["read", "write", "admin"]).nullable().describe("the key's role (null: no key sent)"),
  canWrite: z.boolean().describe("whether the key may record decisions"),
  readAuth: z.boolean().describe("whether reads need a key"),
  review: z
    .object({
      model: z.string(),
      minPrecision: z.number(),
      threshold: z.number().describe("products scored below it need review"),
      coverage: z.number().nullable().describe("share of held-out products decided at it (null: the model has no calibration data)"),
      calibrated: z.boolean().describe("false: the model has no held-out calibration data, and the threshold is minPrecision taken as a score"),
    })
    .nullable()
    .describe("the review threshold of the live model at the serving precision (null: no model live)"),
});

function desk(ctx: RouteContext): ReviewPort {
  if (!ctx.review) throw new HttpProblem(503, "The review console's operations are not enabled on this server");
  return ctx.review;
}

/** The review console's operations. */
export const reviewRoutes: RouteSpec[] = [
  route({
    method: "GET",
    url: "/v1/whoami",
    summary: "The role of the API key sent (none: null) and the review threshold",
    tag: "review",
    role: "read",
    response: WhoAmI,
    handle: (_input, ctx) => {
      let review = null;
      try {
        review = ctx.review?.threshold() ?? null;
      } catch {
        review = null;
      }
      return { role: ctx.role ?? null, canWrite: ctx.role !== undefined && allows(ctx.role, "write"), readAuth: ctx.readAuth ?? false, review };
    },
  }),
  route({
    method: "GET",
    url: "/v1/review",
    summary: "The review queue: products the live model cannot decide at the serving precision, most uncertain first (cursor-paged)",
    tag: "review",
    role: "read",
    query: ReviewQuery,
    handle: ({ query }, ctx) => {
      const { q, ...rest } = query;
      if (rest.minScore !== undefined && rest.maxScore !== undefined && rest.minScore > rest.maxScore) {
        throw new HttpProblem(400, "Invalid request query: minScore is above maxScore", [{ path: "query.minScore", message: "must not exceed maxScore" }]);
      }
      return desk(ctx).queue({ ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), ...(q !== undefined ? { text: q } : {}) });
    },
  }),
  route({
    method: "POST",
    url: "/v1/feedback/batch",
    summary: "Accept or correct many products' categories (each recorded like POST /v1/feedback), in order",
    tag: "feedback",
    role: "write",
    body: FeedbackBatchBody,
    response: z.object({ corrections: z.array(Correction) }),
    itemsLimited: true,
    handle: ({ body }, ctx) => desk(ctx).decide(body.items, body.user),
  }),
  route({
    method: "DELETE",
    url: "/v1/feedback/:id",
    summary: "Undo a correction: the product takes its previous correction, or its given or predicted category again",
    tag: "feedback",
    role: "write",
    params: CorrectionParams,
    handle: ({ params }, ctx) => desk(ctx).undo(params.id),
  }),
  route({
    method: "GET",
    url: "/v1/review/stats",
    summary: "What reviewers did with the model's suggestions: acceptance per suggested category, decisions per day",
    tag: "review",
    role: "read",
    response: z.object({
      decisions: z.number().int(),
      accepted: z.number().int(),
      categories: z.array(z.object({ category: z.string(), decisions: z.number().int(), accepted: z.number().int(), acceptance: z.number() })),
      days: z.array(z.object({ day: z.string(), accepted: z.number().int(), corrected: z.number().int() })),
    }),
    handle: (_input, ctx) => desk(ctx).stats(),
  }),
  route({
    method: "GET",
    url: "/v1/clusters",
    summary: "The latest clustering run (a cluster job): each cluster's name, size and example products",
    tag: "review",
    role: "read",
    query: z.object({
      examples: z.coerce.number().int().min(0).max(50).default(5),
      kind: z.enum(["clusters", "groups"]).default("clusters").describe("clusters (kmeans, agglomerative, dbscan, hdbscan runs) or groups (same-product groups: match runs)"),
    }),
    handle: async ({ query }, ctx) => {
      const run = await desk(ctx).clusters(query.examples, query.kind);
      if (run === undefined) {
        throw new HttpProblem(
          404,
          query.kind === "groups"
            ? 'No same-product groups yet: start a cluster job with algorithm "match" (POST /v1/jobs)'
            : "No clustering run yet: start a cluster job (POST /v1/jobs)",
        );
      }
      return run;
    },
  }),
  route({
    method: "GET",
    url: "/v1/clusters/:run/:cluster",
    summary: "One cluster of a run: its name, size, terms, map place and a page of its members (product-id order)",
    tag: "review",
    role: "read",
    params: ClusterParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      after: z.string().min(1).max(MAX_ID_CHARS).optional().describe("the `next` of the previous page"),
    }),
    handle: ({ params, query }, ctx) => desk(ctx).cluster(params.run, params.cluster, { limit: query.limit, ...(query.after !== undefined ? { after: query.after } : {}) }),
  }),
  route({
    method: "POST",
    url: "/v1/clusters/:run/:cluster/category",
    summary: "Make a cluster a category: add `parent > name` to the taxonomy and queue the cluster's unlabelled, undecided members for review with it as their suggestion",
    tag: "review",
    role: "write",
    params: ClusterParams,
    body: z.object({
      parent: category.describe("an existing path of the taxonomy (GET /v1/taxonomy) the new category goes under"),
      name: z.string().min(1).max(200).optional().describe("the new category's name (default: the cluster's name)"),
    }),
    response: z.object({
      path: z.string().describe("the new category's full path"),
      parent: z.string(),
      added: z.boolean().describe("false: the path was in the taxonomy already"),
      queued: z.number().int().describe("members now in the review queue with the suggestion"),
      labelled: z.number().int().describe("members left alone: they have a category from the catalog"),
      decided: z.number().int().describe("members left alone: a person decided their category"),
      suggestion: z.object({ category: z.string(), score: z.number(), model: z.string() }).describe("the stored prediction the queued members got"),
    }),
    handle: ({ params, body }, ctx) => desk(ctx).makeCategory(params.run, params.cluster, { parent: body.parent, ...(body.name !== undefined ? { name: body.name } : {}) }),
  }),
  route({
    method: "PUT",
    url: "/v1/clusters/:run/:cluster/name",
    summary: "Give a cluster of a run a person's name",
    tag: "review",
    role: "write",
    params: ClusterParams,
    body: z.object({ name: z.string().min(1).max(200) }),
    handle: ({ params, body }, ctx) => desk(ctx).renameCluster(params.run, params.cluster, body.name),
  }),
  route({
    method: "POST",
    url: "/v1/clusters/:run/:cluster/merge",
    summary: "Merge a cluster of a run into another: its products move, the sizes add up",
    tag: "review",
    role: "write",
    params: ClusterParams,
    body: z.object({ into: z.number().int().min(-1).max(1_000_000).describe("the cluster that takes the products") }),
    handle: ({ params, body }, ctx) => desk(ctx).mergeClusters(params.run, params.cluster, body.into),
  }),
  route({
    method: "GET",
    url: "/v1/taxonomy",
    summary: "Type-ahead over the category paths (the served taxonomy, else the live model's labels, and the paths added from clusters)",
    tag: "review",
    role: "read",
    query: TaxonomyQuery,
    handle: ({ query }, ctx) => desk(ctx).taxonomy(query.q, query.limit),
  }),
];
