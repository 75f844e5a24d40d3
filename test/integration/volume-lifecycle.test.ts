// The block service end to end through VolumeApi on the fake driver, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { DB_KINDS, adminCtx, startTestService, userCtx, waitForSnapshotStatus, waitForVolumeStatus, type TestService } from '../support/test-service.js';

for (const kind of DB_KINDS) {
  describe(`volume lifecycle (${kind})`, () => {
    let svc: TestService;
    before(async () => {
      svc = await startTestService({ db: kind, backends: { fake1: { volume_driver: 'fake', fake_capacity_gib: 100 } } });
    });
    after(async () => svc?.cleanup());

    test('create, snapshot, clone, extend, revert, delete', async () => {
      const v = await svc.api.createVolume(adminCtx, { size: 2, name: 'one', metadata: { a: 'b' } });
      assert.equal(v.status, 'creating');
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');
      const row = await svc.db.kysely.selectFrom('volumes').selectAll().where('id', '=', v.id).executeTakeFirstOrThrow();
      assert.match(row.host!, /@fake1#/);

      const s = await svc.api.createSnapshot(adminCtx, { volumeId: v.id, name: 'snap' });
      assert.equal(await waitForSnapshotStatus(svc, s.id, ['available', 'error']), 'available');

      const fromSnap = await svc.api.createVolume(adminCtx, { snapshotId: s.id, size: 3 });
      assert.equal(await waitForVolumeStatus(svc, fromSnap.id, ['available', 'error']), 'available');
      const clone = await svc.api.createVolume(adminCtx, { sourceVolid: v.id });
      assert.equal(await waitForVolumeStatus(svc, clone.id, ['available', 'error']), 'available');

      await svc.api.revertToSnapshot(adminCtx, v.id, s.id);
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'available');

      await svc.api.extendVolume(adminCtx, clone.id, 5);
      assert.equal(await waitForVolumeStatus(svc, clone.id, ['available', 'error_extending']), 'available');
      const ext = await svc.db.kysely.selectFrom('volumes').select('size').where('id', '=', clone.id).executeTakeFirstOrThrow();
      assert.equal(ext.size, 5);

      await assert.rejects(svc.api.deleteVolume(adminCtx, v.id), /snapshot/);
      await svc.api.deleteVolume(adminCtx, v.id, { cascade: true });
      for (const id of [v.id, fromSnap.id, clone.id]) {
        if (id !== v.id) await svc.api.deleteVolume(adminCtx, id);
        assert.equal(await waitForVolumeStatus(svc, id, ['deleted', 'error_deleting']), 'deleted');
      }
      const store = FakeBackendStore.get('fake1');
      assert.equal([...store.volumes().keys()].filter((k) => [v.id, fromSnap.id, clone.id].includes(k)).length, 0);
      const usage = await svc.quotas.details(adminCtx.projectId);
      assert.equal(usage.volumes.in_use, 0);
      assert.equal(usage.gigabytes.in_use, 0);
      assert.equal(usage.snapshots.in_use, 0);
    });

    test('attach and detach through the attachments API', async () => {
      const v = await svc.api.createVolume(adminCtx, { size: 1 });
      await waitForVolumeStatus(svc, v.id, ['available']);
      const { attachment, connectionInfo } = await svc.api.createAttachment(adminCtx, {
        volumeId: v.id, instanceUuid: '11111111-2222-3333-4444-555555555555', connector: { initiator: 'iqn.2004-10.org.test:host1', host: 'host1' },
      });
      assert.ok(connectionInfo);
      assert.equal(connectionInfo.data.volume_id, v.id);
      await svc.api.completeAttachment(adminCtx, attachment.id);
      assert.equal(await waitForVolumeStatus(svc, v.id, ['in-use']), 'in-use');
      await assert.rejects(svc.api.deleteVolume(adminCtx, v.id), /attached/);
      await svc.api.deleteAttachment(adminCtx, attachment.id);
      assert.equal(await waitForVolumeStatus(svc, v.id, ['available']), 'available');
      await svc.api.deleteVolume(adminCtx, v.id);
      await waitForVolumeStatus(svc, v.id, ['deleted']);
    });

    test('quota: over-quota create is refused and leaves nothing behind', async () => {
      const ctx = userCtx('p-quota');
      await svc.quotas.setLimits('p-quota', { volumes: 1, gigabytes: 5 });
      const v = await svc.api.createVolume(ctx, { size: 2 });
      await assert.rejects(svc.api.createVolume(ctx, { size: 1 }), /Quota exceeded for volumes/);
      await waitForVolumeStatus(svc, v.id, ['available']);
      await assert.rejects(svc.api.extendVolume(ctx, v.id, 9), /Quota exceeded for gigabytes/);
      const count = await svc.db.kysely.selectFrom('volumes').select((eb) => eb.fn.countAll().as('n')).where('projectId', '=', 'p-quota').executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1);
      await svc.api.deleteVolume(ctx, v.id);
      await waitForVolumeStatus(svc, v.id, ['deleted']);
      const usage = await svc.quotas.details('p-quota');
      assert.equal(usage.volumes.in_use, 0);
      assert.equal(usage.volumes.reserved, 0);
    });

    test('a project cannot see another project\'s volume', async () => {
      const v = await svc.api.createVolume(userCtx('p-a'), { size: 1 });
      await assert.rejects(svc.api.deleteVolume(userCtx('p-b'), v.id), /could not be found/);
      await waitForVolumeStatus(svc, v.id, ['available']);
      await svc.api.deleteVolume(userCtx('p-a'), v.id);
      await waitForVolumeStatus(svc, v.id, ['deleted']);
    });
  });
}
