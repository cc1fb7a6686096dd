// decodeUtf8Lines against Buffer#toString: the same text, in pieces of whole lines, from the WebAssembly decoder
// (compiled here from its AssemblyScript source, so the test never depends on a previous build) and without it.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Random } from "../linalg/random.js";
import { decodeUtf8Lines, PIECE_BYTES, useUtf8Module, utf8FallbackReason } from "./utf8.js";

beforeAll(async () => {
  const asc = (await import("assemblyscript/asc")).default;
  const source = readFileSync(new URL("./wasm/utf8.as.ts", import.meta.url), "utf8");
  // As scripts/build-wasm.mjs compiles it.
  const r = await asc.compileString(source, { optimizeLevel: 3, noAssert: true, runtime: "stub", importMemory: true, maximumMemory: 65536, enable: ["simd"] } as never);
  if (r.error || !r.binary) throw new Error(`AssemblyScript compile failed: ${r.error?.message ?? ""}\n${r.stderr.toString()}`);
  useUtf8Module(r.binary);
}, 60_000);

afterAll(() => useUtf8Module(null));

/** Text of `n` characters drawn from `alphabet` (strings: a character each, astral ones too), newlines now and then. */
function text(seed: number, n: number, alphabet: readonly string[]): string {
  const rand = new Random(seed);
  let s = "";
  for (let i = 0; i < n; i++) s += rand.float() < 0.01 ? "\n" : alphabet[rand.int(alphabet.length)];
  return s;
}

const ASCII = [..."abcXYZ019 ,.:{}\"-_/\t"];
const LATIN1 = [...ASCII, ..."éüßøÆ×ÿ\u00a0"];
const CJK = [...ASCII, ..."华为手机很好用，电池耐用已经到货包装的到位日本語のテキスト한국어", "\u{20000}", "😀", "🎉"];
const EVERY = [...LATIN1, ...CJK, "\u0100", "\u07ff", "\u0800", "\uffff", "\u{10000}", "\u{10ffff}", "\ufeff", "\u0000"];

function check(s: string): string[] {
  const bytes = Buffer.from(s, "utf8");
  const pieces = decodeUtf8Lines(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  expect(pieces.join("")).toBe(bytes.toString("utf8"));
  // Each piece but the last ends a line, and is at least PIECE_BYTES long.
  for (const p of pieces.slice(0, -1)) {
    expect(p.endsWith("\n")).toBe(true);
    expect(Buffer.byteLength(p)).toBeGreaterThanOrEqual(PIECE_BYTES);
  }
  return pieces;
}

describe("decodeUtf8Lines", () => {
  it("uses the WebAssembly decoder (compiled from source)", () => {
    check(text(1, 5000, CJK));
    expect(utf8FallbackReason()).toBeUndefined();
  });

  it("decodes a hand-made line: one-, two-, three- and four-byte characters", () => {
    // 7 units: a, é (2 bytes), 华 (3), 😀 (4 bytes: a surrogate pair), newline, z.
    expect(check("aé华😀\nz")).toEqual(["aé华😀\nz"]);
  });

  it.each([
    ["ASCII", ASCII],
    ["Latin-1", LATIN1],
    ["Chinese, Japanese, Korean and emoji", CJK],
    ["every length of sequence, BOM and NUL", EVERY],
  ])("gives Buffer#toString's text for %s, at every length around the 16-byte steps and across pieces", (_name, alphabet) => {
    for (let n = 0; n < 70; n++) check(text(n, n, alphabet));
    expect(check(text(7, 60_000, alphabet)).length).toBeGreaterThan(2);
  });

  it("keeps a line longer than a piece whole", () => {
    const long = "华".repeat(PIECE_BYTES);
    expect(check(`a\n${long}\nb\n`)).toEqual([`a\n${long}\n`, "b\n"]);
  });

  it("gives the same text without the module", () => {
    const s = text(3, 40_000, EVERY);
    const withModule = decodeUtf8Lines(Buffer.from(s));
    useUtf8Module(null);
    try {
      expect(decodeUtf8Lines(Buffer.from(s))).toEqual(withModule);
      expect(utf8FallbackReason()).toBe("switched off");
    } finally {
      useUtf8Module(null);
    }
  });
});
