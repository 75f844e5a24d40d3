import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roomFor, setRoomBounds } from './capacity-room.js';
import { nextDown, nextUp, overLimit } from './division-limit.js';

test('room bounds: every size up to fitsUpTo fits, every size from failsFrom does not', () => {
  let seed = 11;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const up = new Float64Array(1);
  const fail = new Float64Array(1);
  let band = 0;
  let coarseCases = 0;
  for (let n = 0; n < 20_000; n++) {
    const known = r() < 0.95;
    const total = pick([0, 1, 500, 4000, 10_000, 1e9, r() * 1e6, NaN]);
    const reserve = Number.isFinite(total) ? Math.floor((total * pick([0, 5, 10, 99])) / 100) : NaN;
    const ratio = pick([1, 2, 20, 0.5, 1.3, 1 / 3, r() * 50]);
    const thin = r() < 0.6;
    const thinLimit = thin ? overLimit(total, ratio) : NaN;
    // Provisioned far above the size now and then: the sum rounds coarsely and the first guess is off.
    const free = pick([0, 1, 37.5, total, total * r(), -5, 1e15 * r(), 1e12]);
    const coarse = r() < 0.2;
    const provisioned = coarse ? pick([1e15 * r(), 3e15 + 7]) : pick([0, 10, 2000 * r(), total * ratio - 0.25, total * ratio * r(), total * ratio * r() * 0.1]);
    setRoomBounds(up, fail, 0, known, total, reserve, ratio, thinLimit, thin, free, provisioned);
    const fits = (s: number) => roomFor(known, total, reserve, ratio, thinLimit, thin, free, provisioned, s);
    assert.ok(up[0] < fail[0] || (up[0] === fail[0] && (up[0] === 0 || up[0] === Infinity)), `bounds ${up[0]}, ${fail[0]}`);
    if (!coarse && nextUp(up[0]) < fail[0]) band++;
    const sizes = [up[0], nextDown(up[0]), nextUp(up[0]), fail[0], nextDown(fail[0]), nextUp(fail[0]), 0.5, 1, 10, 300, r() * 1e4, (up[0] + fail[0]) / 2];
    for (const s of sizes) {
      if (!(s > 0) || !Number.isFinite(s)) continue;
      const where = `known ${known} total ${total} reserve ${reserve} ratio ${ratio} thin ${thin} free ${free} provisioned ${provisioned}, size ${s}: bounds ${up[0]}, ${fail[0]}`;
      if (s <= up[0]) assert.ok(fits(s), `fits: ${where}`);
      if (s >= fail[0]) assert.ok(!fits(s), `does not fit: ${where}`);
    }
    if (coarse && up[0] > 0 && fail[0] < Infinity) coarseCases++;
  }
  // Unless the sum rounds coarsely, the boundary is found exactly: no band left to roomFor().
  assert.equal(band, 0, `${band} ordinary cases left a band`);
  assert.ok(coarseCases > 0, 'no case with a coarse sum');
});

test('room bounds: unknown capacity fits anything, no total or a ratio below 1 fits nothing', () => {
  const up = new Float64Array(1);
  const fail = new Float64Array(1);
  setRoomBounds(up, fail, 0, false, NaN, NaN, 1, NaN, true, NaN, 0);
  assert.deepEqual([up[0], fail[0]], [Infinity, Infinity]);
  setRoomBounds(up, fail, 0, true, 0, 0, 1, NaN, false, 100, 0);
  assert.deepEqual([up[0], fail[0]], [0, 0]);
  setRoomBounds(up, fail, 0, true, 100, 0, 0.5, overLimit(100, 0.5), true, 100, 0);
  assert.deepEqual([up[0], fail[0]], [0, 0]);
  // Thick: the free space after the reserve, exactly.
  setRoomBounds(up, fail, 0, true, 100, 10, 1, NaN, false, 60, 0);
  assert.deepEqual([up[0], fail[0]], [50, nextUp(50)]);
});
