// Classifies a JSONL catalog from raw bytes to output lines on all cores: this thread reads blocks of whole lines
// (readLineBlocks), hands them to worker threads, answers a share itself and puts the answers back in order;
// answering a block parses, validates and maps its rows (jsonlRow, as readCatalog does), featurizes, scores,
// calibrates, ranks and writes the JSON lines (as `assort classify` writes them). The same lines, the same issues
// (file, line, field) and the same errors as readCatalog + CategoryModel.predictStream; see classifyJsonlModel.
// Works on a JsonlModel (a CategoryModel: ./classify-jsonl.ts; a model file restored lean: ./classify-jsonl-model.ts)
// and imports no model code itself, so that the CLI's JSONL path starts without it.
import { stat } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { ArtifactArray, ModelClassifyOptions } from "../core/contracts.js";
import { checkEndOfInput, checkOptions, CHUNK_BYTES, mappingOf, tallyIssue, type ReadOptions, type ReadReport } from "../catalog/read-catalog.js";
import { MAX_LINE_BYTES, openInput, readLineBlocks, type LineBlock } from "../catalog/read-lines.js";
import { isCjk, segmenterLoaded } from "../featurize/text/tokenize.js";
import { answerBlock, type BlockAnswer, type BlockPredictor, type BlockSettings } from "./classify-jsonl-answer.js";
import type { WorkerInit } from "./classify-jsonl-worker.js";
import { CLASSIFY_WORKER_URL, classifyWorkerCount, MIN_WORKER_BYTES, takeSpareClassifyWorkers } from "./classify-jsonl-start.js";
import type { Decider } from "./decisions.js";

/** Blocks out at a time per worker (one being worked on, others waiting), so no worker waits for this thread. */
const BLOCKS_PER_WORKER = 2;
/** Blocks out per worker while this thread loads the segmenter's dictionary (~0.2 s: a few blocks of Chinese text). */
const BLOCKS_WHILE_SEGMENTER_LOADS = 12;
/** Bytes of a block looked at for Chinese or Japanese text. */
const CJK_PEEK_BYTES = 16 * 1024;
/** Most answers held for their turn (bounds memory when a worker is slow). */
const MAX_OUT = 16;
/** The end of a file whose blocks are cut smaller, so that no thread waits long for another's last block. */
const TAIL_BYTES = 4 * CHUNK_BYTES;
const TAIL_PIECE_BYTES = CHUNK_BYTES / 4;
const NL = 0x0a;

/** What classifying JSONL needs of a category model (text only). */
export interface JsonlModel {
  readonly version: string;
  /** Validates the options (and gives the threshold they ask for). */
  readonly decider: Pick<Decider, "threshold">;
  /** What answers this thread's blocks (the same answers as the workers'). */
  predictor(): BlockPredictor;
  /** The model's parts (see CategoryModel.toParts), which a worker rebuilds it from; linear: a LeanPredictor answers for it. */
  parts(): { manifest: Record<string, unknown>; arrays: Record<string, ArtifactArray>; linear: boolean };
}

/**
 * A worker's first message: the model's parts, each array a copy in a buffer of its own (not a view of the whole
 * model file; transferred, not copied again), without the training sample, and how to answer.
 */
function workerInit(model: JsonlModel, settings: BlockSettings): { message: unknown; transfer: ArrayBuffer[] } {
  const { manifest, arrays, linear } = model.parts();
  const own: Record<string, ArtifactArray> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [k, v] of Object.entries(arrays)) {
    if (k.startsWith("samples.")) continue;
    const copy = v.slice() as ArtifactArray;
    own[k] = copy;
    transfer.push(copy.buffer as ArrayBuffer);
  }
  return { message: { init: { manifest, arrays: own, linear, settings } satisfies WorkerInit }, transfer };
}

/**
 * Workers that answer blocks, each holding a copy of the model; a block goes to the one with the fewest out that
 * is ready, or was started ahead (see prestartClassifyJsonl: it is nearly ready, and answers the blocks it was
 * sent once it is, so that it has work then). A worker started here takes ~0.2 s to load its modules and model:
 * until one is ready, the caller answers blocks.
 */
