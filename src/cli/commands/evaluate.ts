// `assort evaluate`: score a model on labelled products (tables for people, --json for machines).
import path from "node:path";
import type { Command } from "commander";
import { evaluateModel, loadModel, readCatalogFile, type ModelEvaluation } from "../../entries/models.js";
import { addInputOptions, fractionArg, readOptions, type InputFlags } from "../options.js";
import { inputSource, makeUi, pct, reportSkipped } from "../io.js";
import { formatConfusion, formatTable } from "../table.js";

interface EvaluateFlags extends InputFlags {
  model: string;
  data: string;
  json?: boolean;
  quiet?: boolean;
  minPrecision?: number;
  backoff?: boolean | number;
}

export function evaluateCommand(cmd: Command): Command {
  cmd
    .requiredOption("--model <dir>", "model directory written by assort train")
    .requiredOption("--data <file>", "labelled catalog: JSONL or CSV (- for stdin)")
    .option("--min-precision <p>", "also report the held-out threshold for this precision and what it gives on this data", fractionArg("--min-precision", { aboveZero: true }))
    .option("--backoff [threshold]", "score decisions with hierarchical backoff (default threshold: --min-precision's, else 0.5)", fractionArg("--backoff", { aboveZero: true }))
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd, { fromModel: true });
  return cmd.action(async (flags: EvaluateFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    const model = await loadModel(flags.model);
    const opts = readOptions(flags, flags.data, true, ui);
    opts.textFields ??= model.fields.text;
    opts.idField ??= model.fields.id;
    opts.labelField ??= model.fields.label;
    const labelDepth = model.describe().details["labelDepth"];
    if (opts.labelDepth === undefined && typeof labelDepth === "number") opts.labelDepth = labelDepth;
    const { products, report } = await readCatalogFile(inputSource(flags.data), opts);
    reportSkipped(report, ui);
    const r = await evaluateModel(model, products, {
      ...(flags.minPrecision !== undefined ? { minPrecision: flags.minPrecision } : {}),
      ...(flags.backoff !== undefined ? { backoff: flags.backoff } : {}),
      baseDir: flags.data === "-" ? process.cwd() : path.dirname(path.resolve(flags.data)),
      onProgress: (e) => ui.progress.onProgress(e),
    }).finally(() => model.close());
    ui.progress.done();
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...r, skipped: report.skipped, duplicateIds: report.duplicateIds }) + "\n");
      return;
    }
    if (r.unknownLabels.length > 0) {
      ui.warn(`${r.unknownLabels.length} categor${r.unknownLabels.length === 1 ? "y" : "ies"} in the data are unknown to the model (counted as errors): ${r.unknownLabels.slice(0, 5).join(", ")}`);
    }
    const lines: string[] = [];
    lines.push(`Model ${r.modelVersion} on ${r.n} products: accuracy ${pct(r.accuracy)}, macro-F1 ${r.macroF1.toFixed(3)}`, "");
    lines.push(
      formatTable(
        ["average", "precision", "recall", "F1"],
        [
          ["macro", r.macroPrecision, r.macroRecall, r.macroF1],
          ["micro", r.microPrecision, r.microRecall, r.microF1],
          ["weighted", r.weightedPrecision, r.weightedRecall, r.weightedF1],
        ],
      ),
      "",
    );
    if (r.levels.length > 1) {
      lines.push(formatTable(["level", "accuracy", "macro-F1", "products"], r.levels.map((l) => [String(l.level), l.accuracy, l.macroF1, String(l.support)])));
      lines.push(
        `hierarchical P/R/F1 ${r.hierarchicalPrecision.toFixed(3)}/${r.hierarchicalRecall.toFixed(3)}/${r.hierarchicalF1.toFixed(3)} · exact path ${pct(r.pathAccuracy)}` +
          (flags.backoff !== undefined ? ` · backoff ${pct(r.backoffRate)} · abstain ${pct(r.abstainRate)}` : ""),
        "",
      );
    }
    lines.push(
      `Confidence: ECE ${r.ece.toFixed(4)} (uncalibrated ${r.eceUncalibrated.toFixed(4)}); auto-accept coverage at precision ` +
        Object.entries(r.coverageAtPrecision)
          .map(([p, c]) => `${p}: ${pct(c)}`)
          .join(", "),
    );
    if (r.operatingPoint) {
      const o = r.operatingPoint;
      lines.push(`At --min-precision ${o.minPrecision} (score ≥ ${o.threshold.toFixed(4)}): precision ${pct(o.precision)}, ${pct(o.coverage)} auto-accepted here (${pct(o.heldOutCoverage)} held out)`);
    }
    lines.push("");
    lines.push(formatTable(["category", "precision", "recall", "F1", "support"], r.perClass.map((c) => [c.label, c.precision, c.recall, c.f1, c.support])), "");
    lines.push("Confusion matrix (rows: true category, columns: predicted)", formatConfusion(r.labels, r.confusion));
    if (r.fused) lines.push("", ...evidenceTable(r, flags.data, ui));
    process.stdout.write(lines.join("\n") + "\n");
  });
}

/** Models that see photos: each evidence source alone and fused, side by side (and the first photo problems). */
function evidenceTable(r: ModelEvaluation, data: string, ui: ReturnType<typeof makeUi>): string[] {
  for (const i of (r.imageIssues ?? []).slice(0, 10)) ui.warn({ code: i.code, message: `${data}${i.line ? `:${i.line}` : ""}: product "${i.id}": ${i.message}` });
  const row = (name: string, m: { accuracy: number; macroF1: number } | undefined): (string | number)[] => [name, m ? m.accuracy : "-", m ? m.macroF1 : "-"];
  return [
    `Evidence on ${r.rows} products (${r.withImage} with a usable photo; fusion weights: text ${r.textWeight!.toFixed(1)}, image ${r.imageWeight!.toFixed(1)})`,
    formatTable(["evidence", "accuracy", "macro-F1"], [
      row("text only", r.text),
      row("image only", r.image),
      row("image only (with photo)", r.imageOnLoaded),
      row(r.text ? "fused" : "model", r.fused),
    ]),
  ];
}
