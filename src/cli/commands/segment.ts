// `assort segment`: shopper segments from events (k-means on log-RFM + category affinity; DBSCAN/HDBSCAN), named,
// with metrics, stable ids (--previous) and a report.
import { statSync } from "node:fs";
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { groupItems, readAssignments, renderSegmentReport, SEGMENT_ALGORITHMS, segmentShoppers, shopperProfiles, type SegmentAlgorithm, type SegmentOptions, type SegmentRun } from "../../index.js";
import { addEventOptions, addItemOptions, loadEvents, loadItems, seconds, type EventFlags } from "../event-options.js";
import { checkOutputDir, makeUi, writeOutputDir, writeStdout } from "../io.js";
import { intArg, paramArg } from "../options.js";
import { formatTable } from "../table.js";

const OUTPUT_FILES = ["assignments.jsonl", "segments.json", "report.html"];

interface SegmentFlags extends EventFlags {
  out?: string;
  k: number | "auto";
  kRange?: [number, number];
  algorithm: SegmentAlgorithm;
  features?: "rfm" | "rfm+affinity";
  affinityScaling: "block" | "zscore";
  groups: number;
  eps?: number;
  minSamples?: number;
  minClusterSize?: number;
  param?: Record<string, unknown>;
  previous?: string;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

function kArg(v: string): number | "auto" {
  return v.trim() === "auto" ? "auto" : intArg("--k", 1)(v);
}

function rangeArg(v: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:\.\.|-|,)\s*(\d+)\s*$/.exec(v);
  if (!m || Number(m[1]) < 2 || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError(`expected MIN..MAX with 2 ≤ MIN ≤ MAX, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

function positiveArg(v: string): number {
  const x = Number(v);
  if (v.trim() === "" || !(x > 0)) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return x;
}

export function segmentCommand(cmd: Command): Command {
  cmd
    .option("--out <dir>", "write assignments.jsonl, segments.json and report.html here (replaced atomically)")
    .option("--k <n|auto>", "segments, or auto: the best silhouette over --k-range (the curve is shown)", kArg, "auto")
    .option("--k-range <min..max>", "k tried by --k auto (default 3..10)", rangeArg)
    .addOption(new Option("--algorithm <name>", "kmeans, or dbscan / hdbscan (they find the number of segments; shoppers in none get -1)").choices([...SEGMENT_ALGORITHMS]).default("kmeans"))
    .addOption(new Option("--features <set>", "rfm, or rfm+affinity (default when items can be grouped)").choices(["rfm", "rfm+affinity"]))
    .addOption(new Option("--affinity-scaling <how>", "block: scale the affinity block as a whole to RFM's variance; zscore: standardize each share first (the peers' protocol)").choices(["block", "zscore"]).default("block"))
    .option("--groups <n>", "item groups to start from when items have no categories (larger ones are split)", intArg("--groups", 2, 200), 12)
    .option("--eps <x>", "dbscan: neighbourhood radius in z-score units (default 0.5)", positiveArg)
    .option("--min-samples <n>", "dbscan: neighbours that make a core point (default 5)", intArg("--min-samples", 1))
    .option("--min-cluster-size <n>", "hdbscan: smallest segment (default 1% of shoppers)", intArg("--min-cluster-size", 2))
    .option("--param <key=value>", "any other clusterer parameter (repeatable)", paramArg)
    .option("--previous <dir>", "a previous run's --out directory (or its assignments.jsonl): segments that still exist keep their ids")
    .option("--seed <n>", "random seed", intArg("--seed", 0), 0)
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress or notes on stderr");
  addEventOptions(cmd);
  addItemOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  assort segment --events examples/shop/events.csv --items examples/catalog/train.jsonl --out segments/
  assort segment --events events.csv --items items.csv --k 3 --exclude-items POST,D,M --out segments/
  assort segment --events events.csv --k 4 --previous segments/ --out segments-2/`,
  );
  return cmd.action(async (flags: SegmentFlags) => {
    const ui = makeUi(Boolean(flags.quiet));
    if (flags.out) await checkOutputDir(flags.out, OUTPUT_FILES);
    const items = await loadItems(flags);
    const { log } = await loadEvents(flags, ui);
    const groups = items && flags.features !== "rfm" ? await groupItems(log, items, { excludeItems: flags.excludeItems, groups: flags.groups, seed: flags.seed, onProgress: (e) => ui.progress.onProgress(e) }) : undefined;
    const table = shopperProfiles(log, { excludeItems: flags.excludeItems, itemGroups: groups?.groupOf });
    const params: Record<string, unknown> = { ...(flags.param ?? {}) };
    if (flags.eps !== undefined) params["eps"] = flags.eps;
    if (flags.minSamples !== undefined) params["minSamples"] = flags.minSamples;
    if (flags.minClusterSize !== undefined) params["minClusterSize"] = flags.minClusterSize;
    const options: SegmentOptions = {
      k: flags.k,
      algorithm: flags.algorithm,
      params,
      affinityScaling: flags.affinityScaling,
      seed: flags.seed,
      onProgress: (e) => ui.progress.onProgress(e),
      onWarning: (w) => ui.warn(w),
    };
    if (flags.kRange) options.kRange = flags.kRange;
    if (flags.features) options.features = flags.features;
    if (flags.previous) {
      const file = statSync(flags.previous, { throwIfNoEntry: false })?.isDirectory() ? path.join(flags.previous, "assignments.jsonl") : flags.previous;
      options.previous = await readAssignments(file);
    }
    const run = await segmentShoppers(table, options);
    ui.progress.done();
    const summary = summaryJson(run, groups?.description);
    if (flags.out) {
      const createdAt = new Date().toISOString();
      const html = renderSegmentReport({
        title: `Shopper segments of ${path.basename(flags.events)}`,
        createdAt,
        dataset: flags.events,
        customers: run.users.length,
        algorithm: run.algorithm,
        features: describeFeatures(run),
        seconds: run.seconds,
        segments: run.segments,
        noise: run.noise,
        metrics: run.metrics,
        ...(run.kCurve ? { kCurve: run.kCurve } : {}),
        groups: run.groups,
        map: { x: run.map.x, y: run.map.y, segment: Array.from(run.map.rows, (r) => run.labels[r]!), label: Array.from(run.map.rows, (r) => `shopper ${run.users[r]}`), method: "PCA of the segmentation features" },
        ...(run.stability ? { stability: run.stability } : {}),
        warnings: run.warnings,
      });
      const names = new Map(run.segments.map((s) => [s.id, s.name]));
      const lines = run.users.map((u, i) => JSON.stringify({ id: u, cluster: run.labels[i], segment: names.get(run.labels[i]!) ?? null }));
      await writeOutputDir(flags.out, { "assignments.jsonl": lines.join("\n") + "\n", "segments.json": JSON.stringify({ ...summary, createdAt, events: flags.events, segments: run.segments }, null, 2) + "\n", "report.html": html }, OUTPUT_FILES);
      ui.info(`wrote ${OUTPUT_FILES.map((f) => path.join(flags.out!, f)).join(", ")}`);
    }
    if (flags.json) {
      await writeStdout(JSON.stringify(summary) + "\n");
      return;
    }
    await writeStdout(human(run));
  });
}

function describeFeatures(run: SegmentRun): string {
  return run.features === "rfm" ? "log-RFM z-scores" : `log-RFM z-scores + ${run.groups.length} item-group spend shares (${run.affinityScaling === "zscore" ? "z-scored, " : ""}block-weighted)`;
}

function summaryJson(run: SegmentRun, groups: string | undefined): Record<string, unknown> {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 10000) / 10000);
  return {
    algorithm: run.algorithm,
    features: run.features,
    affinityScaling: run.affinityScaling,
    dims: run.dims,
    shoppers: run.users.length,
    k: run.k,
    noise: run.noise,
    metrics: { silhouette: r(run.metrics.silhouette), calinskiHarabasz: r(run.metrics.calinskiHarabasz), daviesBouldin: r(run.metrics.daviesBouldin) },
    ...(run.kCurve ? { kCurve: run.kCurve } : {}),
    ...(run.stability ? { stability: { kept: run.stability.kept, new: run.stability.new, merged: run.stability.merged, vanished: run.stability.vanished } } : {}),
    largestGroupShare: run.largestGroupShare,
    ...(groups ? { itemGroups: groups } : {}),
    fitSeconds: Math.round(run.fitSeconds * 1000) / 1000,
    seconds: Math.round(run.seconds * 1000) / 1000,
    segments: run.segments.map((s) => ({ id: s.id, name: s.name, size: s.size, share: s.share, ...(s.status ? { status: s.status } : {}) })),
    warnings: run.warnings,
  };
}

