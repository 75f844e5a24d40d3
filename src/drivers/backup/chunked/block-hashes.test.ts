// The all-zero check that lets a backup store nothing for an empty object, across slice boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllZero } from './block-hashes.js';

test('isAllZero: zero data of any length is zero; one set byte anywhere is not', () => {
  const slice = 64 * 1024;
  for (const length of [0, 1, slice - 1, slice, slice + 1, 3 * slice + 7, 32 * 1024 * 1024]) {
    assert.equal(isAllZero(Buffer.alloc(length)), true, `${length} zero bytes`);
    for (const at of [0, slice - 1, slice, length - 1]) {
      if (at < 0 || at >= length) continue;
      const data = Buffer.alloc(length);
      data[at] = 1;
      assert.equal(isAllZero(data), false, `byte ${at} of ${length} set`);
    }
  }
});
