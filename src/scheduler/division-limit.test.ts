import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDown, nextUp, overLimit } from './division-limit.js';

test('nextUp and nextDown step by one double', () => {
  assert.equal(nextUp(1), 1 + Number.EPSILON);
  assert.equal(nextDown(1), 1 - Number.EPSILON / 2);
  assert.equal(nextUp(0), Number.MIN_VALUE);
  assert.equal(nextDown(0), -Number.MIN_VALUE);
  assert.equal(nextUp(-Number.MIN_VALUE), -0);
  assert.equal(nextUp(Number.MAX_VALUE), Infinity);
  assert.equal(nextDown(-Number.MAX_VALUE), -Infinity);
});

test('x > overLimit(total, ratio) is x / total > ratio, at and around the boundary', () => {
  let seed = 7;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let checked = 0;
  for (let n = 0; n < 20_000; n++) {
    const total = n % 3 === 0 ? Math.floor(r() * 100_000) + 1 : r() * 10 ** (r() * 12 - 3);
    const ratio = [1, 1.5, 2, 3, 20, 0.1 + r() * 30, 1 / 3][n % 7]!;
    const limit = overLimit(total, ratio);
    assert.ok(!Number.isNaN(limit), `no limit for total ${total}, ratio ${ratio}`);
    // Doubles within a few steps of the boundary, and sums as the filter computes them.
    let x = total * ratio;
    for (let k = 0; k < 4; k++) x = nextDown(x);
    for (let k = 0; k < 9; k++, x = nextUp(x), checked++) assert.equal(x > limit, x / total > ratio, `x ${x}, total ${total}, ratio ${ratio}`);
    const sum = Math.floor(r() * total * ratio) + Math.floor(r() * 10);
    assert.equal(sum > limit, sum / total > ratio);
  }
  assert.ok(checked > 100_000);
  assert.ok(Number.isNaN(overLimit(0, 2)) && Number.isNaN(overLimit(NaN, 2)) && Number.isNaN(overLimit(10, NaN)));
});
