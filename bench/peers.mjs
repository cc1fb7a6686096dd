// Peer figures quoted from ../shared/bench/peers.md ("Peers measured on this kind of machine (2026-11-27)").
//
// Hard-coded on purpose rather than parsed from the markdown at run time: peers.md is a hand-written report
// whose table layout (column order, thousands separators, "3/3" reps, free-text notes) can change without
// notice, and a silently mis-parsed figure is worse than a stale one. Each figure below cites the exact
// peers.md row it came from, so it can be checked or updated by eye. Keys follow the benchmark's JSON lines.
//
// Units as in peers.md: trainSeconds = "train s", itemsPerSecond = "items/s" (batch prediction),
// p50Ms = "p50 1-item ms", peakRssMb = "RSS MB", modelMb = "model MB" (null where peers.md has none).
// null = the figure is not given in peers.md for that dataset/task.

/** @typedef {{system: string, name: string, accuracy: number|null, macroF1: number|null, weightedF1: number|null,
 *   trainSeconds: number|null, itemsPerSecond: number|null, p50Ms: number|null, peakRssMb: number|null,
 *   modelMb: number|null, reps: number|null, nTrain: number|null, nTest: number|null, classes: number|null,
 *   source: string}} PeerRow */

const WORDCHAR = { system: "sklearn_tfidf_wordchar_linsvc", name: "scikit-learn word+char LinearSVC (peers.md)" };
const WORD = { system: "sklearn_tfidf_linsvc", name: "scikit-learn LinearSVC word (peers.md)" };

