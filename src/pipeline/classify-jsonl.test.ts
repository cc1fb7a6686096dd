// classifyJsonl against what it stands in for (readCatalog, then predictStream in batches, then the JSON lines
// of `assort classify`): the same bytes, the same report, the same errors and the same lines written before an
// error, with blocks cut anywhere (a stream of small chunks). On this thread (threads: 0); test/e2e/threads.test.ts
// runs the worker threads of the compiled build.
import { Readable } from "node:stream";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readCatalog, readCatalogFile, type ReadOptions } from "../catalog/read-catalog.js";
import type { ModelClassifyOptions } from "../core/contracts.js";
import type { InvalidInputError } from "../core/errors.js";
import { itemPredictionJsonOpen } from "../core/prediction-json.js";
import type { Product } from "../core/product.js";
import { Random } from "../core/random.js";
import type { CategoryModel } from "./category-model.js";
import { canClassifyJsonl, classifyJsonl } from "./classify-jsonl.js";
import { splitBlock } from "./classify-jsonl-run.js";
import { train } from "./train.js";

const TRAIN = new URL("../../examples/catalog/train.jsonl", import.meta.url).pathname;
const TEST = new URL("../../examples/catalog/test.jsonl", import.meta.url).pathname;
let model: CategoryModel;

beforeAll(async () => {
  const { products } = await readCatalogFile(TRAIN, { requireLabel: true });
  model = await train(products, { seed: 1, classifierParams: { threads: 0 } });
}, 60_000);

