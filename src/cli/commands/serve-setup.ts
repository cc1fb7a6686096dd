// Shared by `assort serve`, `assort import` and `assort worker`: the structured logger and opening the
// catalog service. The embedded default is SQLite in the data directory with worker threads; a
// `postgres://` store adds what processes on several machines need (shared state over LISTEN/NOTIFY,
// artifacts in the database) and `--queue redis://` hands jobs to `assort worker` processes.
import { statSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";
import { CatalogService, ConfigError, type SharedState } from "../../index.js";
import { openStore, parseStoreUrl } from "../../store/registry.js";
import { WorkerJobRunner } from "../../jobs/job-runner.js";
import type { BullJobQueue } from "../../jobs/queue.js";

/**
 * A pino logger writing JSON lines to stderr or `file`. The Authorization header and anything named like
 * a key or token is redacted, so API keys never reach a log.
 */
export function makeLogger(level: string, file?: string): Logger {
  const dest = file ? pino.destination({ dest: path.resolve(file), mkdir: true, sync: false }) : pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "authorization", "apiKey", "*.apiKey", "key", "*.key", "token"],
        censor: "[redacted]",
      },
    },
    dest,
  );
}

export interface OpenServiceOptions {
  dataDir: string;
  store?: string;
  queue?: string;
  model?: string;
  logger?: Logger;
  maxBatch?: number;
  exactLimit?: number;
  imagesDir?: string;
  /** SQLite writer thread at normal priority (bulk loads: nothing to protect). */
  bulk?: boolean;
  /** Days the prediction log keeps served predictions (0: off; default 30). */
  predictionLogDays?: number;
  /** PSI above which monitoring flags a category (default 0.2). */
  driftThreshold?: number;
}

/** The service and what was opened with it (closed with it). */
export interface OpenedService {
  service: CatalogService;
  /** The job queue, with --queue. */
  queue: BullJobQueue | undefined;
  /** Whether the store is shared by several processes (PostgreSQL). */
  shared: boolean;
  close(): Promise<void>;
}

/**
 * Opens the store `store` names (a store URL; default `sqlite:<dataDir>`) and the service over it, with
 * models and the product-vector model under `dataDir`; registers and activates `model` when given.
 */
export async function openService(o: OpenServiceOptions): Promise<OpenedService> {
  const dataDir = path.resolve(o.dataDir);
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false) throw new ConfigError(`Cannot use the data directory "${o.dataDir}": it is a file, not a directory`);
  const url = o.store ?? `sqlite:${dataDir}`;
  const scheme = parseStoreUrl(url).scheme;
  const shared = scheme === "postgres" || scheme === "postgresql";
  if (o.queue !== undefined && !shared) throw new ConfigError("--queue needs a store every worker can reach: use --store postgres://…");
  // The store and the service take the data directory's write lock (a second writer is refused, naming the first).
  const store = await openStore(url, o.bulk ? { writerPriority: "normal" } : {});
  const closers: (() => Promise<void>)[] = [];
  let sharedState: SharedState | undefined;
  let artifacts;
  let queue: BullJobQueue | undefined;
  try {
    if (shared) {
      const { PgSharedState } = await import("../../store/postgres-shared-state.js");
      const { PgArtifacts } = await import("../../store/postgres-artifacts.js");
      const { PostgresStore } = await import("../../store/postgres-store.js");
      const onError = (e: Error): void => o.logger?.warn({ err: e.message }, "database connection problem (reconnecting)");
      const pgState = await PgSharedState.open(url, { onError });
      closers.push(() => pgState.close());
      sharedState = pgState;
      if (store instanceof PostgresStore) artifacts = new PgArtifacts(store.db);
    }
    if (o.queue !== undefined) {
      // Loaded only with --queue (bullmq and ioredis cost ~0.3 s of start-up).
      const { BullJobQueue } = await import("../../jobs/queue.js");
      const q = new BullJobQueue(o.queue);
      queue = q;
      closers.push(() => q.close());
    }
  } catch (e) {
    await store.close();
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
  const service = await CatalogService.open({
    store,
    dataDir,
    // Train, batch-classify and cluster jobs run in worker threads: the server's event loop stays responsive.
    jobs: new WorkerJobRunner(),
    ...(sharedState ? { sharedState } : {}),
    ...(artifacts ? { artifacts } : {}),
    ...(queue ? { jobQueue: queue } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
    ...(o.exactLimit !== undefined ? { exactLimit: o.exactLimit } : {}),
    ...(o.imagesDir !== undefined ? { imagesDir: o.imagesDir } : {}),
    ...(o.predictionLogDays !== undefined ? { predictionLogDays: o.predictionLogDays } : {}),
    ...(o.driftThreshold !== undefined ? { driftThreshold: o.driftThreshold } : {}),
  }).catch(async (e: unknown) => {
    await store.close().catch(() => undefined);
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  });
  const opened: OpenedService = {
    service,
    queue,
    shared,
    close: async () => {
      await service.close();
      for (const c of closers) await c().catch(() => undefined);
    },
  };
  try {
    if (o.model) await service.registerModel(o.model, { activate: true });
  } catch (e) {
    await opened.close();
    throw e;
  }
  return opened;
}
