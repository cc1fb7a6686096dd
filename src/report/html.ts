// Building blocks of the HTML reports (pure functions): escaping, JSON for <script>, number formats, truncation.

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** JSON that is safe inside a <script> element: no `<`, `>`, `&`, U+2028 or U+2029 survive literally. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const countFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const scoreFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
/** What a table cell shows for a missing value. */
export const DASH = "—";

/** A finite number (not null, NaN or ±Infinity). */
export const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
/** 12,345; "—" for null or NaN. */
export const formatCount = (v: number | null | undefined): string => (isNum(v) ? countFormat.format(v) : DASH);
/** 0.123 (3 decimals, thousands separators); "—" for null or NaN. */
export const formatScore = (v: number | null | undefined): string => (isNum(v) ? scoreFormat.format(v) : DASH);

/** A share with one decimal, no NaN guard (the CLI's `pct`): 0.9915 → "99.2%". */
export const formatPercent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A duration for people: 850 ms, 12.3 s, 4 min 5 s, 1 h 2 min; "—" for negative or non-finite. */
export function formatSeconds(s: number): string {
  if (!isNum(s) || s < 0) return DASH;
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

/** Cuts text to about `cols` columns (CJK counts two) with an ellipsis; never splits a surrogate pair. */
export function truncate(s: string, cols: number): string {
  if (s.length <= cols / 2) return s;
  let w = 0;
  let cut = -1; // end of the longest prefix that leaves room for the ellipsis
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    w += WIDE.test(s.slice(i, i + len)) ? 2 : 1;
    if (w <= cols - 1) cut = i + len;
    if (w > cols) return `${s.slice(0, Math.max(0, cut))}…`;
    i += len;
  }
  return s;
}
