// Behaviours of the existing volume and snapshot APIs that OpenStack's conformance suite
// (Tempest's tempest.api.volume) checks, each as Cinder answers it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeHarness, type Harness } from './harness.js';
import { startHeartbeat } from '../../src/db/repos/services.js';
import { waitUntil } from '../support/test-service.js';
import { FAKE_KEYSTONE_SERVICE_TOKEN, startFakeKeystone, type FakeKeystone, type FakeTokens } from '../support/fake-keystone.js';

for (const kind of ['sqlite', 'postgres'] as const) describe(`conformance behaviours (${kind})`, () => {
  let h: Harness;
  before(async () => { h = await makeHarness({ db: kind }); });
  after(async () => { await h?.close(); });

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

  test('a snapshot counts its volume\'s size against gigabytes (Cinder\'s default), and gives it back', async () => {
    const P = 'qsnap';
    const usage = async () => {
      const q = (await h.app.inject({ method: 'GET', url: `/v3/${P}/os-quota-sets/${P}?usage=true` })).json().quota_set;
      return { gigabytes: q.gigabytes.in_use as number, snapshots: q.snapshots.in_use as number, reserved: q.gigabytes.reserved as number };
    };
    const setQuota = async (quota_set: Record<string, number>) =>
      assert.equal((await h.app.inject({ method: 'PUT', url: `/v3/${P}/os-quota-sets/${P}`, payload: { quota_set } })).statusCode, 200);
    await setQuota({ gigabytes: 3, volumes: 1, snapshots: 2 });
    const v = await createVolume({ size: 1 }, P);
    const s1 = await createSnapshot(v, P);
    assert.deepEqual(await usage(), { gigabytes: 2, snapshots: 1, reserved: 0 });
    // Tempest's test_quota_volume_gigabytes_snapshots: 2 GiB in use of 2 leaves no room for another.
    await setQuota({ gigabytes: 2, volumes: 1, snapshots: 2 });
    const over = await h.app.inject({ method: 'POST', url: `/v3/${P}/snapshots`, payload: { snapshot: { volume_id: v } } });
    assert.equal(over.statusCode, 413, over.body);
    assert.match(over.json().overLimit.message, /gigabytes/);
    assert.deepEqual(await usage(), { gigabytes: 2, snapshots: 1, reserved: 0 });
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v3/${P}/snapshots/${s1}` })).statusCode, 202);
    assert.equal(await h.waitSnapshot(s1, ['deleted']), 'deleted');
    assert.deepEqual(await usage(), { gigabytes: 1, snapshots: 0, reserved: 0 });
    // A cascade delete gives back the volume's and its snapshots' gigabytes.
    await setQuota({ gigabytes: 10, volumes: 1, snapshots: 2 });
    await createSnapshot(v, P);
    await createSnapshot(v, P);
    assert.deepEqual(await usage(), { gigabytes: 3, snapshots: 2, reserved: 0 });
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v3/${P}/volumes/${v}?cascade=true` })).statusCode, 202);
    assert.equal(await h.waitVolume(v, ['deleted']), 'deleted');
    assert.deepEqual(await usage(), { gigabytes: 0, snapshots: 0, reserved: 0 });
  });

  test('an empty volume or snapshot id is 404 for show, update and delete, as Cinder answers', async () => {
    // Tempest's update sends an empty volume object: still 404, not a 400 about the body.
    for (const [method, path, payload] of [
      ['GET', 'volumes', undefined], ['PUT', 'volumes', { volume: { name: 'x' } }], ['PUT', 'volumes', { volume: {} }], ['DELETE', 'volumes', undefined],
      ['GET', 'snapshots', undefined], ['PUT', 'snapshots', { snapshot: {} }], ['DELETE', 'snapshots', undefined],
    ] as const) {
      const r = await h.app.inject({ method, url: `/v3/p1/${path}/`, ...(payload ? { payload } : {}) });
      assert.equal(r.statusCode, 404, `${method} ${path}: ${r.body}`);
      assert.ok(r.json().itemNotFound, r.body);
    }
  });

  test('reserving a volume already reserved is 400 (InvalidVolume) and leaves it reserved; unreserve frees it', async () => {
    const v = await createVolume({ size: 1 });
    const act = (body: object) => h.app.inject({ method: 'POST', url: `/v3/p1/volumes/${v}/action`, payload: body });
    assert.equal((await act({ 'os-reserve': null })).statusCode, 202);
    const again = await act({ 'os-reserve': null });
    assert.equal(again.statusCode, 400, again.body);
    assert.match(again.json().badRequest.message, /Cannot reserve volume .*status is attaching/);
    assert.equal((await h.row(v))?.status, 'attaching');
    assert.equal((await act({ 'os-unreserve': null })).statusCode, 202);
    assert.equal((await h.row(v))?.status, 'available');
  });

  test('snapshot lists: limit=0 is an empty page; sort_key=display_name sorts by name', async () => {
    const P = 'psort';
    const v = await createVolume({ size: 1 }, P);
    for (const name of ['b-snap', 'a-snap', 'c-snap']) {
      const r = await h.app.inject({ method: 'POST', url: `/v3/${P}/snapshots`, payload: { snapshot: { volume_id: v, name } } });
      assert.equal(r.statusCode, 202, r.body);
      await h.waitSnapshot(r.json().snapshot.id, ['available']);
    }
    for (const path of ['snapshots', 'snapshots/detail', 'volumes']) {
      const empty = await h.app.inject({ method: 'GET', url: `/v3/${P}/${path}?limit=0` });
      assert.equal(empty.statusCode, 200, empty.body);
      assert.deepEqual(empty.json()[path.split('/')[0]!], []);
    }
    for (const [dir, names] of [['asc', ['a-snap', 'b-snap', 'c-snap']], ['desc', ['c-snap', 'b-snap', 'a-snap']]] as const) {
      const r = await h.app.inject({ method: 'GET', url: `/v3/${P}/snapshots?sort_key=display_name&sort_dir=${dir}` });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().snapshots.map((s: any) => s.name), names);
    }
  });

  test('os-services shows Cinder binary names; a host filter matches the backends on that host', async () => {
    const [host, section] = h.backendHost.split('@') as [string, string];
    const all = (await h.app.inject({ method: 'GET', url: '/v3/p1/os-services' })).json().services as Array<{ binary: string; host: string }>;
    assert.ok(all.some((s) => s.binary === 'cinder-volume' && s.host === h.backendHost), JSON.stringify(all));
    assert.ok(all.every((s) => s.binary.startsWith('cinder-')), JSON.stringify(all));
    // host=node matches node and node@backend, as Cinder's _filter_host.
    const onHost = (await h.app.inject({ method: 'GET', url: `/v3/p1/os-services?host=${host}` })).json().services as Array<{ binary: string; host: string }>;
    assert.deepEqual(onHost.map((s) => s.binary).sort(), all.filter((s) => s.host === host || s.host.startsWith(`${host}@`)).map((s) => s.binary).sort());
    assert.ok(onHost.some((s) => s.binary === 'cinder-volume'));
    const byBinary = (await h.app.inject({ method: 'GET', url: `/v3/p1/os-services?host=${host}&binary=cinder-volume` })).json().services as Array<{ host: string }>;
    assert.deepEqual(byBinary.map((s) => s.host), [h.backendHost]);
    assert.deepEqual((await h.app.inject({ method: 'GET', url: `/v3/p1/os-services?host=${host}x` })).json().services, []);
    assert.deepEqual((await h.app.inject({ method: 'GET', url: `/v3/p1/os-services?host=${host}@${section}x` })).json().services, []);
    // Disable with the default binary (cinder-volume) reaches the volume service, and back.
    const dis = await h.app.inject({ method: 'PUT', url: '/v3/p1/os-services/disable', payload: { host: h.backendHost } });
    assert.equal(dis.statusCode, 200, dis.body);
    assert.equal(dis.json().binary, 'cinder-volume');
    const shown = (await h.app.inject({ method: 'GET', url: `/v3/p1/os-services?binary=cinder-volume&host=${h.backendHost}` })).json().services;
    assert.equal(shown[0].status, 'disabled');
    assert.equal((await h.app.inject({ method: 'PUT', url: '/v3/p1/os-services/enable', payload: { host: h.backendHost, binary: 'cinder-volume' } })).statusCode, 200);
  });

  test('a role keeps heartbeating while it runs, so os-services does not show it down', async () => {
    const read = async () => (await h.db.kysely.selectFrom('services').select('lastHeartbeat').where('binary', '=', 'flint-api').where('host', '=', 'beat-host').executeTakeFirst())?.lastHeartbeat;
    const beat = await startHeartbeat(h.db, 'flint-api', 'beat-host', 'nova', 20);
    try {
      const first = await read();
      assert.ok(first);
      await waitUntil(async () => ((await read()) !== first ? true : undefined));
    } finally {
      await beat.stop();
    }
    const api = (await h.app.inject({ method: 'GET', url: '/v3/p1/os-services?host=beat-host' })).json().services;
    assert.deepEqual(api.map((s: any) => [s.binary, s.state]), [['cinder-api', 'up']]);
  });
});

