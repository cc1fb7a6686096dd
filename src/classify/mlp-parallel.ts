// Data-parallel MLP steps: worker threads compute gradients of slices of a mini-batch on shared memory,
// synchronised with Atomics (no message per step), while this thread computes the first slice.
import { Worker } from "node:worker_threads";
import { workerThreads } from "../core/worker.js";
import { GradientBuffers, type MlpNet } from "./mlp-trainer.js";

const WORKER_URL = new URL("./mlp-worker.js", import.meta.url);
/** Control words: generation (−1 = stop), batch rows, then per worker: done generation, row offset, row count, failed. */
const GEN = 0;
const TOTAL = 1;
const PER = 4;
/** A step that takes longer than this means a worker died: fail instead of hanging. */
const STEP_TIMEOUT_MS = 300_000;

/** Worker threads the MLP may use beside this one (0 when running from TypeScript sources). */
export function mlpWorkerThreads(): number {
  return workerThreads(WORKER_URL);
}

/** What each worker receives once: shared network, batch buffers, its gradient buffers and control words. */
export interface SliceJob {
  worker: number;
  maxRows: number;
  net: MlpNet;
  input: Float32Array;
  labels: Int32Array;
  masks: Float32Array[];
  gradW: Float32Array[];
  gradB: Float32Array[];
  loss: Float64Array;
  ctrl: Int32Array;
}

/** Worker side: wait for a generation, compute the slice's gradient, report done; until told to stop. */
export function runSliceWorker(job: SliceJob): void {
  const { ctrl, net, worker: w } = job;
  const buffers = new GradientBuffers(net, job.maxRows, { gradW: job.gradW, gradB: job.gradB });
  const d0 = net.sizes[0]!;
  const hidden = net.sizes.slice(1, -1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, GEN, seen);
    const gen = Atomics.load(ctrl, GEN);
    if (gen < 0) return;
    seen = gen;
    const base = 4 + PER * w;
    const offset = ctrl[base + 1]!;
    const count = ctrl[base + 2]!;
    try {
      job.loss[w] = count === 0 ? 0 : buffers.compute(
        job.input.subarray(offset * d0),
        count,
        job.labels.subarray(offset),
        job.masks.map((m, l) => (m.length > 0 ? m.subarray(offset * hidden[l]!) : m)),
        ctrl[TOTAL]!,
      );
    } catch {
      ctrl[base + 3] = 1;
    }
    Atomics.store(ctrl, base, gen);
    Atomics.notify(ctrl, base);
  }
}

function shared<T extends Float32Array | Int32Array | Float64Array>(Ctor: new (b: SharedArrayBuffer) => T, length: number, bytes: number): T {
  return new Ctor(new SharedArrayBuffer(length * bytes));
}

/**
 * Splits each mini-batch over this thread and `workers` worker threads. The network's arrays must live
 * on shared memory; `input`, `labels` and `masks` are the shared batch buffers the caller fills.
 */
export class ParallelGradients {
  readonly input: Float32Array;
  readonly labels: Int32Array;
  readonly masks: Float32Array[];
  private readonly local: GradientBuffers;
  private readonly jobs: SliceJob[] = [];
  private readonly threads: Worker[] = [];
  private readonly ctrl: Int32Array;
  private gen = 0;
  private failure: Error | undefined;

  constructor(private readonly net: MlpNet, maxRows: number, dropout: boolean, workers: number) {
    const sz = net.sizes;
    this.input = shared(Float32Array, maxRows * sz[0]!, 4);
    this.labels = shared(Int32Array, maxRows, 4);
    this.masks = sz.slice(1, -1).map((w) => shared(Float32Array, dropout ? maxRows * w : 0, 4));
    this.local = new GradientBuffers(net, maxRows);
    this.ctrl = shared(Int32Array, 4 + PER * workers, 4);
    const loss = shared(Float64Array, workers, 8);
    for (let w = 0; w < workers; w++) {
      const job: SliceJob = {
        worker: w,
        maxRows,
        net,
        input: this.input,
        labels: this.labels,
        masks: this.masks,
        gradW: net.weights.map((a) => shared(Float32Array, a.length, 4)),
        gradB: net.biases.map((a) => shared(Float32Array, a.length, 4)),
        loss,
        ctrl: this.ctrl,
      };
      this.jobs.push(job);
      const t = new Worker(WORKER_URL, { workerData: job });
      t.on("error", (e) => {
        this.failure = e;
      });
      t.unref();
      this.threads.push(t);
    }
  }

  /** The gradient sums of this thread's buffers after {@link compute}. */
  get gradW(): Float32Array[] {
    return this.local.gradW;
  }
  get gradB(): Float32Array[] {
    return this.local.gradB;
  }

  /** Gradient of the first `count` rows of the batch buffers (summed over threads); returns the summed loss. */
  compute(count: number): number {
    const parts = this.jobs.length + 1;
    const per = Math.ceil(count / parts);
    const mine = Math.min(per, count);
    this.gen++;
    this.ctrl[TOTAL] = count;
    this.jobs.forEach((_, w) => {
      const offset = Math.min(count, mine + w * per);
      this.ctrl[4 + PER * w + 1] = offset;
      this.ctrl[4 + PER * w + 2] = Math.max(0, Math.min(per, count - offset));
    });
    Atomics.store(this.ctrl, GEN, this.gen);
    Atomics.notify(this.ctrl, GEN);
    let loss = this.local.compute(this.input, mine, this.labels, this.masks, count);
    for (let w = 0; w < this.jobs.length; w++) {
      const at = 4 + PER * w;
      const start = Date.now();
      while (Atomics.load(this.ctrl, at) !== this.gen) {
        if (this.failure || Date.now() - start > STEP_TIMEOUT_MS) {
          throw new Error(`MLP training: worker thread failed${this.failure ? `: ${this.failure.message}` : " (no answer)"}`);
        }
        Atomics.wait(this.ctrl, at, Atomics.load(this.ctrl, at), 1000);
      }
      if (this.ctrl[at + 3] === 1) throw new Error("MLP training: a worker thread failed to compute its gradient slice");
      const job = this.jobs[w]!;
      loss += job.loss[w]!;
      for (let l = 0; l < this.net.weights.length; l++) {
        addInto(this.local.gradW[l]!, job.gradW[l]!);
        addInto(this.local.gradB[l]!, job.gradB[l]!);
      }
    }
    return loss;
  }

  /** Stops the worker threads (call once, in a finally). */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, GEN, -1);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

function addInto(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}
