import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsGate } from './stats-gate.js';

test('a stats sample waits for creates in flight and names what landed', async () => {
  const gate = new StatsGate();
  let release!: () => void;
  const slow = gate.create('a', () => new Promise<void>((r) => { release = r; }));
  await gate.create('b', async () => undefined);
  let sampled = false;
  const sample = gate.sample(async () => { sampled = true; return 1; });
  await new Promise((r) => setImmediate(r));
  assert.equal(sampled, false, 'sampled while a create was in flight');
  // A create that starts during the sample waits for it.
  const late = gate.create('c', async () => { assert.equal(sampled, true); });
  release();
  await slow;
  const { landed } = await sample;
  assert.deepEqual(landed.sort(), ['a', 'b']);
  await late;
  assert.deepEqual((await gate.sample(async () => 2)).landed, ['c']);
});
