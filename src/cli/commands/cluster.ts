// `assort cluster` and `assort evaluate-clusters`: group products, name the groups, write assignments and a report.
import { statSync } from "node:fs";
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import {
  CLUSTER_ALGORITHMS,
  clusterCatalog,
  evaluateClusters,
  readAssignments,
  readCatalogFile,
  recoverDir,
  renderClusterReport,
  type ClusterAlgorithm,
  type ClusterCatalogOptions,
  type ClusterEvaluation,
  type ClusterRun,
} from "../../index.js";
import { UsageError } from "../errors.js";
import { checkOutputDir, inputSource, makeUi, reportSkipped, writeOutputDir, writeStdout } from "../io.js";
import { addInputOptions, fractionArg, intArg, paramArg, readOptions, type InputFlags } from "../options.js";
import { formatTable } from "../table.js";

const OUTPUT_FILES = ["assignments.jsonl", "clusters.json", "report.html"];

interface ClusterFlags extends InputFlags {
  data: string;
  algorithm: ClusterAlgorithm;
  k: number | "auto";
  kRange?: [number, number];
  dims: number;
  embedding?: "tfidf-svd" | "fasttext" | "use-lite";
  threshold?: number;
  groupField?: string;
  eps?: number;
  minSamples?: number;
  minClusterSize?: number;
  linkage?: string;
  param?: Record<string, unknown>;
  previous?: string;
  truthField?: string;
  out?: string;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

function kArg(v: string): number | "auto" {
  if (v.trim() === "auto") return "auto";
  return intArg("--k", 1)(v);
}

function rangeArg(v: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:\.\.|-|,)\s*(\d+)\s*$/.exec(v);
  if (!m || Number(m[1]) < 2 || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError(`expected MIN..MAX with 2 ≤ MIN ≤ MAX, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

function positiveArg(name: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
    return x;
  };
}

export function clusterCommand(cmd: Command): Command {
  cmd
    .requiredOption("--data <file>", "catalog: JSONL or CSV (- for stdin)")
    .addOption(new Option("--algorithm <name>", "kmeans, agglomerative, dbscan, hdbscan, or match (same product across merchants)").choices([...CLUSTER_ALGORITHMS]).default("kmeans"))
    .option("--k <n|auto>", "clusters for kmeans/agglomerative, or auto (best silhouette over --k-range)", kArg, 8)
    .option("--k-range <min..max>", "k values tried by --k auto (default 2..30)", rangeArg)
    .option("--dims <n>", "SVD dimensions of the text embedding (0 = sparse TF-IDF)", intArg("--dims", 0, 1000), 100)
    .addOption(new Option("--embedding <method>", "product vectors to cluster: tfidf-svd (default), fasttext (trained on the catalog), use-lite (pretrained, English)").choices(["tfidf-svd", "fasttext", "use-lite"]))
    .option("--threshold <x>", "match: average similarity (0-1) two groups need to merge (default 0.3)", fractionArg("--threshold"))
    .option("--group-field <name>", "match: field whose equal values never share a cluster (e.g. merchant_id)")
    .option("--eps <x>", "dbscan: neighbourhood radius in cosine distance (default 0.3)", positiveArg("--eps"))
    .option("--min-samples <n>", "dbscan/hdbscan: neighbours that make a core point", intArg("--min-samples", 1))
    .option("--min-cluster-size <n>", "hdbscan: smallest cluster (default 5)", intArg("--min-cluster-size", 2))
    .addOption(new Option("--linkage <name>", "agglomerative linkage").choices(["ward", "average", "complete", "single"]))
    .option("--param <key=value>", "any other estimator parameter (repeatable), e.g. --param nInit=10", paramArg)
    .option("--previous <dir>", "a previous run's --out directory (or its assignments.jsonl): clusters that still exist keep their ids")
    .option("--truth-field <name>", "field with known groups (e.g. cluster_id): adds ARI, NMI and pair-F1 to the output")
    .option("--out <dir>", "write assignments.jsonl, clusters.json and report.html here (replaced atomically)")
    .option("--seed <n>", "random seed", intArg("--seed", 0), 0)
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd, { labelField: false });
  cmd.addHelpText(
    "after",
    `
Examples:
  assort cluster --data catalog.jsonl --k auto --out clusters/
  assort cluster --data offers.jsonl --algorithm match --group-field merchant_id --out products/
  assort cluster --data catalog.jsonl --k 12 --previous clusters/ --out clusters-new/

report.html is a self-contained page: a 2-D map of the products coloured by cluster (title on hover),
cluster sizes, names (distinctive terms) with examples, and the metrics.`,
  );
  return cmd.action(async (flags: ClusterFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    if (flags.out) await checkOutputDir(flags.out, OUTPUT_FILES);
    const opts = readOptions(flags, flags.data, false, ui);
    const { products, report } = await readCatalogFile(inputSource(flags.data), opts);
    reportSkipped(report, ui);
    const params: Record<string, unknown> = { ...(flags.param ?? {}) };
    if (flags.eps !== undefined) params["eps"] = flags.eps;
    if (flags.minSamples !== undefined) params["minSamples"] = flags.minSamples;
    if (flags.minClusterSize !== undefined) params["minClusterSize"] = flags.minClusterSize;
    if (flags.linkage !== undefined) params["linkage"] = flags.linkage;
    if ((flags.threshold !== undefined || flags.groupField !== undefined) && flags.algorithm !== "match") {
      throw new UsageError("--threshold and --group-field apply to --algorithm match");
    }
    const options: ClusterCatalogOptions = {
      algorithm: flags.algorithm,
      k: flags.k,
      dims: flags.dims,
      params,
      seed: flags.seed,
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    };
    if (flags.kRange) options.kRange = flags.kRange;
    if (flags.embedding) {
      if (flags.algorithm === "match") throw new UsageError("--embedding applies to kmeans, agglomerative, dbscan and hdbscan (match compares TF-IDF rows)");
      options.embedding = flags.embedding;
    }
    if (flags.threshold !== undefined) options.threshold = flags.threshold;
    if (flags.groupField !== undefined) options.groupField = flags.groupField;
    if (flags.previous) {
      await recoverDir(flags.previous); // a run killed while replacing it left the old copy beside it
      const file = statSync(flags.previous, { throwIfNoEntry: false })?.isDirectory() ? path.join(flags.previous, "assignments.jsonl") : flags.previous;
      options.previous = await readAssignments(file);
    }
    const run = await clusterCatalog(products, options);
    ui.progress.done();
    let external: ClusterEvaluation | undefined;
    if (flags.truthField) {
      const assignments = run.ids.map((id, i) => ({ id, cluster: run.labels[i]!, line: i + 1 }));
      external = await evaluateClusters(assignments, products, { truthField: flags.truthField, silhouette: false, dataFile: flags.data });
    }
    if (flags.out) {
      await writeOutputDir(flags.out, outputFiles(run, external, flags), OUTPUT_FILES);
      ui.info(`wrote ${OUTPUT_FILES.map((f) => path.join(flags.out!, f)).join(", ")}`);
    }
    if (flags.json) {
      await writeStdout(JSON.stringify({ ...summaryJson(run, external, flags.out), skipped: report.skipped, duplicateIds: report.duplicateIds }) + "\n");
      return;
    }
    await writeStdout(humanSummary(run, external));
  });
}

function scoreValue(run: ClusterRun, i: number): number | null {
  const v = run.score[i]!;
  return run.scoreKind === "none" || Number.isNaN(v) ? null : Math.round(v * 1e4) / 1e4;
}

function outputFiles(run: ClusterRun, external: ClusterEvaluation | undefined, flags: ClusterFlags): Record<string, string> {
  const key = run.scoreKind === "none" ? null : run.scoreKind;
  const lines = run.ids.map((id, i) => JSON.stringify(key ? { id, cluster: run.labels[i], [key]: scoreValue(run, i) } : { id, cluster: run.labels[i] }));
  const createdAt = new Date().toISOString();
  const clusters = {
    ...summaryJson(run, external, flags.out),
    createdAt,
    dataset: flags.data,
    clusters: run.clusters,
  };
  const map = {
    x: run.map.x,
    y: run.map.y,
    cluster: Array.from(run.map.rows, (r) => run.labels[r]!),
    title: run.map.titles,
    method: run.map.method,
  };
  const html = renderClusterReport({
    title: `Clusters of ${path.basename(flags.data)}`,
    createdAt,
    algorithm: run.algorithm,
    params: JSON.parse(JSON.stringify(run.params)) as Record<string, string | number | boolean | null>,
    dataset: flags.data,
    n: run.n,
    features: run.features,
    seconds: run.seconds,
    map,
    clusters: run.clusters.map((c) => ({ ...c, examples: c.examples.map((e) => e.title) })),
    noise: run.noise,
    metrics: {
      internal: run.metrics,
      ...(external ? { external: { ari: external.ari, nmi: external.nmi, vMeasure: external.vMeasure, purity: external.purity, pairPrecision: external.pairPrecision, pairRecall: external.pairRecall, pairF1: external.pairF1 } } : {}),
    },
    ...(run.kCurve ? { kCurve: run.kCurve } : {}),
    ...(run.stability ? { stability: { kept: run.stability.kept, new: run.stability.new, merged: run.stability.merged, vanished: run.stability.vanished, ids: run.stability.ids } } : {}),
    warnings: run.warnings,
  });
  return { "assignments.jsonl": lines.join("\n") + "\n", "clusters.json": JSON.stringify(clusters, null, 2) + "\n", "report.html": html };
}

function summaryJson(run: ClusterRun, external: ClusterEvaluation | undefined, out: string | undefined): Record<string, unknown> {
  return {
    algorithm: run.algorithm,
    params: run.params,
    n: run.n,
    k: run.k,
    noise: run.noise,
    seconds: Math.round(run.seconds * 1000) / 1000,
    features: run.features,
    metrics: run.metrics,
    ...(external
      ? { external: { ari: external.ari, nmi: external.nmi, vMeasure: external.vMeasure, homogeneity: external.homogeneity, completeness: external.completeness, purity: external.purity, pairPrecision: external.pairPrecision, pairRecall: external.pairRecall, pairF1: external.pairF1 } }
      : {}),
    ...(run.kCurve ? { kCurve: run.kCurve } : {}),
    ...(run.stability ? { stability: { kept: run.stability.kept, new: run.stability.new, merged: run.stability.merged, vanished: run.stability.vanished, ids: run.stability.ids } } : {}),
    warnings: run.warnings,
    ...(out ? { out } : {}),
    topClusters: run.clusters.slice(0, 20).map((c) => ({ id: c.id, label: c.label, size: c.size })),
  };
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(3);
}

function humanSummary(run: ClusterRun, external: ClusterEvaluation | undefined): string {
  const lines: string[] = [];
  lines.push(`${run.algorithm}: ${run.n} products → ${run.k} clusters${run.noise ? `, ${run.noise} noise` : ""} in ${run.seconds.toFixed(1)} s (${run.features})`);
  const m = run.metrics;
  lines.push(`silhouette ${fmt(m.silhouette)} · Calinski-Harabasz ${m.calinskiHarabasz === null ? "—" : m.calinskiHarabasz.toFixed(1)} · Davies-Bouldin ${fmt(m.daviesBouldin)}`);
  if (external) lines.push(`vs truth: ARI ${fmt(external.ari)} · NMI ${fmt(external.nmi)} · V-measure ${fmt(external.vMeasure)} · pair P/R/F1 ${fmt(external.pairPrecision)}/${fmt(external.pairRecall)}/${fmt(external.pairF1)}`);
  if (run.kCurve) lines.push(`k chosen by silhouette: ${run.kCurve.chosen} (${run.kCurve.points.map((p) => `${p.k}:${fmt(p.silhouette)}`).join(" ")})`);
  if (run.stability) lines.push(`vs previous run: ${run.stability.kept} kept, ${run.stability.merged} merged, ${run.stability.new} new, ${run.stability.vanished} vanished`);
  lines.push("");
  const shown = run.clusters.slice(0, 20);
  lines.push(formatTable(["id", "size", "name", "example"], shown.map((c) => [String(c.id), String(c.size), c.label, c.examples[0]?.title.slice(0, 50) ?? ""])));
  if (run.clusters.length > shown.length) lines.push(`… and ${run.clusters.length - shown.length} more clusters (see clusters.json)`);
  return lines.join("\n") + "\n";
}

interface EvaluateClustersFlags extends InputFlags {
  assignments: string;
  data: string;
  truthField: string;
  truthDepth?: number;
  silhouette: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function evaluateClustersCommand(cmd: Command): Command {
  cmd
    .requiredOption("--assignments <file>", "assignments.jsonl written by assort cluster (or a directory holding it)")
    .requiredOption("--data <file>", "the catalog that was clustered")
    .requiredOption("--truth-field <name>", "field with the reference groups (e.g. cluster_id or category)")
    .option("--truth-depth <n>", "compare only the first N levels of a path-valued truth field", intArg("--truth-depth", 1))
    .option("--no-silhouette", "skip the silhouette (it embeds the text, which takes a few seconds on large catalogs)")
    .option("--json", "print one JSON object on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addInputOptions(cmd, { labelField: false });
  return cmd.action(async (flags: EvaluateClustersFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    await recoverDir(flags.assignments); // a cluster run killed while replacing it left the old copy beside it
    const file = statSync(flags.assignments, { throwIfNoEntry: false })?.isDirectory() ? path.join(flags.assignments, "assignments.jsonl") : flags.assignments;
    const assignments = await readAssignments(file);
    const { products, report } = await readCatalogFile(inputSource(flags.data), readOptions(flags, flags.data, false, ui));
    reportSkipped(report, ui);
    const r = await evaluateClusters(assignments, products, {
      truthField: flags.truthField,
      ...(flags.truthDepth !== undefined ? { truthDepth: flags.truthDepth } : {}),
      silhouette: flags.silhouette,
      assignmentsFile: file,
      dataFile: flags.data,
      onProgress: (e) => ui.progress.onProgress(e),
    });
    ui.progress.done();
    if (flags.json) {
      await writeStdout(JSON.stringify(r) + "\n");
      return;
    }
    const rows: [string, string, string][] = [
      ["ARI", fmt(r.ari), "adjusted Rand index: pair agreement corrected for chance (1 perfect, ~0 random)"],
      ["NMI", fmt(r.nmi), "normalized mutual information (1 perfect, 0 independent)"],
      ["V-measure", fmt(r.vMeasure), `harmonic mean of homogeneity ${fmt(r.homogeneity)} and completeness ${fmt(r.completeness)}`],
      ["purity", fmt(r.purity), "share of products in their cluster's majority group"],
      ["pair precision", fmt(r.pairPrecision), "pairs put together that belong together"],
      ["pair recall", fmt(r.pairRecall), "pairs that belong together and were put together"],
      ["pair F1", fmt(r.pairF1), "harmonic mean of pair precision and recall"],
      ["silhouette", fmt(r.silhouette), "cohesion vs separation on the text embedding (−1..1, higher is better)"],
    ];
    await writeStdout(
      `${r.n} products, ${r.clusters} clusters${r.noise ? ` (${r.noise} noise, scored as singletons)` : ""}, ${r.classes} groups in ${r.truthField}\n\n` +
        formatTable(["metric", "value", "meaning"], rows) +
        "\n",
    );
  });
}
