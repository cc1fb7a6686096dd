// Random unit-length rows for vector-index tests (seeded: the same seed gives the same rows).
import { Random } from "../../src/core/random.js";

/** `n` rows of `d` normal coordinates scaled to unit length, as one row-major Float32Array. */
export function unitRows(n: number, d: number, seed: number): Float32Array {
  const r = new Random(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[i * d + j] = r.normal()) ** 2;
    for (let j = 0; j < d; j++) x[i * d + j]! /= Math.sqrt(s);
  }
  return x;
}
