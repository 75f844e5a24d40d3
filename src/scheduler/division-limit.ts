// The capacity filter's over-subscription test, (provisioned + size) / total > ratio, without a
// division per pool: the same answer from one comparison against a limit computed per report.

const f64 = new Float64Array(1);
const bits = new BigUint64Array(f64.buffer);

/** The next double above x (x itself for NaN and +Infinity). */
export function nextUp(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  bits[0] += x > 0 ? 1n : -1n;
  return f64[0];
}

/** The next double below x (x itself for NaN and -Infinity). */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/**
 * The largest double x with x / total ≤ ratio (as JavaScript divides, correctly rounded), or
 * NaN when it was not found in a few steps (then divide). Rounding is monotone, so for every
 * x that is not NaN: x / total > ratio exactly when x > limit.
 */
export function overLimit(total: number, ratio: number): number {
  if (!(total > 0) || ratio !== ratio) return NaN;
  let x = total * ratio;
  if (!Number.isFinite(x)) return NaN;
  if (x / total <= ratio) {
    // Walk up while the next double still divides to at most ratio.
    for (let step = 0; step < 64; step++) {
      const up = nextUp(x);
      if (!(up / total <= ratio)) return x;
      x = up;
    }
    return NaN;
  }
  for (let step = 0; step < 64; step++) {
    x = nextDown(x);
    if (x / total <= ratio) return x;
  }
  return NaN;
}
