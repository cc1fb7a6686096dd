#!/usr/bin/env python3
"""scikit-learn clustering baseline for `npm run bench:cluster` (measured in the same run, for a time ratio).

    python3 bench/cluster-peer.py --task kmeans --dataset pricerunner [--sample 20000] [--seed S]
    python3 bench/cluster-peer.py --task match  --dataset pricerunner [--threshold 0.6] [--no-cannot-link]

Reproduces the clustering peers of ../shared/bench/peers.md. No peer script was published next to it, so
the settings are read off its text and, where it is silent (the TF-IDF settings), chosen as the ones that
reproduce its figures (see "Calibration" below):

- kmeans (peer "sklearn_kmeans_svd100"): text = title + " " + description (newlines removed), CJK characters
  split one per token as for every peer in peers.md (so Chinese words are single characters; no jieba);
  TfidfVectorizer() with scikit-learn's defaults (word unigrams, no sublinear_tf) except a token pattern
  that also keeps one-character CJK tokens, then TruncatedSVD(100, random_state=seed) -> Normalizer (L2) ->
  KMeans(k, n_init=3, random_state=seed), k = the number of top-level categories (pricerunner 10,
  cn-online-shopping-10cats 10, flipkart-1050 7: the first
  segment of the category path). Rows = train + test. As in peers.md ("Embedding time ... once per dataset",
  k-means on a 20k sample of the two large sets) the embedding is computed on all rows and `--sample N`
  draws N of them (seeded) for the k-means fit and the scores; `--embed-sample` embeds only the sample.
  embedSeconds = TF-IDF + SVD + normalize, fitSeconds = KMeans.fit, seconds = both.
- match (peer "sklearn_agglo_average_merchant"), pricerunner only: per category, titles -> TfidfVectorizer()
  (word, defaults) + TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)), both fitted per category and
  stacked (each block L2-normalized, so they weigh the same), cosine_distances, every same-merchant pair
  forced to a large distance (--cannot-link-distance, default 1e6: cannot-link),
  AgglomerativeClustering(precomputed, average linkage, distance_threshold 0.6,
  n_clusters=None); cluster ids made global; pair precision / recall / F1 and ARI against cluster_id.
  seconds = everything after reading the file (embedSeconds: TF-IDF + distances, fitSeconds: linkage).

Calibration (2026-11-27, scikit-learn 1.2.1): match with these vectorizers scores pair-F1 0.659 (P 0.760,
R 0.582) with the cannot-link and 0.320 without it at threshold 0.45 (peers.md: 0.665 / P 0.767 / R 0.586, and
0.317); word 1-2 grams + char_wb 2-5 with sublinear_tf gave 0.612 (P 0.829, R 0.485), fitting the vectorizers
on all titles 0.657 but 0.260 unconstrained, a same-merchant distance of 2 instead of "infinite" less. For
k-means, unigrams and word 1-2 grams + sublinear_tf score alike over seeds (NMI within ~0.03 of peers.md
either way), but only unigrams give peers.md's memory (pricerunner 310 MB vs 308; flipkart 133 vs 136;
1-2 grams: 500 / 202 MB, cn 1.3 GB) and its TF-IDF+SVD time scale.

stdout: one JSON object per line (nothing else); diagnostics on stderr. Exit 3 (one line on stderr) when
scikit-learn (or numpy/scipy) is not importable: the bench reports "peer unavailable". Exit 2 on bad usage.
"""

import argparse
import json
import os
import re
import resource
import sys
import time

try:
    import numpy as np
    import scipy.sparse as sp
    import sklearn
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix
    from sklearn.metrics.pairwise import cosine_distances
    from sklearn.preprocessing import Normalizer
except ImportError as e:  # numpy / scipy / scikit-learn missing
    print(f"cluster-peer: scikit-learn not importable ({e}); peer unavailable", file=sys.stderr)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))

# k-means datasets: file folder and how to read the top-level label.
KMEANS_DATASETS = {
    "pricerunner": "category",
    "cn-online-shopping-10cats": "category",
    "flipkart-1050": "category",  # a path "A > B > C": its first segment (= category_l1)
}
MATCH_DATASETS = {"pricerunner"}
DEFAULT_SEED = 20261127  # peers.md does not state its seed; the pricerunner split's seed

