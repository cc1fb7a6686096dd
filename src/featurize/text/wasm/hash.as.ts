// AssemblyScript source of the WebAssembly text hashing pass (compiled by `npm run build` to
// dist/featurize/text/wasm/hash.wasm with scripts/build-wasm.mjs; driven by ../hash-wasm.ts). It is the
// JavaScript hashing pass of ../hash-pass.ts, ../tokenize.ts and FittedTextFeaturizer.weightRow, step for step:
// same tokens, same hashes, same first-seen order of buckets, same float32 counts and the same float64
// operations in the same order when weighting, so both give identical bits (hash-wasm.test.ts checks it).
//
// Memory is imported; the JavaScript side lays it out and passes byte offsets (see hash-wasm.ts). Text is
// UTF-16 code units, as JavaScript strings hold them. Characters above U+FFFF that are not CJK are classified
// by the host (`env.astralClass`, a Unicode property regex), BMP ones by a table the host fills; the natural
// logarithm is the host's Math.log (`env.log`), so sublinear tf is the same number on both sides.

@external("env", "log")
declare function hostLog(x: f64): f64;
@external("env", "astralClass")
declare function astralClass(cp: i32): i32;

// Character classes (as tokenize.ts).
const SEP: i32 = 0;
const WORD: i32 = 1;
const CJK: i32 = 2;
const CONTINUE: i32 = -1;

const FNV_OFFSET: i32 = 0x811c9dc5;
const FNV_PRIME: i32 = 0x01000193;
const CHAR_SALT: i32 = 0x5bd1e995;
const PAD: i32 = 32;

// Parameters (configure).
let shift: i32 = 14;
let charBase: i32 = 1 << 18;
let wMin: i32 = 1;
let wMax: i32 = 2;
let cMin: i32 = 2;
let cMax: i32 = 5;
let kMin: i32 = 1;
let kMax: i32 = 2;
let titleWeight: f64 = 2;
let sublinear: bool = true;
let wordWeight: f64 = 0.7;
let charWeight: f64 = 1;

// Fixed regions (configure / setModel).
let classTable: usize = 0; // u8 per BMP code unit: SEP, WORD or CJK
// The fitted space as a bitset over raw buckets with a rank per 64-bit word: the compact column of a bucket is the
// number of buckets of the space below it (columns are the space's buckets in ascending order). It fits in a
// core's cache (2^19 buckets: 128 KiB) where a column per bucket would not (2 MiB), and the lookup of every
// distinct bucket of every document was the pass's largest cost (cache misses).
let present: usize = 0; // 16 bytes per 64 raw buckets: u64 bits (bit b % 64 set when bucket b is in the space), then i32 the space's buckets before them
let idfs: usize = 0; // f32 per compact column
/** Columns from which {@link endTransform} gathers a document's idfs before weighting (a table of 1 MiB and more). */
const GATHER_IDF_COLUMNS: i32 = 1 << 18;
let gatherIdf: bool = false;
let charStart: i32 = 0; // first compact column of the character block
let df: usize = 0; // i32 per raw bucket (fitting)

// Scratch regions (layout): capacities in entries.
let text: usize = 0; // u16 code units of the current field
let parts: usize = 0; // i32 lengths of the segmenter's parts of the current field
let words: usize = 0; // i32 pairs (start, end) of the current field's words
let wordHashes: usize = 0; // i32 per word
let runs: usize = 0; // i32 triples (start, end, cjk) of the current field's runs
let codes: usize = 0; // i32 code units of one run, padded
let keys: usize = 0; // i32 per table slot (-1 empty)
let vals: usize = 0; // f32 per table slot
let tableCap: i32 = 0; // slots reserved
let mask: i32 = 1023; // slots in use - 1 (grows like Scratch's)
let touched: usize = 0; // i32 per distinct bucket, first-seen order (slots, then buckets after finish)
let counts: usize = 0; // f32 per distinct bucket (after finish)
let nTouched: i32 = 0;
let nWords: i32 = 0;
let nRuns: i32 = 0;

// Output (appended per document): compact columns (or raw buckets when fitting) and values.
let outIdx: usize = 0;
let outVal: usize = 0;
let outLen: i32 = 0;

