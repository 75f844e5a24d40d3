import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageList } from './usage-list.js';
import type { PoolUsage } from './backend-state.js';

const u = (v: number) => ({ freeGiB: v, allocatedGiB: 0, provisionedGiB: 0, volumes: 0, version: v, live: [] }) as PoolUsage;

test('UsageList: with() changes one entry and leaves the original intact, across chunk boundaries', () => {
  const items = Array.from({ length: 1000 }, (_, i) => u(i));
  const a = UsageList.from(items);
  assert.equal(a.length, 1000);
  const b = a.with(255, u(-1)).with(256, u(-2)).with(999, u(-3));
  for (let i = 0; i < 1000; i++) {
    assert.equal(a.get(i).freeGiB, i);
    const want = i === 255 ? -1 : i === 256 ? -2 : i === 999 ? -3 : i;
    assert.equal(b.get(i).freeGiB, want);
  }
  assert.equal(UsageList.from([]).length, 0);
});