function human(run: SegmentRun): string {
  const f = (v: number | null): string => (v === null ? "—" : v.toFixed(3));
  const lines = [
    `${run.algorithm}: ${run.users.length} shoppers → ${run.k} segments${run.noise ? ` (${run.noise} in none)` : ""} in ${seconds(run.seconds)} on ${describeFeatures(run)}`,
    `silhouette ${f(run.metrics.silhouette)} · Calinski-Harabasz ${run.metrics.calinskiHarabasz?.toFixed(1) ?? "—"} · Davies-Bouldin ${f(run.metrics.daviesBouldin)}`,
  ];
  if (run.kCurve) lines.push(`k chosen by silhouette: ${run.kCurve.chosen} (${run.kCurve.points.map((p) => `${p.k}:${p.silhouette.toFixed(3)}`).join(" ")})`);
  if (run.stability) lines.push(`vs previous run: ${run.stability.kept} kept, ${run.stability.merged} merged, ${run.stability.new} new, ${run.stability.vanished} vanished`);
  if (run.groups.length > 0) lines.push(`item groups: ${run.groups.length}, the largest holds ${(100 * run.largestGroupShare).toFixed(1)} % of spend`);
  lines.push("");
  lines.push(
    formatTable(
      ["id", "shoppers", "name", "days", "orders", "spend", "top item group"],
      run.segments.map((s) => [String(s.id), s.size, s.name, s.mean.recencyDays, s.mean.frequency, Math.round(s.mean.monetary), s.topGroups[0]?.name ?? ""]),
      { digits: 1 },
    ),
  );
  return lines.join("\n") + "\n";
}
