// A 32-bit fingerprint of a vector's bytes (FNV-1a over its 32-bit words): tells whether a saved index holds
// the vector an item has now, without keeping a second copy of it.

/** FNV-1a over the 32-bit words of `v` (bit-exact: -0 and 0 differ, as the stored bytes do). O(length). */
export function vectorHash(v: Float32Array): number {
  const w = new Uint32Array(v.buffer, v.byteOffset, v.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    h = Math.imul(h ^ (x & 0xff), 0x01000193);
    h = Math.imul(h ^ ((x >>> 8) & 0xff), 0x01000193);
    h = Math.imul(h ^ ((x >>> 16) & 0xff), 0x01000193);
    h = Math.imul(h ^ (x >>> 24), 0x01000193);
  }
  return h >>> 0;
}
