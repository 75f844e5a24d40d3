// The local driver's snapshot manage on a real pool: a managed snapshot file is renamed to
// Flint's name and is a snapshot again; a file not named as a snapshot (a volume's) is refused
// and left where it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../../src/errors/errors.js';
import type { LocalDriver } from '../../src/drivers/local/local-driver.js';
import { makeTestLocalBackend, type TestLocalBackend } from '../support/local-test-backend.js';
import { makeSnapshot, makeVolume } from './fixtures.js';

describe('local driver snapshot manage', () => {
  let b: TestLocalBackend;
  let driver: LocalDriver;
  before(async () => {
    b = await makeTestLocalBackend();
    driver = b.driver as LocalDriver;
    await driver.doSetup();
    await driver.checkForSetupError();
  });
  after(async () => b?.cleanup());

  test('a volume file is not taken as a snapshot; an unmanaged snapshot file is, under its new name', async () => {
    const v = makeVolume({ size: 1 });
    await driver.createVolume(v);
    const other = makeVolume({ size: 1 });
    await driver.createVolume(other);
    await assert.rejects(driver.manageExistingSnapshot(makeSnapshot(v), { 'source-name': other.name }), InvalidInput);
    await assert.rejects(driver.manageExistingSnapshotGetSize(makeSnapshot(v), { 'source-name': other.name }), /not a snapshot file/);
    assert.equal(await driver.pool.exists(other.name), true, 'the volume file stays');

    const old = makeSnapshot(v);
    await driver.createSnapshot(old);
    await driver.unmanageSnapshot(old);
    assert.equal(await driver.pool.exists(old.name), true, 'unmanage leaves the file');
    assert.equal(await driver.pool.isUnmanaged(old.name), true);
    const s = makeSnapshot(v);
    assert.equal(await driver.manageExistingSnapshotGetSize(s, { 'source-name': old.name }), 1);
    await driver.manageExistingSnapshot(s, { 'source-name': old.name });
    assert.deepEqual([await driver.pool.exists(old.name), await driver.pool.exists(s.name)], [false, true]);
    assert.equal(await driver.pool.isUnmanaged(old.name), false, 'no marker is left for the old name');
    // A retry after the rename finds the snapshot already there.
    assert.equal(await driver.manageExistingSnapshotGetSize(s, { 'source-name': old.name }), 1);
    await driver.manageExistingSnapshot(s, { 'source-name': old.name });
    await driver.deleteSnapshot(s);
    assert.equal(await driver.pool.exists(s.name), false);
    await driver.deleteVolume(v);
    await driver.deleteVolume(other);
  });
});
