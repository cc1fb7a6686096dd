// The background work of the catalog service as plain, serialisable tasks: a job runner (src/jobs/) runs
// them in a worker thread, or in this thread where no compiled worker exists (tests from sources).
import type { Product, ProductInput } from "../core/product.js";
import type { Progress, RunOptions } from "../core/progress.js";
import { ConfigError, throwIfAborted } from "../core/errors.js";
import type { ItemPrediction } from "../core/prediction.js";
import { loadModel } from "../pipeline/model-kinds.js";
import { train, type TrainOptions } from "../pipeline/train.js";
import { clusterRecords } from "./cluster-runs.js";
import type { ClusterRecord } from "./catalog-store.js";
import { clusterCatalog, CLUSTER_ALGORITHMS, type ClusterAlgorithm } from "../pipeline/cluster.js";
import { auditCatalog } from "../pipeline/audit.js";
import { fitShopperModel, type RecommenderTask, type RecommenderTaskResult } from "./shoppers-fit.js";

export type { RecommenderTask, RecommenderTaskResult } from "./shoppers-fit.js";

/** Train a model on labelled products and save it to `outDir` (atomic). */
export interface TrainTask {
  kind: "train";
  products: Product[];
  outDir: string;
  options?: Pick<TrainOptions, "classifier" | "classifierParams" | "calibration" | "strategy" | "textFields" | "source">;
  seed?: number;
}

/** Classify products with the model saved in `modelDir`. */
export interface ClassifyTask {
  kind: "classify";
  modelDir: string;
  items: ProductInput[];
  topK?: number;
  /** Where relative image paths start (models that see photos). */
  baseDir?: string;
}

/** Cluster products by their text. */
export interface ClusterTask {
  kind: "cluster";
  products: Product[];
  algorithm?: ClusterAlgorithm;
  k?: number | "auto";
  seed?: number;
  /** The previous run of the same kind: clusters that still exist keep their ids. */
  previous?: { id: string; cluster: number }[];
}

/** Look for mislabelled and duplicate products among labelled ones. */
export interface AuditTask {
  kind: "audit";
  products: Product[];
  folds?: number;
  seed?: number;
}

export type CatalogTask = TrainTask | ClassifyTask | ClusterTask | AuditTask | RecommenderTask;

export interface TrainTaskResult {
  dir: string;
  version: string;
  rows: number;
  labels: number;
}
export interface ClassifyTaskResult {
  model: string;
  predictions: ItemPrediction[];
}
export interface ClusterTaskResult {
  algorithm: string;
  ids: string[];
  labels: number[];
  /** Each cluster with its terms and map place (see clusterRecords). */
  clusters: ClusterRecord[];
  /** How the run relates to `previous` (when given). */
  stability?: { kept: number; new: number; merged: number; vanished: number };
}

export interface AuditTaskResult {
  rows: number;
  categories: number;
  outOfFoldAccuracy: number;
  estimatedLabelErrors: number;
  /** The most suspicious products (at most 100), most suspicious first. */
  labelIssues: { id: string; title: string; label: string; suggested: string; score: number }[];
  exactDuplicateGroups: number;
  nearDuplicateGroups: number;
  smallCategories: { label: string; count: number }[];
}

/** The result of each task kind. */
export type CatalogTaskResult = TrainTaskResult | ClassifyTaskResult | ClusterTaskResult | AuditTaskResult | RecommenderTaskResult;

/**
 * Runs one task. Long steps honour `signal` (CancelledError) and report `onProgress`.
 * @example await runCatalogTask({ kind: "cluster", products, k: 8 }, { signal })
 */
export async function runCatalogTask(task: CatalogTask, o: RunOptions = {}): Promise<CatalogTaskResult> {
  throwIfAborted(o.signal, "Job");
  switch (task.kind) {
    case "train": {
      const model = await train(task.products, { ...task.options, seed: task.seed ?? 0, signal: o.signal, onProgress: o.onProgress, onWarning: o.onWarning });
      throwIfAborted(o.signal, "Job");
      o.onProgress?.({ stage: "save", done: 0, total: 1 });
      await model.save(task.outDir);
      o.onProgress?.({ stage: "save", done: 1, total: 1 });
      return { dir: task.outDir, version: model.version, rows: task.products.length, labels: model.labels.length };
    }
    case "classify": {
      const model = await loadModel(task.modelDir);
      try {
        const predictions: ItemPrediction[] = [];
        const step = 1000;
        for (let i = 0; i < task.items.length; i += step) {
          throwIfAborted(o.signal, "Job");
          predictions.push(...(await model.classify(task.items.slice(i, i + step), { topK: task.topK ?? 1, ...(task.baseDir ? { baseDir: task.baseDir } : {}) })));
          o.onProgress?.({ stage: "classify", done: Math.min(i + step, task.items.length), total: task.items.length } satisfies Progress);
        }
        return { model: model.version, predictions };
      } finally {
        await model.close();
      }
    }
    case "cluster": {
      const algorithm = task.algorithm ?? "kmeans";
      if (!CLUSTER_ALGORITHMS.includes(algorithm)) throw new ConfigError(`Unknown clustering algorithm "${String(algorithm)}": choose ${CLUSTER_ALGORITHMS.join(", ")}`);
      const run = await clusterCatalog(task.products, {
        algorithm,
        k: task.k ?? 8,
        seed: task.seed ?? 0,
        ...(task.previous ? { previous: task.previous } : {}),
        signal: o.signal,
        onProgress: o.onProgress,
        onWarning: o.onWarning,
      });
      return {
        algorithm,
        ids: run.ids,
        labels: Array.from(run.labels),
        clusters: clusterRecords(run),
        ...(run.stability ? { stability: { kept: run.stability.kept, new: run.stability.new, merged: run.stability.merged, vanished: run.stability.vanished } } : {}),
      };
    }
    case "audit": {
      const r = await auditCatalog(task.products, { folds: task.folds ?? 5, seed: task.seed ?? 0, signal: o.signal, onProgress: o.onProgress, onWarning: o.onWarning });
      return {
        rows: r.rows,
        categories: r.categories,
        outOfFoldAccuracy: r.outOfFoldAccuracy,
        estimatedLabelErrors: r.estimatedLabelErrors,
        labelIssues: r.labelIssues.slice(0, 100).map((i) => ({ id: i.id, title: i.title, label: i.label, suggested: i.suggested, score: i.score })),
        exactDuplicateGroups: r.exactDuplicates.length,
        nearDuplicateGroups: r.nearDuplicates.length,
        smallCategories: r.smallCategories,
      };
    }
    case "recommender":
      return fitShopperModel(task, o);
    default:
      throw new ConfigError(`Unknown job kind "${(task as { kind: string }).kind}": choose train, classify, cluster or audit`);
  }
}
