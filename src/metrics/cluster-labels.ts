// Label ids → dense codes, shared by the external and internal clustering metrics.

/** Maps arbitrary int32 label ids to codes 0..count-1 in ascending id order. O(n + id range) or O(n + k log k). */
export function encode(labels: Int32Array): { codes: Int32Array; count: number } {
  const n = labels.length;
  const codes = new Int32Array(n);
  if (n === 0) return { codes, count: 0 };
  let lo = labels[0]!;
  let hi = lo;
  for (let i = 1; i < n; i++) {
    const v = labels[i]!;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  const range = hi - lo + 1;
  let count = 0;
  if (range <= 2 * n + 1024) {
    // Compact ids (the usual case): a lookup table indexed by id - lo.
    const table = new Int32Array(range);
    for (let i = 0; i < n; i++) table[labels[i]! - lo] = 1;
    for (let v = 0; v < range; v++) if (table[v] !== 0) table[v] = ++count;
    for (let i = 0; i < n; i++) codes[i] = table[labels[i]! - lo]! - 1;
    return { codes, count };
  }
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) map.set(labels[i]!, 0);
  const ids = Int32Array.from(map.keys()).sort();
  for (let c = 0; c < ids.length; c++) map.set(ids[c]!, c);
  for (let i = 0; i < n; i++) codes[i] = map.get(labels[i]!)!;
  return { codes, count: ids.length };
}
