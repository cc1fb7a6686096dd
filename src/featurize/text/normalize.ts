// Text normalization before tokenizing: HTML tags and entities out, Unicode NFKC, case folded.

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", ndash: "–", mdash: "—", hellip: "…",
  reg: "®", trade: "™", copy: "©", deg: "°", times: "×", euro: "€", pound: "£", yen: "¥", cent: "¢",
  laquo: "«", raquo: "»", lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", middot: "·", frac12: "½",
  shy: "", zwnj: "", zwj: "",
};

const TAG = /<\/?[a-zA-Z][^<>]*>|<!--[\s\S]*?-->/g;
const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g;

/** Removes HTML tags (replaced by a space) and decodes character references. */
export function stripHtml(s: string): string {
  let out = s;
  if (out.includes("<")) out = out.replace(TAG, " ");
  if (out.includes("&")) {
    out = out.replace(ENTITY, (m, body: string) => {
      if (body[0] === "#") {
        const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : " ";
      }
      return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? m;
    });
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Normalizes product text for features: HTML stripped, NFKC (full-width letters and digits become ASCII,
 * ligatures split), lower-cased.
 * @example normalizeText("<b>ＡＢＣ</b> &amp; Co") === " abc  & co"
 */
export function normalizeText(s: string, html = true): string {
  let out = html ? stripHtml(s) : s;
  if (!ASCII.test(out)) out = out.normalize("NFKC");
  return out.toLowerCase();
}
