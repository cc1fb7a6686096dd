// Top-down hierarchical classification: one classifier per parent node of the label tree, probabilities
// multiplied along each path, so every prediction is a valid path.
import type { Artifact, ArtifactArray, ClassifierModel, FitOptions } from "../core/contracts.js";
import { throwIfAborted } from "../core/errors.js";
import { splitPath } from "../core/product.js";
import { createClassifier, restoreClassifier } from "./registry.js";
import { dense, selectRows, toCsr, type DenseMatrix, type Matrix } from "../linalg/matrix.js";

interface Node {
  /** Child node ids (empty for a leaf). */
  children: number[];
  /** The label index a leaf stands for, else -1. */
  leafOf: number;
  /** The classifier choosing among the children (null with fewer than two children). */
  model: ClassifierModel | null;
}

/**
 * The label tree as nodes: node 0 is the root; each distinct path prefix is a node; each label is a leaf of
 * its own (a label that is also the prefix of deeper labels becomes an extra "stop here" child).
 */
function buildTree(labels: readonly string[], separator: string): Node[] {
  const nodes: Node[] = [{ children: [], leafOf: -1, model: null }];
  const byPrefix = new Map<string, number>();
  labels.forEach((label, c) => {
    const parts = splitPath(label, separator);
    let parent = 0;
    for (let d = 0; d < parts.length - 1; d++) {
      const key = parts.slice(0, d + 1).join("\u0000");
      let id = byPrefix.get(key);
      if (id === undefined) {
        id = nodes.length;
        nodes.push({ children: [], leafOf: -1, model: null });
        byPrefix.set(key, id);
        nodes[parent]!.children.push(id);
      }
      parent = id;
    }
    const leaf = nodes.length;
    nodes.push({ children: [], leafOf: c, model: null });
    nodes[parent]!.children.push(leaf);
  });
  return nodes;
}

/** For each label, the (node, child position) steps from the root to its leaf. */
function pathsOf(nodes: Node[], classCount: number): { node: number; pos: number }[][] {
  const paths: { node: number; pos: number }[][] = Array.from({ length: classCount }, () => []);
  const walk = (id: number, trail: { node: number; pos: number }[]): void => {
    const n = nodes[id]!;
    if (n.leafOf >= 0) {
      paths[n.leafOf] = trail;
      return;
    }
    n.children.forEach((child, pos) => walk(child, [...trail, { node: id, pos }]));
  };
  walk(0, []);
  return paths;
}

/**
 * A top-down hierarchical classifier over the label paths: the probability of a label is the product of
 * P(child | parent) along its path; a parent with one child passes probability 1 down.
 */
export class TopDownModel implements ClassifierModel {
  readonly kind = "top-down";
  readonly classCount: number;
  readonly featureCount: number;
  private readonly paths: { node: number; pos: number }[][];

  constructor(
    private readonly nodes: Node[],
    classCount: number,
    featureCount: number,
    readonly params: Record<string, unknown>,
  ) {
    this.classCount = classCount;
    this.featureCount = featureCount;
    this.paths = pathsOf(nodes, classCount);
  }

  /** Number of per-node classifiers. */
  get nodeModels(): number {
    return this.nodes.filter((n) => n.model).length;
  }

  predictProba(x: Matrix): DenseMatrix {
    const xs = toCsr(x);
    const probs = new Map<number, Float32Array>();
    for (let id = 0; id < this.nodes.length; id++) {
      const m = this.nodes[id]!.model;
      if (m) probs.set(id, m.predictProba(xs).data);
    }
    const k = this.classCount;
    const out = dense(xs.rows, k);
    for (let c = 0; c < k; c++) {
      const path = this.paths[c]!;
      for (let i = 0; i < xs.rows; i++) {
        let p = 1;
        for (const { node, pos } of path) {
          const pr = probs.get(node);
          if (pr) p *= pr[i * this.nodes[node]!.children.length + pos]!;
        }
        out.data[i * k + c] = p;
      }
    }
    return out;
  }

  /** Log-probabilities of the labels (the path products, in log space). */
  decisionFunction(x: Matrix): DenseMatrix {
    const p = this.predictProba(x);
    for (let i = 0; i < p.data.length; i++) p.data[i] = Math.log(Math.max(p.data[i]!, 1e-30));
    return p;
  }

  predict(x: Matrix): Int32Array {
    const p = this.predictProba(x);
    const k = this.classCount;
    const out = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let b = 0;
      for (let c = 1; c < k; c++) if (p.data[i * k + c]! > p.data[i * k + b]!) b = c;
      out[i] = b;
    }
    return out;
  }

  toArtifact(): Artifact {
    const arrays: Record<string, ArtifactArray> = {};
    const nodes = this.nodes.map((n, id) => {
      if (!n.model) return { children: n.children, leafOf: n.leafOf, sub: null };
      const a = n.model.toArtifact();
      for (const [name, v] of Object.entries(a.arrays)) arrays[`n${id}.${name}`] = v;
      return { children: n.children, leafOf: n.leafOf, sub: { kind: a.kind, params: a.params, meta: a.meta } };
    });
    return { kind: this.kind, params: this.params, meta: { classCount: this.classCount, featureCount: this.featureCount, nodes }, arrays };
  }

  static fromArtifact(a: Artifact): TopDownModel {
    const meta = a.meta as {
      classCount: number;
      featureCount: number;
      nodes: { children: number[]; leafOf: number; sub: { kind: string; params: Record<string, unknown>; meta: Record<string, unknown> } | null }[];
    };
    const nodes: Node[] = meta.nodes.map((n, id) => {
      let model: ClassifierModel | null = null;
      if (n.sub) {
        const own: Record<string, ArtifactArray> = {};
        const prefix = `n${id}.`;
        for (const [k, v] of Object.entries(a.arrays)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = v;
        model = restoreClassifier({ kind: n.sub.kind, params: n.sub.params, meta: n.sub.meta, arrays: own });
      }
      return { children: n.children, leafOf: n.leafOf, model };
    });
    return new TopDownModel(nodes, meta.classCount, meta.featureCount, a.params);
  }
}

/**
 * Fits one `kind` classifier per parent node on the rows below it (labels: which child their path takes).
 * Rare labels (a handful of rows) are fine: each node only needs two children with rows.
 */
export async function fitTopDown(
  x: Matrix,
  y: Int32Array,
  labels: readonly string[],
  separator: string,
  kind: string,
  params: Record<string, unknown> | undefined,
  options: FitOptions = {},
): Promise<TopDownModel> {
  const xs = toCsr(x);
  const nodes = buildTree(labels, separator);
  const paths = pathsOf(nodes, labels.length);
  const internal = nodes.map((n, id) => ({ n, id })).filter(({ n }) => n.children.length >= 2);
  let done = 0;
  for (const { n, id } of internal) {
    throwIfAborted(options.signal, "Training");
    options.onProgress?.({ stage: "top-down", done: done++, total: internal.length });
    const rows: number[] = [];
    const target: number[] = [];
    for (let i = 0; i < y.length; i++) {
      const step = paths[y[i]!]!.find((s) => s.node === id);
      if (step) {
        rows.push(i);
        target.push(step.pos);
      }
    }
    const sub = selectRows(xs, rows);
    n.model = await createClassifier(kind, params).fit(sub, Int32Array.from(target), n.children.length, { seed: options.seed, signal: options.signal });
  }
  options.onProgress?.({ stage: "top-down", done: internal.length, total: internal.length });
  return new TopDownModel(nodes, labels.length, xs.cols, { base: kind, baseParams: params ?? {} });
}
