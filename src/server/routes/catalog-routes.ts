// Routes on the catalog: products, classify, search, similar items, feedback.
import { HttpProblem } from "../problem.js";
import { route, type RouteSpec } from "../route-spec.js";
import { ClassifyAnswer, ClassifyBody, FeedbackBody, ProductParams, SearchQuery, SimilarQuery, UpsertBody } from "../schemas.js";

const upsert = (method: "PUT" | "POST"): RouteSpec =>
  route({
    method,
    url: "/v1/products",
    summary: "Store products in one transaction (idempotent by id); classify them with the active model",
    tag: "products",
    role: "write",
    body: UpsertBody,
    itemsLimited: true,
    handle: ({ body }, { service }) => service.upsertProducts(body.items, body.classify !== undefined ? { classify: body.classify } : {}),
  });

/** The catalog operations. */
export const catalogRoutes: RouteSpec[] = [
  upsert("PUT"),
  upsert("POST"),
  route({
    method: "GET",
    url: "/v1/products/:id",
    summary: "One stored product with its predicted and corrected category",
    tag: "products",
    role: "read",
    params: ProductParams,
    handle: async ({ params }, { service }) => {
      const p = await service.getProduct(params.id);
      if (p === undefined) throw new HttpProblem(404, `No product with id "${params.id}"`);
      return p;
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/products/:id",
    summary: "Delete a product",
    tag: "products",
    role: "write",
    params: ProductParams,
    status: 204,
    handle: async ({ params }, { service }) => {
      if (!(await service.deleteProduct(params.id))) throw new HttpProblem(404, `No product with id "${params.id}"`);
      return undefined;
    },
  }),
  route({
    method: "POST",
    url: "/v1/classify",
    summary: "Top-k categories for each item (no product is stored; the answers go to the prediction log that monitoring reads); the model version is in every answer",
    tag: "classify",
    role: "read",
    body: ClassifyBody,
    response: ClassifyAnswer,
    itemsLimited: true,
    handle: async ({ body }, { service, metrics }) => {
      const { items, topK, explain, minPrecision, backoff, log } = body;
      const r = await service.classify(items, {
        topK,
        ...(explain !== undefined ? { explain } : {}),
        ...(minPrecision !== undefined ? { minPrecision } : {}),
        ...(backoff !== undefined ? { backoff } : {}),
        ...(log !== undefined ? { log } : {}),
      });
      metrics.addClassified(items.length);
      return r;
    },
  }),
  route({
    method: "GET",
    url: "/v1/search",
    summary: "Full-text search (BM25) with category facets; the query is plain words, never query syntax",
    tag: "search",
    role: "read",
    query: SearchQuery,
    handle: ({ query }, { service, role }) => {
      // Personalizing reads the shopper's purchases: personal data needs a key even where reads are open.
      if (query.userId !== undefined && role === undefined) throw new HttpProblem(401, "Personalized search (userId) reads a shopper's data: send an API key (Authorization: Bearer <key>)", undefined, { "www-authenticate": "Bearer" });
      return service.search(query);
    },
  }),
  route({
    method: "GET",
    url: "/v1/products/:id/similar",
    summary: "Nearest products by their vectors (exact search, or an ANN index on large catalogs)",
    tag: "search",
    role: "read",
    params: ProductParams,
    query: SimilarQuery,
    handle: ({ params, query }, { service }) => service.similar(params.id, query),
  }),
  route({
    method: "POST",
    url: "/v1/feedback",
    summary: "Accept or correct a product's category; visible at once, and used for the next model update",
    tag: "feedback",
    role: "write",
    body: FeedbackBody,
    handle: ({ body }, { service }) => service.feedback(body),
  }),
];
