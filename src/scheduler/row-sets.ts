// Ascending lists of pool rows that differ from a known list by a few rows: worked on through
// those few rows (binary searches, block copies) instead of a pass over 10,000 entries.

/** Lower bound: the first index k in list[0..count) with list[k] >= row. */
function indexOf(list: Int32Array, count: number, row: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of 0..n-1 absent from list[0..count) (ascending, distinct, all below n), ascending
 * into out; their number. list[k] - k counts the rows absent before list[k], so the j-th absent
 * row is found by a binary search: it is k + j - 1 for the first k where that count reaches j.
 */
export function absentRows(list: Int32Array, count: number, n: number, out: Int32Array): number {
  const m = n - count;
  for (let j = 1; j <= m; j++) {
    let lo = 0;
    let hi = count; // absent count at index count is m >= j
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid] - mid >= j) hi = mid;
      else lo = mid + 1;
    }
    out[j - 1] = lo + j - 1;
  }
  return m;
}

/** src[0..count) without the rows remove[0..removeCount) (ascending; rows not in src are ignored), into to; how many. */
export function withoutRows(src: Int32Array, count: number, remove: Int32Array, removeCount: number, to: Int32Array): number {
  let kept = 0;
  let from = 0;
  for (let r = 0; r < removeCount; r++) {
    const at = indexOf(src, count, remove[r]);
    if (at >= count || src[at] !== remove[r]) continue;
    to.set(src.subarray(from, at), kept);
    kept += at - from;
    from = at + 1;
  }
  to.set(src.subarray(from, count), kept);
  return kept + count - from;
}
