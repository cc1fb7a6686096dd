// Routes on models and background jobs.
import { realpathSync } from "node:fs";
import path from "node:path";
import { HttpProblem } from "../problem.js";
import { route, type RouteSpec } from "../route-spec.js";
import { Empty, JobBody, JobParams, JobsQuery, ModelParams, RegisterModelBody } from "../schemas.js";

/** Resolves `dir` and checks that it lies under one of `roots` (after following links). */
export function modelDirUnder(dir: string, roots: readonly string[]): string {
  if (roots.length === 0) throw new HttpProblem(403, "Registering models over HTTP is disabled: the server allows no model folders");
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new HttpProblem(404, `No model directory at "${dir}"`);
  }
  for (const root of roots) {
    let r: string;
    try {
      r = realpathSync(root);
    } catch {
      continue;
    }
    const rel = path.relative(r, real);
    if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) return real;
  }
  throw new HttpProblem(403, `Model directory "${dir}" is not under an allowed model root`);
}

/** A model record without its server directory. */
function withoutDir(m: object): object {
  const { dir: _dir, ...rest } = m as { dir?: unknown };
  return rest;
}

/** The model and job operations. */
export const adminRoutes: RouteSpec[] = [
  route({
    method: "GET",
    url: "/v1/models",
    summary: "Model versions known to the server, and the active one (the server folder of each only for admin keys)",
    tag: "models",
    role: "read",
    // Folders on the server are an admin's business: other callers see models without their directory.
    handle: async (_in, { service, role }) => {
      const models = await service.listModels();
      return { active: service.activeModel()?.version ?? null, models: role === "admin" ? models : models.map(withoutDir) };
    },
  }),
  route({
    method: "POST",
    url: "/v1/models",
    summary: "Register (copy in and smoke-test) a model directory under an allowed root; optionally activate it",
    tag: "models",
    role: "admin",
    body: RegisterModelBody,
    status: 201,
    handle: ({ body }, { service, modelRoots }) => service.registerModel(modelDirUnder(body.path, modelRoots), { activate: body.activate ?? false }),
  }),
  route({
    method: "POST",
    url: "/v1/models/:version/activate",
    summary: "Make a version live; a model that fails to load is refused and the old one stays live",
    tag: "models",
    role: "admin",
    params: ModelParams,
    body: Empty.optional(),
    handle: ({ params }, { service }) => service.activateModel(params.version),
  }),
  route({
    method: "POST",
    url: "/v1/models/rollback",
    summary: "Make the previously active version live again",
    tag: "models",
    role: "admin",
    body: Empty.optional(),
    handle: (_in, { service }) => service.rollback(),
  }),
  route({
    method: "POST",
    url: "/v1/jobs",
    summary: "Start a background job (train, classify, cluster, recommender: the shopper recommender and segments)",
    tag: "jobs",
    role: "write",
    body: JobBody,
    status: 202,
    handle: ({ body }, { service }) => service.startJob(body.kind, body.params),
  }),
  route({
    method: "GET",
    url: "/v1/jobs",
    summary: "Recent jobs, newest first",
    tag: "jobs",
    role: "read",
    query: JobsQuery,
    handle: async ({ query }, { service }) => ({ jobs: await service.listJobs({ limit: query.limit }) }),
  }),
  route({
    method: "GET",
    url: "/v1/jobs/:id",
    summary: "A job's state and progress",
    tag: "jobs",
    role: "read",
    params: JobParams,
    handle: async ({ params }, { service }) => {
      const j = await service.getJob(params.id);
      if (j === undefined) throw new HttpProblem(404, `No job with id "${params.id}"`);
      return j;
    },
  }),
  route({
    method: "POST",
    url: "/v1/jobs/:id/cancel",
    summary: "Cancel a queued or running job",
    tag: "jobs",
    role: "write",
    params: JobParams,
    body: Empty.optional(),
    handle: ({ params }, { service }) => service.cancelJob(params.id),
  }),
];
