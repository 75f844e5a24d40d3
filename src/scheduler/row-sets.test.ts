import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absentRows, withoutRows } from './row-sets.js';

test('absentRows finds the rows a sorted list lacks; withoutRows drops rows with block copies', () => {
  let seed = 3;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let c = 0; c < 500; c++) {
    const n = Math.floor(r() * 200);
    const drop = r() < 0.5 ? 0.02 : r();
    const rows = Array.from({ length: n }, (_, i) => i).filter(() => r() >= drop);
    const list = Int32Array.from(rows);
    const absent = new Int32Array(n);
    const m = absentRows(list, list.length, n, absent);
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => !rows.includes(i));
    assert.deepEqual([...absent.subarray(0, m)], expected);

    const src = Int32Array.from(Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.6));
    // Rows to remove, some of them not in src at all.
    const remove = Int32Array.from(Array.from({ length: n + 3 }, (_, i) => i).filter(() => r() < 0.1));
    const to = new Int32Array(n);
    const kept = withoutRows(src, src.length, remove, remove.length, to);
    assert.deepEqual([...to.subarray(0, kept)], [...src].filter((i) => !remove.includes(i)));
  }
});
