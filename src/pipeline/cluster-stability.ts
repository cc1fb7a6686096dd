// Stable cluster ids across runs: clusters that still exist keep their ids; new, merged and vanished ones are reported.
import { NOISE } from "../cluster/contracts.js";

/** One row of a previous run's assignments. */
export interface PreviousAssignment {
  id: string;
  cluster: number;
}

/** How a run relates to the previous one. */
export interface StabilityReport {
  kept: number;
  new: number;
  merged: number;
  vanished: number;
  ids: { kept: number[]; new: number[]; merged: number[]; vanished: number[] };
  /** Status of each cluster id of the new run. */
  status: Map<number, "kept" | "new" | "merged">;
}

/** Share of an old cluster's (still present) members a new cluster must hold to inherit or absorb it. */
const MAJORITY = 0.5;

/**
 * Renumbers `labels` so that a new cluster holding the majority of an old cluster's products that are
 * still in the catalog keeps the old id ("kept"); a new cluster
 * holding the majority of two or more old clusters keeps the id of the largest of them ("merged"); other
 * clusters get fresh ids above every old id ("new"); old clusters that no new cluster inherits are
 * "vanished". Noise stays NOISE. Products not in the previous run are simply new members.
 * @example relateToPrevious(["a","b","c"], Int32Array.of(0, 0, 1), [{id:"a",cluster:7},{id:"b",cluster:7}])
 */
export function relateToPrevious(
  ids: readonly string[],
  labels: Int32Array,
  previous: readonly PreviousAssignment[],
): { labels: Int32Array; report: StabilityReport } {
  const before = new Map<string, number>();
  for (const p of previous) before.set(p.id, p.cluster);
  // Old cluster sizes counted over products still present; overlaps old × new.
  const oldSize = new Map<number, number>();
  const overlap = new Map<number, Map<number, number>>(); // new → old → count
  const newSize = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const c = labels[i]!;
    if (c !== NOISE) newSize.set(c, (newSize.get(c) ?? 0) + 1);
    const o = before.get(ids[i]!);
    if (o === undefined || o === NOISE) continue;
    oldSize.set(o, (oldSize.get(o) ?? 0) + 1);
    if (c === NOISE) continue;
    let m = overlap.get(c);
    if (!m) overlap.set(c, (m = new Map()));
    m.set(o, (m.get(o) ?? 0) + 1);
  }
  const allOld = new Set<number>();
  for (const p of previous) if (p.cluster !== NOISE) allOld.add(p.cluster);
  let nextId = 0;
  for (const o of allOld) nextId = Math.max(nextId, o + 1);
  const mapping = new Map<number, number>();
  const status = new Map<number, "kept" | "new" | "merged">();
  const inherited = new Set<number>();
  const ids2 = { kept: [] as number[], new: [] as number[], merged: [] as number[], vanished: [] as number[] };
  // Larger new clusters choose first, so ties resolve deterministically.
  const order = [...newSize.keys()].sort((a, b) => newSize.get(b)! - newSize.get(a)! || a - b);
  for (const c of order) {
    const m = overlap.get(c);
    const absorbed: number[] = [];
    if (m) for (const [o, cnt] of m) if (cnt > MAJORITY * oldSize.get(o)! && !inherited.has(o)) absorbed.push(o);
    absorbed.sort((a, b) => oldSize.get(b)! - oldSize.get(a)! || a - b);
    if (absorbed.length === 0) continue;
    const main = absorbed[0]!;
    for (const o of absorbed) inherited.add(o);
    mapping.set(c, main);
    const s = absorbed.length > 1 ? "merged" : "kept";
    status.set(main, s);
    ids2[s].push(main);
  }
  for (const c of order) {
    if (mapping.has(c)) continue;
    const id = nextId++;
    mapping.set(c, id);
    status.set(id, "new");
    ids2.new.push(id);
  }
  for (const o of [...allOld].sort((a, b) => a - b)) if (!inherited.has(o)) ids2.vanished.push(o);
  const out = Int32Array.from(labels, (c) => (c === NOISE ? NOISE : mapping.get(c)!));
  return {
    labels: out,
    report: { kept: ids2.kept.length, new: ids2.new.length, merged: ids2.merged.length, vanished: ids2.vanished.length, ids: ids2, status },
  };
}
