// `assort classify`: stream products through a model, one JSON line per product (stdout or --out FILE). The
// options are defined here; the run (./classify-lean.ts for a JSONL file and the usual model, else ./classify-run.ts,
// which loads the model code) is imported when it runs, after the worker threads that classify a JSONL file were
// started (they load their modules meanwhile).
import type { Command } from "commander";
import { addInputOptions, fractionArg, intArg } from "../options.js";
import { EXPLAIN_HELP } from "../explain-output.js";
import type { ClassifyFlags } from "./classify-lean.js";

export function classifyCommand(cmd: Command): Command {
  cmd
    .requiredOption("--model <dir>", "model directory written by assort train")
    .requiredOption("--data <file>", "products to classify: JSONL or CSV, or - for stdin")
    .option("--top-k <n>", "categories per product", intArg("--top-k", 1, 1000), 3)
    .option("--out <file>", "write JSONL here (atomically) instead of stdout")
    .option("--batch-size <n>", "products classified per batch (memory stays bounded)", intArg("--batch-size", 1, 1_000_000), 4096)
    .option("-q, --quiet", "no progress or notes on stderr")
    .option("--taxonomy <file>", "name categories by this (e.g. renamed) version of the taxonomy the model was trained against, matched by id")
    .option("--min-precision <p>", "auto-accept only predictions whose score reaches the threshold that gave this precision on held-out data; the rest get \"needsReview\": true", fractionArg("--min-precision", { aboveZero: true }))
    .option("--backoff [threshold]", "when unsure of the leaf, answer the deepest parent category whose probability reaches the threshold (default: --min-precision's, else 0.5), or abstain (category null)", fractionArg("--backoff", { aboveZero: true }))
    .option("--explain", "add an explanation to each line: the terms that decided it and the nearest training products")
    .option("--explain-features <n>", "terms listed per explanation (implies --explain; default 8)", intArg("--explain-features", 1, 1000))
    .option("--explain-neighbors <n>", "training products listed per explanation (implies --explain; default 3)", intArg("--explain-neighbors", 0, 100))
    .addHelpText("after", EXPLAIN_HELP);
  addInputOptions(cmd, { labelField: false, fromModel: true });
  return cmd.action(async (flags: ClassifyFlags) => {
    // A JSONL file (no explanations) is classified on worker threads: they start loading while this thread loads the run and the model.
    const explaining = Boolean(flags.explain) || flags.explainFeatures !== undefined || flags.explainNeighbors !== undefined;
    const csv = flags.format === "csv" || (flags.format !== "jsonl" && /\.(csv|tsv)$/i.test(flags.data));
    if (flags.data !== "-" && !csv && !explaining) (await import("../../entries/start.js")).prestartClassifyJsonl(flags.data);
    // JSONL with the usual model (linear, no renamed taxonomy): restored lean, without loading the model code.
    const jsonl = flags.format === "jsonl" || (flags.format !== "csv" && /\.(jsonl|ndjson|json)$/i.test(flags.data));
    if (jsonl && !explaining && flags.taxonomy === undefined && (await (await import("./classify-lean.js")).runLeanClassify(flags))) return;
    return (await import("./classify-run.js")).runClassify(flags);
  });
}
