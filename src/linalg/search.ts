// Binary search over ascending arrays (typed or plain): the one lower/upper bound every caller shares.

/**
 * First index i in [lo, hi) with `a[i] >= v` (hi when there is none), for `a[lo .. hi)` ascending: C++'s
 * `std::lower_bound`, numpy's `searchsorted(a, v, side="left")`. A NaN `v` compares false and gives `lo`.
 * O(log(hi − lo)).
 * @example lowerBound(Int32Array.from([1, 3, 3, 7]), 3) // 1
 */
export function lowerBound(a: ArrayLike<number>, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * First index i in [lo, hi) with `a[i] > v` (hi when there is none), for `a[lo .. hi)` ascending: C++'s
 * `std::upper_bound`, numpy's `searchsorted(a, v, side="right")`. `upperBound(a, v) − 1` is the last index
 * with `a[i] <= v`. O(log(hi − lo)).
 * @example upperBound(Int32Array.from([1, 3, 3, 7]), 3) // 3
 */
export function upperBound(a: ArrayLike<number>, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * {@link upperBound} over any ascending array under a comparator (negative, zero or positive, as for
 * `Array.prototype.sort`): the first index i in [lo, hi) with `cmp(a[i], v) > 0`. The number-array twins above
 * stay separate so their hot loops keep a direct comparison.
 * @example upperBoundBy(["a", "b", "d"], "b", (x, y) => (x < y ? -1 : x > y ? 1 : 0)) // 2
 */
export function upperBoundBy<T>(a: ArrayLike<T>, v: T, cmp: (x: T, y: T) => number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(a[mid]!, v) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
