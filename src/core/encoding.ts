// Tells input bytes that are not UTF-8 text from their first bytes and NUL bytes: UTF-16/UTF-32 (with or
// without a byte order mark) and binary data, so readers can say so instead of failing row by row.

/**
 * The encoding a byte order mark at the start of `head` names, when it is not UTF-8's: "UTF-16
 * (little-endian)", "UTF-16 (big-endian)", "UTF-32 (little-endian)", "UTF-32 (big-endian)"; else undefined.
 * @example byteOrderMark(Buffer.from([0xff, 0xfe, 0x69, 0x00])) === "UTF-16 (little-endian)"
 */
export function byteOrderMark(head: Uint8Array): string | undefined {
  const [a, b, c, d] = head;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return "UTF-32 (little-endian)";
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return "UTF-32 (big-endian)";
  if (a === 0xff && b === 0xfe) return "UTF-16 (little-endian)";
  if (a === 0xfe && b === 0xff) return "UTF-16 (big-endian)";
  return undefined;
}

/** The message for input that starts with a UTF-16 or UTF-32 byte order mark. */
export function byteOrderMarkMessage(encoding: string): string {
  return `the file is ${encoding} text, not UTF-8: save it as UTF-8`;
}

/**
 * The message for a NUL byte at `offset` of `bytes` (0-based) found `position` bytes into the input. Text
 * never holds NUL bytes, so they mean UTF-16/UTF-32 without a byte order mark (NULs next to ASCII letters)
 * or binary data (a compressed or image file, /dev/zero).
 */
export function nulByteMessage(bytes: Uint8Array, offset: number, position: number): string {
  // UTF-16 text is mostly ASCII with a NUL beside each character: count NULs at every other byte.
  let nul = 0;
  let ascii = 0;
  const start = offset - (offset % 2);
  const end = Math.min(bytes.length - 1, start + 64);
  for (let i = start; i < end; i += 2) {
    const x = bytes[i]!;
    const y = bytes[i + 1]!;
    if ((x === 0) !== (y === 0)) {
      nul++;
      const other = x === 0 ? y : x;
      if (other >= 0x09 && other < 0x7f) ascii++;
    }
  }
  const what = nul >= 4 && ascii === nul ? "UTF-16 or UTF-32 text without a byte order mark" : "binary data, not text";
  return `NUL byte at byte ${position}: this looks like ${what}; save the file as UTF-8 text`;
}