export function configure(
  bits: i32,
  wordMin: i32,
  wordMax: i32,
  charMin: i32,
  charMax: i32,
  cjkMin: i32,
  cjkMax: i32,
  title: f64,
  sublinearTf: i32,
  wWeight: f64,
  cWeight: f64,
  table: usize,
  memo: usize,
): void {
  logMemo = memo;
  for (let i: u32 = 0; i < LOG_SLOTS; i++) store<u32>(memo + (<usize>i << 4), 0xffffffff);
  shift = 32 - bits;
  charBase = 1 << bits;
  wMin = wordMin;
  wMax = wordMax;
  cMin = charMin;
  cMax = charMax;
  kMin = cjkMin;
  kMax = cjkMax;
  titleWeight = title;
  sublinear = sublinearTf != 0;
  wordWeight = wWeight;
  charWeight = cWeight;
  classTable = table;
}

/** The fitted feature space as a ranked bitset and the idf of each of its `columns` (transforming), or the document-frequency counts (fitting). */
export function setModel(presentAt: usize, idfAt: usize, columns: i32, charStartCol: i32, dfAt: usize): void {
  present = presentAt;
  idfs = idfAt;
  gatherIdf = columns >= GATHER_IDF_COLUMNS;
  charStart = charStartCol;
  df = dfAt;
}

/** Scratch regions; the host sizes them for the document before each call. Keeps the table's contents. */
export function layout(
  textAt: usize,
  partsAt: usize,
  wordsAt: usize,
  wordHashesAt: usize,
  runsAt: usize,
  codesAt: usize,
  keysAt: usize,
  valsAt: usize,
  cap: i32,
  touchedAt: usize,
  countsAt: usize,
): void {
  text = textAt;
  parts = partsAt;
  words = wordsAt;
  wordHashes = wordHashesAt;
  runs = runsAt;
  codes = codesAt;
  keys = keysAt;
  vals = valsAt;
  tableCap = cap;
  touched = touchedAt;
  counts = countsAt;
}

/** Where output entries go (the host moves them, copies them out and resets): `length` entries are there. */
export function setOutput(idxAt: usize, valAt: usize, length: i32): void {
  outIdx = idxAt;
  outVal = valAt;
  outLen = length;
}

export function outputLength(): i32 {
  return outLen;
}

/** The slots in use (the host keeps the table's reserve at least twice the n-grams of a document). */
export function tableSlots(): i32 {
  return mask + 1;
}

/** Empties every slot up to the reserve (after a new layout). */
export function clearTable(): void {
  for (let s = 0; s < tableCap; s++) store<i32>(keys + ((<usize>s) << 2), -1);
  nTouched = 0;
}

// ------------------------------------------------------------------------------------------------ tokens

@inline
function unit(i: i32): i32 {
  return <i32>load<u16>(text + ((<usize>i) << 1));
}

function isCjk(c: i32): bool {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0x20000 && c <= 0x2fa1f)
  );
}

@inline
function isSpace(c: i32): bool {
  return c <= 32 || c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200b) || c == 0x2028 || c == 0x2029 || c == 0xfeff;
}

