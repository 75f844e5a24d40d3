// Query-parameter helpers: dict filters and the bounds every list query obeys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkQueryBounds, parseDictParam } from './http.js';
import { FlintError } from '../errors/errors.js';

function refused(fn: () => unknown, names: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FlintError && e.httpStatus === 400, String(e));
    assert.match((e as Error).message, names);
    return true;
  });
}

test('a dict filter is bounded in keys, key length and value length, and holds only scalars', () => {
  assert.deepEqual(parseDictParam('{"a": "1", "b": 2, "c": true}', 'metadata'), { a: '1', b: '2', c: 'true' });
  const many = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'])));
  refused(() => parseDictParam(many, 'metadata'), /metadata: at most 50 keys/);
  refused(() => parseDictParam(JSON.stringify({ ['k'.repeat(256)]: 'v' }), 'metadata'), /metadata: key kkk.* longer than 255/);
  refused(() => parseDictParam(JSON.stringify({ k: 'v'.repeat(256) }), 'metadata'), /metadata: the value of k is longer than 255/);
  refused(() => parseDictParam(JSON.stringify({ k: { deep: 1 } }), 'extra_specs'), /extra_specs: the value of k must be a string/);
  refused(() => parseDictParam(JSON.stringify({ '': 'v' }), 'metadata'), /metadata: empty key/);
});

test('query parameters are bounded in number and length, naming the parameter', () => {
  checkQueryBounds({ name: 'x', limit: '5' });
  refused(() => checkQueryBounds(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, '1']))), /at most 32 query parameters/);
  refused(() => checkQueryBounds({ name: 'n'.repeat(256) }), /Query parameter name is longer than 255/);
  checkQueryBounds({ metadata: JSON.stringify({ k: 'v'.repeat(255) }) });
  refused(() => checkQueryBounds({ metadata: 'm'.repeat(5000) }), /Query parameter metadata is longer than 4096/);
  refused(() => checkQueryBounds({ ['k'.repeat(300)]: '1' }), /query parameter name kkk.* longer than 255/);
  refused(() => checkQueryBounds({ status: ['a', 'b'] }), /Query parameter status may be given only once/);
});
