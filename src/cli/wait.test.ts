// waitFor: follows states to the end, fails on error statuses, treats 404 as gone.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OperationFailed, waitFor } from './wait.js';
import { ApiError } from './client.js';

function sequence(states: (string | null | Error)[]) {
  let i = 0;
  return async () => {
    const s = states[Math.min(i++, states.length - 1)]!;
    if (s instanceof Error) throw s;
    return s === null ? null : { status: s };
  };
}

describe('waitFor', () => {
  const spec = (states: (string | null | Error)[]) => ({
    label: 'volume x', poll: sequence(states), intervalMs: 1,
    status: (v: { status: string } | null) => v?.status ?? 'deleted',
    done: (v: { status: string } | null) => v?.status === 'available',
    failed: (v: { status: string } | null) => v === null || v.status.startsWith('error'),
  });

  test('returns the final state once done', async () => {
    assert.deepEqual(await waitFor(spec(['creating', 'creating', 'available'])), { status: 'available' });
  });

  test('an error status ends the wait with OperationFailed naming it', async () => {
    await assert.rejects(waitFor(spec(['creating', 'error'])), (e: unknown) => e instanceof OperationFailed && /status error/.test((e as Error).message));
  });

  test('a 404 while polling counts as gone; other API errors propagate', async () => {
    await assert.rejects(waitFor(spec(['creating', new ApiError(404, 'gone')])), /status deleted/);
    await assert.rejects(waitFor(spec([new ApiError(500, 'boom')])), /boom/);
  });

  test('gives up after the timeout', async () => {
    await assert.rejects(waitFor({ ...spec(['creating']), timeoutMs: 20 }), /did not finish in time; last status creating/);
  });
});
