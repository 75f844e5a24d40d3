import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compressionAlgorithm, decodeObject, encodeObject } from './compression.js';

const MiB = 1024 * 1024;

test('compressible objects are deflated and decode back', async () => {
  const data = Buffer.alloc(4 * MiB);
  for (let at = 0; at < data.length; at += 40) data.write(`row ${at % 9973} of a table\n`, at);
  const { encoding, bytes } = await encodeObject(data, 'zlib', 1);
  assert.equal(encoding, 'zlib');
  assert.ok(bytes.length < data.length / 4);
  assert.ok((await decodeObject(bytes, encoding, data.length)).equals(data));
});

test('incompressible objects are stored as they are, and none never compresses', async () => {
  const data = randomBytes(4 * MiB);
  assert.deepEqual(await encodeObject(data, 'zlib', 1), { encoding: 'none', bytes: data });
  assert.equal((await encodeObject(Buffer.alloc(MiB), 'none', 1)).encoding, 'none');
});

test('an object half random, half text is still compressed (the sample spans it)', async () => {
  const data = Buffer.alloc(4 * MiB);
  randomBytes(2 * MiB).copy(data);
  for (let at = 2 * MiB; at < data.length; at += 40) data.write(`row ${at % 9973} of a table\n`, at);
  const { encoding, bytes } = await encodeObject(data, 'zlib', 1);
  assert.equal(encoding, 'zlib');
  assert.ok(bytes.length < data.length * 0.7);
});

test('decoding refuses output past the expected length (a forged object cannot balloon)', async () => {
  const { bytes } = await encodeObject(Buffer.alloc(MiB), 'zlib', 1);
  await assert.rejects(decodeObject(bytes, 'zlib', 1024));
});

test("Cinder's spellings of the algorithm are accepted", () => {
  assert.equal(compressionAlgorithm('gzip'), 'zlib');
  assert.equal(compressionAlgorithm('off'), 'none');
  assert.throws(() => compressionAlgorithm('zstd'));
});
