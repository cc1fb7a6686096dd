// `assort embed` and `assort embed export`: fit product vectors (TF-IDF+SVD, fastText, USE-lite) and export them.
import { Option, type Command } from "commander";
import { fitProductVectors, ProductVectors, readCatalogFile, VECTOR_METHODS, type VectorMethod } from "../../index.js";
import type { FastTextParamsInput } from "../../entries/embeddings.js";
import { UsageError } from "../errors.js";
import { checkModelDir, checkWritable, inputSource, makeUi, reportSkipped, writeStdout } from "../io.js";
import { addInputOptions, fractionArg, intArg, readOptions, type InputFlags } from "../options.js";

interface EmbedFlags extends InputFlags {
  data?: string;
  out?: string;
  method: VectorMethod;
  dim?: number;
  mode?: "skipgram" | "cbow";
  epochs?: number;
  minCount?: number;
  threads?: number;
  sif?: number;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

interface ExportFlags {
  model?: string;
  out?: string;
  words?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function embedCommand(cmd: Command): Command {
  cmd
    .option("--data <file>", "catalog: JSONL or CSV (- for stdin)")
    .option("--out <dir>", "model directory to write (replaced atomically)")
    .addOption(new Option("--method <name>", "tfidf-svd (word TF-IDF → SVD), fasttext (trained on the catalog), use-lite (pretrained English sentence encoder, 512-d)").choices([...VECTOR_METHODS]).default("tfidf-svd"))
    .option("--dim <n>", "vector width for tfidf-svd and fasttext (default 100)", intArg("--dim", 2, 1024))
    .addOption(new Option("--mode <name>", "fasttext: skipgram or cbow (default skipgram)").choices(["skipgram", "cbow"]))
    .option("--epochs <n>", "fasttext: passes over the catalog (default 10)", intArg("--epochs", 1, 1000))
    .option("--min-count <n>", "fasttext: rarer words get vectors from their character n-grams only (default 2)", intArg("--min-count", 1))
    .option("--threads <n>", "fasttext: training threads (0 = one per core)", intArg("--threads", 0, 64))
    .option("--sif <a>", "fasttext: weigh words by a/(a + frequency) when pooling (1e-5 finds the same product best; default 0, the plain mean, clusters categories best)", fractionArg("--sif"))
    .option("--seed <n>", "random seed", intArg("--seed", 0), 0)
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd, { labelField: false });
  cmd.addHelpText(
    "after",
    `
Examples:
  assort embed --data catalog.jsonl --out vectors/ --method fasttext
  assort embed export --model vectors/ --out products.vec
  assort embed export --model vectors/ --out words.vec --words

The model keeps the catalog's product vectors; "export" writes them (or fastText's word vectors)
in the fastText .vec text format.`,
  );
  cmd.action(async (flags: EmbedFlags) => {
    if (!flags.data || !flags.out) throw new UsageError("assort embed needs --data FILE and --out DIR (or use: assort embed export)");
    const ui = makeUi(Boolean(flags.quiet));
    await checkModelDir(flags.out);
    const { products, report } = await readCatalogFile(inputSource(flags.data), readOptions(flags, flags.data, false, ui));
    reportSkipped(report, ui);
    const fasttext: FastTextParamsInput = {};
    if (flags.mode) fasttext.mode = flags.mode;
    if (flags.epochs !== undefined) fasttext.epochs = flags.epochs;
    if (flags.minCount !== undefined) fasttext.minCount = flags.minCount;
    if (flags.threads !== undefined) fasttext.threads = flags.threads;
    if (flags.sif !== undefined && flags.method !== "fasttext") throw new UsageError("--sif applies to --method fasttext");
    if (flags.method !== "fasttext" && Object.keys(fasttext).length > 0) throw new UsageError("--mode, --epochs, --min-count and --threads apply to --method fasttext");
    const pv = await fitProductVectors(products, {
      method: flags.method,
      ...(flags.dim !== undefined ? { dim: flags.dim } : {}),
      fasttext,
      ...(flags.sif !== undefined ? { sif: flags.sif } : {}),
      seed: flags.seed,
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    });
    ui.progress.done();
    await pv.save(flags.out);
    ui.info(`wrote ${flags.out}`);
    const ft = pv.fastText;
    const summary = {
      model: flags.out,
      method: pv.method,
      dim: pv.dim,
      products: products.length,
      skipped: report.skipped,
      duplicateIds: report.duplicateIds,
      features: pv.description,
      seconds: Math.round(pv.seconds * 100) / 100,
      ...(ft ? { words: ft.words.length, loss: ft.stats.loss, threads: ft.stats.threads } : {}),
    };
    if (flags.json) {
      await writeStdout(JSON.stringify(summary) + "\n");
      return;
    }
    const lines = [
      `vectors   ${pv.method}, ${pv.dim} dimensions, ${products.length.toLocaleString("en-US")} products`,
      `features  ${pv.description}`,
      `time      ${pv.seconds.toFixed(1)} s${ft ? ` (${ft.stats.threads} thread${ft.stats.threads === 1 ? "" : "s"})` : ""}`,
      `model     ${flags.out}`,
    ];
    await writeStdout(lines.join("\n") + "\n");
  });

  cmd
    .command("export")
    .description("write a product-vector model's vectors as a fastText .vec text file")
    .option("--model <dir>", "model directory written by assort embed")
    .option("--out <file>", "the .vec file to write (replaced atomically)")
    .option("--words", "fasttext models: export the word vectors instead of the product vectors")
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no notes on stderr")
    .action(async (_own: ExportFlags, command: Command) => {
      // --out, --json and -q are also options of "embed" itself, which commander hands them to: merge both levels.
      const flags = command.optsWithGlobals<ExportFlags>();
      if (!flags.model || !flags.out) throw new UsageError("assort embed export needs --model DIR and --out FILE");
      const ui = makeUi(Boolean(flags.quiet));
      await checkWritable(flags.out, { file: true });
      const pv = await ProductVectors.load(flags.model);
      const n = await pv.exportVec(flags.out, { words: Boolean(flags.words) });
      ui.info(`wrote ${flags.out}`);
      const what = flags.words ? "word" : "product";
      if (flags.json) await writeStdout(JSON.stringify({ model: flags.model, out: flags.out, vectors: n, kind: what, dim: pv.dim }) + "\n");
      else await writeStdout(`exported ${n.toLocaleString("en-US")} ${what} vectors (${pv.dim} dimensions) to ${flags.out}\n`);
    });
  return cmd;
}
