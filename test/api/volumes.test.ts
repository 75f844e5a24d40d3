// Route tests for /volumes: create, show, list with filters/sort/pagination, update, delete, metadata, actions.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`volumes API (${kind})`, () => {
  let h: Harness;
  before(async () => { h = await makeHarness({ db: kind }); });
  after(async () => { await h.close(); });

  const create = async (volume: Record<string, unknown>, project = 'p1') => {
    const r = await h.app.inject({ method: 'POST', url: `/v3/${project}/volumes`, payload: { volume } });
    assert.equal(r.statusCode, 202, r.body);
    const v = r.json().volume as Record<string, any>;
    assert.ok(['creating', 'available'].includes(v.status), v.status);
    assert.equal(await h.waitVolume(v.id, ['available', 'error']), 'available');
    return v;
  };

  test('create renders Cinder\'s volume shape and show returns the same volume', async () => {
    await h.app.inject({ method: 'POST', url: '/v3/p1/types', payload: { volume_type: { name: 'gold' } } });
    const v = await create({ size: 2, name: 'vol-a', description: 'd', volume_type: 'gold', metadata: { a: '1' } });
    assert.equal(v.size, 2);
    assert.equal(v.name, 'vol-a');
    assert.equal(v.volume_type, 'gold');
    assert.equal(v.bootable, 'false');
    assert.equal(v.encrypted, false);
    assert.deepEqual(v.metadata, { a: '1' });
    assert.ok(!('os-vol-tenant-attr:tenant_id' in v), 'create answers the plain detail view');
    assert.match(v.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(v.links[0].rel, 'self');
    assert.ok(!('volume_type_id' in v), 'volume_type_id only from 3.63');
    const s = await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${v.id}`, headers: MV('3.63') });
    assert.equal(s.statusCode, 200);
    assert.equal(s.headers['openstack-api-version'], 'volume 3.63');
    assert.ok(s.json().volume.volume_type_id);
    assert.equal(s.json().volume.group_id, null);
    assert.equal(s.json().volume['os-vol-tenant-attr:tenant_id'], 'p1', 'show adds the os-vol-* attributes');
  });

  test('a volume of another project is not found for a non-admin token', async () => {
    const v = await create({ size: 1 }, 'p2');
    const r = await h.app.inject({ method: 'GET', url: `/v3/p2/volumes/${v.id}` });
    assert.equal(r.statusCode, 200);
    const missing = await h.app.inject({ method: 'GET', url: '/v3/p1/volumes/00000000-0000-0000-0000-000000000000' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().itemNotFound.message, /Volume 00000000-0000-0000-0000-000000000000 could not be found/);
  });

  test('list filters by name, status, metadata and bootable; sorts; paginates with a next link', async () => {
    for (let i = 0; i < 5; i++) await create({ size: i + 1, name: `page-${i}`, metadata: { group: i % 2 ? 'odd' : 'even' } }, 'p3');
    const byName = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?name=page-3' });
    assert.deepEqual(byName.json().volumes.map((v: any) => v.name), ['page-3']);
    const byMd = await h.app.inject({ method: 'GET', url: `/v3/p3/volumes/detail?metadata=${encodeURIComponent("{'group': 'odd'}")}` });
    assert.deepEqual(byMd.json().volumes.map((v: any) => v.name).sort(), ['page-1', 'page-3']);
    const sorted = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes/detail?sort=size:asc' });
    assert.deepEqual(sorted.json().volumes.map((v: any) => v.size), [1, 2, 3, 4, 5]);
    const legacy = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes/detail?sort_key=size&sort_dir=desc' });
    assert.deepEqual(legacy.json().volumes.map((v: any) => v.size), [5, 4, 3, 2, 1]);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?bootable=true' })).json().volumes.length, 0);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?status=available' })).json().volumes.length, 5);
    const counted = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?limit=2&with_count=true', headers: MV('3.45') });
    assert.equal(counted.json().count, 5);
    assert.equal(counted.json().volumes.length, 2);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?with_count=true' })).statusCode, 400, 'with_count needs 3.45');
    const summary = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes/summary', headers: MV('3.36') });
    assert.deepEqual(summary.json()['volume-summary'], { total_size: 15, total_count: 5, metadata: { group: ['even', 'odd'] } });
    assert.equal((await h.app.inject({ method: 'GET', url: '/v3/p3/volumes/summary' })).statusCode, 404, 'summary needs 3.12');

    const namesDesc: string[] = [];
    let next: string | null = '/v3/p3/volumes?sort=name:desc,size:asc&limit=3';
    while (next) {
      const body: any = (await h.app.inject({ method: 'GET', url: next })).json();
      namesDesc.push(...body.volumes.map((v: any) => v.name));
      next = body.volumes_links ? new URL(body.volumes_links[0].href).pathname + new URL(body.volumes_links[0].href).search : null;
    }
    assert.deepEqual(namesDesc, ['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);

    const seen: number[] = [];
    let url: string | null = '/v3/p3/volumes/detail?sort=size:asc&limit=2';
    while (url) {
      const r: { json(): any } = await h.app.inject({ method: 'GET', url });
      const body: any = r.json();
      seen.push(...body.volumes.map((v: any) => v.size));
      url = body.volumes_links ? new URL(body.volumes_links[0].href).pathname + new URL(body.volumes_links[0].href).search : null;
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  test('list refuses unknown filters, bad sort keys and bad markers, naming them', async () => {
    const f = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?colour=red' });
    assert.equal(f.statusCode, 400);
    assert.match(f.json().badRequest.message, /colour/);
    const s = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?sort=shoe:asc' });
    assert.match(s.json().badRequest.message, /sort key 'shoe'/);
    // Cinder answers an unknown marker with MarkerNotFound, a 404 (Tempest checks it).
    const m = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?marker=nope' });
    assert.equal(m.statusCode, 404);
    assert.match(m.json().itemNotFound.message, /Marker volume nope/);
    const l = await h.app.inject({ method: 'GET', url: '/v3/p3/volumes?limit=-3' });
    assert.match(l.json().badRequest.message, /limit/);
  });

  test('all_tenants lists every project for an admin', async () => {
    const all = await h.app.inject({ method: 'GET', url: '/v3/p1/volumes?all_tenants=1' });
    const projects = new Set(all.json().volumes.map((v: any) => v.links[0].href.split('/')[4]));
    assert.ok(projects.has('p1') && projects.has('p3'));
  });

  test('update changes name, description and metadata', async () => {
    const v = await create({ size: 1, name: 'before' });
    const r = await h.app.inject({ method: 'PUT', url: `/v3/p1/volumes/${v.id}`, payload: { volume: { name: 'after', description: 'x', metadata: { m: 'n' } } } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().volume.name, 'after');
    assert.deepEqual(r.json().volume.metadata, { m: 'n' });
    const empty = await h.app.inject({ method: 'PUT', url: `/v3/p1/volumes/${v.id}`, payload: { volume: {} } });
    assert.equal(empty.statusCode, 400);
  });

  test('metadata CRUD', async () => {
    const v = await create({ size: 1, metadata: { a: '1' } });
    const base = `/v3/p1/volumes/${v.id}/metadata`;
    assert.deepEqual((await h.app.inject({ method: 'POST', url: base, payload: { metadata: { b: '2' } } })).json().metadata, { a: '1', b: '2' });
    assert.deepEqual((await h.app.inject({ method: 'PUT', url: base, payload: { metadata: { c: '3' } } })).json().metadata, { c: '3' });
    assert.deepEqual((await h.app.inject({ method: 'PUT', url: `${base}/c`, payload: { meta: { c: '4' } } })).json().meta, { c: '4' });
    assert.deepEqual((await h.app.inject({ method: 'GET', url: `${base}/c` })).json().meta, { c: '4' });
    const mismatch = await h.app.inject({ method: 'PUT', url: `${base}/c`, payload: { meta: { d: '4' } } });
    assert.equal(mismatch.statusCode, 400);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `${base}/c` })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: `${base}/c` })).statusCode, 404);
    assert.deepEqual((await h.app.inject({ method: 'GET', url: base })).json().metadata, {});
  });

  test('actions: extend (3.42 for in-use), reserve, attach, detach, bootable, reset, bad bodies', async () => {
    const v = await create({ size: 1 });
    const act = (body: unknown, headers = {}) => h.app.inject({ method: 'POST', url: `/v3/p1/volumes/${v.id}/action`, payload: body as object, headers });
    assert.equal((await act({ 'os-extend': { new_size: 3 } })).statusCode, 202);
    assert.equal(await h.waitVolume(v.id, ['available', 'error_extending']), 'available');
    assert.equal((await h.row(v.id))?.size, 3);
    assert.equal((await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${v.id}` })).json().volume.size, 3);
    assert.equal(h.store.volumes().get(v.id)?.size, 3, 'the array grew the volume');
    const smaller = await act({ 'os-extend': { new_size: 2 } });
    assert.equal(smaller.statusCode, 400);
    assert.match(smaller.json().badRequest.message, /new_size/);
    assert.equal((await act({ 'os-reserve': null })).statusCode, 202);
    const again = await act({ 'os-reserve': null });
    // Cinder's InvalidVolume: 400 (Tempest's test_reserve_volume_with_negative_volume_status).
    assert.equal(again.statusCode, 400);
    assert.match(again.json().badRequest.message, /status is attaching/);
    assert.equal((await act({ 'os-unreserve': {} })).statusCode, 202);
    const ic = await act({ 'os-initialize_connection': { connector: { initiator: 'iqn.1994-05.com.redhat:abc', host: 'h1' } } });
    assert.equal(ic.statusCode, 200);
    assert.equal(ic.json().connection_info.driver_volume_type, 'iscsi');
    assert.equal((await act({ 'os-attach': { instance_uuid: '11111111-1111-1111-1111-111111111111', mountpoint: '/dev/vdb' } })).statusCode, 202);
    const shown = (await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${v.id}` })).json().volume;
    assert.equal(shown.status, 'in-use');
    assert.equal(shown.attachments.length, 1);
    assert.equal(shown.attachments[0].server_id, '11111111-1111-1111-1111-111111111111');
    assert.equal(shown.attachments[0].device, '/dev/vdb');
    const oldExtend = await act({ 'os-extend': { new_size: 4 } });
    assert.equal(oldExtend.statusCode, 409);
    assert.match(oldExtend.json().conflictingRequest.message, /in-use; extending an attached volume needs microversion 3.42/);
    assert.equal((await act({ 'os-extend': { new_size: 4 } }, MV('3.42'))).statusCode, 202);
    assert.equal(await h.waitVolume(v.id, ['in-use', 'error_extending']), 'in-use');
    assert.equal((await h.row(v.id))?.size, 4);
    assert.equal((await act({ 'os-detach': { attachment_id: shown.attachments[0].attachment_id } })).statusCode, 202);
    assert.equal((await act({ 'os-set_bootable': { bootable: 'true' } })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${v.id}` })).json().volume.bootable, 'true');
    assert.equal((await act({ 'os-reset_status': { status: 'error' } })).statusCode, 202);
    assert.equal((await act({ 'os-reset_status': { status: 'available' } })).statusCode, 202);
    const rv = await act({ revert: { snapshot_id: 'x' } });
    assert.equal(rv.statusCode, 404, 'revert needs 3.40');
    const up = await act({ 'os-volume_upload_image': { image_name: '' } });
    assert.equal(up.statusCode, 400);
    assert.match(up.json().badRequest.message, /image_name/);
    const two = await act({ 'os-reserve': null, 'os-unreserve': null });
    assert.equal(two.statusCode, 400);
  });

  test('delete honours cascade and refuses a volume with snapshots without it', async () => {
    const v = await create({ size: 1 });
    const snap = await h.app.inject({ method: 'POST', url: '/v3/p1/snapshots', payload: { snapshot: { volume_id: v.id } } });
    assert.equal(await h.waitSnapshot(snap.json().snapshot.id, ['available', 'error']), 'available');
    const plain = await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${v.id}` });
    assert.equal(plain.statusCode, 409);
    assert.match(plain.json().conflictingRequest.message, /1 snapshot\(s\)/);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${v.id}?cascade=true` })).statusCode, 202);
    assert.equal(await h.waitVolume(v.id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal((await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${v.id}` })).statusCode, 404);
    assert.equal(h.store.volumes().has(v.id), false);
    assert.equal([...h.store.snapshots().values()].filter((x) => x.volumeId === v.id).length, 0);
    const bad = await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${v.id}?cascade=maybe` });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().badRequest.message, /cascade/);
  });

  test('over quota is a 413 overLimit naming the resource', async () => {
    await h.app.inject({ method: 'PUT', url: '/v3/p1/os-quota-sets/p9', payload: { quota_set: { gigabytes: 5 } } });
    const r = await h.app.inject({ method: 'POST', url: '/v3/p9/volumes', payload: { volume: { size: 6 } } });
    assert.equal(r.statusCode, 413);
    assert.match(r.json().overLimit.message, /gigabytes/);
  });
});
