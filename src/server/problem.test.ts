// The server's error mapping: every AssortError code has an HTTP status, and an error of each class reaches
// the client as application/problem+json with that status and a neutral detail (no CLI flags).
import { describe, expect, it } from "vitest";
import {
  CancelledError,
  ConfigError,
  ConflictError,
  DependencyMissingError,
  ERROR_CODES,
  InvalidInputError,
  LimitError,
  ModelFormatError,
  ModelNotFoundError,
  NotFoundError,
  UnavailableError,
  type AssortError,
} from "../index.js";
import { buildServer } from "./build-server.js";
import { STATUS_BY_CODE, toProblem } from "./problem.js";
import type { CatalogServicePort } from "./service-port.js";

/** One error of each class, with the status it must answer (the statuses the e2e tests rely on). */
const SAMPLES: [AssortError, number][] = [
  [
    new InvalidInputError(
      [
        { file: "a.jsonl", line: 3, field: "title", message: "is empty" },
        { file: "a.jsonl", line: 5, field: "title", message: "is empty" },
      ],
      2,
      undefined,
      { hint: { kind: "skip-bad-rows" } },
    ),
    422,
  ],
  [new ConfigError("Cannot follow renamed paths", ["the model has no taxonomy"], { hint: { kind: "train-with-taxonomy" } }), 400],
  [new ModelNotFoundError("models/shoes"), 404],
  [new ModelFormatError("models/shoes", "format version 2 is newer than supported version 1"), 422],
  [new DependencyMissingError("sharp", "images"), 501],
  [new CancelledError("Job"), 409],
  [new NotFoundError("product", "p1"), 404],
  [new ConflictError('Job "j1" has already finished'), 409],
  [new LimitError("items in one classify call", 5, 3), 413],
  [new UnavailableError("No active model: register a model and activate it first"), 503],
];

/** A CLI flag ("--on-bad-row") or command ("assort serve") in a text. */
const CLI_ADVICE = /(^|[\s("'`])--[a-z]|\bassort [a-z]/;

describe("HTTP status of each error code", () => {
  it.each([...ERROR_CODES])("%s maps to a 4xx or 5xx status", (code) => {
    expect(STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
    expect(STATUS_BY_CODE[code]).toBeLessThan(600);
  });

  it("the samples cover every code once", () => {
    expect(SAMPLES.map(([e]) => e.code).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(SAMPLES.map(([e, status]) => [e.code, e, status] as const))("toProblem maps %s to its status with the message as detail", (_code, e, status) => {
    const m = toProblem(e, "/v1/classify", "req-1");
    expect(m.problem).toMatchObject({ status, detail: e.message, instance: "/v1/classify" });
    expect(m.problem.status).toBe(STATUS_BY_CODE[e.code]);
    expect(m.internal).toBe(false);
    expect(m.problem.detail).not.toMatch(CLI_ADVICE);
  });
});

describe("errors thrown by the service reach the client as problem+json", () => {
  it.each(SAMPLES.map(([e, status]) => [e.code, e, status] as const))("%s", async (_code, e, status) => {
    const service = {
      classify: () => {
        throw e;
      },
    } as unknown as CatalogServicePort;
    const app = await buildServer({ service });
    try {
      const res = await app.inject({ method: "POST", url: "/v1/classify", payload: { items: [{ id: "a", title: "pan" }] } });
      expect(res.statusCode).toBe(status);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const p = res.json();
      expect(p).toMatchObject({ status, detail: e.message, instance: "/v1/classify" });
      expect(p.detail).not.toMatch(CLI_ADVICE);
      if (e instanceof InvalidInputError) {
        expect(p.errors).toEqual([
          { path: "a.jsonl[3].title", message: "is empty" },
          { path: "a.jsonl[5].title", message: "is empty" },
        ]);
      }
    } finally {
      await app.close();
    }
  });
});
