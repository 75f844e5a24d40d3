// Behaviours of the existing volume and snapshot APIs that OpenStack's conformance suite
// (Tempest's tempest.api.volume) checks, each as Cinder answers it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeHarness, type Harness } from './harness.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`conformance behaviours (${kind})`, () => {
  let h: Harness;
  before(async () => { h = await makeHarness({ db: kind }); });
  after(async () => { await h.close(); });

  const createVolume = async (volume: Record<string, unknown>, project = 'p1') => {
    const r = await h.app.inject({ method: 'POST', url: `/v3/${project}/volumes`, payload: { volume } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().volume.id as string;
    assert.equal(await h.waitVolume(id, ['available', 'error']), 'available');
    return id;
  };
  const createSnapshot = async (volumeId: string, project = 'p1') => {
    const r = await h.app.inject({ method: 'POST', url: `/v3/${project}/snapshots`, payload: { snapshot: { volume_id: volumeId } } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().snapshot.id as string;
    assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'available');
    return id;
  };
  const snapshotCount = async () => Number((await h.db.kysely.selectFrom('snapshots').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('a snapshot with volume_id null is 404 (no such volume) and creates nothing', async () => {
    const before = await snapshotCount();
    const r = await h.app.inject({ method: 'POST', url: '/v3/p1/snapshots', payload: { snapshot: { volume_id: null, display_name: 'x' } } });
    assert.equal(r.statusCode, 404, r.body);
    assert.match(r.json().itemNotFound.message, /Volume .*volume_id is null.* could not be found/);
    assert.equal(await snapshotCount(), before);
    // Without the key at all it is still a bad request naming it.
    const missing = await h.app.inject({ method: 'POST', url: '/v3/p1/snapshots', payload: { snapshot: { display_name: 'x' } } });
    assert.equal(missing.statusCode, 400, missing.body);
    assert.match(missing.json().badRequest.message, /volume_id/);
  });

  test('listing snapshots or volumes after an unknown marker is 404 naming the marker', async () => {
    const v = await createVolume({ size: 1 });
    await createSnapshot(v);
    const marker = randomUUID();
    for (const path of ['snapshots', 'snapshots/detail']) {
      const r = await h.app.inject({ method: 'GET', url: `/v3/p1/${path}?marker=${marker}` });
      assert.equal(r.statusCode, 404, r.body);
      assert.match(r.json().itemNotFound.message, new RegExp(`Marker snapshot ${marker}`));
    }
    for (const path of ['volumes', 'volumes/detail']) {
      const r = await h.app.inject({ method: 'GET', url: `/v3/p1/${path}?marker=${marker}` });
      assert.equal(r.statusCode, 404, r.body);
      assert.match(r.json().itemNotFound.message, new RegExp(`Marker volume ${marker}`));
    }
    // A snapshot of another project is not a marker this project can page from.
    const other = await createSnapshot(await createVolume({ size: 1 }, 'p2'), 'p2');
    const r = await h.app.inject({ method: 'GET', url: `/v3/p1/snapshots?marker=${other}` });
    assert.equal(r.statusCode, 404, r.body);
  });
});
