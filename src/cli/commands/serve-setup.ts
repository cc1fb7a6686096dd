// Shared by `assort serve` and `assort import`: the structured logger and opening the catalog service.
import { statSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";
import { CatalogService, ConfigError } from "../../index.js";
import { openStore } from "../../store/registry.js";
import { WorkerJobRunner } from "../../jobs/job-runner.js";

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

/**
 * Opens the store `store` names (a store URL; default `sqlite:<dataDir>`) and the service over it, with
 * models and the product-vector model under `dataDir`; registers and activates `model` when given.
 */
export async function openService(o: { dataDir: string; store?: string; model?: string; logger?: Logger; maxBatch?: number; exactLimit?: number; imagesDir?: string }): Promise<CatalogService> {
  const dataDir = path.resolve(o.dataDir);
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false) throw new ConfigError(`Cannot use the data directory "${o.dataDir}": it is a file, not a directory`);
  // Both take the data directory's write lock (a second writer is refused, naming the first).
  const store = await openStore(o.store ?? `sqlite:${dataDir}`);
  let service: CatalogService;
  try {
    service = await CatalogService.open({
      store,
      dataDir,
      // Train, batch-classify and cluster jobs run in worker threads: the server's event loop stays responsive.
      jobs: new WorkerJobRunner(),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
      ...(o.exactLimit !== undefined ? { exactLimit: o.exactLimit } : {}),
      ...(o.imagesDir !== undefined ? { imagesDir: o.imagesDir } : {}),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  try {
    if (o.model) await service.registerModel(o.model, { activate: true });
  } catch (e) {
    await service.close();
    throw e;
  }
  return service;
}
