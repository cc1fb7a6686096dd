// Tests for evaluateClusters: external scores on hand cases (noise as singletons, pair precision by hand), the
// truth field and its depth, and every mismatch between assignments and data named by file, line and field.
import { describe, expect, it } from "vitest";
import type { Assignment } from "../catalog/read-assignments.js";
import { InvalidInputError } from "../core/errors.js";
import type { Product } from "../core/product.js";
import { externalClusterMetrics } from "../metrics/clustering-external.js";
import { evaluateClusters, type EvaluateClustersOptions } from "./evaluate-clusters.js";

/** Products with a title and a truth field "group" (lines 1, 2, …); `undefined` leaves the field out. */
function products(rows: [string, string | undefined, string?][]): Product[] {
  return rows.map(([id, group, title], i) => ({
    id,
    text: [title ?? `product ${id}`],
    fields: group === undefined ? { id } : { id, group },
    line: i + 1,
  }));
}

/** Assignments from [id, cluster] (lines 1, 2, …). */
const assign = (rows: [string, number][]): Assignment[] => rows.map(([id, cluster], i) => ({ id, cluster, line: i + 1 }));

const OPTS: EvaluateClustersOptions = { truthField: "group", silhouette: false, assignmentsFile: "out/assignments.jsonl", dataFile: "data.jsonl" };

async function failure(p: Promise<unknown>): Promise<InvalidInputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return err as InvalidInputError;
}

describe("evaluateClusters: scores", () => {
  it("agrees with externalClusterMetrics on a hand case (no noise)", async () => {
    // truth X X X Y Y Z, clusters 0 0 1 1 1 2.
    const ps = products([
      ["a", "X"],
      ["b", "X"],
      ["c", "X"],
      ["d", "Y"],
      ["e", "Y"],
      ["f", "Z"],
    ]);
    const r = await evaluateClusters(
      assign([
        ["a", 0],
        ["b", 0],
        ["c", 1],
        ["d", 1],
        ["e", 1],
        ["f", 2],
      ]),
      ps,
      OPTS,
    );
    const ext = externalClusterMetrics(Int32Array.of(0, 0, 0, 1, 1, 2), Int32Array.of(0, 0, 1, 1, 1, 2));
    expect(r).toEqual({ ...ext, n: 6, noise: 0, truthField: "group", silhouette: null });
    // By hand: pairs put together (a,b) (c,d) (c,e) (d,e), of which (a,b) and (d,e) share a group → P = 2/4;
    // pairs of a group (a,b) (a,c) (b,c) (d,e) → R = 2/4.
    expect(r.pairPrecision).toBeCloseTo(0.5, 12);
    expect(r.pairRecall).toBeCloseTo(0.5, 12);
    expect(r.pairF1).toBeCloseTo(0.5, 12);
    expect(r.purity).toBeCloseTo(5 / 6, 12); // 2 (X) + 2 (Y of c,d,e) + 1 (Z)
    expect(r.clusters).toBe(3);
    expect(r.classes).toBe(3);
  });

  it("a perfect clustering under other ids scores 1", async () => {
    const ps = products([
      ["a", "X"],
      ["b", "X"],
      ["c", "Y"],
    ]);
    const r = await evaluateClusters(
      assign([
        ["c", 4],
        ["a", 9],
        ["b", 9],
      ]),
      ps,
      OPTS,
    );
    expect(r.ari).toBeCloseTo(1, 12);
    expect(r.nmi).toBeCloseTo(1, 12);
    expect(r.pairF1).toBeCloseTo(1, 12);
  });

  it("counts noise (-1) as singletons: three noise rows are not one cluster", async () => {
    // truth X X X Y Y Y; clusters: a b → 0, d → 1, c e f → noise.
    const ps = products([
      ["a", "X"],
      ["b", "X"],
      ["c", "X"],
      ["d", "Y"],
      ["e", "Y"],
      ["f", "Y"],
    ]);
    const r = await evaluateClusters(
      assign([
        ["a", 0],
        ["b", 0],
        ["c", -1],
        ["d", 1],
        ["e", -1],
        ["f", -1],
      ]),
      ps,
      OPTS,
    );
    // Singletons: the only pair put together is (a,b), a true pair → P = 1/1. True pairs: 3 in X + 3 in Y → R = 1/6.
    // (Noise as one cluster {c,e,f} would add (c,e) (c,f) (e,f), one of them true: P = 2/4.)
    expect(r.pairPrecision).toBeCloseTo(1, 12);
    expect(r.pairRecall).toBeCloseTo(1 / 6, 12);
    expect(r.pairF1).toBeCloseTo(2 / 7, 12);
    expect(r.noise).toBe(3);
    expect(r.clusters).toBe(5);
    expect(r).toMatchObject(externalClusterMetrics(Int32Array.of(0, 0, 0, 1, 1, 1), Int32Array.of(0, 0, 2, 1, 3, 4)));
  });

  it("truthDepth keeps the first levels of a path-valued truth", async () => {
    const ps: Product[] = [
      ["a", "Home > Pans > Frying"],
      ["b", "Home > Kettles"],
      ["c", "Phones>Cases"],
      ["d", "Phones > Smartphones"],
    ].map(([id, category], i) => ({ id: id!, text: [id!], fields: { id, category }, line: i + 1 }));
    const as = assign([
      ["a", 0],
      ["b", 0],
      ["c", 1],
      ["d", 1],
    ]);
    const opts = { truthField: "category", silhouette: false } as const;
    const top = await evaluateClusters(as, ps, { ...opts, truthDepth: 1 });
    expect(top.classes).toBe(2);
    expect(top.ari).toBeCloseTo(1, 12);
    const full = await evaluateClusters(as, ps, opts);
    expect(full.classes).toBe(4);
    expect(full.pairPrecision).toBe(0);
  });

  it("computes the silhouette on the text embedding when asked, null when undefined", async () => {
    const ps = products([
      ["a", "X", "Tefal frying pan 28cm"],
      ["b", "X", "Tefal frying pan 24cm"],
      ["c", "X", "Tefal non-stick frying pan"],
      ["d", "Y", "Apple iPhone 15 128GB"],
      ["e", "Y", "Apple iPhone 15 Pro 256GB"],
      ["f", "Y", "Apple iPhone 15 blue"],
    ]);
    const good = assign([
      ["a", 0],
      ["b", 0],
      ["c", 0],
      ["d", 1],
      ["e", 1],
      ["f", 1],
    ]);
    const r = await evaluateClusters(good, ps, { truthField: "group" });
    expect(r.silhouette).not.toBeNull();
    expect(r.silhouette).toBeGreaterThan(0);
    expect(r.silhouette).toBeLessThanOrEqual(1);
    // One cluster (plus noise): no silhouette.
    const one = good.map((a) => ({ ...a, cluster: a.cluster === 1 ? -1 : 0 }));
    expect((await evaluateClusters(one, ps, { truthField: "group" })).silhouette).toBeNull();
    expect((await evaluateClusters(good, ps, { truthField: "group", silhouette: false })).silhouette).toBeNull();
  });
});

