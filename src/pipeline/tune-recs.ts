// Choosing the recommender's parameters on a validation split: coordinate search over a small grid, each part by
// the task it serves (EASE and the "new" blend by task new, the repeat blend by task all, the lists by bought-together).
import type { EventLog } from "../events/event-log.js";
import { fitRecommender, type Recommender } from "./recommender.js";
import type { RecommenderParams } from "./recommender-params.js";
import { groundTruth, scoreRecommender, splitEvents, type EvaluateRecsOptions, type RecsTasks } from "./evaluate-recs.js";

/** The values tried per parameter ("section.name"), in order; null means "no decay". */
export type TuneGrid = Record<string, readonly (number | null)[]>;

/** The default grid of {@link tuneRecommender}. */
export const DEFAULT_TUNE_GRID: TuneGrid = {
  "ease.lambda": [50, 100, 200, 400],
  "ease.halfLifeDays": [7, 14, 28, null],
  // 2,000 items would cost 2.4× the fit time of 1,500 (EASE is cubic): the fit-time target caps the grid.
  "ease.maxItems": [1000, 1500],
  "blend.popularWeight": [0, 0.05, 0.1, 0.2],
  "blend.segmentWeight": [0, 0.05, 0.1, 0.2],
  "blend.popularHalfLifeDays": [7, 21, 60],
  "blend.easeWeight": [0.25, 0.5, 1, 2],
  "blend.recencyWeight": [0, 0.25, 0.5, 1],
  "blend.recencyHalfLifeDays": [21, 42, 90],
  "blend.repeatRateExponent": [0, 0.5, 1, 2],
  "blend.repeatRatePrior": [5, 20, 50],
  // Returned items are down-weighted by design (a product rule): the grid picks how much.
  "blend.returnPenalty": [0.25, 0.5, 0.75],
  "boughtTogether.popularityPenalty": [0, 0.1, 0.2, 0.3],
  "boughtTogether.shopperWeight": [0, 0.5, 1, 2],
  "boughtTogether.contentWeight": [0, 0.1, 0.25, 0.4, 0.5, 0.7, 1],
  "boughtTogether.titleWeight": [0, 0.25, 0.5, 0.75, 1, 1.5, 2],
  "boughtTogether.recentWeight": [0, 0.25, 0.5, 1],
  "boughtTogether.recentHalfLifeDays": [15, 30, 60],
  "boughtTogether.shopperShrink": [0, 3, 10, 20],
  "boughtTogether.popularWeight": [0, 0.2, 0.4, 0.6, 0.7, 0.8, 1, 1.2],
  "boughtTogether.popularHalfLifeDays": [7, 14, 21, null],
  "boughtTogether.basketSizeExponent": [0, 0.25, 0.5, 1],
  "boughtTogether.basketHalfLifeDays": [60, 120, 240, 480, null],
  // The title-neighbour backoff: its weight first (its other parameters do nothing at weight 0), then its shape.
  "boughtTogether.backoffWeight": [0, 0.25, 0.5, 1, 2],
  "boughtTogether.backoffShrink": [20, 50, 100, 200, null],
  "boughtTogether.backoffNeighbors": [3, 5, 10, 20, 40],
  "boughtTogether.backoffKeep": [10, 20, 50],
};

/** Which task each parameter is chosen by. */
const OBJECTIVE: Record<string, keyof RecsTasks> = {
  ease: "new",
  "blend.popularWeight": "new",
  "blend.segmentWeight": "new",
  "blend.popularHalfLifeDays": "new",
  blend: "all",
  boughtTogether: "boughtTogether",
};

/** One evaluated point of the search. */
export interface TuneStep {
  round: number;
  param: string;
  value: number | null;
  task: keyof RecsTasks;
  ndcg: number;
  best: boolean;
}

/** Options of {@link tuneRecommender}. */
export interface TuneOptions extends Omit<EvaluateRecsOptions, "components"> {
  grid?: TuneGrid;
  /** Passes over the parameters. Default 2. */
  rounds?: number;
  onStep?(step: TuneStep): void;
}

const objectiveOf = (param: string): keyof RecsTasks => OBJECTIVE[param] ?? OBJECTIVE[param.split(".")[0]!]!;

function setParam(p: RecommenderParams, param: string, value: number | null): RecommenderParams {
  const [section, name] = param.split(".") as [keyof RecommenderParams, string];
  const part = p[section];
  if (typeof part !== "object" || part === null) return { ...p, [section]: value };
  return { ...p, [section]: { ...part, [name]: value } };
}

function getParam(p: RecommenderParams, param: string): number | null {
  const [section, name] = param.split(".") as [keyof RecommenderParams, string];
  const part = p[section] as unknown as Record<string, number | null>;
  return part[name] ?? null;
}

/**
 * Coordinate search on a validation split (`splitAt`, `end`): starting from the given (or default) parameters,
 * each parameter in turn takes the grid value with the best NDCG@k of its task, the others held; `rounds` passes.
 * Only the validation period is scored: pass a split and end before any test period. Each step is reported.
 * @example const { params, steps } = await tuneRecommender(log, { splitAt: "2011-07-01", end: "2011-10-01" });
 */
export async function tuneRecommender(log: EventLog, options: TuneOptions): Promise<{ params: RecommenderParams; steps: TuneStep[]; start: RecsTasks; end: RecsTasks }> {
  const grid = options.grid ?? DEFAULT_TUNE_GRID;
  const split = splitEvents(log, options);
  let rec: Recommender = await fitRecommender(split.train, { params: options.params, items: options.items, segmentOf: options.segmentOf, purchasedOnly: true, seed: options.seed, signal: options.signal });
  const truth = groundTruth(split, rec);
  const start = scoreRecommender(rec, truth);
  const steps: TuneStep[] = [];
  const current: Record<keyof RecsTasks, number> = { all: start.all.ndcg, new: start.new.ndcg, boughtTogether: start.boughtTogether.ndcg };
  for (let round = 1; round <= (options.rounds ?? 2); round++) {
    for (const [param, values] of Object.entries(grid)) {
      const task = objectiveOf(param);
      const held = getParam(rec.state.params, param);
      let best = { value: held, ndcg: current[task], rec };
      const tried: TuneStep[] = [];
      for (const value of values) {
        let ndcg = current[task];
        let candidate = rec;
        if (value !== held) {
          candidate = rec.withParams(setParam(rec.state.params, param, value));
          ndcg = scoreRecommender(candidate, truth, [task])[task].ndcg;
        }
        tried.push({ round, param, value, task, ndcg, best: false });
        if (ndcg > best.ndcg + 1e-9) best = { value, ndcg, rec: candidate };
      }
      for (const t of tried) {
        t.best = t.value === best.value;
        steps.push(t);
        options.onStep?.(t);
      }
      rec = best.rec;
      current[task] = best.ndcg;
    }
  }
  const end = scoreRecommender(rec, truth);
  return { params: rec.state.params, steps, start, end };
}
