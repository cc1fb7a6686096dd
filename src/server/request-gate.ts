// The gate every API request passes before routing (ops routes excepted): a key that is sent must be valid (401),
// then the rate limit of that key, or of the client's IP without one (429). Invalid keys are refused before the
// rate limiter, so random tokens cannot create buckets. The transport runs it on each request read from a socket;
// requests that bypass the transport (fastify's inject) run it in an onRequest hook.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KeyRing, Role } from "./api-keys.js";
import type { RateLimiter } from "./rate-limiter.js";

/** A caller's valid key: its role and non-secret id. */
export type CallerKey = { role: Role; id: string };

/** Why a request is refused: status, detail, extra headers and the metric reason. */
export interface Refusal {
  status: number;
  detail: string;
  headers: Record<string, string>;
  reason: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const kKey = Symbol("assort.callerKey");
type Gated = IncomingMessage & { [kKey]?: CallerKey | null };

const keyRefusal = (detail: string, error: string): Refusal => ({
  status: 401,
  detail,
  headers: { "www-authenticate": `Bearer realm="assort", error="${error}"` },
  reason: "auth",
});

export class RequestGate {
  constructor(
    private readonly keys: KeyRing,
    private readonly limiter: RateLimiter | undefined,
  ) {}

  /**
   * Checks `req`: undefined when it may go on (its key, if any, is then {@link callerOf}), or the refusal. Sets
   * the RateLimit headers on `res` (limit, remaining, seconds to reset), and Retry-After on a 429.
   */
  check(req: IncomingMessage, res: ServerResponse): Refusal | undefined {
    let who: CallerKey | null = null;
    const h = req.headers.authorization;
    if (h !== undefined) {
      const m = BEARER.exec(h);
      if (!m) return keyRefusal("Send the API key as Authorization: Bearer <key>", "invalid_request");
      who = this.keys.identify(m[1]!) ?? null;
      if (!who) return keyRefusal("The API key is not valid", "invalid_token");
    }
    (req as Gated)[kKey] = who;
    const l = this.limiter;
    if (!l) return undefined;
    const d = l.take(who ? `key:${who.id}` : `ip:${req.socket.remoteAddress ?? "?"}`);
    res.setHeader("ratelimit-limit", d.limit);
    res.setHeader("ratelimit-remaining", d.remaining);
    res.setHeader("ratelimit-reset", d.resetS);
    if (d.ok) return undefined;
    const per = l.windowMs % 1000 === 0 ? `${l.windowMs / 1000} s` : `${l.windowMs} ms`;
    return { status: 429, detail: `Rate limit reached: ${l.max} requests per ${per}; retry in ${d.retryAfterS} s`, headers: { "retry-after": String(d.retryAfterS) }, reason: "rate-limit" };
  }

  /** Whether `req` went through {@link check} (and passed it). */
  static passed(req: IncomingMessage): boolean {
    return (req as Gated)[kKey] !== undefined;
  }

  /** The valid key `req` sent (null: none); undefined when it did not pass the gate. */
  static callerOf(req: IncomingMessage): CallerKey | null | undefined {
    return (req as Gated)[kKey];
  }
}
