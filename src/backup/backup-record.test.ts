import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { BackupRow } from '../db/schema.js';
import { InvalidInput } from '../errors/errors.js';
import { decodeRecord, encodeRecord } from './backup-record.js';

const row = (o: Partial<BackupRow> = {}): BackupRow => ({
  id: randomUUID(), projectId: 'p', userId: 'u', volumeId: randomUUID(), displayName: 'n', displayDescription: null, status: 'available',
  failReason: null, availabilityZone: 'nova', host: 'h', service: 'posix', container: 'c', serviceMetadata: '{"format":"flint-chunked/1"}', size: 3,
  objectCount: 7, parentId: randomUUID(), isIncremental: 1, numDependentBackups: 0, snapshotId: null, dataTimestamp: new Date().toISOString(),
  tempVolumeId: null, tempVolumeProvider: null, tempSnapshotId: null, restoreVolumeId: null, previousVolumeStatus: null,
  sourceVolumeMetadata: '{"vol-meta":"1"}', createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), ...o,
});

test('a record round-trips what a restore elsewhere needs, and no secret-bearing temporaries', () => {
  const b = row({ tempVolumeProvider: '{"providerAuth":"CHAP u secret"}' });
  const url = encodeRecord(b, { k: 'v' });
  assert.ok(!Buffer.from(url, 'base64').toString().includes('secret'));
  assert.deepEqual(decodeRecord(url), {
    id: b.id, volumeId: b.volumeId, name: 'n', description: null, size: 3, container: 'c', serviceMetadata: b.serviceMetadata, objectCount: 7,
    parentId: b.parentId, snapshotId: null, availabilityZone: 'nova', dataTimestamp: b.dataTimestamp, metadata: { k: 'v' },
    volumeMetadata: { 'vol-meta': '1' },
  });
  // A record from before volumes' metadata was kept has none, and still imports.
  const old = JSON.parse(Buffer.from(url, 'base64').toString()) as Record<string, unknown>;
  delete old.volumeMetadata;
  assert.equal(decodeRecord(Buffer.from(JSON.stringify(old)).toString('base64')).volumeMetadata, null);
});

test('a record that is not one Flint wrote is a 400 naming what is wrong', () => {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
  const good = JSON.parse(Buffer.from(encodeRecord(row(), {}), 'base64').toString()) as Record<string, unknown>;
  const cases: Array<[string, RegExp]> = [
    ['%%%', /not base64/],
    [Buffer.from('nope').toString('base64'), /not JSON/],
    [enc([1]), /not an object/],
    [enc({ ...good, v: 2 }), /unknown version/],
    [enc({ ...good, id: 'x' }), /id is not a UUID/],
    [enc({ ...good, size: 0 }), /size must be a positive integer/],
    [enc({ ...good, serviceMetadata: '' }), /no service metadata/],
    [enc({ ...good, metadata: { a: 1 } }), /metadata must map strings/],
    [enc({ ...good, volumeMetadata: ['x'] }), /volumeMetadata must be an object/],
    [enc({ ...good, dataTimestamp: 'yesterday' }), /dataTimestamp is not a time/],
    ['A'.repeat(70_000), /not base64/],
  ];
  for (const [url, why] of cases) assert.throws(() => decodeRecord(url), (e: unknown) => e instanceof InvalidInput && why.test(e.message), String(why));
});
