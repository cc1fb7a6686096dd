// `assort serve`: the HTTP API over a data directory; prints "listening on URL" as its first stdout line.
// With `--store postgres://… --queue redis://…` it is one stateless API replica of many.
import { InvalidArgumentError, Option, type Command } from "commander";
import { ConfigError } from "../../index.js";
import { fractionArg, intArg } from "../options.js";
import { durationArg, hostArg, LOG_LEVELS, QUEUE_HELP, rateArg, sizeArg, STORE_HELP } from "./serve-args.js";

interface ServeFlags {
  port: number;
  host: string;
  dataDir: string;
  store?: string;
  queue?: string;
  model?: string;
  keysFile?: string;
  readAuth?: boolean;
  rateLimit: { max: number; windowMs: number } | false;
  corsOrigin?: string[];
  modelRoot?: string[];
  maxInFlight: number;
  maxLag: number;
  maxQueue: number;
  maxConnections: number;
  headerTimeout: number;
  requestTimeout: number;
  bodyTimeout: number;
  keepAliveTimeout: number;
  maxHeaderSize: number;
  maxItems: number;
  exactLimit?: number;
  imagesDir?: string;
  bodyLimit: number;
  logLevel: string;
  logFile?: string;
  requestLog: boolean;
  minPrecision: number;
  taxonomy?: string;
  console: boolean;
  predictionLogDays: number;
  driftThreshold: number;
}

