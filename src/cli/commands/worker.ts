// `assort worker`: one of any number of worker processes of a scale-out deployment. It serves the store's
// live model like a replica does (following activations), takes jobs and batches from the Redis queue
// (imports, batch classification, train, cluster, embed, audit) and runs them; SIGTERM lets the running
// ones finish, a second signal abandons them to another worker. Prints "worker ready" once it listens.
import { Option, type Command } from "commander";
import { intArg } from "../options.js";
import { writeFile } from "node:fs/promises";
import type { BullJobQueue } from "../../jobs/queue.js";
import { LOG_LEVELS, QUEUE_HELP, STORE_HELP } from "./serve-args.js";
import { lowerPriority, NICE_HELP } from "../priority.js";

/** Writes the time to `file` when Redis answers a ping (nothing when it does not: the file ages). */
async function heartbeat(queue: BullJobQueue, file: string): Promise<void> {
  try {
    await queue.ping();
    await writeFile(file, new Date().toISOString() + "\n");
  } catch {
    // Redis is unreachable or the file cannot be written: the health check sees an old file.
  }
}

interface WorkerFlags {
  store: string;
  queue: string;
  concurrency: number;
  dataDir: string;
  lockDuration: number;
  batchSize: number;
  heartbeat?: string;
  logLevel: string;
  logFile?: string;
  nice: number;
}

export function workerCommand(cmd: Command): Command {
  return cmd
    .requiredOption("--store <url>", STORE_HELP)
    .requiredOption("--queue <url>", QUEUE_HELP)
    .option("--concurrency <n>", "batches processed at once", intArg("--concurrency", 1, 64), 1)
    .option("--data-dir <dir>", "where models and vectors fetched from the store are kept", "./assort-data")
    .option("--lock-duration <ms>", "how long a job stays with a worker that stopped answering before another takes it", intArg("--lock-duration", 1000, 600_000), 30_000)
    .option("--batch-size <n>", "products per batch of a batch classification", intArg("--batch-size", 100, 100_000), 5000)
    .option("--nice <n>", NICE_HELP, intArg("--nice", 0, 19), 0)
    .option("--heartbeat <file>", "write the time to this file every 10 s while the queue answers (a container health check reads its age)")
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .option("--log-file <file>", "write JSON logs here instead of stderr")
    .action(async (flags: WorkerFlags) => {
      const lowered = lowerPriority(flags.nice);
      const { makeLogger, openService } = await import("./serve-setup.js");
      const { QueueWorker } = await import("../../jobs/queue-worker.js");
      const logger = makeLogger(flags.logLevel, flags.logFile);
      const opened = await openService({ dataDir: flags.dataDir, store: flags.store, queue: flags.queue, logger, maxBatch: 100_000 });
      const worker = QueueWorker.start({ service: opened.service, queue: opened.queue!, concurrency: flags.concurrency, lockDuration: flags.lockDuration, batchSize: flags.batchSize, logger });
      await worker.ready();
      const beat = flags.heartbeat ? setInterval(() => void heartbeat(opened.queue!, flags.heartbeat!), 10_000) : undefined;
      if (flags.heartbeat) await heartbeat(opened.queue!, flags.heartbeat);
      process.stdout.write(`worker ready (pid ${process.pid}, concurrency ${flags.concurrency}${flags.nice > 0 ? `, nice ${flags.nice}` : ""})\n`);
      logger.info({ concurrency: flags.concurrency, model: opened.service.activeModel()?.version ?? null, nice: flags.nice, sessionGroupLowered: lowered.sessionGroup }, "assort worker started");
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) {
            logger.warn({ signal }, "second signal: abandoning running jobs to other workers");
            void worker.close(true).finally(() => process.exit(1));
            return;
          }
          stopping = true;
          if (beat) clearInterval(beat);
          logger.info({ signal }, "shutting down: finishing running jobs");
          // Held open until done: idle background threads do not keep the process alive (see assort serve).
          const hold = setInterval(() => undefined, 60_000);
          void worker
            .close()
            .then(() => opened.close())
            .catch((err: unknown) => logger.error({ err }, "error while shutting down"))
            .finally(() => {
              clearInterval(hold);
              logger.info({ processed: worker.processed }, "stopped");
              logger.flush();
              resolve();
            });
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
      });
    });
}
