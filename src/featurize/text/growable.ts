// Append-only typed-array buffers that grow by doubling (for building CSR rows of unknown length).

/** An Int32 + Float32 pair buffer: one (index, value) per entry. */
export class EntryBuffer {
  indices: Int32Array;
  values: Float32Array;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.indices = new Int32Array(capacity);
    this.values = new Float32Array(capacity);
  }

  /** Makes room for `extra` more entries. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.indices.length) return;
    let cap = this.indices.length * 2;
    while (cap < need) cap *= 2;
    const i = new Int32Array(cap);
    i.set(this.indices.subarray(0, this.length));
    const v = new Float32Array(cap);
    v.set(this.values.subarray(0, this.length));
    this.indices = i;
    this.values = v;
  }

  /** Exact-size copies on ordinary memory (cheap to allocate; transferable between threads). */
  toExact(): { indices: Int32Array; values: Float32Array } {
    return { indices: this.indices.slice(0, this.length), values: this.values.slice(0, this.length) };
  }

  /** Exact-size copies on shared memory (so worker threads can read them without copying). */
  toShared(): { indices: Int32Array; values: Float32Array } {
    const indices = new Int32Array(new SharedArrayBuffer(Math.max(4, this.length * 4)), 0, this.length);
    const values = new Float32Array(new SharedArrayBuffer(Math.max(4, this.length * 4)), 0, this.length);
    indices.set(this.indices.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length));
    return { indices, values };
  }
}
