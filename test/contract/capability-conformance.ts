// Conformance tests for the optional capabilities: each present one is exercised; stats must
// advertise exactly the present ones (what the manager and API read to refuse an absent one).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { open, stat, writeFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import type { DriverVolume } from '../../src/drivers/interface/objects.js';
import * as Cap from '../../src/drivers/interface/capabilities.js';
import { FlintError } from '../../src/errors/errors.js';
import { applyUpdate, makeSnapshot, makeVolume } from './fixtures.js';
import { assertBackendObject, assertFlintError, assertModelUpdate } from './assertions.js';
import type { Harness } from './harness.js';
import type { ConformanceSubject } from './driver-conformance.js';

const GiB = 2 ** 30;

export function declareCapabilityConformance(subject: ConformanceSubject, driver: VolumeDriverCore, h: Harness): void {
  test('stats advertise exactly the capabilities implemented, and no pool flag claims one that is missing', async () => {
    const stats = await driver.getVolumeStats(true);
    const known = Cap.ALL_CAPABILITIES.map((c) => c.operation);
    assert.deepEqual(stats.operations.filter((o) => !known.includes(o)), [], 'operations that name no capability');
    assert.equal(new Set(stats.operations).size, stats.operations.length, 'an operation advertised twice');
    for (const c of Cap.ALL_CAPABILITIES) {
      assert.equal(stats.operations.includes(c.operation), c.is(driver),
        `${c.operation}: ${c.is(driver) ? 'implemented but not advertised' : 'advertised but not implemented'}`);
    }
    for (const p of stats.pools) {
      if (p.onlineExtendSupport) assert.ok(Cap.Extend.is(driver), `pool ${p.poolName} claims online extend without extend`);
      if (p.capabilities.replication_enabled === true) assert.ok(Cap.Replication.is(driver), `pool ${p.poolName} claims replication without it`);
      if (p.capabilities.consistent_group_snapshot_enabled === true) {
        assert.ok(Cap.Groups.is(driver) && Cap.Snapshots.is(driver), `pool ${p.poolName} claims group snapshots without groups and snapshots`);
      }
    }
  });
  const pattern = () => randomBytes(64 * 1024);
  const dataNote = h.dataPath ? `bytes checked via ${h.dataPath}` : 'bytes not checked: no local_path or image_transfer';

  /** Asserts `v` is `size` GiB on the backend, when the driver can tell (list or model update). */
  async function assertSize(v: DriverVolume, size: number, updateSize?: number): Promise<void> {
    if (updateSize !== undefined) assert.equal(updateSize, size, 'model update size');
    const reported = await h.backendSize(v);
    if (reported !== null) assert.equal(reported, size, `backend size of ${v.id}`);
  }

  if (Cap.Snapshots.is(driver)) {
    describe('snapshot', () => {
      test('createSnapshot twice and deleteSnapshot twice succeed; deleting a never-created snapshot succeeds', async () => {
        const v = await h.volume(1);
        const s = await h.snapshot(v);
        assertModelUpdate(await driver.createSnapshot(s));
        await driver.deleteSnapshot(s);
        await driver.deleteSnapshot(s);
        h.forgetSnapshot(s);
        await driver.deleteSnapshot(makeSnapshot(v));
        await h.destroy(v);
      });
      test('createSnapshot of a volume that does not exist throws a FlintError', async () => {
        await assertFlintError(() => driver.createSnapshot(makeSnapshot(makeVolume())), FlintError, 'createSnapshot');
      });
    });
  }

  if (Cap.CreateFromSnapshot.is(driver)) {
    describe('create_from_snapshot', () => {
      for (const size of [1, 2]) {
        test(`a ${size} GiB volume from a 1 GiB snapshot (${dataNote}); repeating the create succeeds`, async () => {
          assert.ok(Cap.Snapshots.is(driver), 'create_from_snapshot needs the snapshot capability');
          const src = await h.volume(1);
          const bytes = pattern();
          if (h.dataPath) await h.write(src, bytes);
          const s = await h.snapshot(src);
          let v = makeVolume({ size });
          const update = await driver.createVolumeFromSnapshot(v, s);
          assertModelUpdate(update);
          v = h.remember(applyUpdate(v, update));
          assertModelUpdate(await driver.createVolumeFromSnapshot(v, s));
          await assertSize(v, size, update ? update.size : undefined);
          if (h.dataPath) assert.deepEqual(await h.read(v, bytes.length), bytes);
          await h.destroy(v);
          await driver.deleteSnapshot(s);
          h.forgetSnapshot(s);
          await h.destroy(src);
        });
      }
    });
  }

  if (Cap.Clone.is(driver)) {
    describe('clone', () => {
      for (const size of [1, 2]) {
        test(`a ${size} GiB clone of a 1 GiB volume (${dataNote}); repeating the clone succeeds`, async () => {
          const src = await h.volume(1);
          const bytes = pattern();
          if (h.dataPath) await h.write(src, bytes);
          let v = makeVolume({ size });
          const update = await driver.createClonedVolume(v, src);
          assertModelUpdate(update);
          v = h.remember(applyUpdate(v, update));
          assertModelUpdate(await driver.createClonedVolume(v, src));
          await assertSize(v, size, update ? update.size : undefined);
          if (h.dataPath) assert.deepEqual(await h.read(v, bytes.length), bytes);
          await h.destroy(v);
          await h.destroy(src);
        });
      }
    });
  }

  if (Cap.Extend.is(driver)) {
    describe('extend', () => {
      test(`extend 1 → 2 GiB keeps the data (${dataNote}); extending again to 2 GiB succeeds`, async () => {
        let v = await h.volume(1);
        const bytes = pattern();
        if (h.dataPath) await h.write(v, bytes);
        const update = await driver.extendVolume(v, 2);
        assertModelUpdate(update);
        v = h.remember(applyUpdate({ ...v, size: 2 }, update));
        await assertSize(v, 2);
        await driver.extendVolume(v, 2);
        if (h.dataPath) assert.deepEqual(await h.read(v, bytes.length), bytes);
        await h.destroy(v);
      });
      test('extendVolume of a volume that does not exist throws a FlintError', async () => {
        await assertFlintError(() => driver.extendVolume(makeVolume(), 2), FlintError, 'extendVolume');
      });
    });
  }

  if (Cap.RevertToSnapshot.is(driver)) {
    test(`revert_to_snapshot restores the snapshot (${dataNote})`, async () => {
      assert.ok(Cap.Snapshots.is(driver), 'revert_to_snapshot needs the snapshot capability');
      const v = await h.volume(1);
      const before = pattern();
      if (h.dataPath) await h.write(v, before);
      const s = await h.snapshot(v);
      if (h.dataPath) await h.write(v, pattern());
      await driver.revertToSnapshot(v, s);
      if (h.dataPath) assert.deepEqual(await h.read(v, before.length), before);
      await assertSize(v, 1);
      await driver.deleteSnapshot(s);
      h.forgetSnapshot(s);
      await h.destroy(v);
    });
  }

  if (Cap.Manage.is(driver)) {
    describe('manage', () => {
      test('unmanage then manageExistingGetSize and manageExisting take the object over as a new volume', async () => {
        const old = await h.volume(2);
        const listed = Cap.ListBackendVolumes.is(driver)
          ? (await driver.listBackendVolumes()).find((o) => o.flintId === old.id)
          : undefined;
        const ref = listed?.reference ?? { 'source-name': old.name };
        await driver.unmanage(old);
        h.forget(old);
        if (Cap.ListBackendVolumes.is(driver)) {
          const after = (await driver.listBackendVolumes()).find((o) => JSON.stringify(o.reference) === JSON.stringify(ref));
          assert.ok(after, 'an unmanaged object stays on the backend');
          assert.equal(after.safeToManage, true, 'an unmanaged object is safe to manage');
        }
        let v = makeVolume({ size: 1 });
        assert.equal(await driver.manageExistingGetSize(v, ref), 2);
        const update = await driver.manageExisting(v, ref);
        assertModelUpdate(update);
        v = h.remember(applyUpdate({ ...v, size: 2 }, update));
        if (update && update.size !== undefined) assert.equal(update.size, 2);
        if (Cap.ListBackendVolumes.is(driver)) {
          const objs = await driver.listBackendVolumes();
          const mine = objs.find((o) => o.flintId === v.id) ?? objs.find((o) => JSON.stringify(o.reference) === JSON.stringify(ref));
          assert.ok(mine, 'the managed object is listed');
          assert.equal(mine.sizeGiB, 2);
        }
        await h.destroy(v);
        if (Cap.ListBackendVolumes.is(driver)) {
          const objs = await driver.listBackendVolumes();
          assert.ok(!objs.some((o) => o.flintId === v.id || o.flintId === old.id), 'deleting the managed volume removes the object');
        }
      });
      test('manageExistingGetSize of a reference that names nothing throws a FlintError', async () => {
        await assertFlintError(
          () => driver.manageExistingGetSize(makeVolume(), { 'source-name': `missing-${randomUUID()}` }), FlintError, 'manageExistingGetSize',
        );
      });
    });
  }

  if (Cap.ManageSnapshots.is(driver) && Cap.Snapshots.is(driver)) {
    describe('manage_snapshot', () => {
      test('unmanageSnapshot keeps the snapshot; manageExistingSnapshot takes it over as a new snapshot of the volume', async () => {
        const v = await h.volume(1);
        const old = await h.snapshot(v);
        await driver.unmanageSnapshot(old);
        h.forgetSnapshot(old);
        if (Cap.ListBackendSnapshots.is(driver)) {
          const listed = (await driver.listBackendSnapshots()).find((o) => o.reference['source-name'] === old.name);
          assert.ok(listed, 'an unmanaged snapshot stays on the backend');
          assert.deepEqual([listed.safeToManage, listed.sizeGiB], [true, 1]);
        }
        const ref = { 'source-name': old.name };
        let s = makeSnapshot(v);
        assert.equal(await driver.manageExistingSnapshotGetSize(s, ref), 1);
        const update = await driver.manageExistingSnapshot(s, ref);
        assertModelUpdate(update);
        s = applyUpdate({ ...s, volumeSize: 1 }, update);
        if (Cap.ListBackendSnapshots.is(driver)) {
          const mine = (await driver.listBackendSnapshots()).filter((o) => o.flintId === s.id);
          assert.equal(mine.length, 1, 'the managed snapshot is listed under its new id');
          assert.equal(mine[0]!.safeToManage, false);
        }
        if (Cap.CreateFromSnapshot.is(driver)) {
          const fromIt = makeVolume({ size: 1 });
          h.remember(applyUpdate(fromIt, await driver.createVolumeFromSnapshot(fromIt, s)));
        }
        await driver.deleteSnapshot(s);
        await h.destroy(v);
      });
      test('manageExistingSnapshotGetSize of a reference that names nothing throws a FlintError', async () => {
        const v = await h.volume(1);
        await assertFlintError(
          () => driver.manageExistingSnapshotGetSize(makeSnapshot(v), { 'source-name': `missing-${randomUUID()}` }), FlintError, 'manageExistingSnapshotGetSize',
        );
        await h.destroy(v);
      });
    });
  }

  if (Cap.ListBackendVolumes.is(driver)) {
    test('list_backend_volumes: entries are well-formed; a new volume is listed with its Flint id and size', async () => {
      const v = await h.volume(2);
      const objs = await driver.listBackendVolumes();
      objs.forEach(assertBackendObject);
      const mine = objs.filter((o) => o.flintId === v.id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.sizeGiB, 2);
      assert.equal(mine[0]!.safeToManage, false, 'a volume Flint owns is not safe to manage again');
      await h.destroy(v);
    });
  }

  if (Cap.LocalPath.is(driver)) {
    test('local_path: an absolute path to the volume bytes, as large as the volume', async () => {
      const v = await h.volume(1);
      const path = await driver.localPath(v);
      assert.ok(isAbsolute(path), `localPath '${path}' must be absolute`);
      const st = await stat(path);
      if (st.isFile()) assert.equal(st.size, GiB);
      await h.destroy(v);
    });
  }

  if (Cap.CopyVolumeData.is(driver)) {
    test(`copy_volume_data copies the source onto the destination (${dataNote})`, async () => {
      const src = await h.volume(1);
      const dst = await h.volume(1);
      const bytes = pattern();
      if (h.dataPath) await h.write(src, bytes);
      await driver.copyVolumeData(src, dst);
      if (h.dataPath) assert.deepEqual(await h.read(dst, bytes.length), bytes);
      await h.destroy(dst);
      await h.destroy(src);
    });
  }

  if (Cap.ImageTransfer.is(driver)) {
    describe('image_transfer', () => {
      test('a raw image written to a volume reads back unchanged, as a full-size raw image', async () => {
        const v = await h.volume(1);
        const bytes = pattern();
        const img = await h.scratchFile(`image-${v.id}.raw`);
        await writeFile(img, bytes);
        await driver.copyImageToVolume(v, img, 'raw');
        const out = await h.scratchFile(`volume-${v.id}.raw`);
        await driver.copyVolumeToImage(v, out, 'raw');
        assert.equal((await stat(out)).size, GiB, 'a raw image of a 1 GiB volume is 1 GiB');
        assert.deepEqual(await h.read(v, bytes.length), bytes);
        await h.destroy(v);
      });
      test('copyImageToVolume of a missing image file throws a FlintError', async () => {
        const v = await h.volume(1);
        await assertFlintError(
          () => driver.copyImageToVolume(v, `/nonexistent/${randomUUID()}.raw`, 'raw'), FlintError, 'copyImageToVolume',
        );
        await h.destroy(v);
      });
    });
  }

  if (Cap.Retype.is(driver)) {
    test('retype answers whether it changed the volume in place; the volume survives', async () => {
      const v = await h.volume(1);
      assert.equal(typeof (await driver.retype(v, {})), 'boolean');
      await assertSize(v, 1);
      await h.destroy(v);
    });
  }

  if (Cap.Migrate.is(driver)) {
    test('migrateVolume to a backend that does not exist moves nothing ([false, …] or a FlintError)', async () => {
      const v = await h.volume(1);
      const dest = `nohost@missing-${randomUUID().slice(0, 8)}#pool`;
      try {
        const [moved] = await driver.migrateVolume(v, dest);
        assert.equal(moved, false);
      } catch (e) {
        assert.ok(e instanceof FlintError, `migrateVolume threw a non-FlintError: ${String(e)}`);
      }
      await assertSize(v, 1);
      await h.destroy(v);
    });
  }

  if (Cap.Groups.is(driver)) {
    test('groups: create, add, group snapshot, delete group snapshot, remove, delete — each repeatable', async () => {
      assert.ok(Cap.Snapshots.is(driver), 'groups need the snapshot capability for group snapshots');
      const groupId = randomUUID();
      const v = await h.volume(1);
      assertModelUpdate(await driver.createGroup(groupId));
      assertModelUpdate(await driver.createGroup(groupId));
      await driver.updateGroup(groupId, [v], []);
      await driver.updateGroup(groupId, [v], []);
      const gsId = randomUUID();
      const snaps = [makeSnapshot(v)];
      await driver.createGroupSnapshot(gsId, snaps);
      await driver.deleteGroupSnapshot(gsId, snaps);
      await driver.deleteGroupSnapshot(gsId, snaps);
      await driver.updateGroup(groupId, [], [v]);
      await driver.deleteGroup(groupId, []);
      await driver.deleteGroup(groupId, []);
      await assertSize(v, 1);
      await h.destroy(v);
    });
  }

  if (Cap.Replication.is(driver)) {
    test('replication: enable and disable per volume; fail over to the default target and back', async () => {
      const v = await h.volume(1);
      assertModelUpdate(await driver.enableReplication(v));
      assertModelUpdate(await driver.disableReplication(v));
      const over = await driver.failoverHost([v], null);
      assert.equal(typeof over.activeBackendId, 'string');
      const back = await driver.failoverHost([v], 'default');
      assert.equal(back.activeBackendId, 'default');
      await h.destroy(v);
    });
  }

  if (Cap.BackupHooks.is(driver)) {
    test(`backup: getBackupDevice gives a readable point-in-time path (${dataNote}); cleanup releases it`, async () => {
      const v = await h.volume(1);
      const bytes = pattern();
      if (h.dataPath) await h.write(v, bytes);
      const dev = await driver.getBackupDevice(v);
      await stat(dev.path);
      if (h.dataPath) {
        await h.write(v, pattern());
        const fh = await open(dev.path, 'r');
        const buf = Buffer.alloc(bytes.length);
        await fh.read(buf, 0, bytes.length, 0);
        await fh.close();
        assert.deepEqual(buf, bytes, 'the backup device shows the volume as it was when it was taken');
      }
      await dev.cleanup();
      await h.destroy(v);
    });
  }

  if (Cap.AttachCallbacks.is(driver)) {
    test('attach_callbacks: attachVolume then detachVolume (twice) succeed', async () => {
      const v = await h.volume(1);
      await driver.attachVolume(v, randomUUID(), subject.connector.host ?? 'host', '/dev/vdb');
      const attachmentId = randomUUID();
      await driver.detachVolume(v, attachmentId);
      await driver.detachVolume(v, attachmentId);
      await h.destroy(v);
    });
  }
}