/** The bytes as a stream of chunks of random sizes (1 to 300 bytes), so lines and blocks are cut anywhere (both sides read the same chunks: a NUL byte stops a read before its chunk's lines). */
function chunked(bytes: Buffer, seed: number): Readable {
  const rng = new Random(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + rng.int(300);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}

interface Outcome {
  text: string;
  error?: string;
  issues?: unknown;
  report: { rows: number; skipped: number; issueCount: number; issues: unknown[] };
}

const READ: ReadOptions = { format: "jsonl", fileLabel: "in.jsonl", duplicateIds: false };

/** `assort classify` before classifyJsonl: readCatalog, predictStream in batches of `size`, one JSON line each. */
async function streamed(bytes: Buffer, read: ReadOptions, options: ModelClassifyOptions, size: number, seed: number): Promise<Outcome> {
  const stream = readCatalog(chunked(bytes, seed), { ...READ, ...read });
  const tail = `,"model":${JSON.stringify(model.version)}}\n`;
  let text = "";
  async function* batches(): AsyncGenerator<Product[]> {
    const batch: Product[] = [];
    for await (const p of stream) if (batch.push(p) === size) yield batch.splice(0);
    if (batch.length > 0) yield batch;
  }
  try {
    for await (const { predictions } of model.predictStream(batches(), options)) for (const p of predictions) text += itemPredictionJsonOpen(p) + tail;
  } catch (e) {
    return { text, error: (e as Error).message, issues: (e as InvalidInputError).issues, report: stream.report };
  }
  return { text, report: stream.report };
}

async function blocks(bytes: Buffer, read: ReadOptions, options: ModelClassifyOptions, size: number, seed: number): Promise<Outcome> {
  const run = classifyJsonl(model, chunked(bytes, seed), { ...READ, ...read }, options, { batchSize: size, threads: 0 });
  const out: Buffer[] = [];
  try {
    for await (const chunk of run) out.push(Buffer.from(chunk));
  } catch (e) {
    return { text: Buffer.concat(out).toString("utf8"), error: (e as Error).message, issues: (e as InvalidInputError).issues, report: run.report };
  }
  return { text: Buffer.concat(out).toString("utf8"), report: run.report };
}

async function expectSame(bytes: Buffer, read: ReadOptions, options: ModelClassifyOptions, size: number, seeds = [1, 2, 3]): Promise<Outcome> {
  let want: Outcome | undefined;
  for (const seed of seeds) {
    want = await streamed(bytes, read, options, size, seed);
    const got = await blocks(bytes, read, options, size, seed);
    expect(got.text).toBe(want.text);
    expect(got.error).toBe(want.error);
    expect(got.issues).toEqual(want.issues);
    const { rows, skipped, issueCount, issues } = want.report;
    expect(got.report).toMatchObject({ rows, skipped, issueCount, issues });
  }
  return want!;
}

const catalog = Buffer.concat([readFileSync(TRAIN), readFileSync(TEST)]);

/** The catalog's lines with `bad` put in at (0-based) line indices. */
function withLines(bad: Record<number, string>): Buffer {
  const lines = catalog.toString("utf8").split("\n");
  for (const [at, text] of Object.entries(bad).sort((a, b) => Number(b[0]) - Number(a[0]))) lines.splice(Number(at), 0, text);
  return Buffer.from(lines.join("\n"));
}

describe("classifyJsonl", () => {
  it("only takes JSONL into a category model, without explanations", () => {
    expect(canClassifyJsonl(model, "a.jsonl", {}, {})).toBe(true);
    expect(canClassifyJsonl(model, "a.csv", {}, {})).toBe(false);
    expect(canClassifyJsonl(model, "a.csv", { format: "jsonl" }, {})).toBe(true);
    expect(canClassifyJsonl(model, "-", {}, {})).toBe(false);
    expect(canClassifyJsonl(model, "a.jsonl", {}, { explain: true })).toBe(false);
    expect(canClassifyJsonl({}, "a.jsonl", {}, {})).toBe(false);
  });

  it("writes the same lines as readCatalog + predictStream, blocks cut anywhere (448 products, top 3, a CRLF line, a BOM)", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), withLines({ 7: '{"id": "crlf", "title": "steel pan 28cm"}\r', 30: "", 31: "   " })]);
    const want = await expectSame(bytes, {}, { topK: 3 }, 64);
    expect(want.text.split("\n")).toHaveLength(450);
    expect(want.text.startsWith('{"id":"p0001","categories":[{"category":')).toBe(true);
  });

  it("the same decisions: --min-precision and --backoff", async () => {
    await expectSame(catalog, {}, { topK: 2, minPrecision: 0.8 }, 100, [4]);
    await expectSame(catalog, {}, { topK: 1, backoff: 0.6 }, 100, [5]);
  });

  it("skips bad rows as readCatalog does, naming file, line and field", async () => {
    const bytes = withLines({ 3: "{not json", 100: '{"id": "a", "title": ["x"]}', 250: "[1]", 400: '{"id": "n", "title": "t", "price": 1e999}' });
    const want = await expectSame(bytes, { onBadRow: "skip" }, { topK: 1 }, 50);
    expect(want.report.skipped).toBe(4);
    expect(want.report.issues[1]).toEqual({ file: "in.jsonl", line: 102, field: "title", message: "expected text, got an array" });
  });

  it("fails at a bad row as readCatalog does: the same error, and the same lines written before it", async () => {
    for (const at of [5, 200, 420]) {
      const want = await expectSame(withLines({ [at]: '{"id": "x", "title": {"a": 1}}', [at + 3]: "{" }), {}, { topK: 1 }, 16, [at]);
      expect(want.error).toContain(`in.jsonl:${at + 1}`);
      expect((want.issues as { field?: string }[])[0]!.field).toBe("title");
      expect(want.text.split("\n").length - 1).toBe(Math.max(0, (Math.floor(at / 16) - 1) * 16));
    }
  });

  it("an input that is not text stops as readCatalog stops, and an empty one has no rows", async () => {
    const nul = Buffer.concat([catalog.subarray(0, 30_000), Buffer.from([0]), catalog.subarray(30_000)]);
    const want = await expectSame(nul, {}, { topK: 1 }, 8, [6]);
    expect(want.error).toMatch(/NUL/);
    const empty = await expectSame(Buffer.from("\n  \n"), {}, { topK: 1 }, 8, [7]);
    expect(empty.error).toContain("no rows");
  });
});

describe("splitBlock", () => {
  it("cuts a block into pieces of whole lines whose bytes and line numbers add up to the block's", () => {
    const text = "a\n\nbb\r\nccc\n{\"d\":1}\ne"; // 6 lines, the last without its "\n"
    const block = { bytes: new Uint8Array(Buffer.from(text)), firstLine: 7, lines: 6 };
    for (const parts of [1, 2, 3, 4, 6, 50]) {
      const pieces = splitBlock(block, parts);
      expect(pieces.length).toBeLessThanOrEqual(Math.max(1, parts));
      expect(Buffer.concat(pieces.map((p) => p.bytes)).toString()).toBe(text);
      let line = 7;
      for (const p of pieces) {
        expect(p.firstLine).toBe(line);
        expect(p.lines).toBe(Buffer.from(p.bytes).toString().split("\n").length - (p === pieces.at(-1) ? 0 : 1));
        expect(p.bytes.byteOffset === 0 && p.bytes.buffer.byteLength === p.bytes.length).toBe(true);
        line += p.lines;
      }
      expect(line).toBe(13);
    }
    const dropped = { bytes: new Uint8Array(0), firstLine: 3, lines: 1, dropped: 99 };
    expect(splitBlock(dropped, 4)).toEqual([dropped]);
  });
});
