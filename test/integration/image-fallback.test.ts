// Create-from-image on a driver without image transfer (ONTAP): the manager attaches the new
// volume to this host over the driver's own connection and writes the image through the
// connector, as Cinder's base driver does with copy_image_to_volume (issue 8 part 4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTransfer } from '../../src/drivers/interface/capabilities.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions } from '../sim/ontap/ontap-driver-fixture.js';
import { adminCtx, startTestService, waitForVolumeStatus, type TestService } from '../support/test-service.js';

describe('create volume from image on ONTAP (no image_transfer): the generic copy over iSCSI', () => {
  let sim: OntapSimulator;
  let svc: TestService;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'image-fallback-'));
    sim = await OntapSimulator.start({ mode: 'cmode', tgtDir: join(dir, 'luns') });
    svc = await startTestService({ dir, defaults: { image_dir: join(dir, 'images') }, backends: { ontap: simOptions(sim, 'cmode-zapi') } });
  });
  after(async () => {
    await svc?.cleanup();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the image lands on the LUN, the volume is bootable, and no map or igroup is left behind', async () => {
    assert.equal(ImageTransfer.is(svc.managers.get('ontap')!.driver), false, 'the premise: ONTAP has no image transfer');
    const seed = join(dir, 'seed.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${seed}`, 'bs=1M', 'count=2', 'status=none']);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', seed, join(dir, 'images', 'seed.qcow2')]);

    const v = await svc.api.createVolume(adminCtx, { size: 1, imagePath: 'seed.qcow2' });
    const status = await waitForVolumeStatus(svc, v.id, ['available', 'error'], 60_000);
    const msgs = await svc.db.kysely.selectFrom('messages').select('userMessage').where('resourceUuid', '=', v.id).execute();
    assert.equal(status, 'available', JSON.stringify(msgs));
    const row = await svc.db.kysely.selectFrom('volumes').select('bootable').where('id', '=', v.id).executeTakeFirstOrThrow();
    assert.equal(row.bootable, 1);

    const lun = [...sim.state.luns.values()].find((l) => l.path.includes(v.id.replace(/-/g, '_')) || l.path.includes(v.id));
    assert.ok(lun, `a LUN for ${v.id} among ${[...sim.state.luns.keys()].join(', ')}`);
    // The first 2 MiB are the image, the rest of the 1 GiB LUN reads zeroes.
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', seed, sim.backing!.file(lun)]);
    assert.deepEqual(sim.state.maps.filter((m) => m.path === lun.path), [], 'the copy detached the volume again');
  });
});

describe('create volume from image where no generic copy can reach the volume', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ backends: { noimg: { volume_driver: 'fake', fake_disabled_capabilities: 'image_transfer' } } });
  });
  after(async () => svc?.cleanup());

  test('a fake-protocol backend without image transfer still fails as not supported, and is detached', async () => {
    const images = join(svc.dir, 'var', 'images');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(images, 'tiny.qcow2'), '1M']);
    const v = await svc.api.createVolume(adminCtx, { size: 1, imagePath: 'tiny.qcow2' });
    assert.equal(await waitForVolumeStatus(svc, v.id, ['available', 'error']), 'error');
    const msgs = await svc.db.kysely.selectFrom('messages').select('userMessage').where('resourceUuid', '=', v.id).execute();
    assert.match(msgs.map((m) => m.userMessage).join('\n'), /not_supported: Operation create volume from image is not supported by backend noimg/);
    const store = FakeBackendStore.get('noimg');
    assert.deepEqual([...store.volumes().values()].filter((r) => r.exported || r.connections.size > 0), [], 'nothing left exported or connected');
  });
});
