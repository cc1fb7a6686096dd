// A WebAssembly SIMD kernel for the MLP's A·Bᵀ product (f32x4, 2×4 register blocks), assembled here from
// bytes so no build step or download is involved. About 4× the scalar JS kernel; falls back when unusable.

/** Opcodes used below (WebAssembly core + SIMD proposal, as shipped in V8 since Node 16.4). */
const OP = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], br: 0x0c, brIf: 0x0d,
  get: 0x20, set: 0x21, i32const: 0x41, i32geS: 0x4e, i32add: 0x6a, i32mul: 0x6c,
  f32add: 0x92, f32store: 0x38,
} as const;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V128_LOAD = [...simd(0x00), 0x00, 0x00]; // memarg align 0, offset 0
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const extract = (lane: number): number[] => [...simd(0x1f), lane];
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

// Locals: params a, m, k, b, n, out; i32 i j p pa0 pa1 pb0 pb1 pb2 pb3 kb o; v128 c00..c03 c10..c13 x0 x1 w.
const [A, M, K, B, N, OUT, I, J, P, PA0, PA1, PB0, PB1, PB2, PB3, KB, O] = Array.from({ length: 17 }, (_, i) => i);
const C = [17, 18, 19, 20, 21, 22, 23, 24];
const [X0, X1, W] = [25, 26, 27];

function body(): number[] {
  const g = (l: number): number[] => [OP.get, l];
  const s = (l: number): number[] => [OP.set, l];
  const c = (v: number): number[] => [OP.i32const, ...sleb(v)];
  const add = [OP.i32add];
  const mul = [OP.i32mul];
  const code: number[] = [];
  const emit = (...parts: (number | readonly number[])[]): void => {
    for (const p of parts) {
      if (typeof p === "number") code.push(p);
      else code.push(...p);
    }
  };
  emit(g(K), c(4), mul, s(KB), c(0), s(I));
  emit(OP.block, OP.loop); // rows, two at a time
  emit(g(I), g(M), OP.i32geS, OP.brIf, 1);
  emit(c(0), s(J));
  emit(OP.block, OP.loop); // columns, four at a time
  emit(g(J), g(N), OP.i32geS, OP.brIf, 1);
  for (const acc of C) emit(V128_ZERO, s(acc));
  emit(g(A), g(I), g(KB), mul, add, s(PA0), g(PA0), g(KB), add, s(PA1));
  emit(g(B), g(J), g(KB), mul, add, s(PB0), g(PB0), g(KB), add, s(PB1), g(PB1), g(KB), add, s(PB2), g(PB2), g(KB), add, s(PB3));
  emit(c(0), s(P));
  emit(OP.block, OP.loop); // k, four floats at a time
  emit(g(P), g(KB), OP.i32geS, OP.brIf, 1);
  emit(g(PA0), g(P), add, V128_LOAD, s(X0), g(PA1), g(P), add, V128_LOAD, s(X1));
  [PB0, PB1, PB2, PB3].forEach((pb, col) => {
    emit(g(pb), g(P), add, V128_LOAD, s(W));
    emit(g(C[col]!), g(X0), g(W), F32X4_MUL, F32X4_ADD, s(C[col]!));
    emit(g(C[4 + col]!), g(X1), g(W), F32X4_MUL, F32X4_ADD, s(C[4 + col]!));
  });
  emit(g(P), c(16), add, s(P), OP.br, 0, OP.end, OP.end);
  // out[i][j..j+3] and out[i+1][j..j+3]: horizontal sums of the accumulators.
  emit(g(OUT), g(I), g(N), mul, g(J), add, c(4), mul, add, s(O));
  for (let r = 0; r < 2; r++) {
    for (let col = 0; col < 4; col++) {
      const acc = C[r * 4 + col]!;
      emit(g(O), r === 0 ? [] : [...g(N), ...c(4), ...mul, ...add], col === 0 ? [] : [...c(col * 4), ...add]);
      emit(g(acc), extract(0), g(acc), extract(1), OP.f32add, g(acc), extract(2), OP.f32add, g(acc), extract(3), OP.f32add);
      emit(OP.f32store, 0x02, 0x00);
    }
  }
  emit(g(J), c(4), add, s(J), OP.br, 0, OP.end, OP.end);
  emit(g(I), c(2), add, s(I), OP.br, 0, OP.end, OP.end);
  emit(OP.end);
  return code;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}
function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

function moduleBytes(): Uint8Array {
  const fn = [0x02, 11, 0x7f, 11, 0x7b, ...body()]; // local decls: 11 × i32, 11 × v128
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x06, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...name("gemm"), 0x00, 0x00, ...name("mem"), 0x02, 0x00]),
    ...section(10, [0x01, ...uleb(fn.length), ...fn]),
  ]);
}

/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
interface Kernel {
  gemm(a: number, m: number, k: number, b: number, n: number, out: number): void;
  mem: WasmMemory;
}

let kernel: Kernel | null | undefined;

/** The instantiated kernel, or null where WebAssembly SIMD is unavailable. */
function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return (kernel = null);
    const inst = new wasm.Instance(new wasm.Module(moduleBytes()));
    kernel = inst.exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

/**
 * out(m×n) = a(m×k)·bᵀ + bias on WebAssembly SIMD (float32 accumulation in four lanes). Operands are
 * copied into the module's memory (O(mk + nk), small next to the O(mnk) product) and padded to 2×4
 * blocks. Returns false (doing nothing) when SIMD is unavailable or k is not a multiple of 4.
 */
export function gemmABtSimd(a: Float32Array, m: number, k: number, b: Float32Array, n: number, bias: Float32Array | undefined, out: Float32Array): boolean {
  if (k % 4 !== 0 || k === 0) return false;
  const kern = load();
  if (!kern) return false;
  const mp = m + (m & 1);
  const np = (n + 3) & ~3;
  const aOff = 0;
  const bOff = aOff + mp * k;
  const oOff = bOff + np * k;
  const bytes = (oOff + mp * np) * 4;
  const mem = kern.mem;
  if (mem.buffer.byteLength < bytes) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
  const f = new Float32Array(mem.buffer);
  f.set(a.subarray(0, m * k), aOff);
  if (mp > m) f.fill(0, aOff + m * k, aOff + mp * k);
  f.set(b.subarray(0, n * k), bOff);
  if (np > n) f.fill(0, bOff + n * k, bOff + np * k);
  kern.gemm(aOff * 4, mp, k, bOff * 4, np, oOff * 4);
  for (let i = 0; i < m; i++) {
    const src = oOff + i * np;
    const dst = i * n;
    if (bias) for (let j = 0; j < n; j++) out[dst + j] = f[src + j]! + bias[j]!;
    else out.set(f.subarray(src, src + n), dst);
  }
  return true;
}
