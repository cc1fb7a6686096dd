// Input checks shared by the vector indexes.

/** Throws a TypeError unless `vectors` holds ids.length finite rows of `dim` values (naming the bad row's id). */
export function checkVectors(ids: readonly string[], vectors: Float32Array, dim: number): void {
  if (vectors.length !== ids.length * dim) throw new TypeError(`Got ${vectors.length} values for ${ids.length} vectors of dimension ${dim}`);
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!)) throw new TypeError(`Vector ${Math.floor(i / dim)} ("${ids[Math.floor(i / dim)]}") holds a non-finite value`);
  }
}
