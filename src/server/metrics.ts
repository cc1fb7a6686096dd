// Prometheus metrics written by hand (text exposition format 0.0.4): request counts and latency per
// route and status, classified items, model version, process memory, and drift of the served categories.
import type { DriftGauges } from "./service-port.js";

/** Per-category PSI series /metrics writes at most (flagged categories first, then the largest PSI). */
const MAX_DRIFT_SERIES = 100;

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: Float64Array;
}

/** Escapes a label value (backslash, quote, newline). */
function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Collects the server's metrics; `render` writes the exposition text. */
export class Metrics {
  private readonly requests = new Map<string, Series>();
  private classifiedItems = 0;
  private rejected = new Map<string, number>();

  /** Records one finished request: `route` is the route pattern (not the raw URL, to bound cardinality). */
  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    let s = this.requests.get(labels);
    if (!s) {
      s = { labels, count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length) };
      this.requests.set(labels, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.buckets[i]!++;
  }

  /** Counts products classified through the API. */
  addClassified(n: number): void {
    this.classifiedItems += n;
  }

  /** Counts a request turned away before its handler ran: load ("in-flight", "lag", "queue", "connections"), "rate-limit", "auth", deadlines ("header-timeout", "request-timeout", "body-timeout"), malformed HTTP ("bad-request", "header-size"), "draining". */
  addRejected(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  /** The exposition text; `live` adds the live values (in-flight requests, products, model, transport pressure). */
  render(live: { inFlight: number; products?: number; annBacklog?: number; modelVersion?: string; pressure?: { connections: number; uploads: number; slowUploads: number; eventLoopLagMs: number; degraded: boolean }; drift?: DriftGauges }): string {
    const out: string[] = [];
    out.push("# HELP assort_http_requests_total HTTP requests answered, by route and status.");
    out.push("# TYPE assort_http_requests_total counter");
    for (const s of this.requests.values()) out.push(`assort_http_requests_total{${s.labels}} ${s.count}`);
    out.push("# HELP assort_http_request_duration_seconds Time to answer, by route and status.");
    out.push("# TYPE assort_http_request_duration_seconds histogram");
    for (const s of this.requests.values()) {
      for (let i = 0; i < BUCKETS.length; i++) out.push(`assort_http_request_duration_seconds_bucket{${s.labels},le="${BUCKETS[i]}"} ${s.buckets[i]}`);
      out.push(`assort_http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`assort_http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`assort_http_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    out.push("# HELP assort_http_rejected_total Requests turned away before their handler (overload, rate limit).");
    out.push("# TYPE assort_http_rejected_total counter");
    for (const [reason, n] of this.rejected) out.push(`assort_http_rejected_total{reason="${esc(reason)}"} ${n}`);
    out.push("# HELP assort_classified_items_total Products classified through the API.");
    out.push("# TYPE assort_classified_items_total counter");
    out.push(`assort_classified_items_total ${this.classifiedItems}`);
    out.push("# HELP assort_http_in_flight Requests being answered now.");
    out.push("# TYPE assort_http_in_flight gauge");
    out.push(`assort_http_in_flight ${live.inFlight}`);
    const p = live.pressure;
    if (p) {
      const gauge = (name: string, help: string, v: number): void => void out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
      gauge("assort_http_connections", "Open HTTP connections.", p.connections);
      gauge("assort_http_uploads", "Request bodies being received.", p.uploads);
      gauge("assort_http_slow_uploads", "Request bodies taking over a second to arrive.", p.slowUploads);
      gauge("assort_event_loop_lag_seconds", "Event-loop delay, last sample.", p.eventLoopLagMs / 1000);
      gauge("assort_degraded", "1 while /health reports the server degraded by load.", p.degraded ? 1 : 0);
    }
    if (live.products !== undefined) {
      out.push("# HELP assort_products Products in the store.");
      out.push("# TYPE assort_products gauge");
      out.push(`assort_products ${live.products}`);
    }
    if (live.annBacklog !== undefined) {
      out.push("# HELP assort_similar_ann_backlog Changed product vectors the similar-items ANN index has not taken in yet.");
      out.push("# TYPE assort_similar_ann_backlog gauge");
      out.push(`assort_similar_ann_backlog ${live.annBacklog}`);
    }
    out.push("# HELP assort_model_info The active model version (value 1).");
    out.push("# TYPE assort_model_info gauge");
    if (live.modelVersion !== undefined) out.push(`assort_model_info{version="${esc(live.modelVersion)}"} 1`);
    if (live.drift) renderDrift(out, live.drift);
    const mem = process.memoryUsage();
    out.push("# HELP process_resident_memory_bytes Resident memory of the server process.");
    out.push("# TYPE process_resident_memory_bytes gauge");
    out.push(`process_resident_memory_bytes ${mem.rss}`);
    out.push("# HELP nodejs_heap_used_bytes V8 heap in use.");
    out.push("# TYPE nodejs_heap_used_bytes gauge");
    out.push(`nodejs_heap_used_bytes ${mem.heapUsed}`);
    return out.join("\n") + "\n";
  }
}

/**
 * The drift gauges: per-category PSI (at most MAX_DRIFT_SERIES categories, those flagged first, then the
 * largest), the overall PSI and Jensen–Shannon divergence, the flagged categories (value 1) and their number,
 * the threshold and the predictions in the window. Without a training mix or served predictions only the
 * window's count and the threshold are written.
 */
function renderDrift(out: string[], g: DriftGauges): void {
  const gauge = (name: string, help: string): void => void out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
  gauge("assort_drift_window_predictions", `Predictions served in the drift window (last ${g.days} days).`);
  out.push(`assort_drift_window_predictions ${g.served}`);
  gauge("assort_drift_threshold", "PSI above which a category counts as drifted.");
  out.push(`assort_drift_threshold ${g.threshold}`);
  const d = g.drift;
  if (!d) return;
  gauge("assort_drift_psi_overall", "Population stability index of the served categories against the live model's training mix.");
  out.push(`assort_drift_psi_overall ${d.psi}`);
  gauge("assort_drift_js_divergence", "Jensen-Shannon divergence (bits) of the served categories against the training mix.");
  out.push(`assort_drift_js_divergence ${d.js}`);
  gauge("assort_drift_psi", "A category's term of the population stability index (flagged and largest categories).");
  for (const c of d.categories.slice(0, Math.max(MAX_DRIFT_SERIES, d.flagged.length))) out.push(`assort_drift_psi{category="${esc(c.category)}"} ${c.psi}`);
  gauge("assort_drift_flagged", "Categories whose PSI is over the threshold.");
  out.push(`assort_drift_flagged ${d.flagged.length}`);
  gauge("assort_drift_category_flagged", "1 for each category whose PSI is over the threshold.");
  for (const c of d.flagged) out.push(`assort_drift_category_flagged{category="${esc(c)}"} 1`);
}
