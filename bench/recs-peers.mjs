// The peers of bench/recs.mjs: ../shared/bench/anchors/recs_anchor.py and segment_anchor.py run in the same run
// (Debian /usr/bin/python3 with scikit-learn, pandas, scipy), or, when they cannot run, the figures of
// ../shared/bench/peers.md ("Recommendations and segmentation"), clearly marked as not re-measured.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "./common.mjs";

/** peers.md figures (measured 2026-11-27): NDCG@10 per task and model, and the segmentation rows. */
export const QUOTED_RECS = [
  { model: "pop", task: "all", ndcgAt10: 0.101 },
  { model: "repeat", task: "all", ndcgAt10: 0.358, hitRateAt10: 0.831 },
  { model: "item_knn", task: "all", ndcgAt10: 0.218 },
  { model: "user_knn", task: "all", ndcgAt10: 0.293 },
  { model: "svd", task: "all", ndcgAt10: 0.319 },
  { model: "als", task: "all", ndcgAt10: 0.294 },
  { model: "ease", task: "all", ndcgAt10: 0.28 },
  { model: "pop", task: "new", ndcgAt10: 0.043 },
  { model: "item_knn", task: "new", ndcgAt10: 0.098 },
  { model: "user_knn", task: "new", ndcgAt10: 0.094 },
  { model: "svd", task: "new", ndcgAt10: 0.099 },
  { model: "als", task: "new", ndcgAt10: 0.104 },
  { model: "ease", task: "new", ndcgAt10: 0.108, hitRateAt10: 0.498, seconds: 1.9 },
  { model: "pop", task: "boughtTogether", ndcgAt10: 0.066 },
  { model: "cos_user", task: "boughtTogether", ndcgAt10: 0.266 },
  { model: "svd", task: "boughtTogether", ndcgAt10: 0.206 },
  { model: "als", task: "boughtTogether", ndcgAt10: 0.226 },
  { model: "cooc", task: "boughtTogether", ndcgAt10: 0.316, seconds: 0.25 },
];
export const QUOTED_SEGMENTS = [
  { features: "rfm", k: 3, silhouette: 0.341, calinskiHarabasz: 3628, daviesBouldin: 1.04, seconds: 0.09, largestGroupShare: null },
  { features: "rfm+affinity", k: 3, silhouette: 0.14, calinskiHarabasz: null, daviesBouldin: null, seconds: null, largestGroupShare: 0.45 },
];

/** Whether Debian's python3 has what the anchors import. */
export async function peersAvailable() {
  if (!existsSync("/usr/bin/python3")) return "no /usr/bin/python3";
  try {
    await run("/usr/bin/python3", ["-c", "import sklearn, pandas, scipy, numpy"]);
    return null;
  } catch {
    return "python3 lacks scikit-learn/pandas/scipy (apt-get install -y python3-sklearn python3-pandas python3-scipy python3-numpy)";
  }
}

const lines = (s) => s.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l));

/**
 * Runs the anchors and returns their rows in the bench's shape: recs rows {model, task, ndcgAt10, hitRateAt10, recallAt10,
 * precisionAt10, coverageAt10, seconds, msPerUser, peakRssMb} (task "similar_top10" → "boughtTogether") and segment rows
 * {features, k, silhouette, calinskiHarabasz, daviesBouldin, seconds, peakRssMb, largestGroupShare: null}.
 */
export async function runPeers(anchors, dataDir, env = {}, timingReps = 3) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "assort-peers-"));
  const opt = { env: { ...process.env, UCI_DATA: path.join(dataDir, "uci-online-retail"), ...env } };
  try {
    const recsOut = path.join(tmp, "recs.jsonl");
    await runWithEnv("/usr/bin/python3", [path.join(anchors, "recs_anchor.py"), "--out", recsOut], opt);
    const recs = lines(readFileSync(recsOut, "utf8"))
      .filter((r) => r.task === "all" || r.task === "new" || r.task === "similar_top10")
      .map((r) => ({
        model: r.model,
        task: r.task === "similar_top10" ? "boughtTogether" : r.task,
        ndcgAt10: r.ndcg_10,
        hitRateAt10: r.hit_rate_10,
        recallAt10: r.recall_10,
        precisionAt10: r.precision_10,
        coverageAt10: r.coverage_10,
        seconds: r.fit_s,
        msPerUser: r.rec_ms_per_user ?? r.sim_ms_per_item ?? null,
        peakRssMb: r.peak_rss_mb,
        lists: r.n_eval,
      }));
    const segOut = path.join(tmp, "segments.jsonl");
    await runWithEnv("/usr/bin/python3", [path.join(anchors, "segment_anchor.py"), "--timing-reps", String(timingReps), "--out", segOut], opt);
    const segs = lines(readFileSync(segOut, "utf8"));
    const segments = segs
      .filter((r) => r.silhouette !== undefined)
      .map((r) => ({ features: r.features, k: r.k, silhouette: r.silhouette, calinskiHarabasz: r.calinski_harabasz, daviesBouldin: r.davies_bouldin, seconds: r.fit_s, peakRssMb: r.peak_rss_mb, sizes: r.sizes }));
    // The largest description topic's share of all spend is not printed by the anchor; peers.md puts it at ~45%.
    const described = segs.filter((r) => Array.isArray(r.segments) && r.is_best_silhouette);
    return { recs, segments, described };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** common.mjs's run() with an environment. */
async function runWithEnv(cmd, argv, { env }) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await run(cmd, argv, { stderr: "pipe" });
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
