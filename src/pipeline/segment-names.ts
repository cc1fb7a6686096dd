// Segment names a marketer can read: RFM level words from the segment's mean z-scores, plus its most distinctive
// item groups ("frequent big spenders · candles & lanterns", "lapsed one-time buyers").

/** A segment's mean log-RFM z-scores (recency: high = long ago) and medians. */
export interface SegmentShape {
  zRecency: number;
  zFrequency: number;
  zMonetary: number;
  medianFrequency: number;
}

/** Level words of a segment. */
export interface SegmentWords {
  recency: "active" | "recent" | "cooling" | "lapsed" | "";
  frequency: "frequent" | "regular" | "occasional" | "one-time";
  spend: "big spenders" | "good spenders" | "buyers" | "small spenders";
}

/**
 * The words for a segment: recency from zR (< −0.8 active, < −0.3 recent, > 0.8 lapsed, > 0.3 cooling),
 * frequency from zF (> 0.8 frequent, > 0.2 regular; a median of one order: one-time; else occasional), spend from
 * zM (> 0.8 big, > 0.3 good, < −0.8 small).
 * @example segmentWords({ zRecency: 1.1, zFrequency: -0.9, zMonetary: -0.8, medianFrequency: 1 }) // lapsed one-time buyers
 */
export function segmentWords(s: SegmentShape): SegmentWords {
  const recency = s.zRecency < -0.8 ? "active" : s.zRecency < -0.3 ? "recent" : s.zRecency > 0.8 ? "lapsed" : s.zRecency > 0.3 ? "cooling" : "";
  const frequency = s.zFrequency > 0.8 ? "frequent" : s.zFrequency > 0.2 ? "regular" : s.medianFrequency <= 1 ? "one-time" : "occasional";
  const spend = s.zMonetary > 0.8 ? "big spenders" : s.zMonetary > 0.3 ? "good spenders" : s.zMonetary < -0.8 ? "small spenders" : "buyers";
  return { recency, frequency, spend };
}

/** The RFM part of a name: "lapsed one-time buyers". */
export function rfmName(w: SegmentWords): string {
  return [w.recency, w.frequency, w.spend].filter((x) => x !== "").join(" ");
}

/** A group name as a segment name shows it: the last level of a category path, lower-cased ("Tents" → "tents"). */
export function shortGroup(name: string): string {
  const leaf = name.split(" > ").at(-1)!.trim();
  return leaf === leaf.toUpperCase() && leaf !== leaf.toLowerCase() ? leaf.toLowerCase() : leaf.replace(/^\p{Lu}(?=\p{Ll})/u, (c) => c.toLowerCase()).replace(/ (\p{Lu})(?=\p{Ll})/gu, (_, c: string) => ` ${c.toLowerCase()}`);
}

/**
 * Names for all segments: the RFM words, then " · " and the segment's most distinctive groups (the highest lift:
 * the segment's spend share over everyone's, among groups with at least 5% of the segment's spend and a lift
 * over 1.2), each shown by {@link shortGroup}. Names are made unique: segments that would share one get their distinctive groups (or "(2)").
 */
export function segmentNames(shapes: readonly SegmentShape[], groups: readonly { name: string; share: number; lift: number }[][]): string[] {
  const base = shapes.map((s) => rfmName(segmentWords(s)));
  const distinctive = groups.map((gs) =>
    gs
      .filter((g) => g.share >= 0.05 && g.lift > 1.2)
      .sort((a, b) => b.lift - a.lift || b.share - a.share)
      .slice(0, 2)
      .map((g) => shortGroup(g.name)),
  );
  const names = base.map((b, s) => (distinctive[s]!.length > 0 ? `${b} · ${distinctive[s]![0]!}` : b));
  const seen = new Map<string, number>();
  return names.map((name, s) => {
    let out = name;
    if (names.filter((x) => x === name).length > 1 && distinctive[s]!.length > 1) out = `${base[s]} · ${distinctive[s]!.join(", ")}`;
    const c = seen.get(out) ?? 0;
    seen.set(out, c + 1);
    return c > 0 ? `${out} (${c + 1})` : out;
  });
}
