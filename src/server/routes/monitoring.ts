// GET /v1/monitoring: drift of the served category mix against the live model's training mix, served counts
// per day and coverage at each precision. Parsing and formatting only: the work is the service's
// (src/service/monitoring.ts).
import { z } from "zod";
import { HttpProblem } from "../problem.js";
import { route, type RouteSpec } from "../route-spec.js";

/** Query of GET /v1/monitoring. */
export const MonitoringQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(7).describe("the window: today (UTC) and the days before it"),
});

const nullableNumber = z.number().nullable();

const CategoryDrift = z.object({
  category: z.string(),
  served: z.number().int().describe("predictions served with it as top-1"),
  servedShare: z.number(),
  trainingShare: z.number().describe("its share of the live model's training products"),
  psi: z.number().describe("its term of the population stability index"),
  flagged: z.boolean().describe("psi over the threshold"),
});

/** The answer of GET /v1/monitoring. */
export const MonitoringAnswer = z.object({
  days: z.number().int(),
  since: z.string(),
  until: z.string(),
  model: z.string().nullable().describe("the live model (null: none)"),
  served: z.number().int().describe("predictions served in the window (every model)"),
  threshold: z.number().describe("PSI above which a category is flagged (a server setting)"),
  training: z
    .object({ available: z.boolean(), rows: z.number().int().optional(), categories: z.number().int().optional(), reason: z.string().optional() })
    .describe("the live model's training mix (class counts from its manifest), or why it has none"),
  drift: z
    .object({
      psi: z.number().describe("population stability index over every category (empty bins counted as 0.01 %)"),
      js: z.number().describe("Jensen–Shannon divergence, bits (0 to 1)"),
      threshold: z.number(),
      flagged: z.array(z.string()),
      categories: z.array(CategoryDrift),
    })
    .nullable()
    .describe("null without a training mix or without predictions served in the window"),
  daily: z.array(z.object({ day: z.string(), count: z.number().int(), meanScore: nullableNumber.describe("mean top-1 score (null: none served)") })),
  coverage: z.object({
    model: z.string().nullable(),
    calibrated: z.boolean(),
    served: z.number().int().describe("the live model's predictions served in the window"),
    points: z.array(
      z.object({
        precision: z.number(),
        threshold: nullableNumber.describe("score threshold of the operating point (null: unreachable or uncalibrated)"),
        heldOutCoverage: nullableNumber.describe("share decided on the held-out calibration rows"),
        decided: nullableNumber.describe("served predictions scored at or above the threshold"),
        coverage: nullableNumber.describe("decided / served"),
        note: z.string().optional(),
      }),
    ),
  }),
  retentionDays: z.number().int().describe("days the prediction log keeps (0: logging off)"),
});

/** The monitoring operations. */
export const monitoringRoutes: RouteSpec[] = [
  route({
    method: "GET",
    url: "/v1/monitoring",
    summary: "Drift of the served categories against the live model's training mix (PSI per category and overall, Jensen–Shannon), served counts per day, coverage at each precision",
    tag: "monitoring",
    role: "read",
    query: MonitoringQuery,
    response: MonitoringAnswer,
    handle: ({ query }, { service }) => {
      if (!service.monitoring) throw new HttpProblem(503, "Monitoring is not enabled on this server");
      return service.monitoring({ days: query.days });
    },
  }),
];
