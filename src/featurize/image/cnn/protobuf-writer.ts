// A minimal protocol-buffers encoder: just the wire types an ONNX ModelProto needs (varint, 32-bit, bytes).

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/**
 * Appends protobuf fields to a growing byte buffer. Nested messages are encoded by a child writer and
 * written with {@link ProtoWriter.message}. Integers are limited to the safe range (|n| ≤ 2^53 − 1),
 * which covers every tensor dimension and attribute this project writes.
 *
 * @example
 * const w = new ProtoWriter();
 * w.int64(1, 150); // field 1, varint 150
 * w.finish(); // Uint8Array [0x08, 0x96, 0x01]
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes a raw unsigned varint (base-128, little-endian groups); negatives use 10-byte two's complement. */
  varint(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Cannot encode varint ${value}: not a safe integer`);
    this.reserve(10);
    if (value < 0) {
      // int64 two's complement: split into 32-bit halves so bit operations stay exact.
      let lo = value % 0x1_0000_0000 >>> 0;
      let hi = Math.floor(value / 0x1_0000_0000) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      this.buf[this.len++] = lo & 0x01;
      return this;
    }
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
    return this;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum/bool field (varint wire type). */
  int64(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    return this.varint(value);
  }

  /** A `float` field (fixed 32-bit, little-endian IEEE 754). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  /** A `bytes` field (length-delimited). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** A `string` field (UTF-8, length-delimited). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field: `build` writes the child's fields into a fresh writer. */
  message(field: number, build: (child: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytes(field, child.finish());
  }

  /** The encoded bytes (a copy-free view of the internal buffer; do not write afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
