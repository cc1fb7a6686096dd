// Loading the WebAssembly modules that `npm run build` compiles from AssemblyScript (scripts/build-wasm.mjs),
// for the kernels that have a JavaScript twin: one compiled module per thread and file, or the reason to use
// the JavaScript twin (ASSORT_NO_WASM=1, no WebAssembly, the file not built, or it does not compile).
import { readFileSync } from "node:fs";

/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}

export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

export const WASM_PAGE = 65536;
/** The modules' declared maximum (4 GiB). */
export const WASM_MAX_PAGES = 65536;

/** The runtime's WebAssembly API, or undefined. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** A compiled module, or null with the reason the JavaScript twin is used. */
export interface LoadedWasm {
  module: object | null;
  reason?: string;
}

/**
 * Compiles the first of `candidates` that exists (built next to the compiled file in dist/, or, running from
 * sources, the one in dist/); `module: null` and a reason when WebAssembly is off or unusable.
 */
export function loadWasmModule(name: string, candidates: readonly URL[]): LoadedWasm {
  if (process.env.ASSORT_NO_WASM === "1") return { module: null, reason: "ASSORT_NO_WASM=1" };
  if (!wasmApi()) return { module: null, reason: "this runtime has no WebAssembly" };
  for (const url of candidates) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(url);
    } catch {
      continue;
    }
    return compileWasm(name, bytes);
  }
  return { module: null, reason: `${name} not built (run npm run build)` };
}

/** Compiles module bytes (tests compile the AssemblyScript source themselves). */
export function compileWasm(name: string, bytes: Uint8Array): LoadedWasm {
  try {
    return { module: new (wasmApi()!.Module)(bytes) };
  } catch (e) {
    return { module: null, reason: `${name}: ${(e as Error).message}` };
  }
}

/** A memory of its own for one instance (not shared), grown on demand. */
export function ownMemory(): WasmMemory {
  return new (wasmApi()!.Memory)({ initial: 1, maximum: WASM_MAX_PAGES });
}

/** Grows `memory` to at least `bytes`. */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
}

/** Free tails of shared memories, by the memory's buffer when it was offered (see {@link offerMemoryTail}). */
const tails = new WeakMap<object, { memory: WasmMemory; top: number; taken: boolean }>();

/**
 * Offers the tail of a shared memory, from byte `top` on, to one later {@link takeMemoryTail} in this thread: a fit's
 * compaction arena (featurize/text/compact-wasm.ts), where the kernels then lay out a training's rows around its
 * values instead of copying them into a memory of their own.
 */
export function offerMemoryTail(memory: WasmMemory, top: number): void {
  tails.set(memory.buffer, { memory, top, taken: false });
}

/**
 * The shared memory `view` lies in, when its tail was offered and not yet taken, with the first free byte; the tail
 * is then the caller's (a later call for the same memory gets undefined).
 */
export function takeMemoryTail(view: { buffer: ArrayBufferLike }): { memory: WasmMemory; top: number } | undefined {
  const t = tails.get(view.buffer);
  if (!t || t.taken) return undefined;
  t.taken = true;
  return { memory: t.memory, top: t.top };
}

/**
 * One module file's state in this thread: loaded on first {@link WasmModuleSlot.get}, or replaced by a test
 * (`use(bytes)`, or `use(null)` for the JavaScript twin); `reason` says why there is none.
 */
export class WasmModuleSlot {
  private loaded: LoadedWasm | undefined;

  constructor(
    private readonly name: string,
    private readonly candidates: readonly URL[],
  ) {}

  /** The compiled module, or null (use the JavaScript twin). */
  get(): object | null {
    return (this.loaded ??= loadWasmModule(this.name, this.candidates)).module;
  }

  /** Uses the module compiled from these bytes from now on (null: the JavaScript twin). */
  use(bytes: Uint8Array | null): void {
    this.loaded = bytes === null ? { module: null, reason: "switched off" } : compileWasm(this.name, bytes);
  }

  /** Why the JavaScript twin is used (undefined while the module is, or before either was chosen). */
  get reason(): string | undefined {
    return this.loaded?.reason;
  }
}
