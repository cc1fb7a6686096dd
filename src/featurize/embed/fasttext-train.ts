// The fastText training kernel: skip-gram / CBOW with negative sampling, supervised softmax; Hogwild-safe.
import { Random } from "../../core/random.js";

/** Mode codes of the kernel. */
export const SKIPGRAM = 0;
export const CBOW = 1;
export const SUPERVISED = 2;

/** Everything one training thread reads and writes; the matrices may live on shared memory (Hogwild). */
export interface TrainState {
  mode: number;
  dim: number;
  window: number;
  negatives: number;
  lr: number;
  /** Input rows (words, then subword buckets) × dim, and output rows (words or labels) × dim. */
  input: Float32Array;
  output: Float32Array;
  subStart: Int32Array;
  subIds: Int32Array;
  /** Word ids of all lines, flat; line l spans tokens[lineStart[l] .. lineStart[l+1]). */
  tokens: Int32Array;
  lineStart: Int32Array;
  /** Label per line (supervised) and the number of labels. */
  labels: Int32Array | null;
  nlabels: number;
  /** Keep-probability per word (subsampling) and the negative-sampling table. */
  keep: Float32Array;
  negTable: Int32Array;
  /** [0]: tokens processed by all threads (drives the shared linear learning-rate decay). */
  counter: Int32Array;
  /** Tokens over all epochs: lr = lr0 · (1 − counter / total). */
  total: number;
}

const SIGMOID_SIZE = 512;
const MAX_SIGMOID = 8;
const SIGMOID = new Float32Array(SIGMOID_SIZE + 1);
for (let i = 0; i <= SIGMOID_SIZE; i++) {
  const x = ((i * 2 * MAX_SIGMOID) / SIGMOID_SIZE) - MAX_SIGMOID;
  SIGMOID[i] = 1 / (1 + Math.exp(-x));
}

/** fastText's table sigmoid (0 below −8, 1 above 8). */
function sigmoid(x: number): number {
  if (x < -MAX_SIGMOID) return 0;
  if (x > MAX_SIGMOID) return 1;
  return SIGMOID[((x + MAX_SIGMOID) * SIGMOID_SIZE / MAX_SIGMOID / 2) | 0]!;
}

/** Per-thread scratch: hidden and gradient vectors, the context bag, the random stream, the negatives cursor. */
export class TrainScratch {
  readonly hidden: Float32Array;
  readonly grad: Float32Array;
  readonly probs: Float32Array;
  bag: Int32Array = new Int32Array(256);
  line: Int32Array = new Int32Array(256);
  negPos = 0;
  loss = 0;
  lossCount = 0;
  readonly rng: Random;
  constructor(dim: number, nlabels: number, seed: number) {
    this.hidden = new Float32Array(dim);
    this.grad = new Float32Array(dim);
    this.probs = new Float32Array(Math.max(1, nlabels));
    this.rng = new Random(seed);
    this.negPos = this.rng.int(1 << 20);
  }
}

/**
 * Trains on lines [from, to) once (one epoch's share), updating `s.input` and `s.output` in place and
 * advancing the shared token counter. Cost per token: skip-gram O(d·(subwords + 2·window·(negatives + 1))),
 * CBOW O(d·(window·subwords + negatives)), supervised O(d·(subwords + labels)).
 */
export function trainLines(s: TrainState, from: number, to: number, sc: TrainScratch): void {
  const { tokens, lineStart, keep } = s;
  for (let l = from; l < to; l++) {
    const start = lineStart[l]!;
    const end = lineStart[l + 1]!;
    const progress = Math.min(1, Atomics.add(s.counter, 0, end - start) / s.total);
    const lr = s.lr * (1 - progress);
    if (s.mode === SUPERVISED) {
      if (end > start) supervised(s, start, end, s.labels![l]!, lr, sc);
      continue;
    }
    // Subsampling: frequent words are dropped with probability 1 − keep.
    let n = 0;
    if (sc.line.length < end - start) sc.line = new Int32Array(end - start);
    for (let p = start; p < end; p++) {
      const w = tokens[p]!;
      if (sc.rng.float() <= keep[w]!) sc.line[n++] = w;
    }
    if (n < 2) continue;
    if (s.mode === SKIPGRAM) skipgram(s, sc.line, n, lr, sc);
    else cbow(s, sc.line, n, lr, sc);
  }
}

/** Mean of the input rows ids[from, to) into `hidden` (inner loop unrolled by 4: the hot loop of training). */
function computeHidden(s: TrainState, ids: Int32Array, from: number, to: number, hidden: Float32Array): void {
  const d = s.dim;
  const d4 = d & ~3;
  const x = s.input;
  hidden.fill(0);
  for (let p = from; p < to; p++) {
    const o = ids[p]! * d;
    let j = 0;
    for (; j < d4; j += 4) {
      hidden[j] = hidden[j]! + x[o + j]!;
      hidden[j + 1] = hidden[j + 1]! + x[o + j + 1]!;
      hidden[j + 2] = hidden[j + 2]! + x[o + j + 2]!;
      hidden[j + 3] = hidden[j + 3]! + x[o + j + 3]!;
    }
    for (; j < d; j++) hidden[j] = hidden[j]! + x[o + j]!;
  }
  const inv = 1 / (to - from);
  for (let j = 0; j < d; j++) hidden[j]! *= inv;
}

