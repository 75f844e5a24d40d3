import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pool, report } from '../../test/support/scheduler-fixtures.js';
import { reportedPool } from './reported-pools.js';

// Each read builds its own string, as each row read from the database does.
const text = (free: number) => JSON.stringify(report('b', [pool('p0', { total: 100, free }), pool('p1', { total: 50 })]));

test('a report read again is not parsed again: the same text gives the same pool', () => {
  const first = reportedPool('h@cache1', text(80), 'p1');
  assert.equal(first?.capacity.known && first.capacity.totalGiB, 50);
  // Equal text, another string: the pool parsed the first time.
  assert.equal(reportedPool('h@cache1', text(80), 'p1'), first);
  assert.equal(reportedPool('h@cache1', text(80), 'p9'), undefined);
});

test('a new report, or another backend\'s, is judged by its own text', () => {
  assert.deepEqual(reportedPool('h@cache2', text(80), 'p0')?.capacity, { known: true, totalGiB: 100, freeGiB: 80 });
  assert.deepEqual(reportedPool('h@cache3', text(10), 'p0')?.capacity, { known: true, totalGiB: 100, freeGiB: 10 });
  assert.deepEqual(reportedPool('h@cache2', text(5), 'p0')?.capacity, { known: true, totalGiB: 100, freeGiB: 5 });
  assert.deepEqual(reportedPool('h@cache3', text(10), 'p0')?.capacity, { known: true, totalGiB: 100, freeGiB: 10 });
  // Back to a report seen before: parsed again, with its own values.
  assert.deepEqual(reportedPool('h@cache2', text(80), 'p0')?.capacity, { known: true, totalGiB: 100, freeGiB: 80 });
});
