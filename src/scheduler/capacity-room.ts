// How much room a pool has for a volume, per pool row and worked out when its usage changes,
// so a placement compares the request's size with one number per pool instead of redoing
// CapacityFilter's arithmetic (six columns read per pool) on every placement.
import { nextDown, nextUp } from './division-limit.js';

/** CapacityFilter's verdict on plain numbers (Cinder's thick and thin checks); `thin` when checked as thin. */
export function roomFor(known: boolean, total: number, reserve: number, ratio: number, thinLimit: number, thin: boolean, free: number, provisioned: number, size: number): boolean {
  // Infinite or unknown capacity: assumed to fit.
  if (!known) return true;
  if (!(total > 0)) return false;
  const usable = free - reserve;
  if (thin) {
    const x = provisioned + size;
    // thinLimit is overLimit(total, ratio): x / total > ratio exactly when x > thinLimit (NaN: divide).
    return ratio >= 1 && !(thinLimit === thinLimit ? x > thinLimit : x / total > ratio) && usable * ratio >= size;
  }
  return !(usable < size);
}

/** CapacityWeigher's raw score on plain numbers: Cinder's virtual free capacity; infinite +Infinity, unknown 0. */
export function virtualFreeOf(known: boolean, infinite: boolean, total: number, reserve: number, ratio: number, thin: boolean, free: number, provisioned: number): number {
  if (!known) return infinite ? Infinity : 0;
  return thin ? total * ratio - provisioned - reserve : free - reserve;
}

/** Halvings of the gap between the bounds at most (about 1,100 take any gap between two doubles to neighbours). */
const MAX_HALVINGS = 1100;

/** The gap from positive x to the next double up. */
function ulp(x: number): number {
  return nextUp(x) - x;
}

/**
 * Bounds on the sizes roomFor() accepts, for positive sizes: every size ≤ fitsUpTo[i] fits,
 * every size ≥ failsFrom[i] does not; they are neighbouring doubles unless the search gave up
 * (then a size in between is checked with roomFor()). Sound because roomFor() is monotone in the size:
 * each of its tests is a rounded sum, product or quotient compared with a bound, and rounding
 * is monotone, so once a size fails every larger one fails. Both bounds are verified by
 * calling roomFor(), not derived, so no rounding argument is needed for them.
 */
export function setRoomBounds(
  fitsUpTo: Float64Array, failsFrom: Float64Array, i: number,
  known: boolean, total: number, reserve: number, ratio: number, thinLimit: number, thin: boolean, free: number, provisioned: number,
): void {
  const fits = (s: number) => roomFor(known, total, reserve, ratio, thinLimit, thin, free, provisioned, s);
  if (fits(Number.MAX_VALUE)) {
    fitsUpTo[i] = Infinity;
    failsFrom[i] = Infinity;
    return;
  }
  if (!fits(Number.MIN_VALUE)) {
    fitsUpTo[i] = 0;
    failsFrom[i] = 0;
    return;
  }
  // The boundary lies in [MIN_VALUE, MAX_VALUE): start from where the arithmetic puts it.
  const usable = free - reserve;
  const guess = thin ? Math.min(usable * ratio, (thinLimit === thinLimit ? thinLimit : total * ratio) - provisioned) : usable;
  let up = Number.MIN_VALUE;
  let fail = Number.MAX_VALUE;
  if (guess > up && guess < fail) {
    if (fits(guess)) up = guess;
    else fail = guess;
  }
  // Usually the boundary is the guess or next to it. When a sum rounds coarsely (provisioned
  // far above the size) it can be many doubles away: gallop from the known side in doubling
  // steps, then halve the gap until the bounds are neighbours.
  if (up !== Number.MIN_VALUE || fail === Number.MAX_VALUE) {
    for (let d = ulp(up); d < Infinity; d *= 2) {
      const t = up + d;
      if (!(t < fail)) break;
      if (!fits(t)) {
        fail = t;
        break;
      }
      up = t;
    }
  } else {
    for (let d = ulp(fail); d < Infinity; d *= 2) {
      const t = fail - d;
      if (!(t > up)) break;
      if (fits(t)) {
        up = t;
        break;
      }
      fail = t;
    }
  }
  for (let step = 0; step < MAX_HALVINGS && nextUp(up) < fail; step++) {
    const mid = up + (fail - up) / 2;
    if (!(mid > up && mid < fail)) break;
    if (fits(mid)) up = mid;
    else fail = mid;
  }
  fitsUpTo[i] = up;
  failsFrom[i] = fail;
}
