import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OneAtATime } from './one-at-a-time.js';

test('calls never overlap and run in the order they were made; a failure does not block the next', async () => {
  const gate = new OneAtATime();
  const log: string[] = [];
  const job = (name: string, ms: number, fail = false) => gate.run(async () => {
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
    return name;
  });
  const a = job('a', 30, true);
  assert.equal(gate.busy, true);
  const b = job('b', 1);
  const c = job('c', 1);
  await assert.rejects(a, /a failed/);
  assert.equal(await b, 'b');
  assert.equal(await c, 'c');
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(gate.busy, false);
});
