// Request body parsing: depth guard, __proto__ refusal, malformed JSON named as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepthExceeds, parseJsonBody } from './json-body.js';

test('a body nested 10,000 deep is refused by name, not by a stack overflow', () => {
  for (const text of ['['.repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), '['.repeat(100_000)]) {
    assert.throws(() => parseJsonBody(text), /Malformed request body: JSON nested deeper than 32 levels/);
  }
});

test('brackets inside strings do not count; ordinary bodies parse', () => {
  assert.equal(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\' }), 3), false);
  assert.deepEqual(parseJsonBody('{"volume": {"size": 1, "metadata": {"k": "[{"}}}'), { volume: { size: 1, metadata: { k: '[{' } } });
  assert.equal(parseJsonBody('  '), undefined);
  assert.throws(() => parseJsonBody('{"__proto__": {"x": 1}}'), /__proto__/);
  // Escaped, the key is the same key once parsed.
  assert.throws(() => parseJsonBody('{"volume": {"\\u005f_proto__": {"x": 1}}}'), /__proto__/);
  assert.throws(() => parseJsonBody('{"\\u005F\\u005Fproto\\u005f\\u005f": 1}'), /__proto__/);
  assert.deepEqual(parseJsonBody('{"name": "caf\\u00e9"}'), { name: 'café' });
  assert.throws(() => parseJsonBody('{"a": 1,}'), /Malformed request body/);
});
