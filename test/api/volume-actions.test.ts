// Success paths of the volume actions through the real VolumeApi, scheduler and volume manager
// (fake driver): each asserts the status and fields in the database, in the API's answer and,
// where the action reaches the backend, on the fake array.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, MV, type Harness } from './harness.js';
import { DB_KINDS, waitUntil } from '../support/test-service.js';
import { tasksFinished } from '../../src/util/metrics.js';

const INSTANCE = '11111111-2222-3333-4444-555555555555';
const CONNECTOR = { initiator: 'iqn.1994-05.com.redhat:host1', host: 'host1', ip: '127.0.0.1' };

for (const kind of DB_KINDS) describe(`volume actions on the real services (${kind})`, () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness({ db: kind });
    // Every test here makes its own volumes in p1: more than Cinder's default of 10.
    const q = await h.app.inject({ method: 'PUT', url: '/v3/p1/os-quota-sets/p1', payload: { quota_set: { volumes: 100 } } });
    assert.equal(q.statusCode, 200, q.body);
  });
  after(async () => { await h.close(); });

  const act = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: `/v3/p1/volumes/${id}/action`, payload: body as object, headers });
  const show = async (id: string) => {
    const r = await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${id}` });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().volume as Record<string, any>;
  };
  const row = async (id: string) => {
    const r = await h.row(id);
    assert.ok(r, `volume ${id} has a row`);
    return r;
  };
  const usage = async (project = 'p1') => {
    const q = (await h.app.inject({ method: 'GET', url: `/v3/p1/os-quota-sets/${project}?usage=True` })).json().quota_set;
    return { volumes: q.volumes.in_use as number, gigabytes: q.gigabytes.in_use as number };
  };
  const newVolume = async (size = 1): Promise<string> => {
    const r = await h.app.inject({ method: 'POST', url: '/v3/p1/volumes', payload: { volume: { size } } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().volume.id as string;
    assert.equal(await h.waitVolume(id, ['available', 'error']), 'available');
    return id;
  };
  const attachments = (id: string) => h.db.kysely.selectFrom('attachments').selectAll().where('volumeId', '=', id).execute();

  test('os-reset_status sets status, attach_status and migration_status', async () => {
    const id = await newVolume();
    const r = await act(id, { 'os-reset_status': { status: 'error', attach_status: 'attached', migration_status: 'migrating' } });
    assert.equal(r.statusCode, 202, r.body);
    const db = await row(id);
    assert.deepEqual([db.status, db.attachStatus, db.migrationStatus], ['error', 'attached', 'migrating']);
    const v = await show(id);
    assert.equal(v.status, 'error');
    assert.equal(v['os-vol-mig-status-attr:migstat'], 'migrating');

    assert.equal((await act(id, { 'os-reset_status': { status: 'available', attach_status: 'detached', migration_status: 'none' } })).statusCode, 202);
    const back = await row(id);
    assert.deepEqual([back.status, back.attachStatus, back.migrationStatus], ['available', 'detached', null]);
    assert.equal((await show(id)).status, 'available');
    const bad = await act(id, { 'os-reset_status': { status: 'happy' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().badRequest.message, /happy/);
  });

  test('os-reset_status to attach_status detached ends the attachments, so the volume can be deleted', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdc' } })).statusCode, 202);
    assert.equal((await row(id)).status, 'in-use');
    const r = await act(id, { 'os-reset_status': { status: 'available', attach_status: 'detached' } });
    assert.equal(r.statusCode, 202, r.body);
    const db = await row(id);
    assert.deepEqual([db.status, db.attachStatus], ['available', 'detached']);
    assert.deepEqual((await attachments(id)).filter((a) => a.attachStatus !== 'detached'), [], 'no live attachment is left');
    assert.deepEqual((await show(id)).attachments, []);
    const del = await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${id}` });
    assert.equal(del.statusCode, 202, del.body);
    assert.equal(await h.waitVolume(id, ['deleted', 'error_deleting']), 'deleted');
  });

  test('os-set_bootable flips the flag in the database and the view', async () => {
    const id = await newVolume();
    const on = await act(id, { 'os-set_bootable': { bootable: true } });
    assert.equal(on.statusCode, 200, on.body);
    assert.equal((await row(id)).bootable, 1);
    assert.equal((await show(id)).bootable, 'true');
    assert.equal((await act(id, { 'os-set_bootable': { bootable: 'false' } })).statusCode, 200);
    assert.equal((await row(id)).bootable, 0);
    assert.equal((await show(id)).bootable, 'false');
  });

  test('os-update_readonly_flag records readonly in the volume metadata', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-update_readonly_flag': { readonly: true } })).statusCode, 202);
    const md = await h.db.kysely.selectFrom('volumeMetadata').select(['key', 'value']).where('resourceId', '=', id).execute();
    assert.deepEqual(md, [{ key: 'readonly', value: 'True' }]);
    assert.equal((await show(id)).metadata.readonly, 'True');
    assert.equal((await act(id, { 'os-update_readonly_flag': { readonly: false } })).statusCode, 202);
    assert.deepEqual(await h.db.kysely.selectFrom('volumeMetadata').select(['key', 'value']).where('resourceId', '=', id).execute(), [{ key: 'readonly', value: 'False' }]);
    assert.equal((await show(id)).metadata.readonly, 'False', 'the flag stays visible once set, as in Cinder');
  });

  test('os-update_readonly_flag needs an available volume (an attached one keeps its mode)', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-attach': { host_name: 'host9', mountpoint: '/dev/vdd' } })).statusCode, 202);
    const r = await act(id, { 'os-update_readonly_flag': { readonly: true } });
    assert.equal(r.statusCode, 409, r.body);
    assert.match(r.json().conflictingRequest.message, /status is in-use.*available/);
    assert.deepEqual(await h.db.kysely.selectFrom('volumeMetadata').select('key').where('resourceId', '=', id).execute(), []);
    assert.equal((await act(id, { 'os-detach': {} })).statusCode, 202);
  });

  test('a read-only volume is connected read-only and refuses a read-write attach', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-update_readonly_flag': { readonly: true } })).statusCode, 202);
    const ic = await act(id, { 'os-initialize_connection': { connector: CONNECTOR } });
    assert.equal(ic.statusCode, 200, ic.body);
    assert.equal(ic.json().connection_info.data.access_mode, 'ro');
    const rw = await act(id, { 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdb', mode: 'rw' } });
    assert.equal(rw.statusCode, 400, rw.body);
    assert.match(rw.json().badRequest.message, /read-only.*mode 'ro'/);
    assert.equal((await row(id)).status, 'available', 'a refused attach changes nothing');
    assert.deepEqual(await attachments(id), []);
    const ro = await act(id, { 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdb', mode: 'ro' } });
    assert.equal(ro.statusCode, 202, ro.body);
    assert.equal((await attachments(id))[0]?.attachMode, 'ro');
    assert.equal((await act(id, { 'os-terminate_connection': { connector: CONNECTOR } })).statusCode, 202);
    assert.equal((await act(id, { 'os-detach': {} })).statusCode, 202);

    assert.equal((await act(id, { 'os-update_readonly_flag': { readonly: false } })).statusCode, 202);
    const again = await act(id, { 'os-initialize_connection': { connector: CONNECTOR } });
    assert.equal(again.json().connection_info.data.access_mode, 'rw');
    assert.equal((await act(id, { 'os-terminate_connection': { connector: CONNECTOR } })).statusCode, 202);
  });

  test('os-reserve and os-unreserve move available → attaching → available', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-reserve': null })).statusCode, 202);
    assert.equal((await row(id)).status, 'attaching');
    assert.equal((await show(id)).status, 'attaching');
    const again = await act(id, { 'os-reserve': null });
    // Cinder's InvalidVolume: 400 (Tempest's test_reserve_volume_with_negative_volume_status).
    assert.equal(again.statusCode, 400);
    assert.match(again.json().badRequest.message, /status is attaching/);
    assert.equal((await act(id, { 'os-unreserve': {} })).statusCode, 202);
    assert.equal((await row(id)).status, 'available');
    assert.equal((await show(id)).status, 'available');
  });

  test('os-unreserve does not strand an attachment reserved through the attachments API', async () => {
    const id = await newVolume();
    const c = await h.app.inject({ method: 'POST', url: '/v3/p1/attachments', headers: MV('3.44'), payload: { attachment: { volume_uuid: id, instance_uuid: INSTANCE } } });
    assert.equal(c.statusCode, 200, c.body);
    const aid = c.json().attachment.id as string;
    assert.equal((await row(id)).status, 'reserved');
    const u = await act(id, { 'os-unreserve': {} });
    assert.equal(u.statusCode, 409, u.body);
    assert.match(u.json().conflictingRequest.message, new RegExp(`attachment ${aid}`));
    assert.equal((await row(id)).status, 'reserved', 'volume and attachment stay as they were');
    assert.equal((await attachments(id))[0]?.attachStatus, 'reserved');
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v3/p1/attachments/${aid}`, headers: MV('3.44') })).statusCode, 200);
    assert.equal((await row(id)).status, 'available');
  });

  test('legacy attach: reserve, initialize_connection, attach, begin/roll detaching, terminate, detach', async () => {
    const id = await newVolume();
    assert.equal((await act(id, { 'os-reserve': null })).statusCode, 202);
    const ic = await act(id, { 'os-initialize_connection': { connector: CONNECTOR } });
    assert.equal(ic.statusCode, 200, ic.body);
    const info = ic.json().connection_info;
    assert.equal(info.driver_volume_type, 'iscsi');
    assert.equal(info.data.access_mode, 'rw');
    assert.equal((await row(id)).exported, 1);
    assert.equal(h.store.volumes().get(id)?.connections.size, 1, 'the array has the host connected');

    const at = await act(id, { 'os-attach': { instance_uuid: INSTANCE, mountpoint: '/dev/vdb' } });
    assert.equal(at.statusCode, 202, at.body);
    const attached = await row(id);
    assert.deepEqual([attached.status, attached.attachStatus], ['in-use', 'attached']);
    const [a] = await attachments(id);
    assert.deepEqual([a!.attachStatus, a!.instanceUuid, a!.mountpoint, a!.attachMode], ['attached', INSTANCE, '/dev/vdb', 'rw']);
    assert.ok(a!.attachTime);
    const v = await show(id);
    assert.equal(v.status, 'in-use');
    assert.deepEqual(v.attachments.map((x: any) => [x.attachment_id, x.server_id, x.device]), [[a!.id, INSTANCE, '/dev/vdb']]);

    assert.equal((await act(id, { 'os-begin_detaching': {} })).statusCode, 202);
    assert.equal((await row(id)).status, 'detaching');
    assert.equal((await show(id)).status, 'detaching');
    assert.equal((await act(id, { 'os-roll_detaching': {} })).statusCode, 202);
    assert.equal((await row(id)).status, 'in-use');
    assert.equal((await show(id)).status, 'in-use');

    assert.equal((await act(id, { 'os-begin_detaching': {} })).statusCode, 202);
    assert.equal((await act(id, { 'os-terminate_connection': { connector: CONNECTOR } })).statusCode, 202);
    assert.equal(h.store.volumes().get(id)?.connections.size, 0, 'the array no longer has the host connected');
    const dt = await act(id, { 'os-detach': { attachment_id: a!.id } });
    assert.equal(dt.statusCode, 202, dt.body);
    const detached = await row(id);
    assert.deepEqual([detached.status, detached.attachStatus], ['available', 'detached']);
    // As Cinder's detach_volume, the last detach removes the export (a task on the backend's queue).
    await waitUntil(async () => ((await row(id)).exported === 0 ? true : undefined));
    assert.equal(h.store.volumes().get(id)?.exported, false, 'the array no longer exports the volume');
    const [after] = await attachments(id);
    assert.equal(after!.attachStatus, 'detached');
    assert.ok(after!.detachTime);
    const shown = await show(id);
    assert.equal(shown.status, 'available');
    assert.deepEqual(shown.attachments, []);
  });

  test('os-force_detach ends an attachment on the array and in the database', async () => {
    const id = await newVolume();
    const c = await h.app.inject({ method: 'POST', url: '/v3/p1/attachments', headers: MV('3.44'), payload: { attachment: { volume_uuid: id, instance_uuid: INSTANCE, connector: CONNECTOR } } });
    assert.equal(c.statusCode, 200, c.body);
    const aid = c.json().attachment.id as string;
    assert.equal((await h.app.inject({ method: 'POST', url: `/v3/p1/attachments/${aid}/action`, headers: MV('3.44'), payload: { 'os-complete': null } })).statusCode, 204);
    assert.equal((await row(id)).status, 'in-use');
    assert.equal(h.store.volumes().get(id)?.connections.size, 1);

    const r = await act(id, { 'os-force_detach': { attachment_id: aid, connector: CONNECTOR } });
    assert.equal(r.statusCode, 202, r.body);
    const db = await row(id);
    assert.deepEqual([db.status, db.attachStatus], ['available', 'detached']);
    const [a] = await attachments(id);
    assert.equal(a!.attachStatus, 'detached');
    assert.equal(h.store.volumes().get(id)?.connections.size, 0);
    const v = await show(id);
    assert.equal(v.status, 'available');
    assert.deepEqual(v.attachments, []);
  });

  test('os-force_delete removes an attached volume from the array, the database and the quota', async () => {
    const before = await usage();
    const id = await newVolume(2);
    assert.deepEqual(await usage(), { volumes: before.volumes + 1, gigabytes: before.gigabytes + 2 });
    assert.equal((await act(id, { 'os-attach': { host_name: 'host1', mountpoint: '/dev/sdb' } })).statusCode, 202);
    assert.equal((await row(id)).status, 'in-use');
    const plain = await h.app.inject({ method: 'DELETE', url: `/v3/p1/volumes/${id}` });
    assert.equal(plain.statusCode, 409, 'an attached volume is not deleted without force');

    const r = await act(id, { 'os-force_delete': {} });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(await h.waitVolume(id, ['deleted', 'error_deleting']), 'deleted');
    assert.equal((await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${id}` })).statusCode, 404);
    assert.equal(h.store.volumes().has(id), false);
    assert.deepEqual(await usage(), before);
  });

  test('os-unmanage lets the array keep the data; os-volume-manage takes it back', async () => {
    const before = await usage();
    const id = await newVolume(3);
    const name = h.store.volumes().get(id)!.name;
    const un = await act(id, { 'os-unmanage': {} });
    assert.equal(un.statusCode, 202, un.body);
    assert.equal(await h.waitVolume(id, ['deleted', 'error']), 'deleted');
    assert.equal((await h.app.inject({ method: 'GET', url: `/v3/p1/volumes/${id}` })).statusCode, 404);
    assert.equal(h.store.volumes().has(id), false);
    assert.equal(h.store.foreign().get(name)?.size, 3, 'the object stays on the array');
    assert.deepEqual(await usage(), before);

    const listed = await h.app.inject({ method: 'GET', url: `/v3/p1/manageable_volumes/detail?host=${h.backendHost}`, headers: MV('3.8') });
    assert.equal(listed.statusCode, 200, listed.body);
    const entry = listed.json()['manageable-volumes'].find((m: any) => m.reference['source-name'] === name);
    assert.deepEqual([entry?.size, entry?.safe_to_manage], [3, true]);

    const m = await h.app.inject({ method: 'POST', url: '/v3/p1/os-volume-manage', payload: { volume: { host: `${h.backendHost}#pool0`, ref: { 'source-name': name }, name: 'taken-back' } } });
    assert.equal(m.statusCode, 202, m.body);
    const managed = m.json().volume;
    // Cinder shows the manage flow's 'managing' as 'creating' (bug 1504007); the row says managing.
    assert.ok(['creating', 'available'].includes(managed.status), managed.status);
    assert.equal(await h.waitVolume(managed.id, ['available', 'error_managing']), 'available');
    const db = await row(managed.id);
    assert.deepEqual([db.size, db.host, db.displayName], [3, `${h.backendHost}#pool0`, 'taken-back']);
    const v = await show(managed.id);
    assert.deepEqual([v.status, v.size, v.name], ['available', 3, 'taken-back']);
    assert.equal(h.store.foreign().has(name), false);
    assert.equal(h.store.volumes().get(managed.id)?.size, 3);
    assert.deepEqual(await usage(), { volumes: before.volumes + 1, gigabytes: before.gigabytes + 3 });

    const gone = await h.app.inject({ method: 'POST', url: '/v3/p1/os-volume-manage', payload: { volume: { host: `${h.backendHost}#pool0`, ref: { 'source-name': 'no-such-object' } } } });
    assert.equal(gone.statusCode, 202);
    assert.equal(await h.waitVolume(gone.json().volume.id, ['available', 'error_managing']), 'error_managing');
  });
});

