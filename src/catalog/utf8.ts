// Decoding a block of UTF-8 lines (a JSONL file's) into strings, in pieces of whole lines of ~16 KiB. A string of
// a whole 256 KiB block is a large object for V8, and allocating (and collecting) those cost more than decoding:
// ~0.27 ms a block of ASCII product titles, where its pieces take ~0.04 ms. Text with characters beyond Latin-1
// is decoded in WebAssembly (compiled from ./wasm/utf8.as.ts by `npm run build`) and copied into a string: V8
// decodes it at ~3 ns a byte (a block of Chinese reviews, in pieces: ~0.85 ms; the module: ~0.22 ms). ASCII is
// copied as Latin-1, and text of Latin-1 letters goes to Buffer#toString, which makes a one-byte string of it
// (the module's would be two-byte, which V8 lower-cases and matches slower). The same text either way;
// ASSORT_NO_WASM=1, or the module not built, leaves Buffer#toString.
import { isAscii } from "node:buffer";
import { ensureBytes, ownMemory, WasmModuleSlot, wasmApi, type WasmMemory } from "../linalg/wasm-module.js";

interface Utf8Exports {
  decode(src: number, n: number, dst: number): number;
  wroteWide(): number;
}

/** Where `npm run build` writes the module (from sources: the built one in dist/). */
const MODULE = new WasmModuleSlot("utf8.wasm", [new URL("./wasm/utf8.wasm", import.meta.url), new URL("../../dist/catalog/wasm/utf8.wasm", import.meta.url)]);

/** Uses the module compiled from these bytes from now on (null: Buffer#toString); for tests. */
export function useUtf8Module(bytes: Uint8Array | null): void {
  MODULE.use(bytes);
  decoder = undefined;
}

/** Why Buffer#toString decodes everything (undefined while the module is used, or before it was loaded). */
export function utf8FallbackReason(): string | undefined {
  return MODULE.reason;
}

/** Bytes of a piece: it ends after the first newline from here on (or at the end). */
export const PIECE_BYTES = 16 * 1024;
/** Blocks longer than this are decoded by Buffer#toString (the module's memory holds three times a block, and never shrinks). */
const MAX_WASM_BYTES = 4 << 20;
const NL = 0x0a;

interface Decoder {
  memory: WasmMemory;
  ex: Utf8Exports;
  /** A view of the memory (a grown memory has a new buffer). */
  view: Buffer;
}

/** This thread's instance (null: none, use Buffer#toString). */
let decoder: Decoder | null | undefined;

function instance(): Decoder | null {
  if (decoder !== undefined) return decoder;
  const module = MODULE.get();
  if (!module) return (decoder = null);
  const memory = ownMemory();
  const { exports } = new (wasmApi()!.Instance)(module, { env: { memory } });
  return (decoder = { memory, ex: exports as Utf8Exports, view: Buffer.from(memory.buffer) });
}

/**
 * `bytes` decoded as UTF-8, in pieces that each end after a newline (the last one at the end): joined, Buffer#toString's
 * string. The bytes must be valid UTF-8 (check with isUtf8 first: invalid bytes are not replaced as Buffer#toString
 * replaces them).
 */
export function decodeUtf8Lines(bytes: Uint8Array): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  // Where the units of a piece go: after the bytes, room for the longest piece's units (two bytes each, as many as its bytes at most).
  let dst = -1;
  const out: string[] = [];
  for (let i = 0; i < n; ) {
    let end = n;
    if (i + PIECE_BYTES < n) {
      const nl = buf.indexOf(NL, i + PIECE_BYTES - 1);
      if (nl !== -1) end = nl + 1;
    }
    const piece = buf.subarray(i, end);
    if (isAscii(piece)) out.push(piece.toString("latin1"));
    else {
      const d = n <= MAX_WASM_BYTES ? instance() : null;
      if (d && dst < 0) {
        dst = (n + 15) & ~15;
        ensureBytes(d.memory, dst + 2 * n);
        if (d.view.buffer !== d.memory.buffer) d.view = Buffer.from(d.memory.buffer);
        d.view.set(buf);
      }
      const units = d ? d.ex.decode(i, end - i, dst) : 0;
      out.push(d && d.ex.wroteWide() !== 0 ? d.view.toString("utf16le", dst, dst + 2 * units) : piece.toString("utf8"));
    }
    i = end;
  }
  return out;
}