// Snapshot actions as Tempest's admin/test_snapshots_actions drives them, with real tokens:
// the owner reports status with os-update_snapshot_status, an admin resets and force-deletes.
const TOKENS: FakeTokens = {
  'admin-p1': { project: 'p1', roles: ['admin', 'member', 'reader'] },
  'member-p1': { project: 'p1', roles: ['member', 'reader'] },
  'member-p2': { project: 'p2', roles: ['member', 'reader'] },
};

for (const kind of ['sqlite', 'postgres'] as const) describe(`snapshot actions as Tempest uses them (${kind})`, () => {
  let h: Harness;
  let keystone: FakeKeystone;
  before(async () => {
    keystone = await startFakeKeystone(TOKENS);
    h = await makeHarness({ db: kind, auth: { strategy: 'keystone', keystoneUrl: keystone.url, serviceToken: FAKE_KEYSTONE_SERVICE_TOKEN } });
  });
  after(async () => {
    await h?.close();
    await keystone?.close();
  });

  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    h.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const snapshotOf = async () => {
    const v = await call('member-p1', 'POST', '/v3/p1/volumes', { volume: { size: 1 } });
    assert.equal(v.statusCode, 202, v.body);
    assert.equal(await h.waitVolume(v.json().volume.id, ['available', 'error']), 'available');
    const s = await call('member-p1', 'POST', '/v3/p1/snapshots', { snapshot: { volume_id: v.json().volume.id } });
    assert.equal(s.statusCode, 202, s.body);
    const id = s.json().snapshot.id as string;
    assert.equal(await h.waitSnapshot(id, ['available', 'error']), 'available');
    return id;
  };
  const row = (id: string) => h.db.kysely.selectFrom('snapshots').select(['status', 'progress']).where('id', '=', id).executeTakeFirst();
  const snapshotsInUse = async () => (await call('admin-p1', 'GET', '/v3/p1/os-quota-sets/p1?usage=true')).json().quota_set.snapshots.in_use as number;

  test('the owner moves a creating snapshot to error with a progress; other moves and other projects are refused', async () => {
    const id = await snapshotOf();
    const act = `/v3/p1/snapshots/${id}/action`;
    // From available: not a status update_snapshot_status may start from.
    const early = await call('member-p1', 'POST', act, { 'os-update_snapshot_status': { status: 'error' } });
    assert.equal(early.statusCode, 400, early.body);
    assert.match(early.json().badRequest.message, /status available not allowed/);
    assert.equal((await call('admin-p1', 'POST', act, { 'os-reset_status': { status: 'creating' } })).statusCode, 202);
    // creating → deleting is not one of Cinder's transitions.
    const bad = await call('member-p1', 'POST', act, { 'os-update_snapshot_status': { status: 'deleting' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().badRequest.message, /deleting not allowed for snapshot with status creating/);
    // Another project's member does not see the snapshot at all.
    assert.equal((await call('member-p2', 'POST', `/v3/p2/snapshots/${id}/action`, { 'os-update_snapshot_status': { status: 'error' } })).statusCode, 404);
    assert.equal((await row(id))?.status, 'creating');
    const ok = await call('member-p1', 'POST', act, { 'os-update_snapshot_status': { status: 'error', progress: '80%' } });
    assert.equal(ok.statusCode, 202, ok.body);
    const shown = (await call('admin-p1', 'GET', `/v3/p1/snapshots/${id}`)).json().snapshot;
    assert.deepEqual([shown.status, shown['os-extended-snapshot-attributes:progress']], ['error', '80%']);
    // Missing status is a 400 naming it.
    const missing = await call('member-p1', 'POST', act, { 'os-update_snapshot_status': { progress: '1%' } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().badRequest.message, /status/);
  });

  for (const status of ['creating', 'deleting', 'error', 'error_deleting']) {
    test(`an admin force-deletes a snapshot reset to ${status}; its quota is released once`, async () => {
      const id = await snapshotOf();
      const inUse = await snapshotsInUse();
      assert.equal((await call('admin-p1', 'POST', `/v3/p1/snapshots/${id}/action`, { 'os-reset_status': { status } })).statusCode, 202);
      const del = await call('admin-p1', 'POST', `/v3/p1/snapshots/${id}/action`, { 'os-force_delete': {} });
      assert.equal(del.statusCode, 202, del.body);
      assert.equal(await h.waitSnapshot(id, ['deleted']), 'deleted');
      assert.equal(await snapshotsInUse(), inUse - 1);
    });
  }
});