for (const kind of DB_KINDS) describe(`admin actions that end a running task (${kind})`, () => {
  let h: Harness;
  // Each backend operation takes 800 ms, so a create is still running when the admin acts.
  before(async () => { h = await makeHarness({ db: kind, backend: { fake_delay_ms: 800 } }); });
  after(async () => { await h.close(); });

  const quota = async (project: string) => {
    const q = (await h.app.inject({ method: 'GET', url: `/v3/${project}/os-quota-sets/${project}?usage=True` })).json().quota_set;
    return { volumes: [q.volumes.in_use, q.volumes.reserved], gigabytes: [q.gigabytes.in_use, q.gigabytes.reserved] };
  };
  /** Creates a volume and returns once the backend is working on it (its create task running). */
  const creating = async (project: string, size: number): Promise<string> => {
    const r = await h.app.inject({ method: 'POST', url: `/v3/${project}/volumes`, payload: { volume: { size } } });
    assert.equal(r.statusCode, 202, r.body);
    const id = r.json().volume.id as string;
    await waitUntil(async () => (await h.db.kysely.selectFrom('tasks').select('id').where('resourceId', '=', id)
      .where('kind', '=', 'create_volume').where('status', '=', 'running').executeTakeFirst()) ? true : undefined);
    return id;
  };
  /** Create tasks whose worker found its claim gone when it finished (flint_tasks_total). */
  const lostCreates = async () => (await tasksFinished.get()).values
    .find((v) => v.labels.kind === 'create_volume' && v.labels.outcome === 'lost')?.value ?? 0;
  /**
   * Waits until the superseded create's worker has ended: it finds its claim superseded and
   * drops its result, so the task keeps the admin's record.
   */
  const flowEnded = async (id: string, lostBefore: number) => {
    await waitUntil(async () => ((await lostCreates()) > lostBefore ? true : undefined));
    const t = await h.db.kysely.selectFrom('tasks').select(['status', 'errorCode', 'lastError']).where('resourceId', '=', id).where('kind', '=', 'create_volume').executeTakeFirst();
    assert.equal(t?.status, 'failed');
    assert.equal(t?.errorCode, 'superseded', t?.lastError ?? '');
  };

  test('os-reset_status during a create: the volume counts in quota, nothing stays reserved', async () => {
    const id = await creating('r1', 2);
    const lost = await lostCreates();
    const r = await h.app.inject({ method: 'POST', url: `/v3/r1/volumes/${id}/action`, payload: { 'os-reset_status': { status: 'error' } } });
    assert.equal(r.statusCode, 202, r.body);
    await flowEnded(id, lost);
    assert.equal((await h.row(id))?.status, 'error', 'the admin\'s status stands');
    assert.deepEqual(await quota('r1'), { volumes: [1, 0], gigabytes: [2, 0] });
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v3/r1/volumes/${id}` })).statusCode, 202);
    assert.equal(await h.waitVolume(id, ['deleted', 'error_deleting']), 'deleted');
    assert.deepEqual(await quota('r1'), { volumes: [0, 0], gigabytes: [0, 0] });
  });

  test('os-force_delete during a create: quota ends where it began', async () => {
    const keep = await creating('r2', 1);
    assert.equal(await h.waitVolume(keep, ['available', 'error']), 'available');
    const id = await creating('r2', 3);
    const lost = await lostCreates();
    const r = await h.app.inject({ method: 'POST', url: `/v3/r2/volumes/${id}/action`, payload: { 'os-force_delete': {} } });
    assert.equal(r.statusCode, 202, r.body);
    await flowEnded(id, lost);
    assert.equal(await h.waitVolume(id, ['deleted', 'error_deleting']), 'deleted');
    assert.deepEqual(await quota('r2'), { volumes: [1, 0], gigabytes: [1, 0] }, 'only the kept volume counts');
    assert.equal(h.store.volumes().has(id), false, 'nothing is left on the array');
  });
});
