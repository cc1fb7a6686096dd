// Tests for relateToPrevious on hand-made runs: kept, merged, new and vanished clusters, noise, and products
// that came or went between the runs.
import { describe, expect, it } from "vitest";
import { NOISE } from "../cluster/contracts.js";
import { relateToPrevious, type PreviousAssignment } from "./cluster-stability.js";

/** Previous assignments from { id: cluster }. */
const prev = (m: Record<string, number>): PreviousAssignment[] => Object.entries(m).map(([id, cluster]) => ({ id, cluster }));

/** relateToPrevious with ids and labels given as { id: newLabel }. */
function relate(now: Record<string, number>, before: Record<string, number>) {
  const ids = Object.keys(now);
  const r = relateToPrevious(ids, Int32Array.from(Object.values(now)), prev(before));
  const labels = Object.fromEntries(ids.map((id, i) => [id, r.labels[i]!]));
  return { labels, report: r.report };
}

describe("relateToPrevious", () => {
  it("the same clustering under other labels keeps every old id", () => {
    const { labels, report } = relate({ a: 1, b: 1, c: 0, d: 0, e: 2 }, { a: 7, b: 7, c: 3, d: 3, e: 12 });
    expect(labels).toEqual({ a: 7, b: 7, c: 3, d: 3, e: 12 });
    expect(report).toMatchObject({ kept: 3, new: 0, merged: 0, vanished: 0 });
    // Larger new clusters first, then by new label: new 0 (size 2) → 3, new 1 (size 2) → 7, new 2 → 12.
    expect(report.ids).toEqual({ kept: [3, 7, 12], new: [], merged: [], vanished: [] });
    expect([...report.status]).toEqual([
      [3, "kept"],
      [7, "kept"],
      [12, "kept"],
    ]);
  });

  it("a cluster that keeps a strict majority of an old cluster's products keeps its id", () => {
    // Old 5 = {a, b, c}: the new cluster 0 holds a, b (2 of 3 > 50 %); c moved to the new cluster 1.
    const { labels, report } = relate({ a: 0, b: 0, c: 1, d: 1 }, { a: 5, b: 5, c: 5, d: 9 });
    expect(labels).toEqual({ a: 5, b: 5, c: 9, d: 9 });
    expect(report.ids).toEqual({ kept: [5, 9], new: [], merged: [], vanished: [] });
  });

  it("two old clusters merged into one: 'merged', with the larger old cluster's id; the smaller id is not vanished", () => {
    // Old 9 = {a, b} (2), old 4 = {c, d, e} (3); now all five in one cluster: it keeps 4 (the larger).
    const { labels, report } = relate({ a: 0, b: 0, c: 0, d: 0, e: 0, f: 1, g: 1 }, { a: 9, b: 9, c: 4, d: 4, e: 4, f: 6, g: 6 });
    expect(labels).toEqual({ a: 4, b: 4, c: 4, d: 4, e: 4, f: 6, g: 6 });
    expect(report).toMatchObject({ kept: 1, new: 0, merged: 1, vanished: 0 });
    expect(report.ids).toEqual({ kept: [6], new: [], merged: [4], vanished: [] });
    expect(report.status.get(4)).toBe("merged");
    expect(report.status.has(9)).toBe(false);
  });

  it("a merge of two equally large old clusters keeps the smaller id", () => {
    const { labels, report } = relate({ a: 0, b: 0, c: 0, d: 0 }, { a: 8, b: 8, c: 2, d: 2 });
    expect(labels).toEqual({ a: 2, b: 2, c: 2, d: 2 });
    expect(report.ids.merged).toEqual([2]);
  });

  it("a brand-new cluster gets an id above every old id (even above ids of products no longer present)", () => {
    // Old ids 0, 3 and 11 (11 only on product z, which is gone). New cluster 1 holds only new products.
    const { labels, report } = relate({ a: 0, b: 0, x: 1, y: 1 }, { a: 3, b: 3, c: 0, z: 11 });
    expect(labels).toEqual({ a: 3, b: 3, x: 12, y: 12 });
    expect(report.ids.new).toEqual([12]);
    expect(report.status.get(12)).toBe("new");
    // 0 (product c gone) and 11 (product z gone) are inherited by nobody.
    expect(report.ids.vanished).toEqual([0, 11]);
  });

  it("several new clusters get consecutive ids, larger clusters first", () => {
    const { labels, report } = relate({ p: 0, q: 1, r: 1, s: 2, t: 2, u: 2 }, { a: 4 });
    // Sizes: new 2 (3) → 5, new 1 (2) → 6, new 0 (1) → 7.
    expect(labels).toEqual({ p: 7, q: 6, r: 6, s: 5, t: 5, u: 5 });
    expect(report).toMatchObject({ kept: 0, new: 3, merged: 0, vanished: 1 });
    expect(report.ids).toEqual({ kept: [], new: [5, 6, 7], merged: [], vanished: [4] });
  });

  it("an old cluster whose members scattered (no strict majority anywhere) has vanished; its pieces are new", () => {
    // Old 2 = {a, b, c, d} split 2 / 2 (exactly half is not a majority); old 0 = {e, f} kept whole.
    const { labels, report } = relate({ a: 0, b: 0, c: 1, d: 1, e: 2, f: 2 }, { a: 2, b: 2, c: 2, d: 2, e: 0, f: 0 });
    expect(labels).toEqual({ a: 3, b: 3, c: 4, d: 4, e: 0, f: 0 });
    expect(report).toMatchObject({ kept: 1, new: 2, merged: 0, vanished: 1 });
    expect(report.ids).toEqual({ kept: [0], new: [3, 4], merged: [], vanished: [2] });
  });

  it("noise stays NOISE; old noise counts for no cluster; members turned noise still count in the old size", () => {
    // Old 1 = {a, b, c}: now a is noise, b and c in new cluster 0 (2 of 3 → kept). d was old noise, now in 0.
    const { labels, report } = relate({ a: NOISE, b: 0, c: 0, d: 0, e: NOISE }, { a: 1, b: 1, c: 1, d: NOISE, e: NOISE });
    expect(labels).toEqual({ a: NOISE, b: 1, c: 1, d: 1, e: NOISE });
    expect(report).toMatchObject({ kept: 1, new: 0, merged: 0, vanished: 0 });

    // Old 1 = {a, b, c, d}: two turned noise, two stay together → half only: vanished, the rest is new (id 2).
    const r2 = relate({ a: NOISE, b: NOISE, c: 0, d: 0 }, { a: 1, b: 1, c: 1, d: 1 });
    expect(r2.labels).toEqual({ a: NOISE, b: NOISE, c: 2, d: 2 });
    expect(r2.report.ids).toEqual({ kept: [], new: [2], merged: [], vanished: [1] });
  });

  it("products missing from the previous run are simply members; old sizes count present products only", () => {
    // Old 3 = {a, b, gone1, gone2}: of its present products (a, b) both are in new cluster 0 → kept,
    // though 2 of 4 old members would be no majority. x and y are new products.
    const { labels, report } = relate({ a: 0, b: 0, x: 0, y: 1 }, { a: 3, b: 3, gone1: 3, gone2: 3 });
    expect(labels).toEqual({ a: 3, b: 3, x: 3, y: 4 });
    expect(report.ids).toEqual({ kept: [3], new: [4], merged: [], vanished: [] });
  });

  it("an empty previous run: every cluster is new, numbered from 0", () => {
    const { labels, report } = relate({ a: 1, b: 1, c: 0 }, {});
    expect(labels).toEqual({ a: 0, b: 0, c: 1 });
    expect(report).toMatchObject({ kept: 0, new: 2, merged: 0, vanished: 0 });
  });

  it("does not change the labels it was given", () => {
    const labels = Int32Array.of(0, 0, 1);
    relateToPrevious(["a", "b", "c"], labels, prev({ a: 7, b: 7, c: 9 }));
    expect(Array.from(labels)).toEqual([0, 0, 1]);
  });
});
