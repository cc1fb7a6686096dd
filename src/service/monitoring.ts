// Monitoring of served predictions: drift of the served category mix against the live model's training mix
// (population stability index per category and overall, Jensen–Shannon divergence overall; categories over a
// PSI threshold flagged), served counts and the mean top-1 score per day, and the coverage the live model's
// operating points give on what was served. The pure functions (psi, jsDivergence, driftOf) carry the maths;
// Monitoring reads the prediction log (PredictionLogStore) through the recorder and the live model.
import { ConfigError } from "../core/errors.js";
import type { ProductModel } from "../core/contracts.js";
import type { PredictionLogStore, PredictionSummary } from "./prediction-log.js";
import { dayOf, dayNumber } from "./prediction-log.js";

/**
 * The share that stands in for an empty bin in the PSI: a category never served (or absent from training)
 * would make ln(a / e) infinite, so shares below PSI_EPSILON count as PSI_EPSILON (0.01 %), without
 * renormalizing (the usual practice; it bounds one empty bin's term at about (e − ε)·ln(e / ε)).
 */
export const PSI_EPSILON = 1e-4;

/** PSI above this is the usual "significant shift" (0.1–0.2: moderate). */
export const DEFAULT_DRIFT_THRESHOLD = 0.2;

/** The precisions the coverage table shows. */
export const COVERAGE_PRECISIONS: readonly number[] = [0.9, 0.95, 0.98, 0.99];

/**
 * One bin's term of the population stability index: (a − e)·ln(a / e), with shares below
 * {@link PSI_EPSILON} taken as ε. Non-negative; 0 when the shares agree.
 */
export function psiTerm(actual: number, expected: number, eps = PSI_EPSILON): number {
  const a = Math.max(actual, eps);
  const e = Math.max(expected, eps);
  return (a - e) * Math.log(a / e);
}

/** The population stability index of two distributions over the same bins (shares, aligned): the sum of {@link psiTerm}. */
export function psi(actual: readonly number[], expected: readonly number[], eps = PSI_EPSILON): number {
  if (actual.length !== expected.length) throw new RangeError(`psi: ${actual.length} actual shares but ${expected.length} expected`);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += psiTerm(actual[i]!, expected[i]!, eps);
  return s;
}

/**
 * The Jensen–Shannon divergence of two distributions (aligned shares), in bits: between 0 (equal) and 1
 * (disjoint). Empty bins need no epsilon: 0·log 0 = 0, and the mixture is positive wherever either is.
 */
export function jsDivergence(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`jsDivergence: ${p.length} shares but ${q.length}`);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    const m = (a + b) / 2;
    if (a > 0) s += 0.5 * a * Math.log2(a / m);
    if (b > 0) s += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(1, Math.max(0, s));
}

/** One category of a drift report. */
export interface CategoryDrift {
  category: string;
  /** Predictions served in the window with it as top-1. */
  served: number;
  servedShare: number;
  /** Its share of the training products (0 when it was not trained on). */
  trainingShare: number;
  psi: number;
  flagged: boolean;
}

/** Drift of served counts against training counts. */
export interface Drift {
  psi: number;
  js: number;
  threshold: number;
  /** Categories whose PSI term is over the threshold, largest first. */
  flagged: string[];
  /** Every category served or trained on, largest PSI term first (ties by name). */
  categories: CategoryDrift[];
}

/**
 * Drift of `served` (predictions per top-1 category) against `training` (training products per category)
 * over the union of their categories; undefined when either has no counts.
 */
