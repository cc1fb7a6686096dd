// The HTTP transport under fastify: the Node server and its deadlines, the connection cap, request bodies still
// arriving (counted apart from requests in progress), load shed and the key/rate-limit gate before any routing,
// draining, and problem+json
// answers for what the framework never sees (malformed HTTP, header overflow, deadlines, CONNECT, Expect).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Metrics } from "./metrics.js";
import { HttpProblem, PROBLEM_TYPE, problemText, rawProblemResponse } from "./problem.js";
import { QueueShedder } from "./queue-shedder.js";
import type { Refusal } from "./request-gate.js";

/** The transport's limits (times in milliseconds). Every one has a default in {@link TRANSPORT_DEFAULTS}. */
export interface TransportLimits {
  /** Time to receive a request's line and headers, from the connection or the previous request (default 10 s): → 408. */
  headerTimeoutMs: number;
  /** Time to receive a whole request, headers and body (default 30 s): → 408. */
  requestTimeoutMs: number;
  /** Longest pause while a request body arrives (default 10 s): → 408. */
  bodyTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (default 5 s). */
  keepAliveTimeoutMs: number;
  /** Open connections served (default 1024): requests on connections past it answer 503 and close; past 1.25× it connections are dropped at once. */
  maxConnections: number;
  /** Largest request line plus headers, in bytes (default 16 KiB): → 431. */
  maxHeaderBytes: number;
  /** Requests handled at once: body received, answer not yet sent (default 256): more → 503 at once. Bodies still arriving do not count. */
  maxInFlight: number;
  /** Event-loop delay past which new requests answer 503 at once (default 1000; 0: off). */
  maxEventLoopDelayMs: number;
  /**
   * Queueing budget (default 20; 0: off): under sustained overload, requests that waited longer than this in
   * socket buffers behind other work answer 503 at once (see {@link QueueShedder}). This keeps latency bounded past
   * capacity: the in-flight count cannot see that queue.
   */
  maxQueueMs: number;
}

/** The default of every transport limit. */
export const TRANSPORT_DEFAULTS: Readonly<TransportLimits> = Object.freeze({
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxHeaderBytes: 16 * 1024,
  maxInFlight: 256,
  maxEventLoopDelayMs: 1000,
  maxQueueMs: 20,
});

/** How often deadlines are checked (Node's header/request deadlines and the body-idle sweep), in ms. */
const CHECK_MS = 250;
/** An upload older than this counts as slow in /health. */
const SLOW_UPLOAD_MS = 1000;
/** Paths exempt from load shedding, the connection cap and in-flight counting (they are cheap and must answer under pressure). */
const OPS_PATHS = new Set(["/health", "/metrics", "/openapi.json", "/docs"]);

const kOverCap = Symbol("assort.overCap");
const kAdmitted = Symbol("assort.admitted");
type Tagged<T> = T & { [kOverCap]?: boolean; [kAdmitted]?: boolean };
type ServerSocket = Socket & { _httpMessage?: ServerResponse | null };

interface Upload {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Socket;
  start: number;
  bytes: number;
  changed: number;
}

/** What /health and /metrics report about load on the transport. */
export interface Pressure {
  connections: number;
  maxConnections: number;
  /** Request bodies being received now, and those taking over a second. */
  uploads: number;
  slowUploads: number;
  inFlight: number;
  maxInFlight: number;
  eventLoopLagMs: number;
  /** Requests refused with 503 for load in about the last 10 s. */
  recentlyShed: number;
  /** True when any of `reasons` holds. */
  degraded: boolean;
  reasons: string[];
}

const pathOf = (url: string | undefined): string => {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
};
const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
const hasBody = (req: IncomingMessage): boolean => {
  const cl = req.headers["content-length"];
  return (cl !== undefined && cl !== "0") || req.headers["transfer-encoding"] !== undefined;
};

/** Checks the limits: positive numbers, header deadline within the request deadline. */
export function checkTransportLimits(l: TransportLimits): void {
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`Transport limit ${k} must be a number ≥ 0, got ${v}`);
  }
  for (const k of ["headerTimeoutMs", "requestTimeoutMs", "bodyTimeoutMs", "keepAliveTimeoutMs", "maxConnections", "maxHeaderBytes", "maxInFlight"] as const) {
    if (l[k] < 1) throw new RangeError(`Transport limit ${k} must be at least 1, got ${l[k]}`);
  }
  if (l.headerTimeoutMs > l.requestTimeoutMs) throw new RangeError(`The header timeout (${l.headerTimeoutMs} ms) must not exceed the request timeout (${l.requestTimeoutMs} ms)`);
}

