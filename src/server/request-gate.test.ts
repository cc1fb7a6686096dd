// The gate before routing: invalid or malformed keys are refused (401) without touching the rate limiter, valid
// keys get their own bucket, keyless callers share their IP's, and a 429 says when to come back.
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { KeyRing } from "./api-keys.js";
import { RateLimiter } from "./rate-limiter.js";
import { RequestGate } from "./request-gate.js";

const KEY = "gate-read-key-0123456789";
const keys = new KeyRing().add(KEY, "read");

function request(authorization?: string, ip = "10.0.0.1"): { req: IncomingMessage; res: ServerResponse; headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = {};
  const req = { headers: authorization === undefined ? {} : { authorization }, socket: { remoteAddress: ip } } as unknown as IncomingMessage;
  const res = { setHeader: (k: string, v: unknown) => (headers[k] = v) } as unknown as ServerResponse;
  return { req, res, headers };
}

describe("RequestGate", () => {
  it("refuses invalid and malformed keys with 401 and creates no rate-limit buckets for them", () => {
    const limiter = new RateLimiter(2, 60_000);
    const gate = new RequestGate(keys, limiter);
    for (let i = 0; i < 50; i++) {
      const { req, res, headers } = request(`Bearer random-token-${i}-0123456789`, `10.1.0.${i}`);
      const r = gate.check(req, res);
      expect(r?.status).toBe(401);
      expect(r?.headers["www-authenticate"]).toContain('error="invalid_token"');
      expect(headers["ratelimit-limit"]).toBeUndefined();
      expect(RequestGate.passed(req)).toBe(false);
    }
    const basic = gate.check(request("Basic dXNlcjpwYXNz").req, request().res);
    expect(basic?.status).toBe(401);
    expect(basic?.headers["www-authenticate"]).toContain('error="invalid_request"');
    expect(limiter.size).toBe(0);
  });

  it("counts a valid key in its own bucket and keyless callers per IP, with RateLimit headers and a 429 + Retry-After", () => {
    const limiter = new RateLimiter(2, 60_000);
    const gate = new RequestGate(keys, limiter);
    const a = request();
    expect(gate.check(a.req, a.res)).toBeUndefined();
    expect(RequestGate.callerOf(a.req)).toBeNull();
    expect(a.headers).toEqual({ "ratelimit-limit": 2, "ratelimit-remaining": 1, "ratelimit-reset": 30 });
    expect(gate.check(request().req, request().res)).toBeUndefined();
    const over = request();
    const refused = gate.check(over.req, over.res);
    expect(refused).toEqual({ status: 429, detail: "Rate limit reached: 2 requests per 60 s; retry in 30 s", headers: { "retry-after": "30" }, reason: "rate-limit" });
    expect(over.headers["ratelimit-remaining"]).toBe(0);
    // Another IP and a valid key each have their own bucket.
    expect(gate.check(request(undefined, "10.0.0.2").req, request().res)).toBeUndefined();
    const keyed = request(`Bearer ${KEY}`);
    expect(gate.check(keyed.req, keyed.res)).toBeUndefined();
    expect(RequestGate.callerOf(keyed.req)?.role).toBe("read");
    expect(limiter.size).toBe(3);
  });

  it("without a rate limit only checks keys", () => {
    const gate = new RequestGate(keys, undefined);
    const ok = request(`Bearer ${KEY}`);
    expect(gate.check(ok.req, ok.res)).toBeUndefined();
    expect(ok.headers).toEqual({});
    expect(gate.check(request("Bearer nope-nope-nope-nope-nope").req, request().res)?.status).toBe(401);
  });
});