export function driftOf(served: ReadonlyMap<string, number>, training: ReadonlyMap<string, number>, threshold = DEFAULT_DRIFT_THRESHOLD): Drift | undefined {
  const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((s, n) => s + n, 0);
  const ns = total(served);
  const nt = total(training);
  if (ns <= 0 || nt <= 0) return undefined;
  const names = [...new Set([...training.keys(), ...served.keys()])];
  const a = names.map((c) => (served.get(c) ?? 0) / ns);
  const e = names.map((c) => (training.get(c) ?? 0) / nt);
  const categories = names
    .map((category, i): CategoryDrift => {
      const term = psiTerm(a[i]!, e[i]!);
      return { category, served: served.get(category) ?? 0, servedShare: a[i]!, trainingShare: e[i]!, psi: term, flagged: term > threshold };
    })
    .sort((x, y) => y.psi - x.psi || (x.category < y.category ? -1 : x.category > y.category ? 1 : 0));
  return { psi: psi(a, e), js: jsDivergence(a, e), threshold, flagged: categories.filter((c) => c.flagged).map((c) => c.category), categories };
}

/**
 * The training mix a model recorded: products per label (`metrics.classCounts` of text models,
 * `classCounts` of photo models, in their manifests), or why there is none.
 */
export function trainingMix(model: ProductModel): { counts: Map<string, number>; rows: number } | { unavailable: string } {
  const details = model.describe().details as { metrics?: { classCounts?: unknown }; classCounts?: unknown };
  const raw = details.metrics?.classCounts ?? details.classCounts;
  if (raw === null || typeof raw !== "object") {
    return { unavailable: `Model ${model.version} does not record its training mix (class counts): models trained before assort recorded it lack it; retrain to monitor drift` };
  }
  const counts = new Map<string, number>();
  for (const label of model.labels) {
    const n = (raw as Record<string, unknown>)[label];
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      return { unavailable: `Model ${model.version} records class counts that do not name its labels (e.g. "${label}": its categories were renamed); retrain to monitor drift` };
    }
    counts.set(label, n);
  }
  return { counts, rows: [...counts.values()].reduce((s, n) => s + n, 0) };
}

/** One row of the coverage table: what the live model decides alone at a precision. */
export interface CoveragePoint {
  precision: number;
  /** The score threshold of the operating point (null: the model cannot reach the precision, or is uncalibrated). */
  threshold: number | null;
  /** Share the operating point decided on the held-out calibration rows. */
  heldOutCoverage: number | null;
  /** Of the live model's predictions served in the window, how many scored at or above the threshold (on the 0.001 grid of the log). */
  decided: number | null;
  /** decided / served (null without served predictions or a threshold). */
  coverage: number | null;
  /** Why there is no threshold. */
  note?: string;
}

/** GET /v1/monitoring. */
export interface MonitoringReport {
  days: number;
  since: string;
  until: string;
  /** The live model (null: none is active). */
  model: string | null;
  /** Predictions served in the window (every model). */
  served: number;
  /** PSI threshold that flags a category. */
  threshold: number;
  training: { available: true; rows: number; categories: number } | { available: false; reason: string };
  /** Null without a training mix, or without predictions served in the window. */
  drift: Drift | null;
  /** Served per UTC day (every day of the window, oldest first) and the mean top-1 score (null: none served). */
  daily: { day: string; count: number; meanScore: number | null }[];
  coverage: { model: string | null; calibrated: boolean; served: number; points: CoveragePoint[] };
  /** The prediction log's retention in days (0: logging is off). */
  retentionDays: number;
}

/** Options of {@link Monitoring}. */
export interface MonitoringOptions {
  threshold?: number;
  retentionDays: number;
  /** Writes buffered predictions before a report reads the log. */
  flush?: () => Promise<void>;
  now?: () => number;
}

/** Checks a drift threshold: a positive number. */
export function checkDriftThreshold(t: number): number {
  if (!(Number.isFinite(t) && t > 0)) throw new ConfigError(`Invalid drift threshold ${t}: use a positive number, e.g. 0.2 (PSI above it flags a category)`);
  return t;
}

/** Reports drift and coverage from a store's prediction log and the live model. */
export class Monitoring {
  readonly threshold: number;
  private readonly now: () => number;
  private gaugeCache: { at: number; days: number; report: Promise<MonitoringReport> } | undefined;