/** The transport of one server: create it, hand {@link createServer} to fastify's `serverFactory`. */
export class Transport {
  readonly limits: TransportLimits;
  connections = 0;
  inFlight = 0;
  lagMs = 0;
  draining = false;
  private server: http.Server | undefined;
  private readonly uploads = new Set<Upload>();
  private readonly queue: QueueShedder | undefined;
  private shed = [0, 0];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    limits: Partial<TransportLimits>,
    private readonly metrics: Metrics,
    /** Keys and the rate limit (see RequestGate): run on each API request after the load checks, before routing. */
    private readonly gate?: (req: IncomingMessage, res: ServerResponse) => Refusal | undefined,
  ) {
    this.limits = { ...TRANSPORT_DEFAULTS, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
    checkTransportLimits(this.limits);
    this.queue = this.limits.maxQueueMs > 0 ? new QueueShedder(this.limits.maxQueueMs) : undefined;
    if (this.limits.maxEventLoopDelayMs > 0) {
      const every = 50;
      let last = performance.now();
      this.every(every, () => {
        const now = performance.now();
        this.lagMs = Math.max(0, now - last - every);
        last = now;
      });
    }
    this.every(CHECK_MS, () => this.sweep());
    this.every(5000, () => (this.shed = [0, this.shed[0]!]));
  }

  /** The Node server fastify listens with (`serverFactory`): deadlines, header size, caps and the raw error answers. */
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void): http.Server {
    const l = this.limits;
    const server = http.createServer(
      { maxHeaderSize: l.maxHeaderBytes, headersTimeout: l.headerTimeoutMs, requestTimeout: l.requestTimeoutMs, connectionsCheckingInterval: CHECK_MS, requireHostHeader: false },
      (req, res) => this.onRequest(req, res, handler),
    );
    server.keepAliveTimeout = l.keepAliveTimeoutMs;
    server.maxConnections = l.maxConnections + Math.max(16, Math.ceil(l.maxConnections / 4));
    server.on("connection", (socket: Tagged<Socket>) => {
      this.connections++;
      if (this.connections > l.maxConnections) socket[kOverCap] = true;
      socket.once("close", this.onSocketClose);
    });
    server.on("drop", () => this.metrics.addRejected("connections-dropped"));
    server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) =>
      this.refuse(req, res, 417, `Expect: ${String(req.headers.expect)} is not supported`, { connection: "close" }, "bad-request"),
    );
    server.on("connect", (req: IncomingMessage, socket: Socket) => {
      this.metrics.addRejected("bad-request");
      if (socket.writable) socket.write(rawProblemResponse(405, "CONNECT is not supported: this is not a proxy", pathOf(req.url), { allow: "GET, HEAD, POST, PUT, DELETE" }));
      socket.destroy();
    });
    server.on("close", () => this.close());
    this.server = server;
    return server;
  }

  private readonly onSocketClose = (): void => {
    this.connections--;
  };

  private readonly release = (): void => {
    this.inFlight--;
  };

  private every(ms: number, f: () => void): void {
    const t = setInterval(f, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Stops the timers (the server closed). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /**
   * Starts draining: every new request answers 503 with Retry-After and closes its connection. After the request
   * deadline (Node stops checking its own deadlines once the server closes) the connections still open are cut.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    const t = setTimeout(() => this.server?.closeAllConnections(), this.limits.requestTimeoutMs + 1000);
    t.unref();
    this.timers.push(t);
  }

  private onRequest(req: Tagged<IncomingMessage>, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void {
    if (this.draining) return this.refuse(req, res, 503, "The server is shutting down: retry shortly", { "retry-after": "5", connection: "close" }, "draining");
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      return this.refuse(req, res, 400, "Send a Host header: HTTP/1.1 requires one", { connection: "close" }, "bad-request");
    }
    if (!OPS_PATHS.has(pathOf(req.url))) {
      // Connections accepted past the cap are refused while the count stays over it; older ones keep working.
      if ((req.socket as Tagged<Socket>)[kOverCap] && this.connections > this.limits.maxConnections) {
        return this.refuse(req, res, 503, `Server busy: over ${this.limits.maxConnections} connections open; retry shortly`, { "retry-after": "1", connection: "close" }, "connections");
      }
      const busy = this.busy();
      if (busy) return this.refuse(req, res, 503, busy[1], { "retry-after": "1" }, busy[0]);
      const refused = this.gate?.(req, res);
      if (refused) return this.refuse(req, res, refused.status, refused.detail, refused.headers, refused.reason);
      req[kAdmitted] = true;
    }
    if (hasBody(req)) {
      const now = performance.now();
      this.uploads.add({ req, res, socket: req.socket, start: now, bytes: req.socket.bytesRead, changed: now });
    }
    next(req, res);
  }

  /**
   * Why the server cannot take a request now ([metric reason, detail]), or undefined. `queue`: also apply the
   * queueing budget (only for requests read from a socket: a turn of the event loop then means a socket read).
   */
  private busy(queue = true): [string, string] | undefined {
    const l = this.limits;
    if (this.inFlight >= l.maxInFlight) return ["in-flight", `Server busy: ${l.maxInFlight} requests in progress; retry shortly`];
    if (l.maxEventLoopDelayMs > 0 && this.lagMs > l.maxEventLoopDelayMs) return ["lag", `Server busy: event loop ${Math.round(this.lagMs)} ms behind; retry shortly`];
    if (queue && this.queue?.shed()) return ["queue", `Server busy: requests are waiting over ${l.maxQueueMs} ms; retry shortly`];
    return undefined;
  }

  /**
   * Admits a request whose body has arrived into the in-flight count (fastify's preValidation), or answers why not.
   * Requests that did not pass the transport (fastify's inject) get the load checks here.
   */
  admit(req: Tagged<IncomingMessage>, res: ServerResponse): HttpProblem | undefined {
    const busy = this.inFlight >= this.limits.maxInFlight ? ["in-flight", `Server busy: ${this.limits.maxInFlight} requests in progress; retry shortly`] : req[kAdmitted] ? undefined : this.busy(false);
    if (busy) {
      this.countShed(busy[0]!);
      return new HttpProblem(503, busy[1]!, undefined, { "retry-after": "1" });
    }
    this.inFlight++;
    res.once("close", this.release);
    return undefined;
  }

  private countShed(reason: string): void {
    this.metrics.addRejected(reason);
    if (reason === "in-flight" || reason === "lag" || reason === "queue" || reason === "connections") this.shed[0]!++;
  }

  /** Answers `res` with a problem before fastify sees the request. */
  private refuse(req: IncomingMessage, res: ServerResponse, status: number, detail: string, headers: Record<string, string>, reason: string): void {
    const body = problemText(status, detail, pathOf(req.url));
    res.writeHead(status, { "content-type": PROBLEM_TYPE, "content-length": Buffer.byteLength(body), "x-content-type-options": "nosniff", ...headers });
    res.end(body);
    this.countShed(reason);
    this.metrics.observe(req.method ?? "?", "(transport)", status, 0);
  }

  /** Answers on a raw socket (when no answer has started) and closes it. */
  private abort(socket: ServerSocket, status: number, detail: string, reason: string): void {
    const res = socket._httpMessage;
    if (socket.writable && !res?.headersSent) socket.write(rawProblemResponse(status, detail, pathOf(res?.req?.url)));
    socket.destroy();
    this.metrics.addRejected(reason);
  }

  /** fastify's clientErrorHandler: malformed requests, header overflow and Node's header/request deadlines. */
  onClientError(err: Error & { code?: string; reason?: string }, socket: ServerSocket): void {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const l = this.limits;
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      const started = Boolean(socket._httpMessage);
      return started
        ? this.abort(socket, 408, `The request did not arrive within ${seconds(l.requestTimeoutMs)}`, "request-timeout")
        : this.abort(socket, 408, `The request headers did not arrive within ${seconds(l.headerTimeoutMs)}`, "header-timeout");
    }
    if (err.code === "HPE_HEADER_OVERFLOW") return this.abort(socket, 431, `The request line and headers exceed ${l.maxHeaderBytes} bytes`, "header-size");
    if (err.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") return this.abort(socket, 413, "Chunk extensions too large", "bad-request");
    const why = typeof err.reason === "string" && err.reason !== "" ? err.reason : "cannot parse it";
    this.abort(socket, 400, `Malformed HTTP request: ${why}`, "bad-request");
  }

  /** Cuts uploads that stopped sending; forgets finished ones. */
  private sweep(): void {
    const now = performance.now();
    for (const u of this.uploads) {
      if (u.req.complete || u.res.writableEnded || u.socket.destroyed) {
        this.uploads.delete(u);
        continue;
      }
      const b = u.socket.bytesRead;
      if (b !== u.bytes) {
        u.bytes = b;
        u.changed = now;
      } else if (now - u.changed > this.limits.bodyTimeoutMs) {
        this.uploads.delete(u);
        this.abort(u.socket, 408, `The request body stopped arriving for over ${seconds(this.limits.bodyTimeoutMs)}`, "body-timeout");
      }
    }
  }

  /** The load on the transport now, with the reasons it counts as degraded. */
  pressure(): Pressure {
    const l = this.limits;
    const now = performance.now();
    let uploads = 0;
    let slowUploads = 0;
    for (const u of this.uploads) {
      if (u.req.complete || u.res.writableEnded || u.socket.destroyed) continue;
      uploads++;
      if (now - u.start > SLOW_UPLOAD_MS) slowUploads++;
    }
    const recentlyShed = this.shed[0]! + this.shed[1]!;
    const reasons: string[] = [];
    if (this.connections >= 0.75 * l.maxConnections) reasons.push(`${this.connections} connections open (limit ${l.maxConnections})`);
    if (slowUploads >= Math.max(8, l.maxConnections / 16)) reasons.push(`${slowUploads} request bodies arriving slowly`);
    if (this.inFlight >= 0.75 * l.maxInFlight) reasons.push(`${this.inFlight} requests in progress (limit ${l.maxInFlight})`);
    if (l.maxEventLoopDelayMs > 0 && this.lagMs >= l.maxEventLoopDelayMs / 2) reasons.push(`event loop ${Math.round(this.lagMs)} ms behind`);
    if (recentlyShed > 0) reasons.push(`${recentlyShed} requests refused for load recently`);
    return {
      connections: this.connections,
      maxConnections: l.maxConnections,
      uploads,
      slowUploads,
      inFlight: this.inFlight,
      maxInFlight: l.maxInFlight,
      eventLoopLagMs: Math.round(this.lagMs),
      recentlyShed,
      degraded: reasons.length > 0,
      reasons,
    };
  }
}
