// Volumes from image files and uploads to image files, through the service.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { adminCtx, startTestService, waitForVolumeStatus, type TestService } from '../support/test-service.js';

describe('volume images (fake backend, real qemu-img)', () => {
  let svc: TestService;
  let images: string;
  before(async () => {
    svc = await startTestService({ backends: { imgfake: { volume_driver: 'fake' } } });
    images = join(svc.dir, 'var', 'images');
  });
  after(async () => svc?.cleanup());

  test('a qcow2 image becomes a volume, and the volume uploads back to an identical image', async () => {
    const raw = join(svc.dir, 'seed.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=3', 'status=none']);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, join(images, 'seed.qcow2')]);

    const v = await svc.api.createVolume(adminCtx, { size: 1, imagePath: 'seed.qcow2' });
    const status = await waitForVolumeStatus(svc, v.id, ['available', 'error']);
    const msgs = await svc.db.kysely.selectFrom('messages').select('userMessage').where('resourceUuid', '=', v.id).execute();
    assert.equal(status, 'available', JSON.stringify(msgs));
    const row = await svc.db.kysely.selectFrom('volumes').select('bootable').where('id', '=', v.id).executeTakeFirstOrThrow();
    assert.equal(row.bootable, 1, 'a volume made from an image is bootable');

    await svc.api.uploadToImage(adminCtx, v.id, 'out.qcow2', 'qcow2');
    assert.equal(await waitForVolumeStatus(svc, v.id, ['available']), 'available');
    // The first 3 MiB are the image; the rest of the 1 GiB volume reads zeroes.
    // Kept by the image's id; the name is the project's, in the database.
    const out = await svc.db.kysely.selectFrom('images').selectAll().where('name', '=', 'out.qcow2').executeTakeFirstOrThrow();
    assert.deepEqual([out.projectId, out.status, out.visibility], [adminCtx.projectId, 'active', 'private']);
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, join(images, '.store', out.id)]);
    await assert.rejects(svc.api.uploadToImage(adminCtx, v.id, 'out.qcow2', 'qcow2'), /already exists/);
    await assert.rejects(svc.api.uploadToImage(adminCtx, v.id, '../../etc/x', 'qcow2'), /must be a file name/);
    await assert.rejects(svc.api.createVolume(adminCtx, { size: 1, imagePath: '/etc/passwd' }), /must be a file name/);
    await assert.rejects(svc.api.createVolume(adminCtx, { size: 1, imagePath: 'nope.raw' }), /Image nope.raw could not be found/);
  });
});