  constructor(
    private readonly log: PredictionLogStore,
    private readonly liveModel: () => ProductModel | undefined,
    private readonly o: MonitoringOptions,
  ) {
    this.threshold = checkDriftThreshold(o.threshold ?? DEFAULT_DRIFT_THRESHOLD);
    this.now = o.now ?? Date.now;
  }

  /** The report over the last `days` days (1 to 366): today (UTC, up to now) and the days before it. */
  async report(days: number): Promise<MonitoringReport> {
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new ConfigError(`Invalid days ${days}: use a whole number from 1 to 366`);
    await this.o.flush?.();
    const now = this.now();
    const today = dayNumber(now);
    const since = (today - days + 1) * 86_400_000;
    const model = this.liveModel();
    const points = COVERAGE_PRECISIONS.map((precision) => operatingPoint(model, precision));
    const thresholds = points.map((p) => p.threshold).filter((t): t is number => t !== null);
    const window = { fromDay: today - days + 1, toDay: today };
    const [all, live] = await Promise.all([
      this.log.predictionSummary(window),
      model ? this.log.predictionSummary({ ...window, model: model.version, thresholds }) : undefined,
    ]);
    const mix = model ? trainingMix(model) : { unavailable: "No active model: register a model and activate it first" };
    const served = new Map(all.categories.map((c) => [c.category, c.count]));
    const drift = "counts" in mix ? (driftOf(served, mix.counts, this.threshold) ?? null) : null;
    let k = 0;
    for (const p of points) {
      if (p.threshold === null || !live) continue;
      p.decided = live.atLeast[k++] ?? 0;
      p.coverage = live.total > 0 ? p.decided / live.total : null;
    }
    return {
      days,
      since: new Date(since).toISOString(),
      until: new Date(now).toISOString(),
      model: model?.version ?? null,
      served: all.total,
      threshold: this.threshold,
      training: "counts" in mix ? { available: true, rows: mix.rows, categories: mix.counts.size } : { available: false, reason: mix.unavailable },
      drift,
      daily: everyDay(all, today - days + 1, today),
      coverage: { model: model?.version ?? null, calibrated: model?.capabilities.decisions ?? false, served: live?.total ?? 0, points },
      retentionDays: this.o.retentionDays,
    };
  }

  /** The report /metrics shows (the last `days` days), computed at most every `maxAgeMs`; undefined when it fails. */
  async gauges(days = 7, maxAgeMs = 15_000): Promise<MonitoringReport | undefined> {
    const c = this.gaugeCache;
    if (!c || c.days !== days || this.now() - c.at > maxAgeMs) this.gaugeCache = { at: this.now(), days, report: this.report(days) };
    try {
      return await this.gaugeCache!.report;
    } catch {
      this.gaugeCache = undefined;
      return undefined;
    }
  }
}

function operatingPoint(model: ProductModel | undefined, precision: number): CoveragePoint {
  const none = { precision, threshold: null, heldOutCoverage: null, decided: null, coverage: null };
  if (!model) return { ...none, note: "no active model" };
  if (!model.capabilities.decisions) return { ...none, note: "the model has no held-out calibration data" };
  try {
    const op = model.operatingPoint(precision);
    return { precision, threshold: op.threshold, heldOutCoverage: op.coverage, decided: null, coverage: null };
  } catch (e) {
    if ((e as { code?: string }).code !== "CONFIG") throw e;
    return { ...none, note: (e as Error).message };
  }
}

/** The summary's days with the missing ones (nothing served) filled in, from day number `first` to `last`. */
function everyDay(s: PredictionSummary, first: number, last: number): MonitoringReport["daily"] {
  const byDay = new Map(s.days.map((d) => [d.day, d]));
  const out: MonitoringReport["daily"] = [];
  for (let d = first; d <= last; d++) {
    const day = dayOf(d);
    const row = byDay.get(day);
    out.push({ day, count: row?.count ?? 0, meanScore: row ? row.meanScore : null });
  }
  return out;
}
