// Retype, migration and reimage through the real services with two fake backends: retype in
// place (driver Retype), retype to a type on the other backend (never: 400, on-demand: the
// driver migrates it), os-migrate_volume (admin) and its refusals, migrate completion refused
// as Cinder refuses it, and 3.68 os-reimage writing an image over the volume.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../../src/api/app.js';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { DB_KINDS, startTestService, waitUntil, waitForVolumeStatus, type TestService } from '../support/test-service.js';
import { assertMatchesTempestSchema } from '../support/tempest-schemas.js';

const MV = (v: string) => ({ 'openstack-api-version': `volume ${v}` });

for (const kind of DB_KINDS) describe(`volume retype, migrate and reimage (${kind})`, () => {
  const A = `mva${process.pid}${kind}`;
  const B = `mvb${process.pid}${kind}`;
  let svc: TestService;
  let app: FastifyInstance;
  let imageDir: string;
  before(async () => {
    imageDir = mkdtempSync(join(tmpdir(), 'flint-moves-img-'));
    svc = await startTestService({
      db: kind, roles: ['scheduler', `volume@${A}`, `volume@${B}`], defaults: { image_dir: imageDir },
      backends: {
        [A]: { volume_driver: 'fake', volume_backend_name: 'fake-a', fake_capacity_gib: 100 },
        [B]: { volume_driver: 'fake', volume_backend_name: 'fake-b', fake_capacity_gib: 100 },
      },
    });
    app = buildApiApp({ db: svc.db, volumes: svc.api, quotas: svc.quotas, auth: { strategy: 'noauth' }, defaultAvailabilityZone: 'nova' });
    await app.ready();
    await waitUntil(async () => ((await svc.db.kysely.selectFrom('backendStats').select('backendHost').execute()).length >= 2 ? true : undefined));
    for (const [name, specs] of [['mt-a', { volume_backend_name: 'fake-a' }], ['mt-a2', { volume_backend_name: 'fake-a', tier: 'gold' }], ['mt-b', { volume_backend_name: 'fake-b' }], ['mt-stuck', { 'fake:requires_migration': 'true' }]] as const) {
      const r = await call('POST', '/types', { volume_type: { name, extra_specs: specs } });
      assert.equal(r.statusCode, 200, r.body);
    }
  });
  after(async () => {
    await app.close();
    await svc.cleanup();
    FakeBackendStore.reset(A);
    FakeBackendStore.reset(B);
    rmSync(imageDir, { recursive: true, force: true });
  });
  const call = (method: string, path: string, payload?: object, version = '3.0') =>
    app.inject({ method: method as 'GET', url: `/v3/pm${path}`, headers: MV(version), ...(payload ? { payload } : {}) });
  const act = (id: string, body: object, version = '3.0') => call('POST', `/volumes/${id}/action`, body, version);
  const row = async (id: string) => (await svc.db.kysely.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst())!;
  const newVolume = async (type: string) => {
    const r = await call('POST', '/volumes', { volume: { size: 1, volume_type: type } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().volume.id as string;
    assert.equal(await waitForVolumeStatus(svc, id, ['available', 'error']), 'available');
    return id;
  };
  const typeUsage = async (type: string) => {
    const qs = (await call('GET', '/os-quota-sets/pm?usage=True')).json().quota_set;
    return qs[`volumes_${type}`]?.in_use ?? 0;
  };

  test('retype within the backend is done by the driver; the per-type quota moves', async () => {
    const id = await newVolume('mt-a');
    const before = [await typeUsage('mt-a'), await typeUsage('mt-a2')];
    const r = await act(id, { 'os-retype': { new_type: 'mt-a2', migration_policy: 'never' } });
    assertMatchesTempestSchema('volumes.retype_volume', null, { status: r.statusCode, body: r.body });
    assert.equal(await waitForVolumeStatus(svc, id, ['available', 'error']), 'available');
    const v = (await call('GET', `/volumes/${id}`)).json().volume;
    assert.equal(v.volume_type, 'mt-a2');
    assert.equal(v.migration_status, null);
    assert.equal(FakeBackendStore.get(A).volumes().get(id)!.extraSpecs.tier, 'gold', 'the driver was told');
    assert.deepEqual([await typeUsage('mt-a'), await typeUsage('mt-a2')], [before[0] - 1, before[1] + 1]);
    const same = await act(id, { 'os-retype': { new_type: 'mt-a2' } });
    assert.equal(same.statusCode, 400);
    assert.equal((await act(id, { 'os-retype': { new_type: 'no-such-type' } })).statusCode, 404);
  });

  test('retype to another backend: refused with policy never, migrated by the driver with on-demand', async () => {
    const id = await newVolume('mt-a');
    const never = await act(id, { 'os-retype': { new_type: 'mt-b' } });
    assert.equal(never.statusCode, 400, never.body);
    assert.match(never.body, /migration/);
    assert.equal((await row(id)).status, 'available', 'a refused retype changes nothing');
    const r = await act(id, { 'os-retype': { new_type: 'mt-b', migration_policy: 'on-demand' } });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(await waitForVolumeStatus(svc, id, ['available', 'error']), 'available');
    const v = (await call('GET', `/volumes/${id}`)).json().volume;
    assert.equal(v.volume_type, 'mt-b');
    assert.equal(v['os-vol-mig-status-attr:migstat'], 'success');
    assert.match(v['os-vol-host-attr:host'], new RegExp(`@${B}#`));
    assert.equal(FakeBackendStore.get(A).volumes().has(id), false);
    assert.equal(FakeBackendStore.get(B).volumes().has(id), true);
  });

  test('a retype the driver cannot make in place fails cleanly with a user message', async () => {
    const id = await newVolume('mt-a');
    const r = await act(id, { 'os-retype': { new_type: 'mt-stuck' } });
    assert.equal(r.statusCode, 202, r.body);
    await waitUntil(async () => ((await row(id)).status === 'retyping' ? undefined : true));
    const v = await row(id);
    assert.equal(v.status, 'available');
    assert.equal((await call('GET', `/volumes/${id}`)).json().volume.volume_type, 'mt-a');
    const msgs = (await call('GET', `/messages?resource_uuid=${id}`, undefined, '3.5')).json().messages;
    assert.match(msgs[0].user_message, /Retype volume failed/);
  });

  test('os-migrate_volume moves a volume to a named host; its refusals change nothing', async () => {
    const id = await newVolume('mt-a');
    const cur = (await row(id)).host!;
    const bHost = (await svc.db.kysely.selectFrom('backendStats').select('backendHost').execute()).map((r) => r.backendHost).find((h) => h.endsWith(`@${B}`))!;
    assert.equal((await act(id, { 'os-migrate_volume': { host: cur } })).statusCode, 400, 'same host');
    assert.equal((await act(id, { 'os-migrate_volume': { host: 'nohost@nothing' } })).statusCode, 400);
    assert.equal((await act(id, { 'os-migrate_volume': {} })).statusCode, 400);
    const hostCopy = await act(id, { 'os-migrate_volume': { host: bHost, force_host_copy: true } });
    assert.equal(hostCopy.statusCode, 400);
    assert.match(hostCopy.body, /force_host_copy/);
    assert.equal((await row(id)).status, 'available');
    assert.equal((await act(id, { 'os-migrate_volume': { host: bHost } })).statusCode, 202);
    assert.equal(await waitForVolumeStatus(svc, id, ['available', 'error']), 'available');
    const after = await row(id);
    assert.equal(after.migrationStatus, 'success');
    assert.match(after.host!, new RegExp(`^${bHost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#`));

    const snapVol = await newVolume('mt-a');
    const s = await call('POST', '/snapshots', { snapshot: { volume_id: snapVol } });
    assert.equal(s.statusCode, 202);
    const withSnap = await act(snapVol, { 'os-migrate_volume': { host: bHost } });
    assert.equal(withSnap.statusCode, 400);
    assert.match(withSnap.body, /snapshots/);
    const completion = await act(snapVol, { 'os-migrate_volume_completion': { new_volume: id } });
    assert.equal(completion.statusCode, 400);
    assert.equal((await act(snapVol, { 'os-migrate_volume_completion': { new_volume: '00000000-0000-4000-8000-000000000000' } })).statusCode, 404);
  });

  test('os-reimage needs 3.68, a known image and an available or error volume, then writes the image', async () => {
    const id = await newVolume('mt-a');
    writeFileSync(join(imageDir, 'reimage-src.raw'), Buffer.alloc(1024 * 1024, 7));
    const old = await act(id, { 'os-reimage': { image_id: 'reimage-src.raw' } }, '3.67');
    assert.equal(old.statusCode, 404);
    assert.match(old.body, /3\.68/);
    assert.equal((await act(id, { 'os-reimage': { image_id: 'no-such-image' } }, '3.68')).statusCode, 404);
    const r = await act(id, { 'os-reimage': { image_id: 'reimage-src.raw' } }, '3.68');
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(await waitForVolumeStatus(svc, id, ['available', 'error']), 'available');
    const data = FakeBackendStore.get(A).volumes().get(id)!.data;
    assert.ok(data && data.length >= 1024 * 1024 && data[0] === 7 && data[1024 * 1024 - 1] === 7, 'the image is on the volume');
    const reserved = await newVolume('mt-a');
    // An attachment without a connector leaves the volume reserved (Cinder's new attach flow).
    const att = await call('POST', '/attachments', { attachment: { volume_uuid: reserved, instance_uuid: '11111111-2222-3333-4444-555555555555' } }, '3.27');
    assert.equal(att.statusCode, 200, att.body);
    assert.equal((await row(reserved)).status, 'reserved');
    assert.equal((await act(reserved, { 'os-reimage': { image_id: 'reimage-src.raw' } }, '3.68')).statusCode, 400);
    assert.equal((await act(reserved, { 'os-reimage': { image_id: 'reimage-src.raw', reimage_reserved: true } }, '3.68')).statusCode, 202);
    assert.equal(await waitForVolumeStatus(svc, reserved, ['reserved', 'error']), 'reserved');
  });

  test('image metadata: set, show in the volume, unset, show', async () => {
    const id = await newVolume('mt-a');
    const set = await act(id, { 'os-set_image_metadata': { metadata: { image_name: 'img', ramdisk_id: 'r' } } });
    assertMatchesTempestSchema('volumes.update_volume_image_metadata', null, { status: set.statusCode, body: set.body });
    const shown = await call('GET', `/volumes/${id}`);
    assertMatchesTempestSchema('volumes.show_volume', null, { status: shown.statusCode, body: shown.body });
    assert.deepEqual(shown.json().volume.volume_image_metadata, { image_name: 'img', ramdisk_id: 'r' });
    const unset = await act(id, { 'os-unset_image_metadata': { key: 'ramdisk_id' } });
    assertMatchesTempestSchema('volumes.delete_volume_image_metadata', null, { status: unset.statusCode, body: unset.body });
    assert.equal((await act(id, { 'os-unset_image_metadata': { key: 'ramdisk_id' } })).statusCode, 404);
    const md = await act(id, { 'os-show_image_metadata': null });
    assertMatchesTempestSchema('volumes.show_volume_image_metadata', null, { status: md.statusCode, body: md.body });
    assert.deepEqual(md.json().metadata, { image_name: 'img' });
    const plain = await newVolume('mt-a');
    assert.equal('volume_image_metadata' in (await call('GET', `/volumes/${plain}`)).json().volume, false, 'only where Cinder shows it');
  });
});