# CJK scripts (Han, Hiragana, Katakana, Hangul), as bench/classify.mjs splits them for the peers.
CJK_CLASS = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b"  # radicals, iteration marks, Hangzhou numerals
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han (ext. A, unified, compatibility)
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul
    "\U00020000-\U0003134f"  # Han ext. B-G
)
CJK_RE = re.compile(f"([{CJK_CLASS}])")
# scikit-learn's default token pattern, plus one token per CJK character (the text is pre-spaced, so a CJK
# character is never part of a \w\w+ run).
TOKEN_PATTERN = rf"(?u)[{CJK_CLASS}]|\b\w\w+\b"
NEWLINES_RE = re.compile(r"[\r\n]+")
SPACES_RE = re.compile(r" {2,}")


def log(msg):
    print(f"cluster-peer: {msg}", file=sys.stderr, flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def read_rows(data_dir, dataset):
    rows = []
    for split in ("train", "test"):
        path = os.path.join(data_dir, dataset, f"{split}.jsonl")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} not found (use --data-dir)")
        with open(path, encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def peer_text(row):
    """title + " " + description, newlines removed, CJK characters one per token (as in peers.md)."""
    text = f"{row.get('title') or ''} {row.get('description') or ''}"
    text = CJK_RE.sub(r" \1 ", NEWLINES_RE.sub(" ", text))
    return SPACES_RE.sub(" ", text).strip()


def top_label(row, field):
    return str(row[field]).split(">")[0].strip()


def base_record(args, task, peer):
    return {
        "bench": "cluster",
        "dataset": args.dataset,
        "task": task,
        "peer": peer,
        "n": None,
        "k": None,
        "nmi": None,
        "ari": None,
        "pairPrecision": None,
        "pairRecall": None,
        "pairF1": None,
        "seconds": None,
        "embedSeconds": None,
        "fitSeconds": None,
        "peakRssMb": None,
        "sklearn": sklearn.__version__,
    }


def run_kmeans(args):
    rows = read_rows(args.data_dir, args.dataset)
    field = KMEANS_DATASETS[args.dataset]
    n_total = len(rows)
    labels = np.array([top_label(r, field) for r in rows], dtype=object)
    k = len(set(labels.tolist()))

    if args.sample is not None and args.sample < n_total:
        rng = np.random.default_rng(args.seed)
        sample = np.sort(rng.choice(n_total, size=args.sample, replace=False))
    else:
        sample = np.arange(n_total)
    embed_idx = sample if args.embed_sample else np.arange(n_total)
    texts = [peer_text(rows[i]) for i in embed_idx]
    log(f"kmeans {args.dataset}: {n_total} rows, k={k}, clustering {len(sample)}, embedding {len(texts)}")

    t0 = time.perf_counter()
    tfidf = TfidfVectorizer(token_pattern=TOKEN_PATTERN)
    x = tfidf.fit_transform(texts)
    svd = TruncatedSVD(n_components=100, random_state=args.seed)
    z = Normalizer(copy=False).fit_transform(svd.fit_transform(x))
    embed_s = time.perf_counter() - t0
    if not args.embed_sample:
        z = z[sample]
    y = labels[sample]
    log(f"embedded: vocabulary {len(tfidf.vocabulary_)}, {embed_s:.2f} s")

    t1 = time.perf_counter()
    km = KMeans(n_clusters=k, n_init=3, random_state=args.seed).fit(z)
    fit_s = time.perf_counter() - t1
    pred = km.labels_

    rec = base_record(args, "kmeans", "sklearn_kmeans_svd100")
    rec.update(
        n=int(len(sample)),
        nTotal=int(n_total),
        nEmbedded=int(len(texts)),
        sample=args.sample,
        seed=args.seed,
        k=int(k),
        nmi=float(normalized_mutual_info_score(y, pred)),
        ari=float(adjusted_rand_score(y, pred)),
        seconds=embed_s + fit_s,
        embedSeconds=embed_s,
        fitSeconds=fit_s,
        nIter=int(km.n_iter_),
        peakRssMb=peak_rss_mb(),
    )
    return rec


def pair_scores(truth, pred):
    """Pair precision / recall / F1: pairs of rows put together by pred vs. pairs of the same true cluster."""
    c = contingency_matrix(truth, pred, sparse=True).tocsr()
    pairs = lambda a: float(np.sum(a * (a - 1) / 2))  # noqa: E731
    tp = pairs(c.data.astype(np.float64))
    pred_pairs = pairs(np.asarray(c.sum(axis=0)).ravel().astype(np.float64))
    true_pairs = pairs(np.asarray(c.sum(axis=1)).ravel().astype(np.float64))
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1, int(tp), int(pred_pairs), int(true_pairs)


def agglomerative(threshold):
    params = dict(n_clusters=None, linkage="average", distance_threshold=threshold)
    # scikit-learn >= 1.2 names the distance `metric` (1.2-1.3 still accept `affinity`, with a warning);
    # before 1.2 only `affinity` exists.
    key = "metric" if "metric" in AgglomerativeClustering().get_params() else "affinity"
    params[key] = "precomputed"
    return AgglomerativeClustering(**params)


def run_match(args):
    rows = read_rows(args.data_dir, args.dataset)
    n = len(rows)
    by_cat = {}
    for i, r in enumerate(rows):
        by_cat.setdefault(r["category"], []).append(i)
    truth = np.array([str(r["cluster_id"]) for r in rows], dtype=object)
    merchants = np.array([str(r["merchant_id"]) for r in rows], dtype=object)
    titles = [NEWLINES_RE.sub(" ", r.get("title") or "") for r in rows]
    log(
        f"match {args.dataset}: {n} rows, {len(by_cat)} categories (largest {max(map(len, by_cat.values()))}), "
        f"threshold {args.threshold}, cannot-link {'off' if args.no_cannot_link else 'on'}"
    )

    pred = np.empty(n, dtype=np.int64)
    next_id = 0
    embed_s = fit_s = 0.0
    t0 = time.perf_counter()
    for cat in sorted(by_cat):
        idx = np.array(by_cat[cat])
        if len(idx) < 2:
            pred[idx] = next_id + np.arange(len(idx))
            next_id += len(idx)
            continue
        t = time.perf_counter()
        docs = [titles[i] for i in idx]
        word = TfidfVectorizer().fit_transform(docs)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit_transform(docs)
        d = cosine_distances(sp.hstack([word, char]).tocsr())
        if not args.no_cannot_link:
            codes = np.unique(merchants[idx], return_inverse=True)[1]
            d[codes[:, None] == codes[None, :]] = args.cannot_link_distance
        np.fill_diagonal(d, 0.0)
        embed_s += time.perf_counter() - t

        t = time.perf_counter()
        lab = agglomerative(args.threshold).fit(d).labels_
        fit_s += time.perf_counter() - t
        del d
        pred[idx] = next_id + lab
        next_id += int(lab.max()) + 1
        log(f"  {cat}: {len(idx)} rows -> {int(lab.max()) + 1} clusters")
    seconds = time.perf_counter() - t0

    p, r, f1, tp, pred_pairs, true_pairs = pair_scores(truth, pred)
    peer = "sklearn_agglo_average" if args.no_cannot_link else "sklearn_agglo_average_merchant"
    rec = base_record(args, "match", peer)
    rec.update(
        n=int(n),
        k=int(next_id),
        trueClusters=int(len(set(truth.tolist()))),
        nmi=float(normalized_mutual_info_score(truth, pred)),
        ari=float(adjusted_rand_score(truth, pred)),
        pairPrecision=p,
        pairRecall=r,
        pairF1=f1,
        truePairs=true_pairs,
        predictedPairs=pred_pairs,
        correctPairs=tp,
        threshold=args.threshold,
        cannotLink=not args.no_cannot_link,
        seconds=seconds,
        embedSeconds=embed_s,
        fitSeconds=fit_s,
        peakRssMb=peak_rss_mb(),
    )
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", required=True, choices=["kmeans", "match"])
    ap.add_argument("--dataset", required=True, choices=sorted(KMEANS_DATASETS))
    ap.add_argument("--sample", type=int, default=None, help="kmeans: cluster a seeded random sample of N rows")
    ap.add_argument("--embed-sample", action="store_true", help="kmeans: fit TF-IDF/SVD on the sample only")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--data-dir", default=DEFAULT_DATA, help=f"datasets folder (default {DEFAULT_DATA})")
    ap.add_argument("--threshold", type=float, default=0.6, help="match: distance_threshold (default 0.6)")
    ap.add_argument("--no-cannot-link", action="store_true", help="match: no merchant constraint")
    ap.add_argument("--cannot-link-distance", type=float, default=1e6, help="match: same-merchant distance")
    args = ap.parse_args()
    if args.sample is not None and args.sample < 1:
        ap.error("--sample must be at least 1")
    if args.task == "match" and args.dataset not in MATCH_DATASETS:
        ap.error(f"--task match needs a dataset with same-product labels: {', '.join(sorted(MATCH_DATASETS))}")
    try:
        rec = run_kmeans(args) if args.task == "kmeans" else run_match(args)
    except FileNotFoundError as e:
        log(str(e))
        return 1
    sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
