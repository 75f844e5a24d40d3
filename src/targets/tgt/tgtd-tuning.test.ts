import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TGTD_GLIBC_TUNABLES, tgtdEnv } from './tgtd-tuning.js';

test('tgtd env: the malloc tunables are set, and an operator\'s own GLIBC_TUNABLES come after them (so they win)', () => {
  assert.equal(tgtdEnv({ PATH: '/bin' }).GLIBC_TUNABLES, TGTD_GLIBC_TUNABLES);
  assert.equal(tgtdEnv({ PATH: '/bin' }).PATH, '/bin');
  const env = tgtdEnv({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' });
  assert.equal(env.GLIBC_TUNABLES, `${TGTD_GLIBC_TUNABLES}:glibc.malloc.trim_threshold=1`);
});