class BlockPool {
  private readonly workers: { w: Worker; out: number; ready: boolean; ahead: boolean }[] = [];
  /** Workers that have loaded the model. */
  ready = 0;
  /** Whether every worker was started ahead (each takes blocks before it is ready). */
  readonly ahead: boolean;
  /** Resolves when every worker has loaded the model (or one failed). */
  readonly allReady: Promise<void>;
  private onAllReady!: () => void;
  private readonly pending = new Map<number, { resolve(a: BlockAnswer): void; reject(e: unknown): void; worker: { out: number } }>();
  private nextId = 0;
  private failure: unknown;

  constructor(model: JsonlModel, settings: BlockSettings, n: number) {
    this.allReady = new Promise((resolve) => (this.onAllReady = resolve));
    const started = takeSpareClassifyWorkers(n);
    this.ahead = started.length === n;
    for (let i = 0; i < n; i++) {
      const w = started[i] ?? new Worker(CLASSIFY_WORKER_URL);
      const init = workerInit(model, settings);
      w.postMessage(init.message, init.transfer);
      const slot = { w, out: 0, ready: false, ahead: i < started.length };
      w.on("message", (m: { ready?: true; id: number; answer: BlockAnswer }) => {
        if (m.ready) {
          slot.ready = true;
          if (++this.ready === n) this.onAllReady();
          return;
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (p) {
          p.worker.out--;
          p.resolve(m.answer);
        }
      });
      w.on("error", (e) => this.fail(e));
      w.on("exit", (code) => {
        if (this.pending.size > 0) this.fail(new Error(`Classifying worker exited with code ${code}`));
      });
      this.workers.push(slot);
    }
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.onAllReady();
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Whether a worker that takes blocks (ready, or started ahead) has fewer than `most` blocks out. */
  hasRoom(most: number): boolean {
    if (this.failure !== undefined) return true; // answer() says why
    return this.workers.some((s) => (s.ready || s.ahead) && s.out < most);
  }

  /**
   * Sends a block to the worker that takes blocks with the fewest out, a ready one on a tie (its bytes are
   * transferred: the caller's copy is gone), and resolves with its answer.
   */
  answer(block: LineBlock, check: boolean): Promise<BlockAnswer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let slot: (typeof this.workers)[number] | undefined;
    for (const s of this.workers) if ((s.ready || s.ahead) && (!slot || s.out < slot.out || (s.out === slot.out && s.ready && !slot.ready))) slot = s;
    if (!slot) return Promise.reject(new Error("No classifying worker takes blocks")); // hasRoom said one does
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: slot });
      slot.out++;
      const transfer = block.bytes.byteLength > 0 ? [block.bytes.buffer as ArrayBuffer] : [];
      slot.w.postMessage({ id, block, check }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((s) => s.w.terminate()));
  }
}

/** A run of {@link classifyJsonlModel}: the output chunks, in order; `report` fills in as the input is read. */
export interface JsonlClassifyRun extends AsyncIterable<Uint8Array> {
  readonly report: ReadReport;
  /** Blocks of lines answered by worker threads (the others were answered by the calling thread). */
  readonly workerBlocks: number;
}

/** Options of {@link classifyJsonl}. */
export interface JsonlClassifyOptions {
  /**
   * The batch size of the stream this run stands in for: when the input has a bad row (and `onBadRow` is
   * "fail"), the output stops where readCatalog + predictStream in batches of this size would have stopped.
   */
  batchSize: number;
  /** Worker threads beside this one, which answers blocks too (default: one per other core, at most 4, when the compiled workers exist and the input is not a small file; 0: this thread answers every block). */
  threads?: number;
  /**
   * Whether this thread answers blocks too (default true: while the workers start, and whenever they all
   * have work); false: it waits for them to start and only reads and writes.
   */
  share?: boolean;
  /** Called with the number of products answered so far. */
  onProgress?(done: number): void;
}

/**
 * Classifies a JSONL catalog into `assort classify`'s output lines (`{...prediction, "model": version}`), in input
 * order, on worker threads. The same bytes, report and errors as reading it with readCatalog (`duplicateIds` is
 * not checked) and answering with predictStream in batches of `batchSize`, including the lines written before a
 * bad row's error.
 */
