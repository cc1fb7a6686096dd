// Tests for the byte-level line splitter: chunk boundaries, CRLF, BOM, over-long lines, cancellation.

import { describe, expect, it } from "vitest";
import { CancelledError } from "../core/errors.js";
import { isBlank, readLines, type RawLine } from "./read-lines.js";

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer | string> {
  yield* parts;
}

async function collect(source: AsyncIterable<Buffer | string>, maxLineBytes?: number): Promise<RawLine[]> {
  const out: RawLine[] = [];
  for await (const batch of readLines(source, { maxLineBytes })) out.push(...batch);
  return out;
}

const texts = (lines: RawLine[]) => lines.map((l) => l.bytes?.toString("utf8"));

describe("readLines", () => {
  it("splits lines across chunk boundaries and numbers them from 1", async () => {
    const lines = await collect(chunks("ab", "c\nde", "f\n\ng", "h"));
    expect(texts(lines)).toEqual(["abc", "def", "", "gh"]);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
  });

  it("drops CR of CRLF, also when CR and LF fall in different chunks", async () => {
    const lines = await collect(chunks("a\r\nb\r", "\nc\r\n"));
    expect(texts(lines)).toEqual(["a", "b", "c"]);
  });

  it("keeps a lone CR inside a line", async () => {
    expect(texts(await collect(chunks("a\rb\n")))).toEqual(["a\rb"]);
  });

  it("strips a UTF-8 BOM on line 1 only, even when split across chunks", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines = await collect(chunks(bom.subarray(0, 1), Buffer.concat([bom.subarray(1), Buffer.from("x\n")]), bom));
    expect(lines[0]!.bytes).toEqual(Buffer.from("x"));
    expect(lines[1]!.bytes).toEqual(bom);
  });

  it("yields a last line without a trailing newline, and nothing for an empty input", async () => {
    expect(texts(await collect(chunks("a\nb")))).toEqual(["a", "b"]);
    expect(await collect(chunks())).toEqual([]);
    expect(await collect(chunks(""))).toEqual([]);
  });

  it("keeps bytes undecoded, so invalid UTF-8 survives for the reader to report", async () => {
    const lines = await collect(chunks(Buffer.from([0x61, 0xff, 0x0a, 0x62])));
    expect(lines[0]!.bytes).toEqual(Buffer.from([0x61, 0xff]));
  });

  it("drops a line longer than maxLineBytes but keeps its size and line number", async () => {
    const long = "x".repeat(25);
    const lines = await collect(chunks("ok\n", long.slice(0, 10), long.slice(10), "\nnext\n"), 20);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toEqual({ line: 2, bytes: undefined, size: 25 });
    expect(texts(lines)).toEqual(["ok", undefined, "next"]);
  });

  it("drops an over-long last line without a newline", async () => {
    const lines = await collect(chunks("ok\n", "y".repeat(30)), 20);
    expect(lines[1]).toEqual({ line: 2, bytes: undefined, size: 30 });
  });

  it("throws CancelledError between chunks once the signal fires", async () => {
    const ac = new AbortController();
    const it = readLines(chunks("a\n", "b\n", "c\n"), { signal: ac.signal });
    expect((await it.next()).value).toHaveLength(1);
    ac.abort();
    await expect(it.next()).rejects.toBeInstanceOf(CancelledError);
  });
});

describe("isBlank", () => {
  it("is true only for ASCII whitespace", () => {
    expect(isBlank(Buffer.from(" \t\r"))).toBe(true);
    expect(isBlank(Buffer.alloc(0))).toBe(true);
    expect(isBlank(Buffer.from("  x"))).toBe(false);
  });
});