/** @type {Record<string, PeerRow[]>} keyed by `${dataset}/${task}` */
export const PEERS = {
  "pricerunner/category": [
    // peers.md "## pricerunner" → "### Text classification", row
    // | top | sklearn_tfidf_wordchar_linsvc | 3/3 | 28250/7061 | 10 | 0.992 | 0.992 | 0.992 | 9.77 | 6.20 | 1.138 | 6,203 | 0.13 | 2.86 | 349 |  |  |
    {
      ...WORDCHAR,
      accuracy: 0.992, macroF1: 0.992, weightedF1: 0.992, trainSeconds: 9.77, itemsPerSecond: 6203, p50Ms: 2.86,
      peakRssMb: 349, modelMb: null, reps: 3, nTrain: 28250, nTest: 7061, classes: 10,
      source: "peers.md: pricerunner / Text classification / top / sklearn_tfidf_wordchar_linsvc",
    },
    // peers.md "## pricerunner" → "### Text classification", row
    // | top | sklearn_tfidf_linsvc | 3/3 | 28250/7061 | 10 | 0.970 | 0.971 | 0.970 | 1.85 | 1.00 | 0.164 | 43,188 | 1.00 | 1.00 | 170 |  |  |
    {
      ...WORD,
      accuracy: 0.970, macroF1: 0.971, weightedF1: 0.970, trainSeconds: 1.85, itemsPerSecond: 43188, p50Ms: 1.0,
      peakRssMb: 170, modelMb: null, reps: 3, nTrain: 28250, nTest: 7061, classes: 10,
      source: "peers.md: pricerunner / Text classification / top / sklearn_tfidf_linsvc",
    },
  ],
  "pricerunner-product-split/category": [
    // peers.md has no detailed table for the product split; these come from the "## Summary: what to beat" row
    // | pricerunner **product-split** (...), macro-F1 | sklearn word+char LinearSVC | 0.984 (train 11.3 s, 5.5k items/s, 349 MB) | ... |
    // (accuracy, weighted-F1 and p50 are not given there.) Sizes from ../shared/data/pricerunner/README.md.
    {
      ...WORDCHAR,
      accuracy: null, macroF1: 0.984, weightedF1: null, trainSeconds: 11.3, itemsPerSecond: 5500, p50Ms: null,
      peakRssMb: 349, modelMb: null, reps: null, nTrain: 28230, nTest: 7081, classes: 10,
      source: "peers.md: Summary / pricerunner product-split / best peer",
    },
    // Same Summary row, last column: "... LinearSVC word 0.958; ..." (macro-F1 only).
    {
      ...WORD,
      accuracy: null, macroF1: 0.958, weightedF1: null, trainSeconds: null, itemsPerSecond: null, p50Ms: null,
      peakRssMb: null, modelMb: null, reps: null, nTrain: 28230, nTest: 7081, classes: 10,
      source: "peers.md: Summary / pricerunner product-split / fastest reasonable peer column",
    },
  ],
  "cn-online-shopping-10cats/category": [
    // peers.md "## cn-online-shopping-10cats" → "### Text classification", row
    // | top | sklearn_tfidf_wordchar_linsvc | 3/3 | 50218/12555 | 10 | 0.903 | 0.896 | 0.903 | 48.3 | 3.32 | 4.050 | 3,100 | 0.31 | 5.16 | 1,763 |  |  |
    {
      ...WORDCHAR,
      accuracy: 0.903, macroF1: 0.896, weightedF1: 0.903, trainSeconds: 48.3, itemsPerSecond: 3100, p50Ms: 5.16,
      peakRssMb: 1763, modelMb: null, reps: 3, nTrain: 50218, nTest: 12555, classes: 10,
      source: "peers.md: cn-online-shopping-10cats / Text classification / top / sklearn_tfidf_wordchar_linsvc",
    },
    // peers.md "## cn-online-shopping-10cats" → "### Text classification", row
    // | top | sklearn_tfidf_linsvc | 3/3 | 50218/12555 | 10 | 0.903 | 0.895 | 0.903 | 14.4 | 1.00 | 1.238 | 10,137 | 1.00 | 1.75 | 378 |  |  |
    {
      ...WORD,
      accuracy: 0.903, macroF1: 0.895, weightedF1: 0.903, trainSeconds: 14.4, itemsPerSecond: 10137, p50Ms: 1.75,
      peakRssMb: 378, modelMb: null, reps: 3, nTrain: 50218, nTest: 12555, classes: 10,
      source: "peers.md: cn-online-shopping-10cats / Text classification / top / sklearn_tfidf_linsvc",
    },
  ],
  "flipkart-1050/top": [
    // peers.md "## flipkart-1050" → "### Text classification", row
    // | top | sklearn_tfidf_wordchar_linsvc | 3/3 | 840/210 | 7 | 0.962 | 0.960 | 0.960 | 1.03 | 5.72 | 0.152 | 1,382 | 0.14 | 2.09 | 151 |  |  |
    {
      ...WORDCHAR,
      accuracy: 0.962, macroF1: 0.960, weightedF1: 0.960, trainSeconds: 1.03, itemsPerSecond: 1382, p50Ms: 2.09,
      peakRssMb: 151, modelMb: null, reps: 3, nTrain: 840, nTest: 210, classes: 7,
      source: "peers.md: flipkart-1050 / Text classification / top / sklearn_tfidf_wordchar_linsvc",
    },
    // peers.md "## flipkart-1050" → "### Text classification", row
    // | top | sklearn_tfidf_linsvc | 3/3 | 840/210 | 7 | 0.957 | 0.956 | 0.956 | 0.22 | 1.00 | 0.021 | 9,921 | 1.00 | 0.63 | 116 |  |  |
    {
      ...WORD,
      accuracy: 0.957, macroF1: 0.956, weightedF1: 0.956, trainSeconds: 0.22, itemsPerSecond: 9921, p50Ms: 0.63,
      peakRssMb: 116, modelMb: null, reps: 3, nTrain: 840, nTest: 210, classes: 7,
      source: "peers.md: flipkart-1050 / Text classification / top / sklearn_tfidf_linsvc",
    },
  ],
  "flipkart-1050/leaf": [
    // peers.md "## flipkart-1050" → "### Text classification", row
    // | leaf | sklearn_tfidf_wordchar_linsvc | 3/3 | 840/210 | 504 | 0.533 | 0.251 | 0.499 | 11.6 | 5.46 | 0.295 | 713 | 0.13 | 3.39 | 514 |  |  |
    {
      ...WORDCHAR,
      accuracy: 0.533, macroF1: 0.251, weightedF1: 0.499, trainSeconds: 11.6, itemsPerSecond: 713, p50Ms: 3.39,
      peakRssMb: 514, modelMb: null, reps: 3, nTrain: 840, nTest: 210, classes: 504,
      source: "peers.md: flipkart-1050 / Text classification / leaf / sklearn_tfidf_wordchar_linsvc",
    },
    // peers.md "## flipkart-1050" → "### Text classification", row
    // | leaf | sklearn_tfidf_linsvc | 3/3 | 840/210 | 504 | 0.524 | 0.244 | 0.485 | 2.53 | 1.00 | 0.031 | 6,719 | 1.00 | 0.78 | 314 |  |  |
    {
      ...WORD,
      accuracy: 0.524, macroF1: 0.244, weightedF1: 0.485, trainSeconds: 2.53, itemsPerSecond: 6719, p50Ms: 0.78,
      peakRssMb: 314, modelMb: null, reps: 3, nTrain: 840, nTest: 210, classes: 504,
      source: "peers.md: flipkart-1050 / Text classification / leaf / sklearn_tfidf_linsvc",
    },
  ],
};

/**
 * The accuracy targets: macro-F1 of the best peer (sklearn word+char LinearSVC, peers.md Summary).
 * @type {Record<string, number>} keyed by `${dataset}/${task}`
 */
export const MACRO_F1_TARGETS = {
  "pricerunner/category": 0.992, // peers.md Summary: pricerunner category, macro-F1 0.992
  "pricerunner-product-split/category": 0.984, // peers.md Summary: pricerunner product-split, macro-F1 0.984
  "cn-online-shopping-10cats/category": 0.896, // peers.md Summary: cn-online-shopping-10cats, macro-F1 0.896
  "flipkart-1050/top": 0.96, // peers.md Summary: flipkart-1050 top, mF1 0.960
};

/** The memory target: peak RSS while training on cn-online-shopping-10cats, in MB. */
export const CN_TRAIN_RSS_TARGET_MB = 500;
