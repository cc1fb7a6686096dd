// 32-bit string hashing for the hashed feature space: FNV-1a steps plus a murmur3 finalizer.

export const FNV_OFFSET = 0x811c9dc5;

/** One FNV-1a step: mixes a UTF-16 code unit into the running hash. */
export function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** FNV-1a over a whole string. */
export function fnvString(s: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** murmur3 fmix32: spreads the entropy of a hash into the low bits used as bucket index (as int32). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  // Signed int32 result keeps V8 on small-integer arithmetic (callers mask the low bits).
  return h ^ (h >>> 16);
}

/** Combines two token hashes into an ordered pair hash (for word bigrams). */
export function pairHash(a: number, b: number): number {
  return Math.imul(a ^ Math.imul(b + 0x9e3779b9, 0x27d4eb2d), 0x165667b1) ^ (b >>> 7);
}
