// The fastText / word2vec ".vec" text format: a "count dim" header, then one "word v1 … vd" line per word.
import { InvalidInputError } from "../../core/errors.js";
import { dense, type DenseMatrix } from "../../linalg/matrix.js";

/**
 * The lines of a .vec file for `words` and their rows in `vectors` (values with 6 significant digits, as
 * fastText prints them), header first. Words holding whitespace get it replaced by "_" (the format splits on spaces).
 */
export function* formatVec(words: readonly string[], vectors: DenseMatrix): Generator<string> {
  if (words.length !== vectors.rows) throw new TypeError(`Got ${words.length} words for ${vectors.rows} vectors`);
  const d = vectors.cols;
  yield `${words.length} ${d}\n`;
  const parts = new Array<string>(d + 1);
  for (let i = 0; i < words.length; i++) {
    parts[0] = words[i]!.replace(/\s/g, "_");
    for (let j = 0; j < d; j++) parts[j + 1] = String(Number(vectors.data[i * d + j]!.toPrecision(6)));
    yield parts.join(" ") + " \n";
  }
}

/**
 * Parses a .vec file (header optional, as some writers omit it). @throws InvalidInputError naming the line
 * of a row with the wrong number of values or a non-number.
 */
export function parseVec(text: string, file = "<vec>"): { words: string[]; vectors: DenseMatrix } {
  const lines = text.split("\n");
  let first = 0;
  let dim = -1;
  const head = lines[0]?.trim().split(/\s+/) ?? [];
  if (head.length === 2 && /^\d+$/.test(head[0]!) && /^\d+$/.test(head[1]!)) {
    dim = Number(head[1]);
    first = 1;
  }
  const words: string[] = [];
  const values: number[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const parts = line.split(/\s+/);
    if (dim < 0) dim = parts.length - 1;
    if (parts.length - 1 !== dim) {
      throw new InvalidInputError([{ file, line: i + 1, message: `has ${parts.length - 1} values, expected ${dim}` }]);
    }
    for (let j = 1; j < parts.length; j++) {
      const v = Number(parts[j]);
      if (!Number.isFinite(v)) throw new InvalidInputError([{ file, line: i + 1, message: `value ${j} "${parts[j]}" is not a number` }]);
      values.push(v);
    }
    words.push(parts[0]!);
  }
  if (dim < 1) throw new InvalidInputError([{ file, line: 1, message: "holds no vectors" }]);
  return { words, vectors: dense(words.length, dim, Float32Array.from(values)) };
}
