// Plain-text tables for the terminal: aligned columns by display width (CJK counts double), confusion matrices.

/**
 * True for code points a terminal draws two columns wide: the common East Asian Wide/Fullwidth ranges
 * (CJK ideographs, kana, Hangul, fullwidth forms) and pictographic emoji. A small subset of Unicode's
 * EastAsianWidth.txt, enough for product titles and category names.
 */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul Jamo initials
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, Kangxi, CJK symbols and punctuation
    (cp >= 0x3041 && cp <= 0x33ff) || // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK compat
    (cp >= 0x3400 && cp <= 0x4dbf) || // CJK Extension A
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK Unified Ideographs
    (cp >= 0xa000 && cp <= 0xa4cf) || // Yi
    (cp >= 0xa960 && cp <= 0xa97f) || // Hangul Jamo Extended-A
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xff60) || // Fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) || // Fullwidth signs
    (cp >= 0x1f300 && cp <= 0x1f64f) || // Misc symbols and pictographs, emoticons
    (cp >= 0x1f900 && cp <= 0x1f9ff) || // Supplemental symbols and pictographs
    (cp >= 0x20000 && cp <= 0x3fffd) // CJK Extensions B and later (planes 2 and 3)
  );
}

/** True for code points drawn with no width: combining marks, zero-width joiners and variation selectors. */
function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x20d0 && cp <= 0x20ff)
  );
}

function charWidth(cp: number): number {
  return isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
}

/**
 * Columns a string takes in a terminal: 2 per CJK/Hangul/fullwidth character, 0 per combining mark, else 1.
 * @example displayWidth("女装 dress") // → 10
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * Cuts `s` to at most `max` display columns, ending with "…" when anything was cut.
 * @example truncateToWidth("Women's running shoes", 10) // → "Women's r…"
 */
export function truncateToWidth(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  if (max <= 0) return "";
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

function pad(s: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(s)));
  return align === "right" ? fill + s : s + fill;
}

function formatCell(v: string | number, digits: number, fractional = false): string {
  if (typeof v === "number") return Number.isInteger(v) && !fractional ? String(v) : v.toFixed(digits);
  // A newline or tab inside a cell would break the grid.
  return v.replace(/[\t\r\n]+/g, " ");
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Per-column alignment; by default a column is right-aligned when all its cells are numbers. */
  align?: ("left" | "right")[];
  /** Decimals of numbers (default 3); a column whose numbers are all integers prints them without. */
  digits?: number;
}

/**
 * Formats rows as an aligned plain-text table with a `─` underline below the header. Columns are two
 * spaces apart and sized by display width, so CJK text lines up. Numbers print with `digits` decimals
 * (columns of integers without), and all-number columns are right-aligned. Lines have no trailing spaces; the
 * result has no final newline.
 * @example
 * formatTable(["category", "f1", "support"], [["shoes", 0.91234, 120], ["鞋子", 0.5, 8]]);
 * // category     f1  support
 * // ────────  ─────  ───────
 * // shoes     0.912      120
 * // 鞋子      0.500        8
 */
export function formatTable(
  headers: string[],
  rows: (string | number)[][],
  options: TableOptions = {},
): string {
  const digits = options.digits ?? 3;
  const cols = Math.max(headers.length, ...rows.map((r) => r.length));
  // A column with any fractional number prints all its numbers with `digits` decimals (1 → 1.000).
  const fractional = Array.from({ length: cols }, (_, j) => rows.some((r) => typeof r[j] === "number" && !Number.isInteger(r[j])));
  const cells = rows.map((r) => Array.from({ length: cols }, (_, j) => formatCell(r[j] ?? "", digits, fractional[j])));
  const head = Array.from({ length: cols }, (_, j) => formatCell(headers[j] ?? "", digits));

  const align: ("left" | "right")[] = [];
  const width: number[] = [];
  for (let j = 0; j < cols; j++) {
    const numeric = rows.length > 0 && rows.every((r) => typeof r[j] === "number");
    align.push(options.align?.[j] ?? (numeric ? "right" : "left"));
    width.push(Math.max(displayWidth(head[j]!), ...cells.map((r) => displayWidth(r[j]!))));
  }

  const line = (r: string[]): string =>
    r
      .map((c, j) => pad(c, width[j]!, align[j]!))
      .join("  ")
      .trimEnd();
  const out = [line(head), width.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)];
  return out.join("\n");
}

/** Most classes {@link formatConfusion} prints; a larger matrix is cut to its first classes. */
export const CONFUSION_MAX_CLASSES = 20;

/**
 * Formats a confusion matrix (`confusion[true][pred]`) compactly: one row per true class, named
 * `index label` with the label cut to `maxLabelWidth` columns (…), and one column per predicted class
 * headed by its index only. Matrices with more than 20 classes show the first 20 and a note.
 * @throws TypeError when `confusion` is not a labels × labels matrix.
 * @example
 * formatConfusion(["shoes", "bags"], [[12, 1], [0, 9]]);
 * // true \ pred   0  1
 * // ───────────  ──  ─
 * // 0 shoes      12  1
 * // 1 bags        0  9
 */
export function formatConfusion(labels: string[], confusion: number[][], maxLabelWidth = 18): string {
  const k = labels.length;
  if (confusion.length !== k || confusion.some((r) => r.length !== k)) {
    throw new TypeError(`Pass a ${k}×${k} confusion matrix to match the ${k} labels`);
  }
  const shown = Math.min(k, CONFUSION_MAX_CLASSES);
  const headers = ["true \\ pred"];
  for (let j = 0; j < shown; j++) headers.push(String(j));
  const indexWidth = String(shown - 1).length;
  const rows: (string | number)[][] = [];
  for (let i = 0; i < shown; i++) {
    const name = `${String(i).padStart(indexWidth)} ${truncateToWidth(labels[i]!, maxLabelWidth)}`;
    rows.push([name, ...confusion[i]!.slice(0, shown)]);
  }
  const align: ("left" | "right")[] = ["left", ...new Array<"right">(shown).fill("right")];
  const table = formatTable(headers, rows, { align });
  if (k <= shown) return table;
  return `${table}\n(showing the first ${shown} of ${k} classes)`;
}
