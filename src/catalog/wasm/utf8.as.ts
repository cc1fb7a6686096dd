// AssemblyScript source of the UTF-8 decoder of JSONL blocks (compiled by `npm run build` to
// dist/catalog/wasm/utf8.wasm with scripts/build-wasm.mjs; driven by ../utf8.ts). V8 decodes UTF-8 outside ASCII
// at ~4 ns a byte (a 256 KiB block of Chinese text: ~1 ms); this writes UTF-16 code units (which the host turns
// into a string by a copy) at a fraction of that. Memory is imported; the host passes byte offsets.
//
// The input is valid UTF-8 (the host checked it with isUtf8): no overlong forms, surrogates or truncated
// sequences, so each sequence decodes by its lead byte alone, to what TextDecoder and Buffer#toString give.

/** Whether the last {@link decode} wrote a code unit above U+00FF (else its text fits a one-byte string). */
let wide: i32 = 0;

/**
 * Decodes the `n` bytes at `src` (valid UTF-8) to UTF-16 code units at `dst` (room for `n` units: no sequence
 * gives more units than bytes); returns the number of units. Runs of ASCII go 16 bytes at a time; other text,
 * a character at a time until the next ASCII byte.
 */
export function decode(src: usize, n: usize, dst: usize): usize {
  const end = src + n;
  let p = src;
  let o = dst;
  let big: u32 = 0;
  while (p < end) {
    if (p + 16 <= end) {
      const v = v128.load(p);
      if (i8x16.bitmask(v) == 0) {
        v128.store(o, i16x8.extend_low_i8x16_u(v));
        v128.store(o, i16x8.extend_high_i8x16_u(v), 16);
        p += 16;
        o += 32;
        continue;
      }
    }
    do {
      const b0 = <u32>load<u8>(p);
      if (b0 < 0x80) {
        store<u16>(o, b0);
        p += 1;
        o += 2;
      } else if (b0 < 0xe0) {
        big |= <u32>(b0 >= 0xc4);
        store<u16>(o, ((b0 & 0x1f) << 6) | (<u32>load<u8>(p, 1) & 0x3f));
        p += 2;
        o += 2;
      } else if (b0 < 0xf0) {
        big = 1;
        store<u16>(o, ((b0 & 0x0f) << 12) | ((<u32>load<u8>(p, 1) & 0x3f) << 6) | (<u32>load<u8>(p, 2) & 0x3f));
        p += 3;
        o += 2;
      } else {
        big = 1;
        const c = (((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3f) << 12) | ((<u32>load<u8>(p, 2) & 0x3f) << 6) | (<u32>load<u8>(p, 3) & 0x3f)) - 0x10000;
        store<u16>(o, 0xd800 | (c >> 10));
        store<u16>(o, 0xdc00 | (c & 0x3ff), 2);
        p += 4;
        o += 4;
      }
    } while (p < end && load<u8>(p) >= 0x80);
  }
  wide = <i32>big;
  return (o - dst) >> 1;
}

/** Whether the last {@link decode} wrote a code unit above U+00FF. */
export function wroteWide(): i32 {
  return wide;
}
