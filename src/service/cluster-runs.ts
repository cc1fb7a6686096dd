// What the service keeps of a clustering run beyond its assignments: each cluster's distinguishing terms and
// its place on a 2-D map, and the names people gave the clusters of the previous run carried over to the
// clusters that inherit their ids (the pipeline's stable ids, src/pipeline/cluster-stability.ts).
import type { ClusterRun } from "../pipeline/cluster.js";
import type { ClusterRecord } from "./catalog-store.js";

/**
 * The clusters of a run as the store keeps them: id, name, size, top terms, and a map place: the mean of its
 * members' coordinates on the run's PCA map (a linear projection, so this is the projection of the centre of
 * its drawn members). A cluster none of whose members was drawn (the map draws a sample of 5,000) has no place.
 */
export function clusterRecords(run: Pick<ClusterRun, "clusters" | "labels" | "map">, terms = 6): ClusterRecord[] {
  const sum = new Map<number, { x: number; y: number; n: number }>();
  const { x, y, rows } = run.map;
  for (let i = 0; i < rows.length; i++) {
    const c = run.labels[rows[i]!]!;
    if (c < 0) continue;
    const s = sum.get(c) ?? { x: 0, y: 0, n: 0 };
    s.x += x[i]!;
    s.y += y[i]!;
    s.n++;
    sum.set(c, s);
  }
  return run.clusters.map((c) => {
    const s = sum.get(c.id);
    const place = s && Number.isFinite(s.x) && Number.isFinite(s.y) ? { x: round(s.x / s.n), y: round(s.y / s.n) } : {};
    return { cluster: c.id, name: c.label, size: c.size, terms: c.topTerms.slice(0, terms).map((t) => t.term), ...place };
  });
}

const round = (v: number): number => Math.round(v * 1e5) / 1e5;

/**
 * `next` with the names people gave in `previous` (`named`) on the clusters that kept those ids. Only a
 * run whose ids were related to `previous` (stable ids) may be passed: a cluster id means the same group
 * of products in both.
 */
export function carryNames(previous: readonly ClusterRecord[], next: readonly ClusterRecord[]): { clusters: ClusterRecord[]; carried: number } {
  const named = new Map(previous.filter((c) => c.named).map((c) => [c.cluster, c.name]));
  let carried = 0;
  const clusters = next.map((c) => {
    const name = named.get(c.cluster);
    if (name === undefined) return { ...c };
    carried++;
    return { ...c, name, named: true };
  });
  return { clusters, carried };
}
