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

/** Steps from the first guess to look for the exact boundary; past them the band between is checked per placement. */
const WALK = 4;

/**
 * Bounds on the sizes roomFor() accepts, for positive sizes: every size ≤ fitsUpTo[i] fits,
 * every size ≥ failsFrom[i] does not; a size in between (rare: the boundary was not found in
 * a few steps) is checked with roomFor(). Sound because roomFor() is monotone in the size:
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
    if (fits(guess)) {
      up = guess;
      for (let step = 0; step < WALK; step++) {
        const next = nextUp(up);
        if (next >= fail) break;
        if (!fits(next)) {
          fail = next;
          break;
        }
        up = next;
      }
    } else {
      fail = guess;
      for (let step = 0; step < WALK; step++) {
        const next = nextDown(fail);
        if (next <= up) break;
        if (fits(next)) {
          up = next;
          break;
        }
        fail = next;
      }
    }
  }
  fitsUpTo[i] = up;
  failsFrom[i] = fail;
}