export function classifyJsonlModel(
  model: JsonlModel,
  source: string | NodeJS.ReadableStream,
  read: ReadOptions,
  options: ModelClassifyOptions,
  run: JsonlClassifyOptions,
): JsonlClassifyRun {
  checkOptions(read);
  model.decider.threshold(options); // a bad option fails here, before any reading
  const report: ReadReport = { rows: 0, skipped: 0, issues: [], issueCount: 0, duplicateIds: 0, duplicates: [] };
  const stats = { workerBlocks: 0 };
  let started = false;
  return {
    report,
    get workerBlocks() {
      return stats.workerBlocks;
    },
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      if (started) throw new TypeError("A classify run can be iterated only once");
      started = true;
      return iterate(model, source, read, options, run, report, stats);
    },
  };
}

/** Whether the block's first {@link CJK_PEEK_BYTES} have a Chinese or Japanese character. */
function hasCjk(block: LineBlock): boolean {
  const b = block.bytes;
  const text = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, CJK_PEEK_BYTES)).toString("utf8");
  for (let i = 0; i < text.length; i++) if (isCjk(text.charCodeAt(i))) return true;
  return false;
}

/** The size of `source` when it is a regular file (undefined for a stream, or what is not a file). */
async function fileSize(source: string | NodeJS.ReadableStream): Promise<number | undefined> {
  if (typeof source !== "string") return undefined;
  const st = await stat(source).catch(() => undefined);
  return st?.isFile() ? st.size : undefined;
}

/** Lines in `bytes` (the "\n" in it). */
function newlines(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NL, start); i !== -1 && i < end; i = bytes.indexOf(NL, i + 1)) n++;
  return n;
}

/** The block as `parts` blocks of about equal size, cut after a line's "\n" (as readLineBlocks cuts), each in a buffer of its own. */
export function splitBlock(block: LineBlock, parts: number): LineBlock[] {
  const b = block.bytes;
  if (block.dropped !== undefined || parts < 2 || block.lines < 2) return [block];
  const out: LineBlock[] = [];
  let at = 0;
  let line = block.firstLine;
  for (let k = 1; k < parts; k++) {
    const nl = b.indexOf(NL, Math.max(at, Math.floor((b.length * k) / parts) - 1));
    if (nl === -1 || nl + 1 >= b.length) break;
    const lines = newlines(b, at, nl + 1);
    out.push({ bytes: b.slice(at, nl + 1), firstLine: line, lines });
    line += lines;
    at = nl + 1;
  }
  out.push({ bytes: at === 0 ? b : b.slice(at), firstLine: line, lines: block.lines - (line - block.firstLine) });
  return out;
}

/**
 * The blocks, those in the last {@link TAIL_BYTES} of a file of `size` bytes cut in pieces of about
 * {@link TAIL_PIECE_BYTES}: the threads then finish within a small piece of each other.
 */
async function* withSmallTail(blocks: AsyncIterable<LineBlock>, size: number | undefined): AsyncGenerator<LineBlock> {
  let seen = 0;
  for await (const block of blocks) {
    seen += block.dropped ?? block.bytes.length;
    if (size === undefined || size - seen >= TAIL_BYTES) yield block;
    else yield* splitBlock(block, Math.ceil(block.bytes.length / TAIL_PIECE_BYTES));
  }
}