/** The code point at i of a string that ends at `end` (String.prototype.codePointAt). */
function codePointAt(i: i32, end: i32): i32 {
  const c = unit(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = unit(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** tokenize.ts's classOf for the unit at i of a string that ends at `end` (inlined: ASCII is most text). */
// @ts-ignore: decorator
@inline
function classOf(i: i32, end: i32): i32 {
  const c = unit(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? WORD : SEP;
  return wideClassOf(c, i, end);
}

/** {@link classOf} for a unit c ≥ 128. */
function wideClassOf(c: i32, i: i32, end: i32): i32 {
  if (c >= 0xd800 && c <= 0xdbff) {
    const cp = codePointAt(i, end);
    if (cp < 0x10000) return SEP; // a lone high surrogate is no letter
    return isCjk(cp) ? CJK : astralClass(cp);
  }
  if (c >= 0xdc00 && c <= 0xdfff) return CONTINUE;
  return <i32>load<u8>(classTable + <usize>c);
}

function pushRun(start: i32, end: i32, cjk: i32): void {
  const at = runs + (<usize>nRuns) * 12;
  store<i32>(at, start);
  store<i32>(at, end, 4);
  store<i32>(at, cjk, 8);
  nRuns++;
}

function pushWord(start: i32, end: i32): void {
  const at = words + ((<usize>nWords) << 3);
  store<i32>(at, start);
  store<i32>(at, end, 4);
  nWords++;
}

/** tokenize.ts's scanRuns over text[0, n): returns whether any CJK run was seen. */
function scanRuns(n: i32): bool {
  let hasCjk = false;
  let i = 0;
  while (i < n) {
    const c = unit(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const first = classOf(i, n);
    const cjk = first == CJK;
    let j = i + 1;
    let hasWordChar = cjk || first == WORD;
    while (j < n) {
      const d = unit(j);
      if (isSpace(d)) break;
      const cls = classOf(j, n);
      if (cls != CONTINUE && (cls == CJK) != cjk) break;
      if (cls == WORD) hasWordChar = true;
      j++;
    }
    if (hasWordChar) {
      pushRun(i, j, cjk ? 1 : 0);
      if (cjk) hasCjk = true;
    }
    i = j;
  }
  return hasCjk;
}

/** tokenize.ts's scanWords over text[from, to) (classes seen as within a string ending at `to`). */
function scanWords(from: i32, to: i32): void {
  let i = from;
  while (i < to) {
    if (classOf(i, to) != WORD) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to) {
      const c = classOf(j, to);
      if (c != WORD && c != CONTINUE) break;
      j++;
    }
    pushWord(i, j);
    i = j;
  }
}

// ------------------------------------------------------------------------------------------------ counting

/** Scratch.add: counts `w` into bucket `col` (float32 sum, as a Float32Array slot), first-seen order. */
// @ts-ignore: decorator
@inline
function add(col: i32, w: f64): void {
  let slot = col & mask;
  for (;;) {
    const at = keys + ((<usize>slot) << 2);
    const k = load<i32>(at);
    if (k == col) {
      const v = vals + ((<usize>slot) << 2);
      store<f32>(v, <f32>(<f64>load<f32>(v) + w));
      return;
    }
    if (k == -1) break;
    slot = (slot + 1) & mask;
  }
  store<i32>(keys + ((<usize>slot) << 2), col);
  store<f32>(vals + ((<usize>slot) << 2), <f32>w);
  store<i32>(touched + ((<usize>nTouched) << 2), slot);
  nTouched++;
  if (nTouched * 2 > mask) rehash();
}

/** Doubles the slots in use (within the reserve), as Scratch.rehash. */
function rehash(): void {
  const oldMask = mask;
  const cap = (oldMask + 1) * 2;
  // Old entries move to a fresh upper half of the reserve, then back down: the reserve holds 2·cap slots
  // only when the host sized it so; otherwise rehash in place through the touched list.
  const newMask = cap - 1;
  // Gather the live entries (keys, values) into `counts`/`touched` order first.
  for (let t = 0; t < nTouched; t++) {
    const slot = load<i32>(touched + ((<usize>t) << 2));
    const at = keys + ((<usize>slot) << 2);
    store<i32>(touched + ((<usize>t) << 2), load<i32>(at)); // bucket
    store<f32>(counts + ((<usize>t) << 2), load<f32>(vals + ((<usize>slot) << 2)));
    store<i32>(at, -1);
  }
  mask = newMask;
  for (let s = oldMask + 1; s <= newMask; s++) store<i32>(keys + ((<usize>s) << 2), -1);
  for (let t = 0; t < nTouched; t++) {
    const key = load<i32>(touched + ((<usize>t) << 2));
    let slot = key & mask;
    while (load<i32>(keys + ((<usize>slot) << 2)) != -1) slot = (slot + 1) & mask;
    store<i32>(keys + ((<usize>slot) << 2), key);
    store<f32>(vals + ((<usize>slot) << 2), load<f32>(counts + ((<usize>t) << 2)));
    store<i32>(touched + ((<usize>t) << 2), slot);
  }
}

// ------------------------------------------------------------------------------------------------ hashing

@inline
function fnvRange(start: i32, end: i32): i32 {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = (h ^ unit(i)) * FNV_PRIME;
  return h;
}

@inline
function pairHash(a: i32, b: i32): i32 {
  return ((a ^ ((b + <i32>0x9e3779b9) * <i32>0x27d4eb2d)) * <i32>0x165667b1) ^ <i32>(<u32>b >>> 7);
}

/** Word n-grams of the words found, then character n-grams of the runs (hashDocument's order). */
function hashField(weight: f64): void {
  const nw = nWords;
  if (wMax > 0 && nw > 0) {
    for (let i = 0; i < nw; i++) {
      const at = words + ((<usize>i) << 3);
      store<i32>(wordHashes + ((<usize>i) << 2), fnvRange(load<i32>(at), load<i32>(at, 4)));
    }
    for (let i = 0; i < nw; i++) {
      let h = load<i32>(wordHashes + ((<usize>i) << 2));
      for (let n = 1; n <= wMax && i + n <= nw; n++) {
        if (n > 1) h = pairHash(h, load<i32>(wordHashes + ((<usize>(i + n - 1)) << 2)));
        if (n >= wMin) add(<i32>(<u32>(h * <i32>0x9e3779b1) >>> shift), weight);
      }
    }
  }
  for (let r = 0; r < nRuns; r++) {
    const at = runs + (<usize>r) * 12;
    const start = load<i32>(at);
    const end = load<i32>(at, 4);
    const cjk = load<i32>(at, 8) == 1;
    const lo = cjk ? kMin : cMin;
    const hi = cjk ? kMax : cMax;
    if (hi == 0) continue;
    const runLen = end - start;
    const len = cjk ? runLen : runLen + 2;
    if (cjk) {
      for (let j = 0; j < len; j++) store<i32>(codes + ((<usize>j) << 2), unit(start + j));
    } else {
      store<i32>(codes, PAD);
      for (let j = 1; j < len - 1; j++) store<i32>(codes + ((<usize>j) << 2), unit(start + j - 1));
      store<i32>(codes + ((<usize>(len - 1)) << 2), PAD);
    }
    for (let i = 0; i < len; i++) {
      let h = FNV_OFFSET;
      const stop = min<i32>(len, i + hi);
      for (let j = i; j < stop; j++) {
        h = (h ^ load<i32>(codes + ((<usize>j) << 2))) * FNV_PRIME;
        if (j - i + 1 >= lo) add(charBase + <i32>(<u32>((h ^ CHAR_SALT) * <i32>0x9e3779b1) >>> shift), weight);
      }
    }
  }
}

/**
 * One text field of the current document, `n` code units at `text` (normalized). Returns 1 when it has CJK
 * text: the host then segments it and calls {@link fieldParts}; otherwise its n-grams are counted (0).
 */
export function field(n: i32, title: i32): i32 {
  nWords = 0;
  nRuns = 0;
  if (scanRuns(n)) return 1;
  scanWords(0, n);
  hashField(title != 0 ? titleWeight : 1);
  return 0;
}

/**
 * The CJK field last passed to {@link field}, cut by the segmenter into `count` parts whose lengths are at
 * `parts` (they add up to the field): a part that starts with a CJK character is a word, others are split
 * into letter/digit words (tokenize.ts). Counts the field's n-grams.
 */
export function fieldParts(count: i32, title: i32): void {
  nWords = 0;
  let at = 0;
  for (let p = 0; p < count; p++) {
    const len = load<i32>(parts + ((<usize>p) << 2));
    const end = at + len;
    if (len > 0 && isCjk(codePointAt(at, end))) pushWord(at, end);
    else scanWords(at, end);
    at = end;
  }
  hashField(title != 0 ? titleWeight : 1);
}

// A direct-mapped memo of the host's logarithm by the float32 bits of a count: counts are sums of a few
// weights, so a handful of values recur, and a call out to the host costs more than the lookup. Slots of
// 16 bytes at `logMemo` (host-reserved: LOG_SLOTS × 16): u32 bits (0xffffffff = empty, a NaN, never a
// count), then the f64 logarithm at +8.
const LOG_SLOTS: u32 = 64;
let logMemo: usize = 0;

function logOf(bits: u32, v: f64): f64 {
  // Slot: the top mantissa bits mixed with the exponent (1, 2, 3, 4, 6 … land in different slots).
  const at = logMemo + (<usize>(((bits >>> 17) ^ ((bits >>> 23) * 7)) & (LOG_SLOTS - 1)) << 4);
  if (load<u32>(at) == bits) return load<f64>(at, 8);
  const r = hostLog(v);
  store<u32>(at, bits);
  store<f64>(at, r, 8);
  return r;
}

/** Scratch.finish: the distinct buckets and their counts in first-seen order; empties the table. */
function finish(): void {
  for (let t = 0; t < nTouched; t++) {
    const ta = touched + ((<usize>t) << 2);
    const slot = load<i32>(ta);
    const ka = keys + ((<usize>slot) << 2);
    store<f32>(counts + ((<usize>t) << 2), load<f32>(vals + ((<usize>slot) << 2)));
    store<i32>(ta, load<i32>(ka));
    store<i32>(ka, -1);
  }
}

/**
 * Ends a document when transforming: its buckets in the fitted space (others dropped), in first-seen order,
 * weighted as FittedTextFeaturizer.weightRow (the same float64 operations in the same order), appended to the
 * output; empties the table. Returns the output length.
 *
 * A pass over the distinct buckets finds their columns (a look at each bucket's bit and, when set, its word's
 * rank); then they are weighted. A large idf table (see {@link GATHER_IDF_COLUMNS}) is not in a core's cache by
 * the time a document comes (scoring, segmenting and reading in between evict it), and each lookup waits on
 * memory: its idfs are first gathered into `counts` in a loop of nothing but independent loads, where many of
 * those waits overlap (in the weighting loop, with its branches and the logarithm's memo, few did: on
 * cn-online-shopping's 414k columns the lookups were ~2.3 of ~4 µs a product in `assort classify`).
 */
export function endTransform(): i32 {
  const start = outLen;
  let k = start;
  for (let t = 0; t < nTouched; t++) {
    const ka = keys + ((<usize>load<i32>(touched + ((<usize>t) << 2))) << 2);
    const bucket = load<i32>(ka);
    const count = load<f32>(vals + (ka - keys));
    store<i32>(ka, -1);
    const word = present + ((<usize>(<u32>bucket >>> 6)) << 4);
    const bits = load<u64>(word);
    const bit = <u64>(bucket & 63);
    if (((bits >>> bit) & 1) == 0) continue;
    store<i32>(outIdx + ((<usize>k) << 2), load<i32>(word, 8) + <i32>popcnt<u64>(bits & ((<u64>1 << bit) - 1)));
    store<f32>(outVal + ((<usize>k) << 2), count);
    k++;
  }
  nTouched = 0;
  // `counts` (free while transforming) has as many entries as `touched`: at least the kept buckets.
  const gather = gatherIdf;
  if (gather) {
    for (let p = start; p < k; p++) {
      store<f32>(counts + ((<usize>(p - start)) << 2), load<f32>(idfs + ((<usize>load<i32>(outIdx + ((<usize>p) << 2))) << 2)));
    }
  }
  let wNorm: f64 = 0;
  let cNorm: f64 = 0;
  for (let p = start; p < k; p++) {
    const va = outVal + ((<usize>p) << 2);
    const c = load<i32>(outIdx + ((<usize>p) << 2));
    const count = load<f32>(va);
    let v = <f64>count;
    if (sublinear) v = 1 + logOf(reinterpret<u32>(count), v);
    v *= <f64>(gather ? load<f32>(counts + ((<usize>(p - start)) << 2)) : load<f32>(idfs + ((<usize>c) << 2)));
    store<f32>(va, <f32>v);
    if (c < charStart) wNorm += v * v;
    else cNorm += v * v;
  }
  const ws = wNorm > 0 ? wordWeight / Math.sqrt(wNorm) : 0;
  const cs = cNorm > 0 ? charWeight / Math.sqrt(cNorm) : 0;
  for (let p = start; p < k; p++) {
    const va = outVal + ((<usize>p) << 2);
    store<f32>(va, <f32>(<f64>load<f32>(va) * (load<i32>(outIdx + ((<usize>p) << 2)) < charStart ? ws : cs)));
  }
  outLen = k;
  return k;
}

/** Ends a document when fitting: its raw buckets and counts appended to the output, document frequencies counted. */
export function endFit(): i32 {
  finish();
  let k = outLen;
  for (let t = 0; t < nTouched; t++) {
    const col = load<i32>(touched + ((<usize>t) << 2));
    const d = df + ((<usize>col) << 2);
    store<i32>(d, load<i32>(d) + 1);
    store<i32>(outIdx + ((<usize>k) << 2), col);
    store<f32>(outVal + ((<usize>k) << 2), load<f32>(counts + ((<usize>t) << 2)));
    k++;
  }
  nTouched = 0;
  outLen = k;
  return k;
}

/** Drops the current document's counts (the host hashes it another way). */
export function discard(): void {
  for (let t = 0; t < nTouched; t++) store<i32>(keys + ((<usize>load<i32>(touched + ((<usize>t) << 2))) << 2), -1);
  nTouched = 0;
}