/** Adds `scale·grad` to the input rows ids[from, to). */
function applyGrad(s: TrainState, ids: Int32Array, from: number, to: number, grad: Float32Array, scale: number): void {
  const d = s.dim;
  const d4 = d & ~3;
  const x = s.input;
  if (scale !== 1) for (let j = 0; j < d; j++) grad[j]! *= scale;
  for (let p = from; p < to; p++) {
    const o = ids[p]! * d;
    let j = 0;
    for (; j < d4; j += 4) {
      x[o + j] = x[o + j]! + grad[j]!;
      x[o + j + 1] = x[o + j + 1]! + grad[j + 1]!;
      x[o + j + 2] = x[o + j + 2]! + grad[j + 2]!;
      x[o + j + 3] = x[o + j + 3]! + grad[j + 3]!;
    }
    for (; j < d; j++) x[o + j] = x[o + j]! + grad[j]!;
  }
}

/** One logistic step on output row `target` (label 1 or 0): grad += α·wo, wo += α·hidden. */
function binaryLogistic(s: TrainState, target: number, label: number, lr: number, sc: TrainScratch): void {
  const d = s.dim;
  const wo = s.output;
  const h = sc.hidden;
  const g = sc.grad;
  const o = target * d;
  let dot = 0;
  for (let j = 0; j < d; j++) dot += wo[o + j]! * h[j]!;
  const score = sigmoid(dot);
  const alpha = lr * (label - score);
  for (let j = 0; j < d; j++) {
    g[j]! += alpha * wo[o + j]!;
    wo[o + j]! += alpha * h[j]!;
  }
  sc.loss -= Math.log(label ? score + 1e-5 : 1 - score + 1e-5);
}

/** The positive target and `negatives` draws from the unigram^0.5 table (never the target itself). */
function negativeSampling(s: TrainState, target: number, lr: number, sc: TrainScratch): void {
  binaryLogistic(s, target, 1, lr, sc);
  const table = s.negTable;
  for (let k = 0; k < s.negatives; k++) {
    let neg: number;
    do {
      neg = table[sc.negPos]!;
      sc.negPos = (sc.negPos + 1) % table.length;
    } while (neg === target && table.length > 1 && s.subStart.length > 2);
    binaryLogistic(s, neg, 0, lr, sc);
  }
  sc.lossCount++;
}

/**
 * Skip-gram: each word predicts the words of a window drawn from 1..window on each side. The hidden vector
 * (mean of the word's subword rows) is computed once per centre word and the input gradient of all its context
 * predictions is applied once (fastText recomputes both per context word: same updates up to staleness, ~3× faster).
 */
function skipgram(s: TrainState, line: Int32Array, n: number, lr: number, sc: TrainScratch): void {
  const { subStart, subIds } = s;
  for (let w = 0; w < n; w++) {
    const b = 1 + sc.rng.int(s.window);
    const from = subStart[line[w]!]!;
    const to = subStart[line[w]! + 1]!;
    computeHidden(s, subIds, from, to, sc.hidden);
    sc.grad.fill(0);
    let any = false;
    for (let c = -b; c <= b; c++) {
      if (c === 0 || w + c < 0 || w + c >= n) continue;
      negativeSampling(s, line[w + c]!, lr, sc);
      any = true;
    }
    if (any) applyGrad(s, subIds, from, to, sc.grad, 1);
  }
}

/** CBOW: the mean of the context words' subword rows predicts the centre word. */
function cbow(s: TrainState, line: Int32Array, n: number, lr: number, sc: TrainScratch): void {
  const { subStart, subIds } = s;
  for (let w = 0; w < n; w++) {
    const b = 1 + sc.rng.int(s.window);
    let m = 0;
    for (let c = -b; c <= b; c++) {
      if (c === 0 || w + c < 0 || w + c >= n) continue;
      const word = line[w + c]!;
      const from = subStart[word]!;
      const to = subStart[word + 1]!;
      if (sc.bag.length < m + to - from) {
        const bigger = new Int32Array(2 * (m + to - from));
        bigger.set(sc.bag.subarray(0, m));
        sc.bag = bigger;
      }
      for (let p = from; p < to; p++) sc.bag[m++] = subIds[p]!;
    }
    if (m === 0) continue;
    computeHidden(s, sc.bag, 0, m, sc.hidden);
    sc.grad.fill(0);
    negativeSampling(s, line[w]!, lr, sc);
    applyGrad(s, sc.bag, 0, m, sc.grad, 1);
  }
}

/** Supervised: the mean of all the line's input rows predicts its label (full softmax over labels). */
function supervised(s: TrainState, start: number, end: number, label: number, lr: number, sc: TrainScratch): void {
  const { subStart, subIds, tokens } = s;
  let m = 0;
  for (let p = start; p < end; p++) {
    const word = tokens[p]!;
    const from = subStart[word]!;
    const to = subStart[word + 1]!;
    if (sc.bag.length < m + to - from) {
      const bigger = new Int32Array(2 * (m + to - from));
      bigger.set(sc.bag.subarray(0, m));
      sc.bag = bigger;
    }
    for (let q = from; q < to; q++) sc.bag[m++] = subIds[q]!;
  }
  computeHidden(s, sc.bag, 0, m, sc.hidden);
  const d = s.dim;
  const k = s.nlabels;
  const wo = s.output;
  const h = sc.hidden;
  const probs = sc.probs;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += wo[c * d + j]! * h[j]!;
    probs[c] = dot;
    if (dot > max) max = dot;
  }
  let z = 0;
  for (let c = 0; c < k; c++) z += probs[c] = Math.exp(probs[c]! - max);
  sc.grad.fill(0);
  const g = sc.grad;
  for (let c = 0; c < k; c++) {
    const p = probs[c]! / z;
    const alpha = lr * ((c === label ? 1 : 0) - p);
    const o = c * d;
    for (let j = 0; j < d; j++) {
      g[j]! += alpha * wo[o + j]!;
      wo[o + j]! += alpha * h[j]!;
    }
    if (c === label) sc.loss -= Math.log(p + 1e-5);
  }
  sc.lossCount++;
  applyGrad(s, sc.bag, 0, m, g, 1 / m);
}