async function* iterate(
  model: JsonlModel,
  source: string | NodeJS.ReadableStream,
  read: ReadOptions,
  options: ModelClassifyOptions,
  run: JsonlClassifyOptions,
  report: ReadReport,
  stats: { workerBlocks: number },
): AsyncGenerator<Uint8Array> {
  const file = read.fileLabel ?? (typeof source === "string" ? source : "<stdin>");
  const maxIssues = read.maxIssues ?? 20;
  const skip = read.onBadRow === "skip";
  const { baseDir: _images, ...answering } = options; // no photos: a category model reads text only
  const settings: BlockSettings = {
    mapping: mappingOf(read, file),
    options: answering,
    maxLineBytes: MAX_LINE_BYTES,
    tail: `,"model":${JSON.stringify(model.version)}}\n`,
  };
  // This thread answers blocks too: one worker per other core.
  const bytes = await fileSize(source);
  const threads = run.threads ?? (bytes === undefined || bytes >= MIN_WORKER_BYTES ? classifyWorkerCount() : 0);
  const size = run.batchSize;

  // Answers come back in input order; lines are written once the stream they stand in for would have written
  // them (a batch is answered when the next one is full), so that a bad row stops the output at the same line.
  let failing = false;
  let kept = 0; // products before the first bad row
  let next = 0; // index of the next answer's first product
  let written = 0;
  const held: { text: Uint8Array; ends: Int32Array; first: number }[] = [];
  const take = (a: BlockAnswer): void => {
    let before = 0;
    for (const { at, issue } of a.issues) {
      report.rows += at - before;
      if (!failing) kept += at - before;
      before = at;
      tallyIssue(report, { issue }, maxIssues);
      if (!skip) failing = true;
    }
    report.rows += a.ends.length - before;
    if (!failing) kept += a.ends.length - before;
    // Rows past the first bad one are never written: not kept.
    if (a.ends.length > 0 && next < kept) held.push({ text: a.text, ends: a.ends, first: next });
    next += a.ends.length;
  };
  const sure = (): number => Math.max(0, (Math.floor(kept / size) - 1) * size);
  function* release(limit: number): Generator<Uint8Array> {
    while (held.length > 0 && written < limit) {
      const h = held[0]!;
      const upto = Math.min(limit, h.first + h.ends.length);
      const from = written > h.first ? h.ends[written - h.first - 1]! : 0;
      yield h.text.subarray(from, h.ends[upto - h.first - 1]!);
      written = upto;
      run.onProgress?.(written);
      if (upto === h.first + h.ends.length) held.shift();
    }
  }

  const stream = typeof source === "string" ? await openInput(source, CHUNK_BYTES) : source;
  const pool = threads > 0 ? new BlockPool(model, settings, threads) : undefined;
  // Answers in input order: settled ones (answered here, or back from a worker) are taken without waiting.
  const out: { answer?: BlockAnswer; done: Promise<BlockAnswer> }[] = [];
  const settled = (done: Promise<BlockAnswer>): { answer?: BlockAnswer; done: Promise<BlockAnswer> } => {
    const slot: { answer?: BlockAnswer; done: Promise<BlockAnswer> } = { done };
    done.then((a) => (slot.answer = a), () => undefined);
    return slot;
  };
  // Once a row has failed, later blocks are only checked (their lines would never be written).
  // This thread answers as the workers do (a LeanPredictor when the model is linear: the same answers).
  const predictor = model.predictor();
  const local = (block: LineBlock): { answer: BlockAnswer; done: Promise<BlockAnswer> } => {
    const answer = answerBlock(predictor, settings, block, failing);
    return { answer, done: Promise.resolve(answer) };
  };
  let firstLocal = true;
  try {
    const lineBlocks = readLineBlocks(stream, { maxLineBytes: settings.maxLineBytes, file, ...(read.signal ? { signal: read.signal } : {}) });
    const blocks = pool ? withSmallTail(lineBlocks, bytes) : lineBlocks;
    try {
      for await (const block of blocks) {
        if (pool && run.share === false) {
          await pool.allReady;
          while (!pool.hasRoom(BLOCKS_PER_WORKER)) {
            take(await out.shift()!.done);
            yield* release(sure());
          }
        }
        // This thread's first block, when it is Chinese or Japanese text, loads the segmenter's dictionary (~0.2 s):
        // the workers take blocks enough to work through that first (once started, unless started ahead).
        let most = BLOCKS_PER_WORKER;
        if (pool && firstLocal && !segmenterLoaded() && hasCjk(block)) {
          if (!pool.ahead) await pool.allReady;
          most = BLOCKS_WHILE_SEGMENTER_LOADS;
        }
        // A worker with room takes the block; else this thread answers it (while the workers start, and its share after).
        if (pool?.hasRoom(most)) {
          out.push(settled(pool.answer(block, failing)));
          stats.workerBlocks++;
        } else {
          firstLocal = false;
          out.push(local(block));
        }
        while (out.length > 0 && (out[0]!.answer !== undefined || out.length > MAX_OUT)) {
          take(await out.shift()!.done);
          yield* release(sure());
        }
      }
    } catch (e) {
      // Input that stops the read (not text): the rows before it count, as in a stream that stops there.
      while (out.length > 0) take(await out.shift()!.done);
      yield* release(sure());
      throw e;
    }
    while (out.length > 0) {
      take(await out.shift()!.done);
      yield* release(sure());
    }
  } finally {
    for (const p of out) p.done.catch(() => undefined);
    await pool?.close();
    if (typeof source === "string") (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
  checkEndOfInput(report, file, { failing, skip });
  yield* release(Number.POSITIVE_INFINITY);
}