describe("evaluateClusters: mismatches", () => {
  const PS = products([
    ["a", "X"],
    ["b", "X"],
    ["c", "Y"],
  ]);

  it("an assignment id that is not a product: names the assignments file, line and field", async () => {
    const err = await failure(
      evaluateClusters(
        assign([
          ["a", 0],
          ["b", 0],
          ["c", 1],
          ["zz", 1],
        ]),
        PS,
        OPTS,
      ),
    );
    expect(err.issues).toEqual([{ file: "out/assignments.jsonl", line: 4, field: "id", message: '"zz" is not a product id of data.jsonl' }]);
    expect(err.message).toContain("The assignments do not match the data (1 problem); cluster and evaluate the same file");
    expect(err.message).toContain('out/assignments.jsonl:4, field "id": "zz" is not a product id of data.jsonl');
  });

  it("a product without an assignment: names the data file and line", async () => {
    const err = await failure(
      evaluateClusters(
        assign([
          ["a", 0],
          ["c", 1],
        ]),
        PS,
        OPTS,
      ),
    );
    expect(err.issues).toEqual([{ file: "data.jsonl", line: 2, field: "id", message: 'product "b" has no assignment in out/assignments.jsonl' }]);
  });

  it("lists up to 10 problems and counts the rest", async () => {
    const many = products(Array.from({ length: 15 }, (_, i) => [`p${i}`, "X"] as [string, string]));
    const err = await failure(evaluateClusters(assign([["p0", 0]]), many, OPTS));
    expect(err.total).toBe(14);
    expect(err.issues).toHaveLength(10);
    expect(err.message).toContain("(14 problems)");
    expect(err.message).toContain("… and 4 more");
  });

  it("no id in common: one clear message, not a list of every row", async () => {
    const err = await failure(
      evaluateClusters(
        assign([
          ["t1", 0],
          ["t2", 0],
        ]),
        PS,
        OPTS,
      ),
    );
    expect(err.message).toBe(
      "None of the 2 ids in out/assignments.jsonl is a product id of data.jsonl (3 products): evaluate the file that was clustered, read with the same id field",
    );
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: "out/assignments.jsonl", line: 1, field: "id" });
  });

  it("a product without the truth field: names the line and the field", async () => {
    const ps = products([
      ["a", "X"],
      ["b", undefined],
      ["c", ""],
    ]);
    const err = await failure(
      evaluateClusters(
        assign([
          ["a", 0],
          ["b", 0],
          ["c", 1],
        ]),
        ps,
        OPTS,
      ),
    );
    expect(err.issues).toEqual([
      { file: "data.jsonl", line: 2, field: "group", message: "is missing (needed as the truth)" },
      { file: "data.jsonl", line: 3, field: "group", message: "is missing (needed as the truth)" },
    ]);
    expect(err.message).toContain('data.jsonl:2, field "group": is missing (needed as the truth)');
  });

  it("default file names in messages", async () => {
    const err = await failure(evaluateClusters(assign([["zz", 0]]), PS, { truthField: "group", silhouette: false }));
    expect(err.message).toContain("ids in assignments is a product id of data (3 products)");
  });
});