/** A positive number flag (the PSI threshold). */
function positiveArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number above 0, got "${v}"`);
    return n;
  };
}

const collect = (v: string, acc: string[] = []): string[] => [...acc, v];
/** A duration flag (10s, 500ms, 2m) whose help shows its default as a duration. */
const duration = (flag: string, help: string, ms: number): Option =>
  new Option(flag, `${help}, e.g. 10s or 500ms`).argParser(durationArg(flag.split(" ")[0]!)).default(ms, ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

export function serveCommand(cmd: Command): Command {
  return cmd
    .option("--port <n>", "port to listen on (0: any free port; the real one is printed)", intArg("--port", 0, 65535), 8080)
    .option("--host <host>", "address to listen on (an IP address or a host name of this machine)", hostArg, "127.0.0.1")
    .option("--data-dir <dir>", "data directory (SQLite database, models)", "./assort-data")
    .option("--store <url>", STORE_HELP)
    .option("--queue <url>", QUEUE_HELP)
    .option("--model <dir>", "register this model directory and make it live at start")
    .option("--keys-file <file>", "more API keys: JSON or lines \"key role\" (roles read, write, admin); must not be world-readable")
    .option("--read-auth", "require a key (any role) for reads too")
    .option("--rate-limit <rate>", "requests per key (or IP) e.g. 600/min, 50/s, or off", rateArg, { max: 60_000, windowMs: 60_000 })
    .option("--cors-origin <origin>", "allow browser calls from this origin (repeatable); CORS is off without it", collect)
    .option("--model-root <dir>", "allow POST /v1/models to register model directories under this folder (repeatable)", collect)
    .option("--max-in-flight <n>", "requests handled at once (bodies received, answers not yet sent); more are refused with 503 at once", intArg("--max-in-flight", 1, 100_000), 256)
    .option("--max-lag <ms>", "event-loop delay past which requests are refused with 503 at once (0: off)", intArg("--max-lag", 0, 600_000), 1000)
    .option("--max-queue <ms>", "queueing budget: under sustained overload, requests that waited this long behind other work are refused with 503 at once (0: off)", intArg("--max-queue", 0, 60_000), 20)
    .option("--max-connections <n>", "open connections served; requests on connections beyond are refused with 503, and beyond 1.25x the limit connections are dropped", intArg("--max-connections", 1, 1_000_000), 1024)
    .addOption(duration("--header-timeout <duration>", "time to receive a request's line and headers (408 and close)", 10_000))
    .addOption(duration("--request-timeout <duration>", "time to receive a whole request, headers and body (408 and close)", 30_000))
    .addOption(duration("--body-timeout <duration>", "longest pause while a request body arrives (408 and close)", 10_000))
    .addOption(duration("--keep-alive-timeout <duration>", "how long an idle keep-alive connection stays open", 5_000))
    .addOption(new Option("--max-header-size <size>", "largest request line plus headers (431 beyond)").argParser(sizeArg).default(16 * 1024, "16kb"))
    .option("--max-items <n>", "most items in one classify or products request", intArg("--max-items", 1, 100_000), 1000)
    .option("--exact-limit <n>", "similar items: exact search up to this many products, an ANN index beyond (default 100000)", intArg("--exact-limit", 0))
    .option("--images-dir <dir>", "models that see photos: relative image paths in requests are read under this folder (default <data-dir>/images); data URIs always work")
    .option("--body-limit <size>", "largest request body, e.g. 2mb", sizeArg, 2 * 1024 * 1024)
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .option("--log-file <file>", "write JSON logs here instead of stderr")
    .option("--no-request-log", "do not log each request")
    .option("--min-precision <p>", "the precision decisions are served at: products below the live model's threshold for it go to the review queue", fractionArg("--min-precision", { aboveZero: true }), 0.95)
    .option("--taxonomy <file>", "category paths the review console's picker searches (Google, path list or JSON; .gz read too); default: the model's labels")
    .option("--no-console", "do not serve the review console at /")
    .option("--prediction-log-days <n>", "days the store keeps the log of served predictions that GET /v1/monitoring and the dashboard read (0: log nothing)", intArg("--prediction-log-days", 0, 3650), 30)
    .option("--drift-threshold <psi>", "population stability index above which a category's served share counts as drifted from the training mix", positiveArg("--drift-threshold"), 0.2)
    .action(async (flags: ServeFlags) => {
      // Loaded here so that other verbs do not pay for fastify, pino and SQLite at start-up.
      const { buildServer, KeyRing } = await import("../../server/index.js");
      const { makeLogger, openService } = await import("./serve-setup.js");
      const logger = makeLogger(flags.logLevel, flags.logFile);
      const keys = KeyRing.load({ ...(process.env.ASSORT_API_KEY !== undefined ? { envKey: process.env.ASSORT_API_KEY } : {}), ...(flags.keysFile ? { keysFile: flags.keysFile } : {}) });
      if (keys.size === 0) logger.warn({}, "no API keys (set ASSORT_API_KEY or --keys-file): every write will be refused with 401");
      const opened = await openService({
        dataDir: flags.dataDir,
        ...(flags.store !== undefined ? { store: flags.store } : {}),
        ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
        ...(flags.model ? { model: flags.model } : {}),
        logger,
        maxBatch: flags.maxItems,
        ...(flags.exactLimit !== undefined ? { exactLimit: flags.exactLimit } : {}),
        ...(flags.imagesDir !== undefined ? { imagesDir: flags.imagesDir } : {}),
        predictionLogDays: flags.predictionLogDays,
        driftThreshold: flags.driftThreshold,
      });
      const service = opened.service;
      let review;
      let consoleDir: string | undefined;
      try {
        const { reviewSetup } = await import("./serve-review.js");
        ({ review, consoleDir } = await reviewSetup(service, { minPrecision: flags.minPrecision, ...(flags.taxonomy !== undefined ? { taxonomy: flags.taxonomy } : {}), console: flags.console }, logger));
      } catch (e) {
        await opened.close();
        throw e;
      }
      let app: Awaited<ReturnType<typeof buildServer>>;
      try {
        app = await buildServer({
          service,
          auth: { keys, readAuth: Boolean(flags.readAuth) },
          limits: {
            rateLimit: flags.rateLimit,
            maxInFlight: flags.maxInFlight,
            maxEventLoopDelayMs: flags.maxLag,
            maxQueueMs: flags.maxQueue,
            maxConnections: flags.maxConnections,
            headerTimeoutMs: flags.headerTimeout,
            requestTimeoutMs: flags.requestTimeout,
            bodyTimeoutMs: flags.bodyTimeout,
            keepAliveTimeoutMs: flags.keepAliveTimeout,
            maxHeaderBytes: flags.maxHeaderSize,
            maxItems: flags.maxItems,
            bodyLimit: flags.bodyLimit,
          },
          ...(flags.corsOrigin ? { cors: { origin: flags.corsOrigin } } : {}),
          logger,
          requestLogging: flags.requestLog,
          ...(flags.modelRoot ? { modelRoots: flags.modelRoot } : {}),
          review,
          ...(consoleDir !== undefined ? { console: { dir: consoleDir } } : {}),
        });
      } catch (e) {
        await opened.close();
        throw e;
      }
      // Every 503 says when to come back: overload, and a database that is down or restarting (a scale-out
      // store's UnavailableError), which clients retry while the pool reconnects.
      app.addHook("onSend", (_req, reply, payload, done) => {
        if (reply.statusCode === 503 && !reply.hasHeader("retry-after")) reply.header("retry-after", "1");
        done(null, payload);
      });
      let address: string;
      try {
        address = await app.listen({ port: flags.port, host: flags.host });
      } catch (e) {
        await opened.close();
        const code = (e as { code?: string }).code;
        if (code === "EADDRINUSE") throw new ConfigError(`Cannot listen on ${flags.host}:${flags.port}: the address is in use; pick another --port (0: any free port)`);
        if (code === "EACCES" || code === "EADDRNOTAVAIL") throw new ConfigError(`Cannot listen on ${flags.host}:${flags.port}: ${code === "EACCES" ? "permission denied" : "no such address on this machine"}`);
        if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") throw new ConfigError(`Cannot listen on ${flags.host}:${flags.port}: not an address (the host name does not resolve)`);
        throw e;
      }
      process.stdout.write(`listening on ${address}\n`);
      if (consoleDir !== undefined) process.stdout.write(`review console: ${address}/\n`);
      logger.info({ address, model: service.activeModel()?.version ?? null, dataDir: flags.dataDir, shared: opened.shared, queue: opened.queue !== undefined }, "assort serve started");
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) {
            logger.warn({ signal }, "second signal: exiting without draining");
            process.exit(1);
          }
          stopping = true;
          logger.info({ signal }, "shutting down: draining in-flight requests");
          // Background threads do not hold the process open (they are unref'd while idle): hold it until the
          // shutdown below is done, or the event loop could empty mid-way (exit code 13, nothing flushed).
          const hold = setInterval(() => undefined, 60_000);
          // Stop accepting, let in-flight requests finish, then close jobs and the database.
          void app
            .close()
            .then(() => opened.close())
            .catch((err: unknown) => logger.error({ err }, "error while shutting down"))
            .finally(() => {
              clearInterval(hold);
              logger.info({}, "stopped");
              logger.flush();
              resolve();
            });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
    });
}
