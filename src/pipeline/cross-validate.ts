// Stratified k-fold cross-validation: each fold learns its own features and classifier on the rest.
import { ConfigError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { stratifiedKFold, smallClasses } from "../catalog/split.js";
import { classificationReport, meanStd } from "../metrics/classification.js";
import { evaluate, type EvaluationReport } from "./evaluate.js";
import { encodeLabels, train, type TrainOptions } from "./train.js";

export interface CrossValidateOptions extends TrainOptions {
  /** Number of folds (default 5). */
  folds?: number;
}

export interface FoldResult {
  fold: number;
  trainRows: number;
  testRows: number;
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  trainSeconds: number;
}

export interface CrossValidationReport {
  folds: FoldResult[];
  /** Mean and population standard deviation over folds. */
  accuracy: { mean: number; std: number };
  macroF1: { mean: number; std: number };
  weightedF1: { mean: number; std: number };
  trainSeconds: { mean: number; std: number };
  /** Out-of-fold report over all rows (every product predicted by a model that did not see it). */
  pooled: Pick<EvaluationReport, "accuracy" | "macroF1" | "weightedF1" | "perClass" | "labels">;
}

/** Runs stratified k-fold cross-validation with the same settings `train` would use. */
export async function crossValidate(products: readonly Product[], options: CrossValidateOptions = {}): Promise<CrossValidationReport> {
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new ConfigError(`Invalid fold count ${k}: use at least 2`);
  if (k > products.length) throw new ConfigError(`Cannot make ${k} folds from ${products.length} products`);
  const seed = options.seed ?? 0;
  const { labels, y } = encodeLabels(products);
  const small = smallClasses(y, k);
  if (small.length > 0) {
    options.onWarning?.({
      code: "SMALL_CLASS",
      message: `${small.length} categor${small.length === 1 ? "y has" : "ies have"} fewer products than folds (${small
        .slice(0, 3)
        .map((c) => `"${labels[c]}"`)
        .join(", ")}${small.length > 3 ? ", …" : ""}): some folds will not see them in training`,
    });
  }
  const foldOf = stratifiedKFold(y, k, seed);
  const folds: FoldResult[] = [];
  const pooledPred: string[] = new Array<string>(products.length);
  for (let f = 0; f < k; f++) {
    const trainSet = products.filter((_, i) => foldOf[i] !== f);
    const testIdx = products.map((_, i) => i).filter((i) => foldOf[i] === f);
    const testSet = testIdx.map((i) => products[i]!);
    const t = performance.now();
    const model = await train(trainSet, {
      ...options,
      onWarning: undefined,
      onProgress: (e) => options.onProgress?.({ stage: `fold ${f + 1}/${k} ${e.stage}`, done: e.done, total: e.total }),
    });
    const trainSeconds = (performance.now() - t) / 1000;
    const r = evaluate(model, testSet);
    const pred = model.predictIndices(testSet);
    testIdx.forEach((i, j) => {
      pooledPred[i] = model.labels[pred[j]!]!;
    });
    folds.push({ fold: f + 1, trainRows: trainSet.length, testRows: testSet.length, accuracy: r.accuracy, macroF1: r.macroF1, weightedF1: r.weightedF1, trainSeconds });
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const pooled = classificationReport(y, Int32Array.from(pooledPred, (l) => index.get(l)!), labels);
  const stat = (key: keyof Omit<FoldResult, "fold" | "trainRows" | "testRows">): { mean: number; std: number } => meanStd(folds.map((r) => r[key]));
  return {
    folds,
    accuracy: stat("accuracy"),
    macroF1: stat("macroF1"),
    weightedF1: stat("weightedF1"),
    trainSeconds: stat("trainSeconds"),
    pooled: { accuracy: pooled.accuracy, macroF1: pooled.macroF1, weightedF1: pooled.weightedF1, perClass: pooled.perClass, labels: pooled.labels },
  };
}
